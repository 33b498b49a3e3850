/**
 * What each notebook runs under a profile, and how long the lab takes: the notebooks read their
 * sizes from here (through {@link timedRuns} and {@link numbersLieSizes}), and `deno task lab`
 * adds the same figures up into the estimate it prints before it starts.
 *
 * An estimate is a sum: per notebook a kernel start and the exports, per experiment its server
 * starts, warm-ups and runs. A timed run lasts its fixed duration plus the generator's start; a
 * run of a request count lasts the count divided by a rate measured on a 2-core machine
 * ({@link COSTS}). Sections that are neither (a failover run, notebook 03's demonstrations) are
 * fixed durations computed from their own sizes.
 *
 * @module
 */

import type { GeneratorName } from "../loadgen/types.ts";
import type { LabProfile } from "./profiles.ts";
import { WARMUP_REQUESTS, WARMUP_S } from "../experiment/warmup.ts";

/** Generators that can end a run after a fixed time without keep-alive. */
export const TIMED_GENERATORS: readonly GeneratorName[] = ["oha", "wrk"];

/** How the runs of a slow section end, ready to spread into `runExperiment`'s config. */
export interface TimedRuns {
  /** The generator for these runs. */
  generator: GeneratorName;
  /** Seconds per run, when a timed generator is installed. */
  durationS?: number;
  /** Requests per run otherwise. */
  requests?: number;
}

/**
 * The runs of a slow section (`/io`, `/cpu`): `lab.timedRunS` seconds each with oha or wrk when
 * one is in `installed`, else `lab.requests` requests each with `fallback` (slower, but the
 * section still runs).
 */
export function timedRuns(
  lab: LabProfile,
  installed: readonly string[],
  fallback: GeneratorName,
): TimedRuns {
  const timed = TIMED_GENERATORS.find((name) => installed.includes(name));
  return timed === undefined
    ? { generator: fallback, requests: lab.requests }
    : { generator: timed, durationS: lab.timedRunS };
}

/** How a run of {@link TimedRuns} ends, in words: `1 s with wrk` or `200 requests with ab`. */
export function describeRuns(runs: TimedRuns): string {
  return runs.durationS !== undefined
    ? `${runs.durationS} s with ${runs.generator}`
    : `${runs.requests} requests with ${runs.generator}`;
}

/**
 * Requests per server of notebook 01's handoff measurement (`GET /`, a new connection each):
 * enough for `/proc`'s 10 ms CPU ticks to resolve the async server's CPU per request.
 */
export function handoffRequests(lab: LabProfile): number {
  return lab.name === "quick" ? 1000 : 3000;
}

/** Sizes of notebook 03's demonstrations. */
export interface NumbersLieSizes {
  /** Requests per run of section 2 (keep-alive vs a new connection each), per level. */
  keepAliveRequests: number;
  /** Seconds per generator of section 3 (timed generators). */
  generatorS: number;
  /** Requests of ab's run in section 3. */
  abRequests: number;
  /** Seconds of the open-loop run against the stalling server (section 4). */
  stallS: number;
  /** Requests of the closed-loop run against the stalling server (section 4). */
  closedRequests: number;
  /** Requests per backlog setting (section 5). */
  backlogRequests: number;
  /** Runs of one configuration (section 6). */
  spreadRuns: number;
  /** Requests per run of section 6. */
  spreadRequests: number;
  /** Batches per server (section 7). */
  batches: number;
  /** Requests per batch (section 7). */
  batch: number;
}

/** Notebook 03's sizes for a profile. */
export function numbersLieSizes(lab: LabProfile): NumbersLieSizes {
  return lab.name === "quick"
    ? {
      keepAliveRequests: 5000,
      generatorS: 2,
      abRequests: 20000,
      stallS: 3,
      closedRequests: 150000,
      backlogRequests: 300,
      spreadRuns: 5,
      spreadRequests: 2000,
      batches: 8,
      batch: 50,
    }
    : {
      keepAliveRequests: 10000,
      generatorS: 5,
      abRequests: 100000,
      stallS: 10,
      closedRequests: 600000,
      backlogRequests: 1000,
      spreadRuns: 15,
      spreadRequests: 5000,
      batches: 10,
      batch: 50,
    };
}

/**
 * Costs the estimate is built from, measured on the 2-core machine the lab was timed on while
 * other work kept it busy (load average about 13): on an idle machine the lab is faster, on a
 * busier one slower.
 */
export const COSTS = {
  /** Starting a kernel and running a notebook's first cell (imports), seconds. */
  notebookStartS: 8,
  /** Exporting one HTML report and checking it in a browser, seconds. */
  reportS: 20,
  /** Printing one report to PDF, seconds. */
  pdfS: 15,
  /** Starting one server process and waiting until it answers, seconds. */
  serverStartS: 1,
  /** Loading a page three times in headless chromium, with the browser's start, seconds. */
  browserVisitS: 6,
  /** What a run costs besides its requests: the generator's start, counters, the record. */
  runOverheadS: 0.45,
  /** Requests per second of a short page with a new connection each (ab on 2 cores). */
  newConnectionRate: 2500,
  /** Requests per second of a short page over keep-alive connections (ab -k on 2 cores). */
  keepAliveRate: 20000,
};

/** One part of a notebook in the estimate. */
export interface PlanStep {
  /** What runs: an experiment's name or a section. */
  name: string;
  /** Estimated seconds. */
  seconds: number;
}

/** A notebook's steps in the estimate. */
export interface NotebookPlan {
  /** The notebook's file name. */
  notebook: string;
  /** Its steps, in order. */
  steps: PlanStep[];
}

/** An experiment as `runExperiment` runs it: server starts, a warm-up per target, runs. */
export interface ExperimentShape {
  /** Experiment name. */
  name: string;
  /** Targets compared. */
  targets: number;
  /** Server processes started for it (0 when its targets are already running). */
  starts: number;
  /** Concurrency levels. */
  levels: readonly number[];
  /** Measured runs per target and level. */
  repeats: number;
  /** Seconds per run (timed runs), or null for a request count. */
  durationS: number | null;
  /** Requests per run when `durationS` is null. */
  requests: number;
  /** Requests per second the target serves, for runs of a request count. */
  rate: number;
}

/** Estimated seconds of one experiment. */
export function experimentSeconds(shape: ExperimentShape): number {
  const runS = COSTS.runOverheadS + (shape.durationS ?? shape.requests / shape.rate);
  const perRun = shape.durationS === null ? shape.requests : shape.durationS * shape.rate;
  const runs = shape.targets * (shape.levels.length * shape.repeats + warmupRuns(perRun, runS));
  return shape.starts * COSTS.serverStartS + runs * runS;
}

/**
 * Runs of one target's warm-up (`../experiment/warmup.ts`) in runs of `perRun` requests lasting
 * `runS` seconds: until {@link WARMUP_REQUESTS} requests or {@link WARMUP_S} seconds, at least one.
 */
function warmupRuns(perRun: number, runS: number): number {
  const forRequests = Math.ceil(WARMUP_REQUESTS / Math.max(perRun, 1));
  return Math.max(1, Math.min(forRequests, Math.ceil(WARMUP_S / runS)));
}

/**
 * The lab's notebooks and their steps under `lab`. `timed` says whether a timed generator (oha,
 * wrk) is installed: without one the slow sections run `lab.requests` requests each.
 */
export function labPlan(lab: LabProfile, timed = true): NotebookPlan[] {
  const levels = lab.levels;
  const count = { durationS: null, requests: lab.requests, repeats: lab.repeats, levels };
  const slow = (waitMs: number, concurrency: number[] = [...lab.timedLevels]) => ({
    durationS: timed ? lab.timedRunS : null,
    requests: lab.requests,
    repeats: lab.repeats,
    levels: concurrency,
    // Without a timed generator, a run of n requests that each wait `waitMs` at concurrency c
    // takes about n * waitMs / c: the estimate takes the lowest level, which dominates.
    rate: 1000 / waitMs * Math.min(...concurrency),
  });
  const experiment = (shape: ExperimentShape): PlanStep => ({
    name: shape.name,
    seconds: experimentSeconds(shape),
  });
  const fixed = (name: string, seconds: number): PlanStep => ({ name, seconds });
  const size = numbersLieSizes(lab);
  const newConnectionRun = (requests: number) =>
    COSTS.runOverheadS + requests / COSTS.newConnectionRate;
  // The handoff measurement warms each server up first, as an experiment does.
  const handoffWarmupRuns = warmupRuns(
    handoffRequests(lab),
    newConnectionRun(handoffRequests(lab)),
  );
  const keepAliveRun = (requests: number) => COSTS.runOverheadS + requests / COSTS.keepAliveRate;
  const failoverS = lab.name === "quick" ? 4 : 8;
  return [
    {
      notebook: "01_async_vs_threads.ipynb",
      steps: [
        fixed("kernel and imports", COSTS.notebookStartS),
        fixed("the three servers started and checked", 3 * COSTS.serverStartS),
        experiment({
          name: "01-root",
          targets: 2,
          starts: 2,
          rate: COSTS.newConnectionRate,
          ...count,
        }),
        fixed(
          "handoff: async and threads on GET /",
          2 *
            (COSTS.serverStartS + (1 + handoffWarmupRuns) * newConnectionRun(handoffRequests(lab))),
        ),
        experiment({ name: "01-io", targets: 3, starts: 3, ...slow(20) }),
        experiment({ name: "01-cpu", targets: 3, starts: 3, ...slow(5) }),
        fixed("report", COSTS.reportS),
      ],
    },
    {
      notebook: "02_load_balancer.ipynb",
      steps: [
        fixed("kernel and imports", COSTS.notebookStartS),
        fixed("the cluster started (four backends and the balancer)", 5 * COSTS.serverStartS),
        fixed("the page in a headless chromium", COSTS.browserVisitS),
        experiment({
          name: "02-tugas10",
          targets: 3,
          starts: 2,
          rate: COSTS.newConnectionRate / 2,
          ...count,
        }),
        experiment({
          name: "02-io",
          targets: 4,
          starts: 5,
          ...slow(20, lab.timedLevels.filter((c) => c >= 10)),
        }),
        experiment({
          name: "02-strategies",
          targets: 4,
          starts: 8,
          ...slow(20 * 2, lab.timedLevels.filter((c) => c >= 10)),
        }),
        fixed("failover run", failoverS + 1),
        fixed("report", COSTS.reportS),
      ],
    },
    {
      notebook: "03_why_numbers_lie.ipynb",
      steps: [
        fixed("kernel and imports", COSTS.notebookStartS),
        fixed(
          "1. an error page",
          COSTS.serverStartS + levels.length * 2 * newConnectionRun(lab.requests),
        ),
        fixed(
          "2. keep-alive",
          COSTS.serverStartS +
            levels.length *
              (newConnectionRun(size.keepAliveRequests) + keepAliveRun(size.keepAliveRequests)),
        ),
        fixed(
          "3. the generators",
          COSTS.serverStartS + 2 * (size.generatorS + 2) + keepAliveRun(size.abRequests),
        ),
        fixed(
          "4. stalls",
          COSTS.serverStartS + keepAliveRun(size.closedRequests) + size.stallS,
        ),
        fixed("5. the listen backlog", 2 * (COSTS.serverStartS + size.backlogRequests * 0.005 + 3)),
        fixed(
          "6. run-to-run spread",
          COSTS.serverStartS + (size.spreadRuns + 1) * newConnectionRun(size.spreadRequests),
        ),
        fixed(
          "7. a leaking server",
          3 * (COSTS.serverStartS + size.batches * newConnectionRun(size.batch)) +
            size.batches * size.batch * 0.02,
        ),
        fixed("report", COSTS.reportS),
      ],
    },
  ];
}

/** Estimated seconds of a notebook plan. */
export function planSeconds(plan: NotebookPlan): number {
  return plan.steps.reduce((sum, step) => sum + step.seconds, 0);
}

/** Options for {@link estimateLab}. */
export interface EstimateOptions {
  /** Only these notebooks (file names); all when omitted. */
  notebooks?: readonly string[];
  /** Whether a timed generator is installed. Defaults to true. */
  timed?: boolean;
  /** Reports printed to PDF per notebook (0, 1, or 2 with --no-code). */
  pdfs?: number;
  /** Extra reports exported per notebook (1 with --no-code). */
  extraReports?: number;
}

/** A lab estimate: seconds per notebook and in all. */
export interface LabEstimate {
  /** Seconds per notebook file name (notebooks the plan does not know are left out). */
  perNotebook: Map<string, number>;
  /** Seconds in all. */
  totalS: number;
}

/** Estimates the lab's duration under `lab`. */
export function estimateLab(lab: LabProfile, options: EstimateOptions = {}): LabEstimate {
  const perNotebook = new Map<string, number>();
  const extra = (options.pdfs ?? 0) * COSTS.pdfS + (options.extraReports ?? 0) * COSTS.reportS;
  for (const plan of labPlan(lab, options.timed ?? true)) {
    if (options.notebooks !== undefined && !options.notebooks.includes(plan.notebook)) continue;
    perNotebook.set(plan.notebook, planSeconds(plan) + extra);
  }
  let totalS = 0;
  for (const seconds of perNotebook.values()) totalS += seconds;
  return { perNotebook, totalS };
}
