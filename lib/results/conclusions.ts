/**
 * Conclusions computed from the summary (and comparisons), as sentences with their numbers:
 * who is faster where and by how much, where throughput stops growing, whether latency tails
 * explode, and warnings about figures that should not be trusted.
 *
 * @module
 */

import type pl from "nodejs-polars";
import { frameRows } from "./frame.ts";
import { formatFactor, formatRate, type SummaryRow } from "./results.ts";

/** Thresholds and extra figures for {@link conclusions}. */
export interface ConclusionOptions {
  /** Fewest completed requests per run for a stable figure (default 500). */
  minCompleted?: number;
  /** Shortest run in seconds for a stable figure (default 1). */
  minWallTimeS?: number;
  /** Share of its peak at which throughput counts as saturated (default 0.9). */
  saturationShare?: number;
  /** p99/p50 ratio from which latency tails count as exploding (default 10). */
  tailRatio?: number;
  /** p99 below which a tail never counts as exploding, ms (default 10). */
  tailMinMs?: number;
  /**
   * CPU use of the load generator, percent of one core, for every run: overrides the summary's
   * own `generatorCpuPercent` column (measured per run, median per target and level).
   */
  generatorCpuPercent?: number;
  /**
   * CPU use of one core from which the generator counts as a possible bottleneck, percent
   * (default 90): single-threaded tools such as ab and wrk -t1 saturate at about 100.
   */
  generatorCpuLimit?: number;
  /**
   * Cores of the machine that ran generator and server (default `navigator.hardwareConcurrency`):
   * a generator using more than half of all of them leaves the server less than half the CPU.
   */
  cores?: number;
  /** The load generator's name for the warnings, e.g. `ab` (default "the load generator"). */
  generator?: string;
}

type Settings = Required<Omit<ConclusionOptions, "generatorCpuPercent" | "generator">> & {
  generatorCpuPercent?: number;
  generator?: string;
};

function levelsList(levels: number[]): string {
  return levels.map((c) => `c=${c}`).join(", ");
}

function byTarget(rows: SummaryRow[]): Map<string, SummaryRow[]> {
  const map = new Map<string, SummaryRow[]>();
  for (const row of [...rows].sort((a, b) => a.concurrency - b.concurrency)) {
    map.set(row.target, [...map.get(row.target) ?? [], row]);
  }
  return new Map([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function interval(row: SummaryRow): string {
  return row.rpsCiLow === null || row.rpsCiHigh === null
    ? "one run, no interval"
    : `median; the mean's 95% CI ${formatRate(row.rpsCiLow)}-${formatRate(row.rpsCiHigh)}`;
}

function leaders(rows: SummaryRow[]): string[] {
  const levels = [...new Set(rows.map((row) => row.concurrency))].sort((a, b) => a - b);
  return levels.flatMap((c) => {
    const cell = rows.filter((row) => row.concurrency === c)
      .sort((a, b) => b.medianRps - a.medianRps);
    const [best, second] = cell;
    if (!best || !second) return [];
    const overlap = best.rpsCiLow !== null && second.rpsCiHigh !== null &&
      best.rpsCiLow <= second.rpsCiHigh;
    const ratio = formatFactor(best.medianRps / second.medianRps);
    const head = `At c=${c} ${best.target} is fastest: ${formatRate(best.medianRps)} req/s (${
      interval(best)
    }), ${ratio} ${second.target} (${formatRate(second.medianRps)})`;
    return [
      overlap ? `${head}, but the intervals overlap: not beyond the noise.` : `${head}.`,
    ];
  });
}

/**
 * Where one target's throughput stops growing, in one sentence (null with fewer than two levels):
 * the first level at `share` (e.g. 0.9) of its peak, and a fall after the peak.
 */
export function saturation(target: string, rows: SummaryRow[], share: number): string | null {
  if (rows.length < 2) return null;
  const peak = rows.reduce((a, b) => (b.medianRps > a.medianRps ? b : a));
  const first = rows.find((row) => row.medianRps >= share * peak.medianRps)!;
  const last = rows[rows.length - 1]!;
  const percent = Math.round(share * 100);
  let sentence: string;
  if (first === last) {
    sentence = `${target}: throughput still grows at c=${last.concurrency}, the highest level ` +
      `measured (${formatRate(last.medianRps)} req/s).`;
  } else if (first === rows[0]) {
    sentence = `${target}: throughput is flat from c=${first.concurrency} on ` +
      `(${formatRate(first.medianRps)} req/s, within ${100 - percent}% of its peak ` +
      `${formatRate(peak.medianRps)} at c=${peak.concurrency}).`;
  } else if (first === peak) {
    sentence = `${target}: throughput peaks at c=${peak.concurrency} ` +
      `(${formatRate(peak.medianRps)} req/s).`;
  } else {
    sentence = `${target}: throughput stops growing at c=${first.concurrency} ` +
      `(${formatRate(first.medianRps)} req/s, ${percent}%+ of its peak ${
        formatRate(peak.medianRps)
      } at c=${peak.concurrency}).`;
  }
  if (last !== peak && last.medianRps < share * peak.medianRps) {
    const drop = Math.round((1 - last.medianRps / peak.medianRps) * 100);
    sentence = `${sentence.slice(0, -1)}; it falls to ${
      formatRate(last.medianRps)
    } at c=${last.concurrency} (-${drop}%).`;
  }
  return sentence;
}

function tails(target: string, rows: SummaryRow[], limit: number, minMs: number): string | null {
  const ratios = rows
    .filter((row) => row.p50Ms !== null && row.p99Ms !== null && row.p50Ms > 0)
    .map((row) => ({ row, ratio: row.p99Ms! / row.p50Ms! }));
  if (ratios.length === 0) return null;
  const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const figures = `p99 ${formatRate(worst.row.p99Ms!)} ms vs p50 ${
    formatRate(worst.row.p50Ms!)
  } ms`;
  if (worst.ratio >= limit && worst.row.p99Ms! < minMs) {
    return `${target}: p99 reaches ${
      formatFactor(worst.ratio)
    } p50 at c=${worst.row.concurrency}, ` +
      `but stays under ${minMs} ms (${figures}): no tail that matters.`;
  }
  if (worst.ratio >= limit) {
    return `${target}: latency tails explode at c=${worst.row.concurrency}: p99 is ${
      formatFactor(worst.ratio)
    } p50 (${figures}).`;
  }
  return `${target}: latency tails stay bounded: p99 at most ${
    formatFactor(worst.ratio)
  } p50 (c=${worst.row.concurrency}, ${figures}).`;
}

/** The warnings of {@link conclusions} alone: figures that should not be trusted, and why. */
export function conclusionWarnings(
  summary: pl.DataFrame | readonly SummaryRow[],
  options: ConclusionOptions = {},
): string[] {
  return warnings(summaryRowsOf(summary), settingsOf(options));
}

function warnings(rows: SummaryRow[], options: Settings): string[] {
  const out: string[] = [];
  for (const [target, cells] of byTarget(rows)) {
    const non2xx = cells.filter((row) => row.non2xx > 0);
    if (non2xx.length > 0) {
      const total = non2xx.reduce((sum, row) => sum + row.non2xx, 0);
      out.push(
        `Warning: ${target} answered ${total.toLocaleString("en-US")} non-2xx responses (${
          levelsList(non2xx.map((row) => row.concurrency))
        }): those figures measure an error page, not the application; check the path.`,
      );
    }
    const failed = cells.filter((row) => row.failed > 0);
    if (failed.length > 0) {
      const total = failed.reduce((sum, row) => sum + row.failed, 0);
      out.push(
        `Warning: ${target} had ${total.toLocaleString("en-US")} transport failures (${
          levelsList(failed.map((row) => row.concurrency))
        }): connections refused, reset or timed out; req/s counts only completed requests.`,
      );
    }
    const few = cells.filter((row) => row.minCompleted < options.minCompleted);
    if (few.length > 0) {
      out.push(
        `Warning: runs of ${target} at ${levelsList(few.map((row) => row.concurrency))} ` +
          `completed fewer than ${options.minCompleted} requests (fewest ${
            Math.min(...few.map((row) => row.minCompleted))
          }): too few for a stable figure; ask for more requests.`,
      );
    }
    const brief = cells.filter((row) => row.minWallTimeS < options.minWallTimeS);
    if (brief.length > 0) {
      out.push(
        `Warning: runs of ${target} at ${levelsList(brief.map((row) => row.concurrency))} ` +
          `lasted under ${options.minWallTimeS} s (shortest ${
            Number(Math.min(...brief.map((row) => row.minWallTimeS)).toPrecision(2))
          } s): too short for a stable figure; ask for more requests or a duration.`,
      );
    }
  }
  const single = [...new Set(rows.filter((row) => row.runs < 2).map((row) => row.target))];
  if (single.length > 0) {
    out.push(
      `Warning: only one run per level for ${single.join(", ")}: no spread and no interval, ` +
        "so no difference can be called real; repeat each run 3 times or more.",
    );
  }
  out.push(...generatorWarnings(rows, options));
  return out;
}

function cpuPercentOf(row: SummaryRow, options: Settings): number | null {
  const value = options.generatorCpuPercent ?? row.generatorCpuPercent;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Warnings for a load generator that may have set the pace, or crowded the server out. */
function generatorWarnings(rows: SummaryRow[], options: Settings): string[] {
  const out: string[] = [];
  const named = options.generator !== undefined && options.generator !== "";
  const who = named ? options.generator! : "The load generator";
  const blame = named ? "the load generator" : "it";
  const crowdLimit = 50 * options.cores;
  for (const [target, cells] of byTarget(rows)) {
    const measured = cells.flatMap((row) => {
      const percent = cpuPercentOf(row, options);
      return percent === null ? [] : [{ concurrency: row.concurrency, percent }];
    });
    const hot = measured.filter((cell) => cell.percent >= options.generatorCpuLimit);
    if (hot.length > 0) {
      out.push(
        `Warning: ${who} used ${peak(hot)} of one core at ${
          levelsList(hot.map((cell) => cell.concurrency))
        } against ${target}: ${blame}, not the server, may be what limits req/s here; try wrk ` +
          "or oha, more threads, or pin the server and the generator to separate cores " +
          "(taskset -c).",
      );
    }
    const crowding = measured.filter((cell) => cell.percent > crowdLimit);
    if (crowding.length > 0) {
      const share = (percent: number) => Math.round(percent / options.cores);
      const worst = Math.max(...crowding.map((cell) => cell.percent));
      out.push(
        `Warning: ${who} took ${crowding.length > 1 ? "up to " : ""}${
          share(worst)
        }% of all ${options.cores} cores of this machine at ${
          levelsList(crowding.map((cell) => cell.concurrency))
        } against ${target}: generator and server compete for the same CPUs, so the server ` +
          "had less than half of them; pin them to separate cores or run the generator on " +
          "another machine.",
      );
    }
  }
  return out;
}

function peak(cells: { percent: number }[]): string {
  const worst = Math.round(Math.max(...cells.map((cell) => cell.percent)));
  return cells.length > 1 ? `up to ${worst}%` : `${worst}%`;
}

/** The rows of a {@link summarize} DataFrame, or the rows themselves. */
export function summaryRowsOf(summary: pl.DataFrame | readonly SummaryRow[]): SummaryRow[] {
  return (Array.isArray(summary)
    ? [...summary]
    : frameRows(summary as pl.DataFrame)) as unknown as SummaryRow[];
}

function settingsOf(options: ConclusionOptions): Settings {
  if (options.cores !== undefined && !(Number.isInteger(options.cores) && options.cores >= 1)) {
    throw new Error(
      `conclusions: options.cores must be a whole number >= 1, got ${options.cores}`,
    );
  }
  if (
    options.generatorCpuLimit !== undefined &&
    !(Number.isFinite(options.generatorCpuLimit) && options.generatorCpuLimit > 0)
  ) {
    throw new Error(
      "conclusions: options.generatorCpuLimit is a percent of one core above 0 (e.g. 90), " +
        `got ${options.generatorCpuLimit}`,
    );
  }
  return {
    minCompleted: options.minCompleted ?? 500,
    minWallTimeS: options.minWallTimeS ?? 1,
    saturationShare: options.saturationShare ?? 0.9,
    tailRatio: options.tailRatio ?? 10,
    tailMinMs: options.tailMinMs ?? 10,
    generatorCpuPercent: options.generatorCpuPercent,
    generatorCpuLimit: options.generatorCpuLimit ?? 90,
    cores: options.cores ?? navigator.hardwareConcurrency ?? 1,
    generator: options.generator,
  };
}

/**
 * Sentences drawn from a {@link summarize} DataFrame and, optionally, {@link compareTargets}
 * DataFrames (their verdicts are used as the comparison sentences; without them the fastest
 * target at each level is named, with its interval). Then, per target, where throughput stops
 * growing and how the latency tail behaves, then warnings, including a load generator that used
 * most of a core (the summary's `generatorCpuPercent`, or the option) or over half the machine.
 */
export function conclusions(
  summary: pl.DataFrame | readonly SummaryRow[],
  comparisons?: pl.DataFrame | readonly pl.DataFrame[],
  options: ConclusionOptions = {},
): string[] {
  const rows = summaryRowsOf(summary);
  if (rows.length === 0) return ["No runs to conclude from."];
  const settings = settingsOf(options);
  const frames = comparisons === undefined
    ? []
    : Array.isArray(comparisons)
    ? comparisons as pl.DataFrame[]
    : [comparisons as pl.DataFrame];
  const verdicts = frames.flatMap((frame) =>
    frameRows(frame).map((row) => {
      const text = String(row.verdict);
      // capitalize our own words, never a target's name
      const ours = /^(no |cannot )/.test(text);
      return `${ours ? text[0]!.toUpperCase() + text.slice(1) : text}.`;
    })
  );
  const sentences = verdicts.length > 0 ? verdicts : leaders(rows);
  for (const [target, cells] of byTarget(rows)) {
    const growth = saturation(target, cells, settings.saturationShare);
    if (growth) sentences.push(growth);
    const tail = tails(target, cells, settings.tailRatio, settings.tailMinMs);
    if (tail) sentences.push(tail);
  }
  return [...sentences, ...warnings(rows, settings)];
}

/**
 * {@link conclusions} as a Markdown list under a heading, for a notebook or a report.
 *
 * @example
 * ```ts
 * import {
 *   compareTargets,
 *   conclusionsMarkdown,
 *   runExperiment,
 *   showMarkdown,
 *   summarize,
 * } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * const comparison = compareTargets(frame, "async", "threads");
 * await showMarkdown(conclusionsMarkdown(summarize(frame), comparison));
 * ```
 */
export function conclusionsMarkdown(
  summary: pl.DataFrame | readonly SummaryRow[],
  comparisons?: pl.DataFrame | readonly pl.DataFrame[],
  options: ConclusionOptions = {},
): string {
  const lines = conclusions(summary, comparisons, options).map((sentence) => `- ${sentence}`);
  return `### Conclusions\n\n${lines.join("\n")}\n`;
}
