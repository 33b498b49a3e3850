/**
 * Hand-made load-test results and run records with known figures, for tests.
 *
 * @module
 */

import type { RunResult } from "../../lib/loadgen/types.ts";
import type pl from "nodejs-polars";
import { frameFromRows } from "../../lib/results/frame.ts";
import { type RunRecord, toRunRecord } from "../../lib/results/run_record.ts";

/** A clean ab-style result: 1000 requests at concurrency 10 in 0.5 s, overridable. */
export function sampleRunResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    generator: "ab",
    generatorVersion: "2.3",
    spec: { url: "http://127.0.0.1:45000/", requests: 1000, concurrency: 10 },
    wallTimeS: 0.5,
    attempted: 1000,
    completed: 1000,
    failures: { connect: 0, timeout: 0, reset: 0, other: 0 },
    statusCodes: { "200": 1000 },
    non2xx: 0,
    bytes: 122000,
    requestsPerSec: 2000,
    transferKBps: 238.28,
    latencyMs: { mean: 5, min: 1, max: 40, p50: 4, p90: 8, p95: 10, p99: 20, p999: 35 },
    timePerRequestMs: 5,
    timePerRequestAllMs: 0.5,
    histogram: [{ fromMs: 0, toMs: 5, count: 700 }, { fromMs: 5, toMs: 40, count: 300 }],
    warnings: [],
    notes: [],
    ...overrides,
  };
}

/** Figures of one hand-made run. */
export interface SampleRun {
  target: string;
  concurrency: number;
  repeat: number;
  rps: number;
  p50?: number;
  p90?: number;
  p99?: number;
  completed?: number;
  failed?: number;
  non2xx?: number;
  wallTimeS?: number;
  generator?: "ab" | "wrk";
}

/** A run record with the given figures and consistent ab-style fields. */
export function sampleRecord(run: SampleRun): RunRecord {
  const completed = run.completed ?? 1000;
  const failed = run.failed ?? 0;
  const wallTimeS = run.wallTimeS ?? completed / run.rps;
  return toRunRecord(
    sampleRunResult({
      generator: run.generator ?? "ab",
      spec: {
        url: "http://127.0.0.1:1/",
        requests: completed + failed,
        concurrency: run.concurrency,
      },
      wallTimeS,
      attempted: completed + failed,
      completed,
      failures: { connect: failed, timeout: 0, reset: 0, other: 0 },
      statusCodes: run.non2xx
        ? { "200": completed - run.non2xx, "404": run.non2xx }
        : { "200": completed },
      non2xx: run.non2xx ?? 0,
      bytes: completed * 122,
      requestsPerSec: run.rps,
      transferKBps: run.rps * 122 / 1024,
      latencyMs: {
        mean: run.p50 ?? 5,
        min: 1,
        max: (run.p99 ?? 20) * 2,
        p50: run.p50 ?? 5,
        p90: run.p90 ?? 10,
        p95: run.p90 ?? 10,
        p99: run.p99 ?? 20,
        p999: (run.p99 ?? 20) * 1.5,
      },
      timePerRequestMs: run.concurrency * wallTimeS * 1000 / completed,
      timePerRequestAllMs: wallTimeS * 1000 / completed,
    }),
    {
      experiment: "sample",
      target: run.target,
      path: "/",
      repeat: run.repeat,
      startedAt: "2024-01-01T00:00:00.000Z",
    },
  );
}

/** The columns of {@link runsOf}'s frame, as a runs frame has them. */
const RUNS_SCHEMA = {
  target: "str",
  concurrency: "i64",
  requestsPerSec: "f64",
  p50Ms: "f64",
  p90Ms: "f64",
  p99Ms: "f64",
  failed: "i64",
  non2xx: "i64",
  completed: "i64",
  wallTimeS: "f64",
  generatorCpuPercent: "f64",
} as const;

/**
 * A runs frame from req/s figures: `rps[target][level]` lists the repeats' req/s; every run has
 * p50/p90/p99 of 1/2/3 ms (or `p99[target]`), 1000 completed requests and `failed` failures.
 */
export function runsOf(
  rps: Record<string, Record<number, number[]>>,
  extra: { p99?: Record<string, number>; failed?: number; generatorCpu?: number } = {},
): pl.DataFrame {
  const rows = Object.entries(rps).flatMap(([target, levels]) =>
    Object.entries(levels).flatMap(([c, values]) =>
      values.map((value) => ({
        target,
        concurrency: Number(c),
        requestsPerSec: value,
        p50Ms: 1,
        p90Ms: 2,
        p99Ms: extra.p99?.[target] ?? 3,
        failed: extra.failed ?? 0,
        non2xx: 0,
        completed: 1000,
        wallTimeS: 2,
        generatorCpuPercent: extra.generatorCpu ?? 40,
      }))
    )
  );
  return frameFromRows(rows, RUNS_SCHEMA);
}
