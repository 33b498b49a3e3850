import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launchScript } from "./launch.ts";
import { connectTimesProcess, openLoopProcess } from "./probe.ts";

const ASYNC = fileURLToPath(new URL("../../servers/async.ts", import.meta.url));

function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* hold this process's event loop */ }
}

Deno.test("openLoopProcess: the caller's blocked event loop does not delay the sender", async () => {
  const server = await launchScript(ASYNC, { name: "probe-test-async" });
  try {
    const running = openLoopProcess({ url: server.url + "/", rate: 100, durationS: 2 }, {
      warmupS: 0.5,
    });
    // Wait until the measured schedule is surely running (a process start and the warm-up),
    // then block this process for 600 ms: a sender in this event loop would start every request
    // scheduled meanwhile up to 600 ms late.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const blockedFrom = performance.now();
    busyFor(600);
    const samples = await running;
    assert.equal(samples.length, 200);
    assert.ok(samples.every((s) => s.status === 200), "every request answered 200");
    const latencies = samples.map((s) => s.latencyMs!).sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    assert.ok(median < 100, `median latency ${median} ms (blocked at ${blockedFrom})`);
    // In this process, 600 ms of blocking would put about 30 samples 300+ ms late.
    const late = latencies.filter((x) => x >= 300).length;
    assert.ok(late < 15, `${late} of 200 requests 300+ ms late: the sender shared our event loop`);
  } finally {
    await server.stop();
  }
});

Deno.test("connectTimesProcess: a new connection per request, timed by the child", async () => {
  const server = await launchScript(ASYNC, { name: "probe-test-connect" });
  try {
    const samples = await connectTimesProcess({
      url: server.url + "/",
      concurrency: 4,
      requests: 20,
    });
    assert.equal(samples.length, 20);
    assert.ok(samples.every((s) => s.status === 200 && s.connectMs !== null && s.error === null));
  } finally {
    await server.stop();
  }
});

Deno.test("openLoopProcess: a warm-up runs off the record, the schedule's samples only", async () => {
  const server = await launchScript(ASYNC, { name: "probe-test-warm" });
  try {
    const samples = await openLoopProcess({ url: server.url + "/", rate: 50, durationS: 0.4 }, {
      warmupS: 0.2,
    });
    assert.equal(samples.length, 20);
    assert.equal(samples[0]!.intendedMs, 0, "the measured schedule starts at its own zero");
  } finally {
    await server.stop();
  }
});

Deno.test("the probes name a bad spec in one line", async () => {
  await assert.rejects(
    openLoopProcess({ url: "http://example.com/", rate: 10, durationS: 1 }),
    /loopback/,
  );
  await assert.rejects(
    connectTimesProcess({ url: "not a url", concurrency: 1, requests: 1 }),
    /the connect probe failed \(exit 2\): 'not a url' is not a URL/,
  );
});
