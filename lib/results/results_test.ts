import assert from "node:assert/strict";
import { compareTargets, REPORT_COLUMNS, reportTable, summarize } from "./results.ts";
import { runsFrame } from "./results_store.ts";
import { sampleRecord, type SampleRun } from "../../tests/support/run_results.ts";

function frame(runs: SampleRun[]) {
  return runsFrame(runs.map(sampleRecord));
}

// async clearly ahead at c=10, a tie at c=50 (same spread), one run each at c=100.
const RUNS: SampleRun[] = [
  { target: "async", concurrency: 10, repeat: 1, rps: 1200, p50: 4, p90: 6, p99: 9 },
  { target: "async", concurrency: 10, repeat: 2, rps: 1250, p50: 5, p90: 7, p99: 10 },
  { target: "async", concurrency: 10, repeat: 3, rps: 1180, p50: 6, p90: 8, p99: 30 },
  { target: "threads", concurrency: 10, repeat: 1, rps: 650 },
  { target: "threads", concurrency: 10, repeat: 2, rps: 700 },
  { target: "threads", concurrency: 10, repeat: 3, rps: 690, non2xx: 7, failed: 2 },
  { target: "async", concurrency: 50, repeat: 1, rps: 1000 },
  { target: "async", concurrency: 50, repeat: 2, rps: 1100 },
  { target: "async", concurrency: 50, repeat: 3, rps: 900 },
  { target: "threads", concurrency: 50, repeat: 1, rps: 1010 },
  { target: "threads", concurrency: 50, repeat: 2, rps: 1090 },
  { target: "threads", concurrency: 50, repeat: 3, rps: 920 },
  { target: "async", concurrency: 100, repeat: 1, rps: 1500 },
  { target: "threads", concurrency: 100, repeat: 1, rps: 500 },
];

Deno.test("reportTable has the 2020 columns, one row per run, by concurrency then repeat", () => {
  const shuffled = [...RUNS].reverse();
  const table = reportTable(frame(shuffled), "threads");
  assert.deepEqual(table.columns, [...REPORT_COLUMNS]);
  assert.equal(table.height, 7);
  const rows = table.toRecords();
  assert.deepEqual(rows.map((r) => r["No Test"]), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(rows.map((r) => r["Concurrency Level"]), [10, 10, 10, 50, 50, 50, 100]);
  assert.deepEqual(rows.map((r) => r["Requests per second"]), [
    650,
    700,
    690,
    1010,
    1090,
    920,
    500,
  ]);
  const third = rows[2]!;
  assert.equal(third["Complete requests"], 1000);
  assert.equal(third["Failed requests"], 2);
  assert.equal(third["Non-2xx"], 7);
  assert.equal(third["Time taken for tests (s)"], 1.449); // 1000 / 690 rounded as ab prints
  assert.equal(third["Time per request (ms)"], 14.493);
  assert.equal(third["Total transferred (bytes)"], 122000);
  assert.throws(
    () => reportTable(frame(RUNS), "nginx"),
    /no runs for target 'nginx'; targets in the data: async, threads/,
  );
});

Deno.test("summarize gives medians, the t interval and totals per target and concurrency", () => {
  const summary = summarize(frame(RUNS));
  assert.equal(summary.height, 6);
  const rows = summary.toRecords();
  const cell = rows.find((r) => r.target === "async" && r.concurrency === 10)!;
  assert.equal(cell.runs, 3);
  assert.equal(cell.medianRps, 1200);
  assert.equal(cell.meanRps, 1210);
  assert.ok(Math.abs((cell.rpsCiLow as number) - 1120.4331) < 1e-3);
  assert.ok(Math.abs((cell.rpsCiHigh as number) - 1299.5669) < 1e-3);
  assert.equal(cell.p50Ms, 5);
  assert.equal(cell.p99Ms, 10);
  assert.equal(cell.completed, 3000);
  // The median's own interval: with 3 runs, the lowest to the highest run, 75% coverage.
  assert.deepEqual([cell.rpsMedianLow, cell.rpsMedianHigh], [1180, 1250]);
  assert.ok(Math.abs((cell.rpsMedianLevel as number) - 0.75) < 1e-9);
  const threads = rows.find((r) => r.target === "threads" && r.concurrency === 10)!;
  assert.equal(threads.non2xx, 7);
  assert.equal(threads.failed, 2);
  const single = rows.find((r) => r.target === "async" && r.concurrency === 100)!;
  assert.equal(single.runs, 1);
  assert.equal(single.rpsCiLow, null);
  assert.equal(single.rpsMedianLow, null);
  assert.equal(single.rpsMedianLevel, null);
  assert.equal(single.rpsCv, null);
  assert.equal(summarize(frame([])).height, 0);
});

Deno.test("summarize gives the median generator CPU, and null for runs without the column", () => {
  const records = [95, 97, 40].map((percent, i) => ({
    ...sampleRecord({ target: "async", concurrency: 50, repeat: i + 1, rps: 5000 }),
    generatorCpuS: percent / 100,
    generatorCpuPercent: percent,
  }));
  const cell = summarize(runsFrame(records)).toRecords()[0]!;
  assert.equal(cell.generatorCpuPercent, 95);
  // A frame from an old runs file, before the column existed
  const old = runsFrame(records).drop(["generatorCpuS", "generatorCpuPercent"]);
  assert.equal(summarize(old).toRecords()[0]!.generatorCpuPercent, null);
  // Measured in some runs only (a mixed folder): the median of those measured
  const mixed = [records[0]!, { ...records[1]!, generatorCpuPercent: null }];
  assert.equal(summarize(runsFrame(mixed)).toRecords()[0]!.generatorCpuPercent, 95);
});

Deno.test("compareTargets: a faster target, a tie, and too few runs, in words", () => {
  const comparison = compareTargets(frame(RUNS), "async", "threads").toRecords();
  assert.deepEqual(comparison.map((r) => r.concurrency), [10, 50, 100]);
  const [c10, c50, c100] = comparison;
  assert.equal(c10!.significant, true);
  assert.equal(c10!.ciOverlap, false);
  assert.ok(Math.abs((c10!.ratio as number) - 1200 / 690) < 1e-12);
  assert.equal(c10!.verdict, "async is 1.7x faster than threads at c=10 (p<0.001)");
  assert.equal(c50!.significant, false);
  assert.equal(c50!.ciOverlap, true);
  assert.match(
    c50!.verdict as string,
    /^no difference beyond the noise at c=50 \(async 1,000 vs threads 1,010 req\/s, p=0\.\d{3}\)$/,
  );
  assert.equal(c100!.p, null);
  assert.match(c100!.verdict as string, /^cannot tell with 1 run per target at c=100/);
  const reversed = compareTargets(frame(RUNS), "threads", "async").toRecords();
  assert.equal(reversed[0]!.verdict, "async is 1.7x faster than threads at c=10 (p<0.001)");
  assert.throws(() => compareTargets(frame(RUNS), "async", "async"), /two different targets/);
});

Deno.test("summarize cuts the interval's low end at 0: a rate is never negative", () => {
  // Two runs far apart: the t interval of the mean (df = 1) reaches far below zero.
  const [cell] = summarize(frame([
    { target: "async", concurrency: 1, repeat: 1, rps: 16000 },
    { target: "async", concurrency: 1, repeat: 2, rps: 21000 },
  ])).toRecords();
  assert.equal(cell!.rpsCiLow, 0);
  assert.ok((cell!.rpsCiHigh as number) > 21000);
});

Deno.test("compareTargets says a large but noisy difference needs more runs, not 'no difference'", () => {
  const [row] = compareTargets(
    frame([
      { target: "async", concurrency: 1, repeat: 1, rps: 16000 },
      { target: "async", concurrency: 1, repeat: 2, rps: 21000 },
      { target: "threads", concurrency: 1, repeat: 1, rps: 1900 },
      { target: "threads", concurrency: 1, repeat: 2, rps: 2100 },
    ]),
    "async",
    "threads",
  ).toRecords();
  assert.equal(row!.significant, false);
  assert.match(
    row!.verdict as string,
    /^async looks 9\.3x faster than threads at c=1, but with 2 runs each the spread is too wide to call it \(.*p=0\.\d+\): repeat runs or make them longer$/,
  );
});
