import assert from "node:assert/strict";
import { spawnWorker, type StartFailure } from "./worker_handshake.ts";
import {
  type FixtureInit,
  SERVED,
  STOPPED,
} from "../tests/support/servers/handshake_fixture_worker.ts";
import { workerThreadCount } from "../tests/support/servers/worker_threads.ts";

const FIXTURE = new URL("../tests/support/servers/handshake_fixture_worker.ts", import.meta.url);

/** The number of live worker threads once it reaches `count` (threads end a moment after terminate). */
async function threadsSettleAt(count: number): Promise<number> {
  for (let i = 0; i < 100 && workerThreadCount() !== count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return workerThreadCount();
}

function fixture(behaviour: FixtureInit["behaviour"], options: Record<string, unknown> = {}) {
  const log = new Int32Array(new SharedArrayBuffer(8));
  const child = spawnWorker<FixtureInit, number>(FIXTURE, {
    behaviour,
    value: 42,
    log: log.buffer as SharedArrayBuffer,
  }, { name: `fixture ${behaviour}`, ...options });
  return { child, log };
}

Deno.test("spawnWorker: ready carries the worker's value, serve runs after it, stop runs the worker's stop and ends it", async () => {
  const before = workerThreadCount();
  const { child, log } = fixture("ready");
  assert.equal(await child.ready, 42);
  await child.stop();
  assert.equal(Atomics.load(log, SERVED), 1);
  assert.equal(Atomics.load(log, STOPPED), 1);
  await child.stop(); // a second stop is harmless
  assert.equal(await threadsSettleAt(before), before);
});

Deno.test("spawnWorker: messages that are not the handshake's pass through both ways", async () => {
  const received: unknown[] = [];
  let echoed = () => {};
  const arrived = new Promise<void>((resolve) => echoed = resolve);
  const { child } = fixture("ready", {
    onMessage: (data: unknown) => {
      received.push(data);
      echoed();
    },
  });
  await child.ready;
  child.worker.postMessage("ping");
  await arrived;
  assert.deepEqual(received, [{ echo: "ping" }]);
  await child.stop();
});

Deno.test("spawnWorker: a start that throws rejects ready with the worker's error name and message", async () => {
  const failures: StartFailure[] = [];
  const { child } = fixture("throws", {
    startError: (failure: StartFailure) => {
      failures.push(failure);
      return new TypeError(`mapped: ${failure.message}`);
    },
  });
  await assert.rejects(child.ready, { name: "TypeError", message: "mapped: no such setup" });
  assert.deepEqual(failures, [{ name: "RangeError", message: "no such setup" }]);
  const plain = fixture("throws").child;
  await assert.rejects(plain.ready, /fixture throws could not start: no such setup/);
});

Deno.test("spawnWorker: a worker that never answers is ended after the ready timeout", async () => {
  const { child } = fixture("hangs", { readyTimeoutMs: 200 });
  await assert.rejects(child.ready, /fixture hangs not ready after 0.2 s/);
  await child.stop(); // already ended: resolves at once
});

Deno.test("spawnWorker: a worker that fails after ready is reported to onFailure", async () => {
  let report: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => report = resolve);
  const { child } = fixture("crashes", { onFailure: report });
  await child.ready;
  assert.match((await failed).message, /fixture crashes failed: .*crashed on purpose/);
  await child.stop();
});

Deno.test("spawnWorker: stop terminates a worker whose stop never ends, after the stop timeout", async () => {
  const before = workerThreadCount();
  const { child, log } = fixture("stubborn");
  await child.ready;
  await child.stop(200);
  assert.equal(Atomics.load(log, STOPPED), 1);
  assert.equal(await threadsSettleAt(before), before);
});

Deno.test("spawnWorker: terminating a worker before it is ready rejects ready", async () => {
  const { child } = fixture("hangs");
  child.terminate();
  await assert.rejects(child.ready, /fixture hangs was stopped before it was ready/);
});
