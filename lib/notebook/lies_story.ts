/**
 * The computed prose and tables of notebook 03 ("why benchmark numbers lie"): every sentence
 * that states a number or a direction is built here from the run's results, and its words change
 * with the data (keep-alive not faster, a generator that was not the bottleneck, a closed loop
 * that hid nothing, a backlog that dropped nothing, a server that did not slow down).
 *
 * @example
 * ```ts
 * import { keepAliveSentence } from "./lib/notebook/lies_story.ts";
 * console.log(keepAliveSentence([
 *   { label: "keep-alive", concurrency: 10, rps: 30000 },
 *   { label: "new connection each", concurrency: 10, rps: 9000 },
 * ]));
 * ```
 *
 * @module
 */

import type pl from "nodejs-polars";
import type { ConnectionSample } from "../experiment/connect_times.ts";
import { glossaryLink } from "./glossary.ts";
import { type OpenLoopSample, openLoopSummary, quantile } from "../experiment/open_loop.ts";
import { formatFactor } from "../results/results.ts";
import {
  cite,
  leakEvidence,
  leakSentence,
  retrySteps,
  retryStepsSentence,
  seedRows,
} from "../results/seed_story.ts";
import {
  coefficientOfVariation,
  type Interval,
  medianConfidenceInterval,
  repeatsNeeded,
} from "../results/stats.ts";
import type { RunResult } from "../loadgen/types.ts";
import { ms, pct, rps } from "../results/format.ts";
import type { ConnectPoint, GeneratorPoint, PercentileRow } from "../results/why_charts.ts";
import type { SummaryRow } from "../results/results.ts";

/** A table row for the notebook's `table()`. */
export type Row = Record<string, string | number>;

/** Factor below which two single runs are called "within the noise" (no repeats to test with). */
export const SINGLE_RUN_NOISE = 1.2;

function failed(result: RunResult): number {
  const f = result.failures;
  return f.connect + f.timeout + f.reset + f.other;
}

// ---------------------------------------------------------------- 1. the error page

/**
 * A run's flag in a few words for a table column: "clean", "non-2xx: 200 of 200",
 * "failed: 3", or the first warning's first clause.
 */
export function runFlag(result: RunResult): string {
  if (result.warnings.length === 0) return "clean";
  if (result.non2xx > 0) return `non-2xx: ${result.non2xx} of ${result.completed}`;
  if (failed(result) > 0) return `failed: ${failed(result)}`;
  return result.warnings[0]!.split(/[:;]/)[0]!;
}

/** A closed-loop run with its label and concurrency (`lies_runs.ts` LabelledRun). */
export interface LabelledResult {
  /** e.g. `GET /status/404` or `keep-alive`. */
  label: string;
  /** Concurrency. */
  concurrency: number;
  /** The result. */
  result: RunResult;
}

/** Section 1's table in ab's own words, with the "Non-2xx responses" line the 2020 tables lacked. */
export function errorPageTable(runs: readonly LabelledResult[]): Row[] {
  return runs.map(({ label, concurrency, result }) => ({
    request: label,
    "Concurrency Level": concurrency,
    "Complete requests": result.completed,
    "Failed requests": failed(result),
    "Non-2xx responses": result.non2xx,
    "Requests per second": rps(result.requestsPerSec),
    "our flag": runFlag(result),
  }));
}

/**
 * Section 1's finding: how many requests the generator counted as failed, what share of the error
 * page's answers were errors, and its throughput beside the real page's. A fast error page is the
 * point: a 404 is quick and wrong, not slow.
 */
export function errorPageSentence(
  runs: readonly LabelledResult[],
  generator: string,
  realLabel = "GET /",
): string {
  const real = runs.filter((r) => r.label === realLabel);
  const wrong = runs.filter((r) => r.label !== realLabel);
  const failedTotal = runs.reduce((sum, r) => sum + failed(r.result), 0);
  const completed = wrong.reduce((s, r) => s + r.result.completed, 0);
  const share = completed > 0 ? wrong.reduce((s, r) => s + r.result.non2xx, 0) / completed : NaN;
  const mean = (rs: readonly LabelledResult[]) =>
    rs.reduce((s, r) => s + r.result.requestsPerSec, 0) / rs.length;
  const ratio = mean(wrong) / mean(real);
  const path = wrong[0]?.label.replace(/^GET /, "") ?? "the error page";
  const head = `Over all ${runs.length} runs ${generator} counted **${failedTotal} failed ` +
    `requests**, while **${pct(share)}** of the answers from \`${path}\` were errors.`;
  const speed = ratio >= 1 / SINGLE_RUN_NOISE
    ? ` The error page ran at **${formatFactor(ratio)}** the throughput of the real page: ` +
      "fast and wrong, and nothing in the speed tells you that you measured the wrong thing."
    : ` The error page ran at **${formatFactor(ratio)}** the throughput of the real page: ` +
      "slower here, but only the status codes say why.";
  if (!(share > 0)) {
    return `Over all ${runs.length} runs ${generator} counted **${failedTotal} failed ` +
      `requests**, and \`${path}\` answered with no error status: there was no error page to miss.`;
  }
  return head + speed;
}

// ---------------------------------------------------------------- 2. keep-alive

/** One point of section 2: a label (keep-alive or not), a level and its req/s. */
export interface RatePoint {
  /** `keep-alive` or `new connection each`. */
  label: string;
  /** Concurrency. */
  concurrency: number;
  /** Requests per second. */
  rps: number;
}

/** Section 2's table: req/s and latency per connection mode and level. */
export function keepAliveTable(runs: readonly LabelledResult[]): Row[] {
  return runs.map(({ label, concurrency, result }) => ({
    connections: label,
    concurrency,
    "req/s": rps(result.requestsPerSec),
    "p50 ms": ms(result.latencyMs.p50),
    "p99 ms": ms(result.latencyMs.p99),
    warnings: result.warnings.length,
  }));
}

/**
 * Section 2's finding at the highest level: keep-alive's req/s beside a new connection per
 * request, "faster" or "slower" only beyond {@link SINGLE_RUN_NOISE} (one run each).
 */
export function keepAliveSentence(
  points: readonly RatePoint[],
  keepAlive = "keep-alive",
  fresh = "new connection each",
): string {
  const top = Math.max(...points.map((p) => p.concurrency));
  const at = (label: string) => points.find((p) => p.label === label && p.concurrency === top);
  const ka = at(keepAlive);
  const nc = at(fresh);
  if (!ka || !nc) return `No pair of runs at c=${top} to compare.`;
  const factor = ka.rps / nc.rps;
  const head = `At c=${top}, keep-alive served **${rps(ka.rps)} req/s** and a new connection per ` +
    `request **${rps(nc.rps)} req/s**`;
  if (factor >= SINGLE_RUN_NOISE) {
    return `${head}: keep-alive was **${formatFactor(factor)}** as fast. Without it this ` +
      "benchmark mostly measured TCP handshakes and closes, not the server's code.";
  }
  if (factor <= 1 / SINGLE_RUN_NOISE) {
    return `${head}: keep-alive was **slower** here (${formatFactor(factor)}), so something ` +
      "other than connection set-up limited this run.";
  }
  return `${head} (${formatFactor(factor)}): within ${
    Math.round((SINGLE_RUN_NOISE - 1) * 100)
  }%, ` +
    "no difference we can see with one run each.";
}

// ---------------------------------------------------------------- 3. generators

/** One generator's run of section 3 (`lies_runs.ts` GeneratorRun). */
export interface GeneratorResult {
  /** Name and version. */
  generator: string;
  /** Its result. */
  result: RunResult;
  /** CPU seconds the server used meanwhile, when known. */
  serverCpuS: number | null;
}

/** A {@link GeneratorPoint} with the cores the generator kept busy. */
export interface GeneratorCost extends GeneratorPoint {
  /** Generator CPU seconds per wall second (1 = one whole core). */
  cores: number;
}

/** Section 3's points: req/s, generator CPU µs per request and cores busy. */
export function generatorPoints(runs: readonly GeneratorResult[]): GeneratorCost[] {
  return runs.map(({ generator, result }) => {
    const cpu = result.generatorCpuS ?? NaN;
    return {
      generator,
      rps: result.requestsPerSec,
      cpuUsPerRequest: (cpu * 1e6) / result.completed,
      cores: cpu / result.wallTimeS,
    };
  });
}

/** Section 3's table. */
export function generatorTable(runs: readonly GeneratorResult[]): Row[] {
  return runs.map((run, i) => {
    const point = generatorPoints(runs)[i]!;
    const server = run.serverCpuS === null ? NaN : (run.serverCpuS * 1e6) / run.result.completed;
    return {
      generator: run.generator,
      completed: run.result.completed,
      "wall s": run.result.wallTimeS.toFixed(2),
      "req/s": rps(point.rps),
      "generator CPU µs/request": ms(point.cpuUsPerRequest, 1),
      "generator cores busy": ms(point.cores, 2),
      "server CPU µs/request": ms(server, 1),
    };
  });
}

/** Share of a core above which a generator is called the likely bottleneck. */
export const BUSY_CORE = 0.8;

/**
 * Section 3's finding: the spread of one server's req/s across generators, each one's CPU per
 * request, and whether the slowest generator used about a whole core (the likely limit) or not.
 */
export function generatorsSentence(points: readonly GeneratorCost[], cores: number): string {
  if (points.length === 0) return "No generator ran.";
  const fastest = points.reduce((a, b) => (a.rps >= b.rps ? a : b));
  const slowest = points.reduce((a, b) => (a.rps <= b.rps ? a : b));
  const spread = points.length === 1
    ? `Only ${fastest.generator} is installed: it measured **${rps(fastest.rps)} req/s**; ` +
      "install a second generator to see how much of that number belongs to the tool."
    : `The same server "did" **${rps(slowest.rps)} req/s** measured by ${slowest.generator} ` +
      `and **${rps(fastest.rps)} req/s** measured by ${fastest.generator}: a factor of ` +
      `**${formatFactor(fastest.rps / slowest.rps)}** that belongs to the generators, not to the ` +
      `server. ${slowest.generator} spent **${ms(slowest.cpuUsPerRequest, 1)} µs** of CPU per ` +
      `request, ${fastest.generator} **${ms(fastest.cpuUsPerRequest, 1)} µs**.`;
  if (!Number.isFinite(slowest.cores)) return spread;
  const verdict = slowest.cores >= BUSY_CORE
    ? `about a whole core, so it, not the server, most likely set the pace; with ${cores} ` +
      "cores, every core the generator burns is one the server cannot use."
    : "less than a core: its CPU alone did not hold it back (waiting in its own event loop, or " +
      "the share of the cores it got, can), and on this measure it was not the bottleneck.";
  return `${spread} The slowest, ${slowest.generator}, kept **${ms(slowest.cores, 2)} cores** ` +
    `busy: ${verdict}`;
}

// ---------------------------------------------------------------- 4. closed vs open loop

/** What section 4 measured (`lies_runs.ts` StallRuns). */
export interface StallResult {
  /** Closed-loop run. */
  closed: RunResult;
  /** Stalls during it. */
  closedStalls: number;
  /** Open-loop samples. */
  open: OpenLoopSample[];
  /** Stalls during them. */
  openStalls: number;
  /** oha `-q`, when run. */
  oha: RunResult | null;
}

/** Section 4's schedule: a stall of `stallMs` every `stallEveryMs`, open loop at `rate`. */
export interface StallSchedule {
  /** Stall length, ms. */
  stallMs: number;
  /** Time between stall starts, ms. */
  stallEveryMs: number;
  /** Open-loop rate, req/s. */
  rate: number;
  /** Open-loop duration, s. */
  durationS: number;
  /** Closed-loop connections (10). */
  connections?: number;
}

/**
 * The open-loop p99 the schedule predicts: a share s = stall / period of the requests arrive
 * during a stall and wait, uniformly, 0 to stall ms; the slowest 1% wait at least
 * stall x (1 - 0.01 / s). When stalls cover under 1% of the time the p99 misses them: 0.
 */
export function predictedOpenP99(stallMs: number, stallEveryMs: number): number {
  const share = stallMs / stallEveryMs;
  return share <= 0.01 ? 0 : stallMs * (1 - 0.01 / share);
}

/** The percentiles each method reported, for the chart. */
export function stallPercentiles(stall: StallResult, schedule: StallSchedule): PercentileRow[] {
  const open = openLoopSummary(stall.open, schedule.durationS);
  const c = stall.closed.latencyMs;
  return [
    {
      method: `closed loop (${stall.closed.generator})`,
      p50: c.p50,
      p90: c.p90,
      p99: c.p99,
      max: c.max,
    },
    { method: "open loop", p50: open.p50Ms, p90: open.p90Ms, p99: open.p99Ms, max: open.maxMs },
    ...(stall.oha ? [{ method: "oha -q (corrected)", ...stall.oha.latencyMs }] : []),
  ];
}

/** Section 4's table: requests, stalls met and percentiles per method. */
export function stallTable(stall: StallResult, schedule: StallSchedule): Row[] {
  const stalls = [stall.closedStalls, stall.openStalls, "-"];
  return stallPercentiles(stall, schedule).map((row, i) => ({
    method: row.method,
    requests: i === 0
      ? stall.closed.completed
      : i === 1
      ? stall.open.length
      : (stall.oha?.completed ?? 0),
    "stalls during run": stalls[i]!,
    "p50 ms": ms(row.p50),
    "p90 ms": ms(row.p90),
    "p99 ms": ms(row.p99),
    "max ms": ms(row.max),
  }));
}

/**
 * Section 4's finding: both p99s, the schedule's prediction of the open loop's, and whether the
 * closed loop hid the stalls (its p99 under half the open loop's) or not.
 */
export function stallSentence(stall: StallResult, schedule: StallSchedule): string {
  const open = openLoopSummary(stall.open, schedule.durationS);
  const closed = stall.closed.latencyMs;
  const connections = schedule.connections ?? 10;
  const share = schedule.stallMs / schedule.stallEveryMs;
  const predicted = predictedOpenP99(schedule.stallMs, schedule.stallEveryMs);
  const hit = Math.min(1, (connections * Math.max(1, stall.closedStalls)) / stall.closed.completed);
  const factor = open.p99Ms / Math.max(closed.p99, 0.001);
  const ratio = open.p99Ms / predicted;
  const against = predicted <= 0
    ? "stalls cover under 1% of the time, so the schedule predicts a p99 they do not reach"
    : ratio > 1.5
    ? "the measured p99 is above it (after each stall the server also works off the queue, and " +
      "a busy machine adds pauses of its own)"
    : ratio < 1 / 1.5
    ? "the measured p99 is below it (fewer requests met a stall than the schedule says)"
    : "the measured p99 is close to it";
  const first = `The closed loop reported **p99 = ${ms(closed.p99)} ms** (its max, ` +
    `${ms(closed.max)} ms, shows it met the stalls) and the open loop reported ` +
    `**p99 = ${ms(open.p99Ms)} ms**; the schedule predicts ${schedule.stallMs} x (1 - 1% / ` +
    `${pct(share)}) = **${ms(predicted, 0)} ms**, and ${against}.`;
  const second = ` With ${connections} connections only about ${connections} requests per ` +
    `stall waited: **${pct(hit)}** of the closed loop's ${rps(stall.closed.completed)} ` +
    `(${stall.closedStalls} stalls during its run; ${stall.openStalls} during the open loop's), ` +
    `${hit < 0.01 ? "below" : "above"} 1%, ` +
    (factor >= 2
      ? `so it hid the stalls: the open loop's p99 was **${formatFactor(factor)}** as high.`
      : `and its p99 was within 2x of the open loop's (${formatFactor(factor)}): it did not hide ` +
        "the stalls in this run.");
  return first + second;
}

// ---------------------------------------------------------------- 5. backlog

/** Section 5's counts for one backlog setting. */
export interface BacklogRow {
  /** The backlog length. */
  backlog: number;
  /** Requests sent. */
  requests: number;
  /** Connect time under 0.5 s. */
  fast: number;
  /** Connect time near 1 s (one SYN retry). */
  retry1: number;
  /** Near 3 s (two retries). */
  retry3: number;
  /** 5 s or more (three or more). */
  retry7: number;
  /** No answer within the timeout. */
  noAnswer: number;
  /** p50 and p99 of the whole request, ms. */
  p50TotalMs: number;
  /** p99 of the whole request, ms. */
  p99TotalMs: number;
}

/** Counts connect times by the SYN retry they waited for (none, ~1 s, ~3 s, ~7 s). */
export function backlogRow(backlog: number, samples: readonly ConnectionSample[]): BacklogRow {
  const connects = samples.map((s) => s.connectMs).filter((x): x is number => x !== null);
  const totals = samples.map((s) => s.totalMs).filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const near = (low: number, high: number) => connects.filter((x) => x >= low && x < high).length;
  return {
    backlog,
    requests: samples.length,
    fast: near(0, 500),
    retry1: near(500, 2000),
    retry3: near(2000, 5000),
    retry7: near(5000, Infinity),
    noAnswer: samples.filter((s) => s.error !== null).length,
    p50TotalMs: quantile(totals, 0.5),
    p99TotalMs: quantile(totals, 0.99),
  };
}

/** Section 5's table. */
export function backlogTable(rows: readonly BacklogRow[]): Row[] {
  return rows.map((r) => ({
    listen: `backlog ${r.backlog}`,
    requests: r.requests,
    "connect < 0.5 s": r.fast,
    "connect ~1 s": r.retry1,
    "connect ~3 s": r.retry3,
    "connect ~7 s": r.retry7,
    "no answer": r.noAnswer,
    "p50 total ms": ms(r.p50TotalMs),
    "p99 total ms": ms(r.p99TotalMs),
  }));
}

/** Requests of a row that waited for at least one SYN retry. */
export function retried(row: BacklogRow): number {
  return row.retry1 + row.retry3 + row.retry7;
}

/** Section 5's finding: retries and p99 under the smallest backlog beside the largest. */
export function backlogSentence(rows: readonly BacklogRow[]): string {
  const sorted = [...rows].sort((a, b) => a.backlog - b.backlog);
  const small = sorted[0];
  const large = sorted.at(-1);
  if (!small || !large || small === large) return "Two backlog settings are needed to compare.";
  const head = `With a backlog of ${small.backlog}, **${retried(small)} of ${small.requests}** ` +
    `requests waited for a SYN retry (connect ~1 s: ${small.retry1}, ~3 s: ${small.retry3}, ` +
    `~7 s: ${small.retry7}) and ${small.noAnswer} got no answer; the p99 of the whole request ` +
    `was **${ms(small.p99TotalMs)} ms**. With a backlog of ${large.backlog}: ` +
    `**${retried(large)}** retries, p99 **${ms(large.p99TotalMs)} ms**.`;
  if (retried(small) > retried(large)) {
    return `${head} The server code is identical; only the queue length differs.`;
  }
  return `${head} The short queue dropped no more connections than the long one here: this ` +
    "server accepted fast enough for this load.";
}

// ---------------------------------------------------------------- 6. repeats

/** Section 6's statistics of repeated runs: median with its order-statistic interval, and CV. */
export interface RepeatStats {
  /** Runs. */
  n: number;
  /** Lowest and highest req/s. */
  lowest: number;
  /** Highest req/s. */
  highest: number;
  /** Median with its distribution-free interval (its real coverage in `level`). */
  median: Interval;
  /** Coefficient of variation (stdev / mean). */
  cv: number;
}

/** The statistics of repeated runs' req/s. */
export function repeatStats(values: readonly number[]): RepeatStats {
  return {
    n: values.length,
    lowest: Math.min(...values),
    highest: Math.max(...values),
    median: medianConfidenceInterval(values),
    cv: values.length > 1 ? coefficientOfVariation(values) : NaN,
  };
}

/** The interval's label, e.g. "median, 96.9% order-statistic interval". */
export function intervalLabel(stats: RepeatStats): string {
  return `median, ${pct(stats.median.level, 1)} order-statistic interval`;
}

/**
 * Section 6's finding: the range of runs of one configuration, the median with its interval
 * (labelled), the CV, and how many runs a `difference` (default 10%) needs; `restarted` says
 * whether the runs shared one server.
 */
export function repeatsSentence(
  values: readonly number[],
  options: { restarted?: boolean; difference?: number } = {},
): string {
  const s = repeatStats(values);
  const difference = options.difference ?? 0.1;
  const server = options.restarted
    ? "each on a freshly started server"
    : "all on one server kept running (they share its warm-up and state, so they are not fully " +
      "independent)";
  const spread = s.highest / s.lowest - 1;
  const interval = s.median.low === null
    ? `median ${rps(s.median.estimate)} req/s (one run: no interval)`
    : `median **${rps(s.median.estimate)} req/s**, ${pct(s.median.level, 1)} ` +
      `${glossaryLink("ci", "interval for the median")} (order statistics, no distribution ` +
      `assumed) **${rps(s.median.low)} to ${rps(s.median.high!)}**`;
  const head = `${s.n} runs of one configuration, ${server}, gave from **${rps(s.lowest)}** to ` +
    `**${rps(s.highest)} req/s**: the best **${pct(spread)}** above the worst; ${interval}.`;
  if (!(s.cv > 0)) return `${head} The runs were identical: no spread to estimate.`;
  const needed = repeatsNeeded(s.cv, difference);
  return `${head} ${glossaryLink("cv", "Coefficient of variation")} **${pct(s.cv, 1)}**: to ` +
    `tell a real ${pct(difference)} difference between two servers from this noise (t-test at ` +
    `5%, ${glossaryLink("power", "power")} 80%) takes **${needed} runs of each**` +
    (needed <= 3
      ? ": this setup is steady enough for a few runs."
      : `; two single runs that differ by less than ${pct(spread)} say nothing.`);
}

// ---------------------------------------------------------------- 7. the leak, now and in 2020

/** A batch of section 7 (`lies_runs.ts` BatchResult). */
export interface Batch {
  /** Server label. */
  server: string;
  /** Requests served by the end of the batch. */
  served: number;
  /** Mean latency, ms. */
  msPerRequest: number;
  /** Requests per second. */
  rps: number;
}

/** Section 7's table: first and last batch per server. */
export function batchesTable(batches: readonly Batch[]): Row[] {
  return [...Map.groupBy(batches, (b) => b.server)].map(([server, rows]) => ({
    server,
    "first batch req/s": rps(rows[0]!.rps),
    "last batch req/s": rps(rows.at(-1)!.rps),
    "first batch ms/request": ms(rows[0]!.msPerRequest),
    "last batch ms/request": ms(rows.at(-1)!.msPerRequest),
  }));
}

/** Slow-down factor of a server's last batch over its first, above which it "slowed down". */
export const SLOWED = 1.5;

/**
 * Section 7's finding from this run: how much the leaky server slowed from its first batch to its
 * last, beside the same code without the leak; "slowed down" only beyond {@link SLOWED} and
 * beyond the fixed server's own change.
 */
export function batchesSentence(
  batches: readonly Batch[],
  leaky: string,
  fixed: string,
  pool?: string,
): string {
  const series = (label: string) => batches.filter((b) => b.server === label);
  const l = series(leaky);
  const f = series(fixed);
  if (l.length < 2 || f.length < 2) return "Two batches of each server are needed.";
  const growth = (rows: Batch[]) => rows.at(-1)!.msPerRequest / rows[0]!.msPerRequest;
  const head = `After ${l.at(-1)!.served} requests the ${leaky} server needed ` +
    `**${ms(l.at(-1)!.msPerRequest)} ms** per request against ${ms(l[0]!.msPerRequest)} ms at ` +
    `the start (${formatFactor(growth(l))}); its throughput went from ${rps(l[0]!.rps)} to ` +
    `**${rps(l.at(-1)!.rps)} req/s**. The same code without the leak went from ` +
    `${ms(f[0]!.msPerRequest)} to ${ms(f.at(-1)!.msPerRequest)} ms (${formatFactor(growth(f))}).`;
  const p = pool === undefined ? [] : series(pool);
  const poolText = p.length < 2
    ? ""
    : ` The thread pool went from ${ms(p[0]!.msPerRequest)} to ${ms(p.at(-1)!.msPerRequest)} ms ` +
      (growth(p) >= SLOWED
        ? `(${formatFactor(growth(p))}): it slowed down too, so look for a cause of its own.`
        : `(${formatFactor(growth(p))}): threads without the leak did not slow down.`);
  if (growth(l) >= SLOWED && growth(l) >= SLOWED * growth(f)) {
    const other = growth(f) >= SLOWED ? `far less (${formatFactor(growth(f))})` : "did not";
    return `${head} The leaky server slowed down as it served, the fixed one ${other}: its ` +
      "numbers depend on how many requests came before, that is, on the order the cells ran in." +
      poolText;
  }
  return `${head} In this run the leaky server did not slow down beyond the fixed one's change ` +
    `(${formatFactor(SLOWED)} is the mark): too few requests for its leak to show.` + poolText;
}

/** A seed row at concurrency 1 of one report's two servers. */
interface OneAtATime {
  threads: ReturnType<typeof seedRows>[number];
  async: ReturnType<typeof seedRows>[number] | undefined;
}

/** Time per request at c=1 more than this many times the async server's counts as slow. */
export const SLOW_AT_ONE = 10;

/**
 * The 2020 threaded server at concurrency 1, per report, from the seeds: its time per request,
 * beside the async server's at c=1 in the same report, and what that rules out. With one request
 * in flight a connection never queues behind another, so the listen backlog cannot explain a slow
 * c=1 run; a leak can. Only the largest n at c=1 per report is used.
 */
export function concurrencyOneSentences(seeds: pl.DataFrame): string[] {
  const rows = seedRows(seeds).filter((r) =>
    r.concurrency === 1 && r.finished && r.timePerRequestMs !== null
  );
  const pairs: OneAtATime[] = [];
  for (const [, group] of Map.groupBy(rows, (r) => r.source)) {
    const largest = (server: string) =>
      group.filter((r) => r.server === server).sort((a, b) => b.requests - a.requests)[0];
    const threads = largest("threads");
    if (threads) pairs.push({ threads, async: largest("async") });
  }
  return pairs.map(({ threads, async }) => {
    const where = `${threads.source.replace(/\.txt$/, "")} (${threads.assignment})`;
    const head = `${where}: the threaded server at concurrency 1 took ` +
      `**${ms(threads.timePerRequestMs)} ms** per request for n = ${threads.requests}` +
      (async ? `, the async server ${ms(async.timePerRequestMs)} ms` : "") +
      ` (${cite(async ? [threads, async] : [threads])})`;
    const ratio = async ? threads.timePerRequestMs! / async.timePerRequestMs! : NaN;
    if (ratio >= SLOW_AT_ONE) {
      return `${head}: ${formatFactor(ratio)} as slow with one request at a time. No connection ` +
        "waited behind another, so no backlog overflowed: the slowness at c=1 is the server's " +
        "own work, the threads the leak left spinning, not the listen queue.";
    }
    return `${head}: ${Number.isFinite(ratio) ? formatFactor(ratio) : "not compared"} at c=1, ` +
      "not slow with one request at a time: whatever made its other runs slow needed concurrency.";
  });
}

/**
 * The 2020 explanation as a Markdown list, every item computed from the seeds with its source
 * lines: the threaded server at c=1 (where no backlog applies), the leak's growth with n, and the
 * run times on ~0.5 s retry steps at higher concurrency (where the backlog does apply).
 */
export function explanation2020Markdown(seeds: pl.DataFrame): string {
  return [
    ...concurrencyOneSentences(seeds),
    ...leakEvidence(seeds).map(leakSentence),
    retryStepsSentence(retrySteps(seeds)),
  ].map((item) => `- ${item}`).join("\n");
}

// ---------------------------------------------------------------- shapes for the charts

/** Labelled runs as {@link RatePoint}s (label, concurrency, req/s). */
export function ratePoints(runs: readonly LabelledResult[]): RatePoint[] {
  return runs.map(({ label, concurrency, result }) => ({
    label,
    concurrency,
    rps: result.requestsPerSec,
  }));
}

/**
 * Labelled single runs as rows for `throughputChart` (one run per cell: no interval drawn); label
 * the chart's y axis accordingly ("requests per second, one run").
 */
export function throughputRows(runs: readonly LabelledResult[]): SummaryRow[] {
  return ratePoints(runs).map((p) => ({
    target: p.label,
    concurrency: p.concurrency,
    medianRps: p.rps,
    rpsCiLow: null,
    rpsCiHigh: null,
  })) as unknown as SummaryRow[];
}

/** Section 5's samples as chart points, one panel per backlog. */
export function connectPoints(
  runs: readonly { backlog: number; samples: readonly ConnectionSample[] }[],
): ConnectPoint[] {
  return runs.flatMap(({ backlog, samples }) =>
    samples.map((s) => ({
      backlog: `backlog ${backlog}`,
      startS: s.startMs / 1000,
      connectMs: s.connectMs ?? s.totalMs ?? 10_000,
      ok: s.error === null,
    }))
  );
}

/**
 * The requests a server had served at the end of its first batch under `limit` req/s, or null
 * when every batch stayed at or above it (exercise 4: when does the leak make it unusable?).
 */
export function servedWhenBelow(
  batches: readonly Batch[],
  server: string,
  limit: number,
): number | null {
  return batches.find((b) => b.server === server && b.rps < limit)?.served ?? null;
}
