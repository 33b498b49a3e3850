import assert from "node:assert/strict";
import { startThreads, type ThreadsStatsReport } from "../threads.ts";
import { fetchAll } from "../../tests/support/servers/http.ts";
import { TEST_SIZES } from "../../tests/support/servers/models.ts";
import type { ServerHandle } from "../server_handle.ts";
import type { ThreadsOptions } from "../threads.ts";

const K = TEST_SIZES.threads ?? 4;

async function withThreads(
  options: ThreadsOptions,
  fn: (server: ServerHandle) => Promise<void>,
): Promise<void> {
  const server = await startThreads({ port: 0, hostname: "127.0.0.1", pool: K, ...options });
  try {
    await fn(server);
  } finally {
    await server.shutdown();
  }
}

async function stats(url: string): Promise<ThreadsStatsReport> {
  return await (await fetch(`${url}/stats`)).json();
}

Deno.test("threads: responses larger than a slot arrive byte for byte", async () => {
  await withThreads({ slotBytes: 1024 }, async (s) => {
    const logo = await Deno.readFile(new URL("../../data/www/logo.png", import.meta.url));
    assert.ok(logo.byteLength > 1024);
    const before = (await stats(s.url)).handoff!;
    const [png, bytes, small] = await Promise.all([
      fetchAll(`${s.url}/logo.png`),
      fetchAll(`${s.url}/bytes?n=3000000`),
      fetchAll(`${s.url}/bytes?n=10`),
    ]);
    assert.deepEqual(png.body, logo);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.equal(bytes.body.byteLength, 3_000_000);
    assert.ok(bytes.body.every((byte) => byte === 0x78));
    assert.equal(small.text, "xxxxxxxxxx");
    const after = (await stats(s.url)).handoff!;
    assert.equal(after.requests - before.requests, 3);
    assert.equal(after.byMessage - before.byMessage, 2); // the logo and the 3 MB, not the 10 bytes
  });
});

Deno.test("threads: a URL longer than a slot gets 414, and the server goes on", async () => {
  await withThreads({ slotBytes: 1024 }, async (s) => {
    // Headers do not cross to the workers: many of them fit any slot.
    const headers = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`x-filler-${i}`, "y".repeat(40)]),
    );
    assert.equal((await fetchAll(`${s.url}/`, { headers })).status, 200);
    const refused = await fetchAll(`${s.url}/?q=${"y".repeat(1100)}`);
    assert.equal(refused.status, 414);
    assert.match(refused.text, /larger than 1024 bytes: send a shorter URL/);
    assert.equal((await fetchAll(`${s.url}/`)).status, 200);
  });
});

Deno.test("threads: /stats counts every handoff and what it cost", async () => {
  await withThreads({}, async (s) => {
    const before = (await stats(s.url)).handoff!;
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => fetchAll(`${s.url}/`)),
    );
    assert.ok(responses.every((r) => r.status === 200 && r.text.includes("threads server")));
    const report = await stats(s.url);
    const after = report.handoff!;
    assert.equal(after.requests - before.requests, 40);
    assert.ok(after.listenerUs > before.listenerUs, JSON.stringify(after));
    assert.ok(after.workerUs > before.workerUs, JSON.stringify(after));
    assert.ok(after.appUs > before.appUs, JSON.stringify(after));
    assert.equal(report.executing?.served, 40);
  });
});

Deno.test("threads: a worker that dies mid-request gives a 500 and the pool recovers", async () => {
  const fixture = new URL("../../tests/support/servers/threads_fixture_worker.ts", import.meta.url);
  await withThreads({ workerModule: fixture }, async (s) => {
    const died = await fetchAll(`${s.url}/die`);
    assert.equal(died.status, 500);
    assert.match(died.text, /worker \d failed/);
    const held = await Promise.all(
      Array.from({ length: 2 * K }, (_, id) => fetchAll(`${s.url}/hold?ms=20&id=${id}`)),
    );
    assert.deepEqual(held.map((r) => r.text), Array.from({ length: 2 * K }, (_, id) => `${id}`));
    assert.equal((await stats(s.url)).inFlight, 0);
  });
});
