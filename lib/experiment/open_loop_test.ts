import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { checkOpenLoopSpec, openLoopSummary, quantile, runOpenLoop } from "./open_loop.ts";

Deno.test("runOpenLoop sends on the schedule and times each request from its intended start", async () => {
  const server = await startAsync({ port: 0 });
  try {
    const samples = await runOpenLoop({ url: `${server.url}/io?ms=5`, rate: 100, durationS: 0.3 });
    assert.equal(samples.length, 30);
    samples.forEach((sample, i) => {
      assert.equal(sample.status, 200, sample.error ?? "");
      assert.ok(
        Math.abs(sample.intendedMs - i * 10) < 1e-9,
        `request ${i} meant at ${sample.intendedMs}`,
      );
      assert.ok(sample.sentMs >= sample.intendedMs, "never sent before its time");
      // The latency counts from the intended time, so it includes any lateness of the sender.
      assert.ok(
        sample.latencyMs! >= sample.serviceMs!,
        `${sample.latencyMs} < ${sample.serviceMs}`,
      );
      assert.ok(sample.serviceMs! >= 5, "the server waited 5 ms");
    });
    const summary = openLoopSummary(samples, 0.3);
    assert.equal(summary.completed, 30);
    assert.equal(summary.failed, 0);
    assert.ok(summary.p99Ms >= summary.p50Ms);
  } finally {
    await server.shutdown();
  }
});

Deno.test("runOpenLoop records refused requests as failures instead of throwing", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const samples = await runOpenLoop({ url: `http://127.0.0.1:${port}/`, rate: 50, durationS: 0.1 });
  assert.equal(samples.length, 5);
  assert.ok(samples.every((s) => s.status === null && s.error !== null && s.latencyMs === null));
  assert.equal(openLoopSummary(samples).failed, 5);
});

Deno.test("checkOpenLoopSpec names the bad value", () => {
  const url = "http://127.0.0.1:1/";
  assert.throws(
    () => checkOpenLoopSpec({ url: "http://example.com/", rate: 1, durationS: 1 }),
    /loopback/,
  );
  assert.throws(() => checkOpenLoopSpec({ url, rate: 0, durationS: 1 }), /rate must be a positive/);
  assert.throws(() => checkOpenLoopSpec({ url, rate: 1, durationS: -1 }), /durationS must be/);
  assert.throws(() => checkOpenLoopSpec({ url, rate: 1e6, durationS: 1 }), /schedules 1000000/);
});

Deno.test("quantile picks the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(values, 0.5), 50);
  assert.equal(quantile(values, 0.99), 99);
  assert.equal(quantile(values, 1), 100);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});
