/**
 * Tables from the runs DataFrame ({@link runsFrame}): the 2020 report table per target, a
 * summary per target and concurrency, and a comparison of two targets in words.
 *
 * @module
 */

import pl from "nodejs-polars";
import { frameFromRows, frameRows, requireColumns } from "./frame.ts";
import {
  meanConfidenceInterval,
  median,
  medianConfidenceInterval,
  stdev,
  welchTTest,
} from "./stats.ts";

/** The 2020 reports' columns, in their order, plus "Non-2xx". */
export const REPORT_COLUMNS = [
  "No Test",
  "Concurrency Level",
  "Time taken for tests (s)",
  "Complete requests",
  "Failed requests",
  "Total transferred (bytes)",
  "Requests per second",
  "Time per request (ms)",
  "Transfer rate (KB/s)",
  "Non-2xx",
] as const;

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function targetsOf(df: pl.DataFrame): string[] {
  return [...new Set(df.getColumn("target").toArray() as string[])].sort();
}

function requireTarget(df: pl.DataFrame, target: string, what: string): void {
  const known = targetsOf(df);
  if (!known.includes(target)) {
    throw new Error(
      `${what}: no runs for target '${target}'; targets in the data: ${
        known.length > 0 ? known.join(", ") : "none"
      }`,
    );
  }
}

/**
 * The 2020 report table for one target: one row per run, ordered by concurrency then repeat,
 * numbered from 1, with ab's own figures rounded as ab prints them. "Failed requests" counts
 * transport failures only; error statuses are in "Non-2xx".
 *
 * @example
 * ```ts
 * import { reportTable, runExperiment, table } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await table(reportTable(frame, "threads"));
 * ```
 */
export function reportTable(df: pl.DataFrame, target: string): pl.DataFrame {
  requireColumns(df, ["target", "concurrency", "repeat", "wallTimeS", "completed"], "reportTable");
  requireTarget(df, target, "reportTable");
  const runs = frameRows(
    df.filter(pl.col("target").eq(pl.lit(target))).sort(["concurrency", "repeat"]),
  );
  return frameFromRows(
    runs.map((run, index) => ({
      "No Test": index + 1,
      "Concurrency Level": run.concurrency,
      "Time taken for tests (s)": round(run.wallTimeS as number, 3),
      "Complete requests": run.completed,
      "Failed requests": run.failed,
      "Total transferred (bytes)": run.bytes,
      "Requests per second": round(run.requestsPerSec as number, 2),
      "Time per request (ms)": round(run.timePerRequestMs as number, 3),
      "Transfer rate (KB/s)": round(run.transferKBps as number, 2),
      "Non-2xx": run.non2xx,
    })),
    {
      "No Test": "i64",
      "Concurrency Level": "i64",
      "Time taken for tests (s)": "f64",
      "Complete requests": "i64",
      "Failed requests": "i64",
      "Total transferred (bytes)": "i64",
      "Requests per second": "f64",
      "Time per request (ms)": "f64",
      "Transfer rate (KB/s)": "f64",
      "Non-2xx": "i64",
    },
  );
}

/** Columns of {@link summarize}'s DataFrame, in order. */
export const SUMMARY_SCHEMA = {
  target: "str",
  concurrency: "i64",
  runs: "i64",
  medianRps: "f64",
  meanRps: "f64",
  rpsCiLow: "f64",
  rpsCiHigh: "f64",
  rpsCv: "f64",
  rpsMedianLow: "f64",
  rpsMedianHigh: "f64",
  rpsMedianLevel: "f64",
  p50Ms: "f64",
  p90Ms: "f64",
  p99Ms: "f64",
  failed: "i64",
  non2xx: "i64",
  completed: "i64",
  minCompleted: "i64",
  minWallTimeS: "f64",
  generatorCpuPercent: "f64",
} as const;

/** One row of {@link summarize}'s DataFrame. */
export interface SummaryRow {
  /** Target name. */
  target: string;
  /** Concurrency level. */
  concurrency: number;
  /** Measured runs (repeats). */
  runs: number;
  /** Median requests per second over the runs. */
  medianRps: number;
  /** Mean requests per second over the runs. */
  meanRps: number;
  /**
   * 95% Student-t confidence interval of the mean req/s, low end, cut at 0 (a rate cannot be
   * negative; with 2 or 3 noisy runs the t interval's low end often is); null with one run.
   */
  rpsCiLow: number | null;
  /** High end of that interval; null with one run. */
  rpsCiHigh: number | null;
  /** Coefficient of variation of req/s (stdev / mean); null with one run. */
  rpsCv: number | null;
  /**
   * The distribution-free interval of the median req/s (order statistics, see
   * `medianConfidenceInterval`), low end: with 3 runs it is the lowest run. Null with one run;
   * absent from rows made before the column existed.
   */
  rpsMedianLow?: number | null;
  /** High end of the median's interval (with 3 runs: the highest run). */
  rpsMedianHigh?: number | null;
  /** The median interval's exact coverage, 0-1 (75% with 3 runs, 94% with 5, 95%+ from 6). */
  rpsMedianLevel?: number | null;
  /** Median over runs of each run's p50 latency, ms. */
  p50Ms: number | null;
  /** Median over runs of p90 latency, ms. */
  p90Ms: number | null;
  /** Median over runs of p99 latency, ms. */
  p99Ms: number | null;
  /** Transport failures, all runs. */
  failed: number;
  /** Non-2xx responses, all runs. */
  non2xx: number;
  /** Completed requests, all runs. */
  completed: number;
  /** Fewest requests completed by one run. */
  minCompleted: number;
  /** Shortest run, seconds. */
  minWallTimeS: number;
  /**
   * Median over runs of the load generator's CPU, percent of one core (100 = one full core);
   * null or absent when not measured (or the runs predate the column).
   */
  generatorCpuPercent?: number | null;
}

const RUN_COLUMNS = [
  "target",
  "concurrency",
  "requestsPerSec",
  "p50Ms",
  "p90Ms",
  "p99Ms",
  "failed",
  "non2xx",
  "completed",
  "wallTimeS",
];

function medianOrNull(values: unknown[]): number | null {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  return numbers.length > 0 ? median(numbers) : null;
}

function sum(values: unknown[]): number {
  return values.reduce<number>((total, v) => total + (typeof v === "number" ? v : 0), 0);
}

function groupRuns(df: pl.DataFrame): Map<string, Record<string, unknown>[]> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const run of frameRows(df.sort(["target", "concurrency"]))) {
    const key = `${run.target}\u0000${run.concurrency}`;
    groups.set(key, [...groups.get(key) ?? [], run]);
  }
  return groups;
}

/**
 * Summarizes runs per target x concurrency: the median req/s with its distribution-free interval
 * (`rpsMedian*`: order statistics, with its exact coverage), and the mean with its 95% Student-t
 * interval (`rpsCi*`) for comparisons of means such as Welch's test (null bounds with one run), latency medians over runs, and
 * totals of failures, non-2xx and completed requests, and the median CPU of the load generator
 * (null when the runs lack `generatorCpuPercent`). Pass the runs of one path and generator.
 *
 * @example
 * ```ts
 * import { runExperiment, show, summarize } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await show(summarize(frame)); // one row per target and concurrency level
 * ```
 */
export function summarize(df: pl.DataFrame): pl.DataFrame {
  requireColumns(df, RUN_COLUMNS, "summarize");
  return frameFromRows(summaryRows(df) as unknown as Record<string, unknown>[], SUMMARY_SCHEMA);
}

/**
 * The rows {@link summarize} makes, as plain objects.
 *
 * @example
 * ```ts
 * import { runExperiment, summaryRows } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * const at = (target: string, c: number) =>
 *   summaryRows(frame).find((row) => row.target === target && row.concurrency === c);
 * console.log(at("async", 10)?.medianRps, at("async", 10)?.p99Ms);
 * ```
 */
export function summaryRows(df: pl.DataFrame): SummaryRow[] {
  requireColumns(df, RUN_COLUMNS, "summaryRows");
  return [...groupRuns(df).values()].map((runs) => {
    const rps = runs.map((run) => run.requestsPerSec as number);
    const ci = meanConfidenceInterval(rps);
    const around = medianConfidenceInterval(rps);
    const spread = ci.low === null ? null : (ci.estimate === 0 ? null : stdev(rps) / ci.estimate);
    return {
      target: runs[0]!.target as string,
      concurrency: runs[0]!.concurrency as number,
      runs: runs.length,
      medianRps: median(rps),
      meanRps: ci.estimate,
      rpsCiLow: ci.low === null ? null : Math.max(0, ci.low),
      rpsCiHigh: ci.high,
      rpsCv: spread,
      rpsMedianLow: around.low,
      rpsMedianHigh: around.high,
      rpsMedianLevel: around.low === null ? null : around.level,
      p50Ms: medianOrNull(runs.map((run) => run.p50Ms)),
      p90Ms: medianOrNull(runs.map((run) => run.p90Ms)),
      p99Ms: medianOrNull(runs.map((run) => run.p99Ms)),
      failed: sum(runs.map((run) => run.failed)),
      non2xx: sum(runs.map((run) => run.non2xx)),
      completed: sum(runs.map((run) => run.completed)),
      minCompleted: Math.min(...runs.map((run) => run.completed as number)),
      minWallTimeS: Math.min(...runs.map((run) => run.wallTimeS as number)),
      generatorCpuPercent: medianOrNull(runs.map((run) => run.generatorCpuPercent)),
    };
  });
}

/**
 * Formats a ratio as "1.8x" (two decimals under 1.1x, none from 100x).
 *
 * @example
 * ```ts
 * import { formatFactor, md } from "../lib/notebook/mod.ts";
 * await md`The balancer gave **${formatFactor(1.52)}** the throughput of one backend.`;
 * ```
 */
export function formatFactor(factor: number): string {
  if (!Number.isFinite(factor)) return "infinitely";
  const digits = factor < 1.1 ? 2 : factor >= 100 ? 0 : 1;
  return `${factor.toFixed(digits)}x`;
}

/** Formats a p-value as "p=0.003", or "p<0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? "p<0.001" : `p=${p.toFixed(3)}`;
}

/** Formats a rate like 12,345 or 1.34 (three significant figures under 100). */
export function formatRate(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

/** Columns of {@link compareTargets}'s DataFrame, in order. */
export const COMPARISON_SCHEMA = {
  concurrency: "i64",
  targetA: "str",
  targetB: "str",
  runsA: "i64",
  runsB: "i64",
  medianRpsA: "f64",
  medianRpsB: "f64",
  ratio: "f64",
  t: "f64",
  df: "f64",
  p: "f64",
  ciOverlap: "bool",
  significant: "bool",
  verdict: "str",
} as const;

/**
 * A ratio of medians at or above which a difference that is not significant is reported as
 * "looks faster, but too few runs to call it" rather than "no difference".
 */
export const LARGE_FACTOR = 1.5;

/** Significance level of {@link compareTargets}. */
export const ALPHA = 0.05;

/**
 * Compares the req/s of targets `a` and `b` at every concurrency both were run at: medians,
 * their ratio a/b, Welch's t-test over the repeats, whether the 95% intervals of the means
 * overlap, and a verdict in words, e.g. "async is 1.8x faster than threads at c=50 (p=0.003)".
 * A difference counts when Welch's p < 0.05; with fewer than 2 runs per target the verdict
 * says it cannot tell, and t, df, p and ciOverlap are null.
 *
 * @example
 * ```ts
 * import { compareTargets, runExperiment, table } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await table(compareTargets(frame, "async", "threads")); // ratio, p-value and verdict per level
 * ```
 */
export function compareTargets(df: pl.DataFrame, a: string, b: string): pl.DataFrame {
  requireColumns(df, RUN_COLUMNS, "compareTargets");
  if (a === b) throw new Error(`compareTargets: compare two different targets, got '${a}' twice`);
  requireTarget(df, a, "compareTargets");
  requireTarget(df, b, "compareTargets");
  const groups = groupRuns(df);
  const rpsOf = (target: string, c: number) =>
    (groups.get(`${target}\u0000${c}`) ?? []).map((run) => run.requestsPerSec as number);
  const levels = [...new Set(frameRows(df).map((run) => run.concurrency as number))]
    .sort((x, y) => x - y)
    .filter((c) => rpsOf(a, c).length > 0 && rpsOf(b, c).length > 0);
  const rows = levels.map((c) => {
    const ra = rpsOf(a, c);
    const rb = rpsOf(b, c);
    const medianA = median(ra);
    const medianB = median(rb);
    const ratio = medianA / medianB;
    const base = {
      concurrency: c,
      targetA: a,
      targetB: b,
      runsA: ra.length,
      runsB: rb.length,
      medianRpsA: medianA,
      medianRpsB: medianB,
      ratio,
    };
    const figures = `${a} ${formatRate(medianA)} vs ${b} ${formatRate(medianB)} req/s`;
    if (ra.length < 2 || rb.length < 2) {
      const fewest = Math.min(ra.length, rb.length);
      return {
        ...base,
        t: null,
        df: null,
        p: null,
        ciOverlap: null,
        significant: null,
        verdict: `cannot tell with ${fewest} run per target at c=${c} (${figures}): repeat runs`,
      };
    }
    const test = welchTTest(ra, rb);
    const ciA = meanConfidenceInterval(ra);
    const ciB = meanConfidenceInterval(rb);
    const ciOverlap = ciA.low! <= ciB.high! && ciB.low! <= ciA.high!;
    const significant = test.p < ALPHA;
    const [faster, slower, factor] = ratio >= 1 ? [a, b, ratio] : [b, a, 1 / ratio];
    const runs = Math.min(ra.length, rb.length);
    const verdict = significant
      ? `${faster} is ${formatFactor(factor)} faster than ${slower} at c=${c} (${formatP(test.p)})`
      : factor >= LARGE_FACTOR
      ? `${faster} looks ${formatFactor(factor)} faster than ${slower} at c=${c}, but with ` +
        `${runs} runs each the spread is too wide to call it (${figures}, ${formatP(test.p)}): ` +
        "repeat runs or make them longer"
      : `no difference beyond the noise at c=${c} (${figures}, ${formatP(test.p)})`;
    return { ...base, t: test.t, df: test.df, p: test.p, ciOverlap, significant, verdict };
  });
  return frameFromRows(rows, COMPARISON_SCHEMA);
}
