import assert from "node:assert/strict";
import { HeadTooLargeError, ThreadPool } from "./pool.ts";
import {
  LOG_GATE,
  LOG_ORDER,
  LOG_PEAK,
  LOG_STARTED,
} from "../../tests/support/servers/threads_fixture_worker.ts";

const FIXTURE = new URL("../../tests/support/servers/threads_fixture_worker.ts", import.meta.url);
const ORIGIN = "http://127.0.0.1:1";

/** A pool of fixture workers sharing one log; closed after `fn`, also on failure. */
async function withPool(
  size: number,
  fn: (pool: ThreadPool, log: Int32Array) => Promise<void>,
  slotBytes?: number,
): Promise<void> {
  const log = new Int32Array(new SharedArrayBuffer(4 * 1024));
  const pool = await ThreadPool.create({
    size,
    slotBytes,
    moduleUrl: FIXTURE,
    setup: () => ({
      model: "test",
      counters: log.buffer as SharedArrayBuffer,
      slots: [],
      cpuUnitsPerMs: 1,
    }),
  });
  try {
    await fn(pool, log);
  } finally {
    pool.close();
  }
}

function get(pool: ThreadPool, path: string, init?: RequestInit): Promise<Response> {
  return pool.run(new Request(ORIGIN + path, init));
}

function started(log: Int32Array): number[] {
  return Array.from(log.subarray(LOG_ORDER, LOG_ORDER + Atomics.load(log, LOG_STARTED)));
}

Deno.test("thread pool: one worker takes waiting requests in arrival order", async () => {
  await withPool(1, async (pool, log) => {
    const ids = Array.from({ length: 12 }, (_, i) => i);
    const answers = await Promise.all(
      ids.map((id) => get(pool, `/hold?ms=5&id=${id}`).then((r) => r.text())),
    );
    assert.deepEqual(answers, ids.map(String));
    assert.deepEqual(started(log), ids);
  });
});

Deno.test("thread pool: at most K requests run at once, the rest start in FIFO order", async () => {
  const K = 3;
  await withPool(K, async (pool, log) => {
    const ids = Array.from({ length: 15 }, (_, i) => i);
    const runs = ids.map((id) => get(pool, `/hold?ms=30&id=${id}`).then((r) => r.text()));
    assert.ok(pool.queued >= ids.length - K, `queued ${pool.queued}`);
    assert.deepEqual(await Promise.all(runs), ids.map(String));
    assert.equal(Atomics.load(log, LOG_PEAK), K);
    // Requests handed out at the same moment may log their start in either order, but none
    // can overtake a request more than K - 1 places ahead of it.
    const order = started(log);
    assert.deepEqual([...order].sort((a, b) => a - b), ids);
    order.forEach((id, position) => assert.ok(Math.abs(id - position) < K, `order ${order}`));
  });
});

Deno.test("thread pool: a request that blocks its worker holds back no other request", async () => {
  await withPool(2, async (pool, log) => {
    const blocked = get(pool, "/gate").then((r) => r.text());
    // Many more requests than slots go through the other worker while one worker is blocked.
    const others = Promise.all(
      Array.from({ length: 60 }, (_, id) => get(pool, `/hold?id=${id}`).then((r) => r.text())),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("requests waited for the blocked one")), 30_000);
    });
    try {
      assert.equal((await Promise.race([others, stuck])).length, 60);
    } finally {
      clearTimeout(timer);
      Atomics.store(log, LOG_GATE, 1);
      Atomics.notify(log, LOG_GATE);
    }
    assert.equal(await blocked, "through the gate");
  });
});

Deno.test("thread pool: bodies and heads larger than the slot round-trip byte for byte", async () => {
  await withPool(2, async (pool) => {
    for (const n of [0, 1, 200, 255, 256, 5000, 300_000]) {
      const response = await get(pool, `/binary?n=${n}`);
      const body = new Uint8Array(await response.arrayBuffer());
      assert.equal(body.length, n);
      assert.ok(body.every((byte, i) => byte === i % 256), `n=${n}: bytes changed`);
      assert.equal(response.headers.get("content-type"), "text/plain;charset=UTF-8");
    }
    // A head that does not fit a slot is refused as a whole, not cut.
    const headers = Array.from({ length: 60 }, (_, i): [string, string] => [`x-${i}`, `v ${i}`]);
    await assert.rejects(get(pool, "/headers", { headers }), HeadTooLargeError);
    const stats = pool.handoffStats();
    assert.equal(stats.slotBytes, 256);
    // The head "200\ncontent-type:text/plain;charset=UTF-8" takes 42 of the 256 bytes: 0, 1
    // and 200 bytes of body fit with it, 255, 256, 5000 and 300 000 go by message.
    assert.equal(stats.byMessage, 4);
  }, 256);
});

Deno.test("thread pool: many headers, and Latin-1 values, reach the worker", async () => {
  await withPool(1, async (pool) => {
    const headers = Array.from(
      { length: 100 },
      (_, i): [string, string] => [`x-test-${i}`, `value ${i}: ü ${"z".repeat(i + 1)}`],
    );
    const echoed: [string, string][] = await (await get(pool, "/headers", { headers })).json();
    for (const [name, value] of headers) {
      assert.deepEqual(echoed.find(([n]) => n === name), [name, value]);
    }
  });
});

Deno.test("thread pool: keeps text, binary, empty and absent bodies apart", async () => {
  await withPool(1, async (pool) => {
    const text = await get(pool, "/hold?id=7");
    assert.equal(text.headers.get("content-type"), "text/plain;charset=UTF-8");
    assert.equal(await text.text(), "7");
    const binary = new Uint8Array(await (await get(pool, "/binary?n=256")).arrayBuffer());
    assert.deepEqual(binary, Uint8Array.from({ length: 256 }, (_, i) => i));
    const empty = await get(pool, "/empty");
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const head = await get(pool, "/head", { method: "HEAD" });
    assert.equal(head.headers.get("content-length"), "42");
    assert.equal(head.body, null);
    const missing = await get(pool, "/nothing");
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "not found\n");
  });
});

Deno.test("thread pool: a worker that dies mid-request fails that request, and is replaced", async () => {
  const K = 2;
  await withPool(K, async (pool) => {
    await assert.rejects(get(pool, "/die"), /thread pool worker \d failed: .*died on purpose/);
    // Every worker, the replacement included, serves again: 2K held requests all answer.
    const answers = await Promise.all(
      Array.from(
        { length: 2 * K },
        (_, id) => get(pool, `/hold?ms=20&id=${id}`).then((r) => r.text()),
      ),
    );
    assert.deepEqual(answers, ["0", "1", "2", "3"]);
  });
});

Deno.test("thread pool: close rejects running and queued requests and answers no more", async () => {
  await withPool(1, async (pool) => {
    const runs = [0, 1, 2].map((id) => get(pool, `/hold?ms=200&id=${id}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    pool.close();
    for (const run of runs) await assert.rejects(run, /thread pool was closed/);
    await assert.rejects(get(pool, "/hold"), /thread pool is closed/);
  });
});

Deno.test("thread pool: counts its handoffs", async () => {
  await withPool(2, async (pool) => {
    for (let i = 0; i < 10; i++) await (await get(pool, `/hold?id=${i}`)).text();
    const stats = pool.handoffStats();
    assert.equal(stats.requests, 10);
    assert.equal(stats.byMessage, 0);
    assert.ok(stats.listenerUs > 0 && stats.workerUs > 0 && stats.appUs > 0, JSON.stringify(stats));
  });
});
