/**
 * A section's headline findings and one compact verdict table, instead of a wall of per-level
 * sentences: how many comparisons were made and how many differences survive Holm's correction
 * for that many, the largest effect, where each model's throughput stops growing, and what limits
 * the figures. Every sentence is computed from the run's frames.
 *
 * @module
 */

import type pl from "nodejs-polars";
import {
  type ConclusionOptions,
  conclusionWarnings,
  saturation,
  summaryRowsOf,
} from "./conclusions.ts";
import { frameFromRows, frameRows } from "./frame.ts";
import { ALPHA, formatFactor, formatP, LARGE_FACTOR, type SummaryRow } from "./results.ts";
import { holmAdjust } from "./stats.ts";

/** One comparison at one level, with its p-value corrected for all the section's comparisons. */
export interface Verdict {
  /** `a vs b`. */
  comparison: string;
  /** Concurrency level. */
  concurrency: number;
  /** Median req/s of a over median req/s of b. */
  ratio: number;
  /** Runs of the target with fewer. */
  runs: number;
  /** Welch's p-value, or null with one run. */
  p: number | null;
  /** Holm-adjusted p-value over every comparison in the section, or null. */
  pHolm: number | null;
  /** Whether the difference is beyond the noise after the correction. */
  significant: boolean;
  /** The verdict in words, e.g. `async 2.1x faster`. */
  words: string;
}

function framesOf(comparisons: pl.DataFrame | readonly pl.DataFrame[]): pl.DataFrame[] {
  return Array.isArray(comparisons) ? [...comparisons] : [comparisons as pl.DataFrame];
}

/**
 * Every row of {@link compareTargets} frames, with Holm's correction applied over all of them at
 * once (so a section that tests 30 differences does not call 1 in 20 by chance) and the words
 * re-derived from the corrected p-value: faster only beyond the noise, "looks faster" for a large
 * gap that is not, "no difference we can see with N runs" otherwise.
 */
export function holmVerdicts(comparisons: pl.DataFrame | readonly pl.DataFrame[]): Verdict[] {
  const rows = framesOf(comparisons).flatMap((frame) => frameRows(frame));
  const tested = rows.filter((row) => typeof row.p === "number");
  const adjusted = holmAdjust(tested.map((row) => row.p as number));
  const holmOf = new Map(tested.map((row, i) => [row, adjusted[i]!]));
  return rows.map((row) => {
    const a = row.targetA as string;
    const b = row.targetB as string;
    const ratio = row.ratio as number;
    const runs = Math.min(row.runsA as number, row.runsB as number);
    const pHolm = holmOf.get(row) ?? null;
    const significant = pHolm !== null && pHolm < ALPHA;
    const [faster, factor] = ratio >= 1 ? [a, ratio] : [b, 1 / ratio];
    const words = pHolm === null
      ? `cannot tell with ${runs} run`
      : significant
      ? `${faster} ${formatFactor(factor)} faster`
      : factor >= LARGE_FACTOR
      ? `${faster} looks ${formatFactor(factor)} faster, too few runs to call it`
      : `no difference we can see with ${runs} runs`;
    return {
      comparison: `${a} vs ${b}`,
      concurrency: row.concurrency as number,
      ratio,
      runs,
      p: (row.p as number | null) ?? null,
      pHolm,
      significant,
      words,
    };
  });
}

/** Columns of {@link verdictTable}. */
export const VERDICT_TABLE_SCHEMA = {
  comparison: "str",
  c: "i64",
  ratio: "str",
  p: "str",
  "p (Holm)": "str",
  verdict: "str",
} as const;

/**
 * The section's verdicts as one compact table: comparison, level, ratio, p, Holm's p, words.
 *
 * @example
 * ```ts
 * import { compareTargets, runExperiment, table, verdictTable } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads", "workers"] });
 * const comparisons = [
 *   compareTargets(frame, "async", "threads"),
 *   compareTargets(frame, "workers", "async"),
 * ];
 * await table(verdictTable(comparisons));
 * ```
 */
export function verdictTable(comparisons: pl.DataFrame | readonly pl.DataFrame[]): pl.DataFrame {
  return frameFromRows(
    holmVerdicts(comparisons).map((v) => ({
      comparison: v.comparison,
      c: v.concurrency,
      ratio: formatFactor(v.ratio),
      p: v.p === null ? "-" : formatP(v.p).replace(/^p/, ""),
      "p (Holm)": v.pHolm === null ? "-" : formatP(v.pHolm).replace(/^p/, ""),
      verdict: v.words,
    })),
    VERDICT_TABLE_SCHEMA,
  );
}

/**
 * Three to five findings in plain words, computed: the count of comparisons and how many survive
 * Holm's correction; the largest effect (or the largest gap, said to be within the noise); where
 * each target's throughput stops growing; and the first thing that limits the figures (the load
 * generator, failures, error responses), or that nothing was flagged.
 */
export function headlineFindings(
  summary: pl.DataFrame | readonly SummaryRow[],
  comparisons: pl.DataFrame | readonly pl.DataFrame[],
  options: ConclusionOptions = {},
): string[] {
  const rows = summaryRowsOf(summary);
  if (rows.length === 0) return ["No runs to draw findings from."];
  const verdicts = holmVerdicts(comparisons);
  const tested = verdicts.filter((v) => v.pHolm !== null);
  const significant = tested.filter((v) => v.significant);
  const findings: string[] = [];
  if (verdicts.length > 0) {
    const gap = (v: Verdict) => Math.max(v.ratio, 1 / v.ratio);
    findings.push(
      tested.length === 0
        ? `${verdicts.length} comparisons, each with one run per target: none can be called; ` +
          "repeat the runs."
        : `${tested.length} comparison${tested.length === 1 ? " was" : "s were"} made; after ` +
          `Holm's correction for ${tested.length}, ` +
          `${significant.length} ${
            significant.length === 1 ? "difference is" : "differences are"
          } ` +
          "beyond the noise.",
    );
    const pool = significant.length > 0 ? significant : verdicts;
    const largest = pool.reduce((x, y) => (gap(y) > gap(x) ? y : x));
    const [a, b] = largest.comparison.split(" vs ");
    const [faster, slower] = largest.ratio >= 1 ? [a, b] : [b, a];
    findings.push(
      largest.significant
        ? `The largest effect: ${faster} is ${formatFactor(gap(largest))} faster than ${slower} ` +
          `at c=${largest.concurrency} (Holm ${formatP(largest.pHolm!)}).`
        : `The largest gap, ${faster} ${formatFactor(gap(largest))} ahead of ${slower} at ` +
          `c=${largest.concurrency}, is not beyond the noise with ${largest.runs} ` +
          `run${largest.runs === 1 ? "" : "s"} each.`,
    );
  }
  const byTarget = Map.groupBy(
    [...rows].sort((x, y) => x.concurrency - y.concurrency),
    (row) => row.target,
  );
  const ceilings = [...byTarget].sort(([x], [y]) => x.localeCompare(y))
    .map(([target, cells]) => saturation(target, cells, options.saturationShare ?? 0.9))
    .filter((sentence): sentence is string => sentence !== null);
  if (ceilings.length > 0) findings.push(`Where throughput stops growing: ${ceilings.join(" ")}`);
  const [limit] = conclusionWarnings(rows, options);
  const cpuMeasured = options.generatorCpuPercent !== undefined ||
    rows.some((row) => typeof row.generatorCpuPercent === "number");
  findings.push(
    limit !== undefined
      ? limit.replace(/^Warning: /, "What limits these figures: ")
      : cpuMeasured
      ? "Nothing flagged: no failures, no error responses, and the load generator stayed below " +
        `${options.generatorCpuLimit ?? 90}% of a core.`
      : "Nothing flagged: no failures and no error responses (the load generator's CPU was not " +
        "measured, so it may still have set the pace).",
  );
  return findings;
}

/**
 * A section's findings as Markdown under a `### ` heading: the {@link headlineFindings} as a
 * list. Show {@link verdictTable} after it for the per-level detail.
 *
 * @example
 * ```ts
 * import {
 *   compareTargets,
 *   findingsMarkdown,
 *   runExperiment,
 *   showMarkdown,
 *   summarize,
 *   table,
 *   verdictTable,
 * } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * const comparisons = [compareTargets(frame, "async", "threads")];
 * await showMarkdown(findingsMarkdown("`GET /`", summarize(frame), comparisons));
 * await table(verdictTable(comparisons));
 * ```
 */
export function findingsMarkdown(
  title: string,
  summary: pl.DataFrame | readonly SummaryRow[],
  comparisons: pl.DataFrame | readonly pl.DataFrame[],
  options: ConclusionOptions = {},
): string {
  const lines = headlineFindings(summary, comparisons, options).map((line) => `- ${line}`);
  return `### ${title}\n\n${lines.join("\n")}\n`;
}
