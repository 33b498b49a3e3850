/**
 * Snapshot tests of the charts: each chart function draws fixed data at a fixed size, and the SVG
 * text must equal the committed file in `lib/results/testdata/charts/<name>.svg`, so a change to
 * a chart shows in review as a change to its SVG (open the file to see the picture).
 *
 * After an intended change, write the snapshots again and review the diff:
 *
 * ```sh
 * UPDATE_SNAPSHOTS=1 deno test -A lib/results/charts_snapshot_test.ts
 * ```
 *
 * The SVG is written one element a line so that a diff points at the marks that changed. Plot
 * numbers its clip paths and markers with a counter shared by every chart drawn in the
 * process (`plot-clip-7`), so the ids are renumbered from 1 in each chart before comparing.
 *
 * @module
 */

import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { timelineRows } from "./balancer_timeline.ts";
import {
  backendTimelineChart,
  latencyChart,
  latencyDistributionChart,
  seedsChart,
  throughputChart,
  toSvg,
} from "./charts.ts";
import type { SummaryRow } from "./results.ts";
import { sampleRecord } from "../../tests/support/run_results.ts";

const SNAPSHOTS = new URL("./testdata/charts/", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_SNAPSHOTS") === "1";

/** Renumbers Plot's counter-based ids (`plot-clip-12`) from 1, in order of appearance. */
function normalise(svg: string): string {
  const renamed = new Map<string, string>();
  const counts = new Map<string, number>();
  return svg.replace(/\bplot-([a-z]+)-\d+\b/g, (id, kind: string) => {
    if (!renamed.has(id)) {
      const n = (counts.get(kind) ?? 0) + 1;
      counts.set(kind, n);
      renamed.set(id, `plot-${kind}-${n}`);
    }
    return renamed.get(id)!;
  });
}

/**
 * One element a line (never inside a `<text>`, where a line break would be drawn as a space), so
 * a diff of a snapshot points at the marks that changed.
 */
function oneElementALine(svg: string): string {
  return svg.replace(/>(?=<(?!\/?tspan|\/text))/g, ">\n");
}

/** Compares a chart with its committed snapshot, or writes it when `UPDATE_SNAPSHOTS=1`. */
function assertSnapshot(name: string, chart: Element): void {
  const actual = oneElementALine(normalise(toSvg(chart)));
  const file = new URL(`${name}.svg`, SNAPSHOTS);
  if (UPDATE) {
    Deno.mkdirSync(SNAPSHOTS, { recursive: true });
    Deno.writeTextFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(file);
  } catch {
    throw new Error(
      `no snapshot ${file.pathname}: write it with ` +
        "UPDATE_SNAPSHOTS=1 deno test -A lib/results/charts_snapshot_test.ts",
    );
  }
  assert.equal(
    actual,
    expected,
    `${name}.svg changed; if intended: UPDATE_SNAPSHOTS=1 deno test -A ${"lib/results/charts_snapshot_test.ts"}`,
  );
}

/** A summary row with round figures: `rps` req/s with a ±5% interval, latencies from `p50`. */
function summaryRow(target: string, concurrency: number, rps: number, p50: number): SummaryRow {
  return {
    target,
    concurrency,
    runs: 3,
    medianRps: rps,
    meanRps: rps,
    rpsCiLow: rps * 0.95,
    rpsCiHigh: rps * 1.05,
    rpsCv: 0.02,
    p50Ms: p50,
    p90Ms: p50 * 2,
    p99Ms: p50 * 5,
    failed: 0,
    non2xx: 0,
    completed: 3000,
    minCompleted: 1000,
    minWallTimeS: 0.5,
  };
}

const LEVELS = [1, 10, 50, 100];
const SUMMARY: SummaryRow[] = [
  ...LEVELS.map((c) => summaryRow("async", c, 4000 + 40 * c, 0.25 * c)),
  ...LEVELS.map((c) => summaryRow("threads", c, 3000 + 20 * c, 0.3 * c)),
  ...LEVELS.map((c) => summaryRow("workers", c, 6000 + 60 * c, 0.2 * c)),
];

Deno.test("snapshot: throughputChart", () => {
  assertSnapshot("throughput", throughputChart(SUMMARY));
});

Deno.test("snapshot: latencyChart", () => {
  assertSnapshot("latency", latencyChart(SUMMARY));
});

Deno.test("snapshot: latencyDistributionChart of a run record, with its p50 and p99", () => {
  const record = sampleRecord({ target: "async", concurrency: 10, repeat: 1, rps: 1000 });
  assertSnapshot("latency_distribution_record", latencyDistributionChart(record));
});

Deno.test("snapshot: latencyDistributionChart of per-request latencies", () => {
  const latencies = [1, 1.2, 1.4, 1.5, 2, 2.1, 2.2, 2.4, 3, 3.5, 4, 6, 9, 14, 20];
  assertSnapshot("latency_distribution_samples", latencyDistributionChart(latencies));
});

Deno.test("snapshot: seedsChart, two 2020 reports beside ours", () => {
  const seeds = pl.DataFrame({
    source: ["001_a.txt", "001_a.txt", "001_a.txt", "002_b.txt", "002_b.txt", "002_b.txt"],
    server: ["threads", "threads", "threads", "async", "async", "async"],
    requests: [1000, 1000, 1000, 1000, 1000, 1000],
    concurrency: [1, 10, 100, 1, 10, 100],
    requests_per_sec: [250.5, 900, null, 230, 1800.25, 2100],
  });
  assertSnapshot("seeds", seedsChart(seeds, SUMMARY));
});

Deno.test("snapshot: backendTimelineChart of balancer stats with a backend stopped", () => {
  const backend = (port: number, requests: number, healthy = true) => ({
    url: `http://127.0.0.1:${port}`,
    label: `127.0.0.1:${port}`,
    requests,
    inFlight: 0,
    failures: 0,
    healthy,
  });
  const samples = [0, 1, 2, 3, 4, 5].map((second) => ({
    timeS: second * 0.5,
    backends: [
      backend(9002, 100 * second),
      second <= 2 ? backend(9003, 100 * second) : backend(9003, 200, false),
    ],
  }));
  const chart = backendTimelineChart(timelineRows(samples), {
    events: [{ timeS: 1.1, label: "9003 stopped" }],
  });
  assertSnapshot("backend_timeline", chart);
});
