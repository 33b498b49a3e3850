import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { startBalancer } from "../../servers/balancer.ts";
import { recordBalancerStats, type StatsSample, timelineRows } from "./balancer_timeline.ts";

function backend(label: string, requests: number, healthy = true) {
  return { url: `http://${label}`, label, requests, inFlight: 0, failures: 0, healthy };
}

Deno.test("timelineRows: requests per second per backend per interval, first sample is the base", () => {
  const samples: StatsSample[] = [
    { timeS: 0, backends: [backend("a:1", 10), backend("b:2", 10)] },
    { timeS: 0.5, backends: [backend("a:1", 60), backend("b:2", 30)] },
    { timeS: 1, backends: [backend("a:1", 160), backend("b:2", 30, false)] },
  ];
  assert.deepEqual(
    timelineRows(samples).map((r) => [r.timeS, r.backend, r.requestsPerSec, r.healthy]),
    [
      [0.5, "a:1", 100, true],
      [0.5, "b:2", 40, true],
      [1, "a:1", 200, true],
      [1, "b:2", 0, false],
    ],
  );
  assert.deepEqual(timelineRows(samples.slice(0, 1)), []);
});

Deno.test("timelineRows: a poll answered late does not show as a spike, its interval merges into the next", () => {
  // Polls every 0.1 s; the answer at 0.3 s came late (0.38 s) and the next on time (0.4 s).
  const samples: StatsSample[] = [0, 0.1, 0.2, 0.38, 0.4, 0.5].map((timeS, i) => ({
    timeS,
    backends: [backend("a:1", [0, 50, 100, 190, 200, 250][i]!)],
  }));
  const rates = timelineRows(samples).map((r) => [r.timeS, Math.round(r.requestsPerSec)]);
  assert.deepEqual(rates, [[0.1, 500], [0.2, 500], [0.38, 500], [0.5, 500]]);
});

Deno.test("recordBalancerStats polls a real balancer and sees each backend's requests", async () => {
  const backends = await Promise.all([1, 2].map(() => startAsync({ port: 0 })));
  const balancer = await startBalancer({
    port: 0,
    backends: backends.map((b) => b.url),
    healthIntervalMs: 0,
  });
  try {
    const recorder = recordBalancerStats(balancer.url, { intervalMs: 20 });
    while (recorder.samples().length === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 6; i++) await (await fetch(`${balancer.url}/`)).body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const samples = await recorder.stop();
    assert.ok(samples.length >= 3, `only ${samples.length} samples`);
    // /lb/stats itself is not counted: exactly the six requests, three each
    assert.deepEqual(samples[0]!.backends.map((b) => b.requests), [0, 0]);
    assert.deepEqual(samples.at(-1)!.backends.map((b) => b.requests), [3, 3]);
    // the rates over the intervals add up to the six requests again
    const rows = timelineRows(samples);
    const ends = [samples[0]!.timeS, ...new Set(rows.map((row) => row.timeS))];
    const seconds = new Map(ends.slice(1).map((end, i) => [end, end - ends[i]!]));
    const sent = rows.reduce(
      (total, row) => total + row.requestsPerSec * seconds.get(row.timeS)!,
      0,
    );
    assert.ok(Math.abs(sent - 6) < 1e-6, `rates add up to ${sent} requests`);
    assert.equal(recorder.samples().length, samples.length);
  } finally {
    await balancer.shutdown();
    await Promise.all(backends.map((b) => b.shutdown()));
  }
  assert.throws(() => recordBalancerStats("not a url"), /is not a URL/);
  assert.throws(() => recordBalancerStats("http://127.0.0.1:1", { intervalMs: 1 }), /at least 10/);
});
