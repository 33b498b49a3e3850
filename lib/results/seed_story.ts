/**
 * What the 2020 reports' own numbers show, computed from `data/seeds/`: the threaded server's
 * leak (each request slower than the last), run times on steps of about half a second (connection
 * retries when a tiny listen backlog overflowed), the runs that never finished, and which of ab's
 * two "Time per request" figures each report copied. Every figure carries its source: the CSV file
 * and its line number.
 *
 * @module
 */

import type pl from "nodejs-polars";
import { frameRows } from "./frame.ts";
import { abTimesPerRequest } from "./little.ts";
import { formatFactor } from "./results.ts";

/** Where a figure comes from: a seed CSV and the line it stands on (the header is line 1). */
export interface SeedCitation {
  /** The CSV's file name under `data/seeds/`. */
  file: string;
  /** Line number in that file. */
  line: number;
}

/** One row of the seeds with its citation. */
export interface SeedRow extends SeedCitation {
  /** The report's file name (`source` column). */
  source: string;
  /** Assignment, e.g. "Tugas 7". */
  assignment: string;
  /** `async` or `threads` (our reading of the report's heading). */
  server: string;
  /** ab -n. */
  requests: number;
  /** ab -c. */
  concurrency: number;
  /** Time taken for tests, s; null when the run never finished. */
  timeTakenS: number | null;
  /** Requests per second; null when the run never finished. */
  requestsPerSec: number | null;
  /** The report's "Time per request", ms; null when the run never finished. */
  timePerRequestMs: number | null;
  /** Whether ab finished. */
  finished: boolean;
}

/** The seeds' rows with their CSV file and line, in the order {@link loadSeeds} gives them. */
export function seedRows(seeds: pl.DataFrame): SeedRow[] {
  const lineOf = new Map<string, number>();
  return frameRows(seeds).map((row) => {
    const source = row.source as string;
    const line = (lineOf.get(source) ?? 1) + 1;
    lineOf.set(source, line);
    return {
      file: source.replace(/\.txt$/, ".csv"),
      line,
      source,
      assignment: row.assignment as string,
      server: row.server as string,
      requests: row.requests as number,
      concurrency: row.concurrency as number,
      timeTakenS: (row.time_taken_s as number | null) ?? null,
      requestsPerSec: (row.requests_per_sec as number | null) ?? null,
      timePerRequestMs: (row.time_per_request_ms as number | null) ?? null,
      finished: row.finished as boolean,
    };
  });
}

/** Formats citations of one file as "data/seeds/F.csv lines 2, 5, 9". */
export function cite(rows: readonly SeedCitation[]): string {
  const byFile = new Map<string, number[]>();
  for (const row of rows) byFile.set(row.file, [...byFile.get(row.file) ?? [], row.line]);
  return [...byFile].map(([file, lines]) =>
    `data/seeds/${file} line${lines.length > 1 ? "s" : ""} ${lines.join(", ")}`
  ).join("; ");
}

/** The leak seen at concurrency 1: time per request as the number of requests grows. */
export interface LeakEvidence {
  /** The report the runs come from. */
  source: string;
  /** Its assignment. */
  assignment: string;
  /** The threaded server's finished runs at c=1 of that report, by growing n. */
  points: SeedRow[];
  /** Last time per request / first: how much slower requests became. */
  growth: number;
  /** Last n / first n. */
  requestsGrowth: number;
  /** Whether time per request grew at every step. */
  grows: boolean;
}

/**
 * For each report with at least two finished runs of the threaded server at concurrency 1 with
 * different request counts: how its time per request changes with n. At c=1 one request is in
 * flight at a time, so no queue or backlog can make a later request slower: if time per request
 * grows with n, each request left something behind (a leak).
 */
export function leakEvidence(seeds: pl.DataFrame): LeakEvidence[] {
  const runs = seedRows(seeds).filter((row) =>
    row.server === "threads" && row.concurrency === 1 && row.finished &&
    row.timePerRequestMs !== null
  );
  const bySource = Map.groupBy(runs, (row) => row.source);
  return [...bySource.values()]
    .map((rows) => [...rows].sort((a, b) => a.requests - b.requests))
    .filter((rows) => new Set(rows.map((row) => row.requests)).size >= 2)
    .map((points) => {
      const first = points[0]!;
      const last = points[points.length - 1]!;
      return {
        source: first.source,
        assignment: first.assignment,
        points,
        growth: last.timePerRequestMs! / first.timePerRequestMs!,
        requestsGrowth: last.requests / first.requests,
        grows: points.every((p, i) =>
          i === 0 || p.timePerRequestMs! > points[i - 1]!.timePerRequestMs!
        ),
      };
    });
}

/** One sentence per report from {@link leakEvidence}, with its citation. */
export function leakSentence(evidence: LeakEvidence): string {
  const times = evidence.points.map((p) => formatMs(p.timePerRequestMs!)).join(", ");
  const ns = evidence.points.map((p) => p.requests).join(", ");
  const head = `${evidence.assignment}'s threaded server at concurrency 1 took ${times} ms per ` +
    `request for n = ${ns} (${cite(evidence.points)})`;
  if (evidence.grows && evidence.growth >= 1.5) {
    return `${head}: ${formatFactor(evidence.growth)} slower per request while n grew ` +
      `${formatFactor(evidence.requestsGrowth)}. With one request in flight at a time nothing ` +
      "queues, so each request must have left work behind that slowed the next: a leak.";
  }
  return `${head}: time per request did not grow steadily with n, so these runs show no leak.`;
}

/** A run whose duration is compared with multiples of a retry step. */
export interface StepRun extends SeedRow {
  /** The nearest whole number of steps. */
  steps: number;
  /** Distance from that multiple, ms. */
  offMs: number;
}

/** Result of {@link retrySteps}. */
export interface RetrySteps {
  /** The step tested, seconds. */
  stepS: number;
  /** How close counts as on a step, ms. */
  toleranceMs: number;
  /** Finished runs at concurrency > 1 that lasted at least one step. */
  runs: StepRun[];
  /** Of those, the ones within the tolerance of a multiple. */
  onStep: StepRun[];
  /** The share of runs one would expect on a step by chance: 2 x tolerance / step. */
  chance: number;
}

/**
 * Tests whether the reports' run times fall on multiples of `stepS` (default 0.505 s): what a
 * listen backlog that overflows produces, since a refused connection attempt is retried after a
 * fixed delay. Only finished runs at concurrency > 1 lasting at least one step are tested (at c=1
 * a single connection never overflows a backlog).
 */
export function retrySteps(seeds: pl.DataFrame, stepS = 0.505, toleranceMs = 10): RetrySteps {
  const runs = seedRows(seeds)
    .filter((row) => row.finished && row.concurrency > 1 && (row.timeTakenS ?? 0) >= stepS)
    .map((row) => {
      const steps = Math.round(row.timeTakenS! / stepS);
      return { ...row, steps, offMs: Math.abs(row.timeTakenS! - steps * stepS) * 1000 };
    });
  return {
    stepS,
    toleranceMs,
    runs,
    onStep: runs.filter((run) => run.offMs <= toleranceMs),
    chance: Math.min(1, (2 * toleranceMs) / (stepS * 1000)),
  };
}

/** One sentence from {@link retrySteps}: how many runs sit on a step, against chance. */
export function retryStepsSentence(result: RetrySteps): string {
  const { runs, onStep } = result;
  if (runs.length === 0) return "No finished run at concurrency > 1 lasted long enough to test.";
  const share = onStep.length / runs.length;
  const counts = `${onStep.length} of ${runs.length} finished runs at concurrency > 1 end within ` +
    `${result.toleranceMs} ms of a multiple of ${result.stepS} s; by chance about ` +
    `${Math.round(result.chance * 100)}% would (${perReport(result)})`;
  if (share >= 3 * result.chance && onStep.length >= 3) {
    const examples = onStep.slice(0, 4).map((run) =>
      `${run.timeTakenS!.toFixed(3)} s = ${run.steps} x ${result.stepS}`
    ).join(", ");
    return `${counts}. Examples: ${examples} (${cite(onStep.slice(0, 4))}). Time spent in ` +
      "fixed steps is time spent waiting to retry a refused connection, not time spent serving.";
  }
  return `${counts}: the run times show no sign of retry steps.`;
}

function perReport(result: RetrySteps): string {
  const bySource = Map.groupBy(result.runs, (run) => run.file);
  return [...bySource].map(([file, runs]) =>
    `${file}: ${runs.filter((run) => run.offMs <= result.toleranceMs).length} of ${runs.length}`
  ).join("; ");
}

/** Runs that never finished, per report and server. */
export interface Unfinished {
  /** The report. */
  source: string;
  /** `async` or `threads`. */
  server: string;
  /** Concurrency levels whose run never finished. */
  levels: number[];
  /** Concurrency levels that finished. */
  finishedLevels: number[];
  /** Citations of the unfinished rows. */
  rows: SeedRow[];
}

/** Per report and server, which concurrency levels never finished. */
export function unfinishedRuns(seeds: pl.DataFrame): Unfinished[] {
  const groups = Map.groupBy(seedRows(seeds), (row) => `${row.source}\u0000${row.server}`);
  return [...groups.values()]
    .filter((rows) => rows.some((row) => !row.finished))
    .map((rows) => ({
      source: rows[0]!.source,
      server: rows[0]!.server,
      levels: rows.filter((row) => !row.finished).map((row) => row.concurrency),
      finishedLevels: rows.filter((row) => row.finished).map((row) => row.concurrency),
      rows: rows.filter((row) => !row.finished),
    }));
}

/** Which of ab's two figures a report's "Time per request" column holds, per row. */
export type TimeReading = "per request (c / X)" | "across all (1 / X)" | "neither";

/**
 * Which "Time per request" each finished seed row holds: ab's per-request mean (c / X) or its
 * mean across all concurrent requests (1 / X), within 2%. At c=1 the two are equal and the row
 * reads as per request.
 */
export function timePerRequestReadings(
  seeds: pl.DataFrame,
): (SeedRow & { reading: TimeReading })[] {
  return seedRows(seeds)
    .filter((row) => row.finished && row.requestsPerSec !== null && row.timePerRequestMs !== null)
    .map((row) => {
      const ab = abTimesPerRequest(row.concurrency, row.requestsPerSec!);
      const near = (x: number) => Math.abs(row.timePerRequestMs! - x) <= 0.02 * x;
      const reading: TimeReading = near(ab.perRequestMs)
        ? "per request (c / X)"
        : near(ab.acrossAllMs)
        ? "across all (1 / X)"
        : "neither";
      return { ...row, reading };
    });
}

function formatMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms.toFixed(1);
}

/** One sentence per report and server from {@link unfinishedRuns}, with the rows cited. */
export function unfinishedSentence(u: Unfinished): string {
  const done = u.finishedLevels.length === 0
    ? "none finished"
    : `only c = ${u.finishedLevels.join(", ")} finished`;
  return `${u.source.replace(/\.txt$/, "")}: the ${u.server} server's runs at c = ` +
    `${u.levels.join(", ")} never finished (${done}; ${cite(u.rows)}).`;
}

/**
 * The 2020 evidence as a Markdown list, every item computed from the seeds with its source
 * lines: the leak at c=1, the run times on retry steps, the runs that never finished, and which
 * of ab's two "Time per request" figures each report copied.
 */
export function seedStoryMarkdown(seeds: pl.DataFrame): string {
  const items = [
    ...leakEvidence(seeds).map(leakSentence),
    retryStepsSentence(retrySteps(seeds)),
    ...unfinishedRuns(seeds).map(unfinishedSentence),
  ];
  const readings = timePerRequestReadings(seeds).filter((row) => row.concurrency > 1);
  for (const [file, rows] of Map.groupBy(readings, (row) => row.file)) {
    const across = rows.filter((row) => row.reading === "across all (1 / X)");
    const per = rows.filter((row) => row.reading === "per request (c / X)");
    items.push(
      `${file}: at c > 1, its "Time per request" is ab's per-request mean (c / X) in ` +
        `${per.length} of ${rows.length} rows and the mean across all concurrent requests ` +
        `(1 / X) in ${across.length}` +
        (across.length > 0 && per.length > 0 ? ": the two figures are mixed in one table." : "."),
    );
  }
  return items.map((item) => `- ${item}`).join("\n");
}

/**
 * This run's peak throughput of each server beside the 2020 threaded servers' best, as one
 * Markdown sentence: "Our threaded server peaks at **X req/s**, the 2020 threaded servers at
 * **Y req/s**: N times as many." The words follow the numbers, whichever way they go.
 */
export function peaksSentence(
  rows: readonly { target: string; medianRps: number }[],
  seeds: pl.DataFrame,
): string {
  const best = (target: string) =>
    Math.max(...rows.filter((r) => r.target === target).map((r) => r.medianRps));
  const seed = Math.max(
    ...seedRows(seeds).filter((r) => r.server === "threads" && r.finished)
      .map((r) => r.requestsPerSec ?? 0),
  );
  const ours = best("threads");
  const ratio = ours / seed;
  const compared = ratio >= 1
    ? `${formatFactor(ratio).replace(/x$/, "")} times as many`
    : `only ${formatFactor(ratio).replace(/x$/, "")} of theirs`;
  return `Our threaded server peaks at **${
    ours.toFixed(0)
  } req/s**, the 2020 threaded servers at ` +
    `**${seed.toFixed(2)} req/s**: ${compared}. Our async server peaks at ` +
    `**${best("async").toFixed(0)} req/s**.`;
}
