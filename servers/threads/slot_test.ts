import assert from "node:assert/strict";
import { headerPairs, Slot, SlotState } from "./slot.ts";

const TEXT = "text/plain;charset=UTF-8";

Deno.test("slot: a request head round-trips, colons and non-ASCII included", () => {
  const slot = Slot.create(1024);
  const headers: [string, string][] = [["host", "127.0.0.1:8080"], ["x-note", "a: b, ü €"]];
  assert.ok(slot.writeRequest(["HEAD", "http://127.0.0.1:8080/a?b=c:d", headers]));
  assert.equal(slot.byMessage, false);
  assert.deepEqual(slot.readRequest(), ["HEAD", "http://127.0.0.1:8080/a?b=c:d", headers]);
});

Deno.test("slot: a head that does not fit is refused and marked to go by message", () => {
  const slot = Slot.create(64);
  // "GET", a newline, "http://x/" and 17 three-byte characters fill 64 bytes exactly.
  const fits = `http://x/${"€".repeat(17)}`;
  assert.ok(slot.writeRequest(["GET", fits, []]));
  assert.deepEqual(slot.readRequest(), ["GET", fits, []]);
  assert.equal(slot.writeRequest(["GET", `${fits}€`, []]), false);
  assert.equal(slot.byMessage, true);
  assert.ok(slot.writeRequest(["GET", "http://x/", []]));
  assert.equal(slot.byMessage, false);
});

Deno.test("slot: response bodies keep their bytes, emptiness and absence", () => {
  const slot = Slot.create(1024);
  const binary = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
  assert.ok(slot.writeResponse(200, [["content-type", TEXT]], binary)); // typed text, not UTF-8
  assert.deepEqual(slot.readResponse(), {
    status: 200,
    headers: [["content-type", TEXT]],
    body: binary,
  });
  assert.ok(slot.writeResponse(200, [["content-type", TEXT]], new TextEncoder().encode("hé\n")));
  assert.deepEqual(slot.readResponse(), { status: 200, headers: [], body: "hé\n" });
  assert.ok(slot.writeResponse(200, [["content-type", "image/png"]], new Uint8Array(0)));
  assert.deepEqual(slot.readResponse().body, new Uint8Array(0));
  assert.ok(slot.writeResponse(204, [], null));
  assert.deepEqual(slot.readResponse(), { status: 204, headers: [], body: null });
  assert.equal(slot.writeResponse(200, [], new Uint8Array(1025)), false);
  assert.equal(slot.byMessage, true);
});

Deno.test("slot: carries the ticket of the request it holds", () => {
  const slot = Slot.create(256);
  slot.ticket = 41;
  assert.equal(new Slot(slot.buffer).ticket, 41);
});

Deno.test("slot: a body read back is a copy the next response cannot change", () => {
  const slot = Slot.create(256);
  slot.writeResponse(200, [], new Uint8Array([1, 2, 3]));
  const first = slot.readResponse().body;
  slot.writeResponse(200, [], new Uint8Array([9, 9, 9]));
  assert.deepEqual(first, new Uint8Array([1, 2, 3]));
});

Deno.test("slot: the state wakes a thread blocked on it", async () => {
  const slot = Slot.create(256);
  assert.equal(slot.state, SlotState.Idle);
  const code = `self.onmessage = (e) => {
    const fields = new Int32Array(e.data, 0, 8);
    Atomics.wait(fields, 0, 0);
    self.postMessage(Atomics.load(fields, 0));
  };`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const woke = new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
    worker.postMessage(slot.buffer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    slot.publish(SlotState.Request);
    assert.equal(await woke, SlotState.Request);
    slot.set(SlotState.Idle);
    assert.equal(slot.state, SlotState.Idle);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});

Deno.test("slot: refuses a data area too small for any head", () => {
  assert.throws(() => Slot.create(10), /at least 64 bytes, got 10/);
});

Deno.test("slot: ASCII and UTF-8 heads and text bodies alternate in one slot without leftovers", () => {
  const slot = Slot.create(16 * 1024);
  assert.ok(slot.writeRequest(["GET", "http://x/€€€€€€€€", [["x-long", "ü".repeat(50)]]]));
  assert.ok(slot.writeRequest(["GET", "http://x/", [["host", "x"]]]));
  assert.deepEqual(slot.readRequest(), ["GET", "http://x/", [["host", "x"]]]);
  const page = "<p>plain ASCII</p>\n".repeat(600); // longer than one decoding chunk
  assert.ok(slot.writeResponse(200, [["content-type", TEXT]], new TextEncoder().encode(page)));
  assert.deepEqual(slot.readResponse(), { status: 200, headers: [], body: page });
});

Deno.test("headerPairs: the pairs spreading the headers gives, repeated names and cookies too", () => {
  const headers = new Headers([
    ["x-b", "1"],
    ["X-A", "2"],
    ["set-cookie", "a=1"],
    ["x-b", "3"],
    ["set-cookie", "b=2"],
  ]);
  assert.deepEqual(headerPairs(headers), [...headers]);
  assert.deepEqual(headerPairs(headers), [
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["x-a", "2"],
    ["x-b", "1, 3"],
  ]);
});
