/**
 * The ceilings a student can compute by hand, from an experiment's own set-up, beside what the
 * run measured: a pool of K blocking workers that each wait W seconds serves at most K / W
 * requests per second; an event loop keeps every waiting request in flight, so c clients that
 * each wait W get at most c / W; one core computing S seconds per request serves at most 1 / S,
 * N cores N / S, less the share of a core the load generator used on the same machine.
 *
 * The set-up (pool size, worker count, pinning) is read from the experiment's `config.json`,
 * never from the models' defaults alone: an experiment run with `size: 2` predicts with 2.
 *
 * @example
 * ```ts
 * const shape = experimentShape(io);
 * await table(ceilingTable(summaryRows(io.frame), workloadOf("/io?ms=20"), shape));
 * await showMarkdown(ceilingMarkdown(summaryRows(io.frame), workloadOf("/io?ms=20"), shape));
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { formatRate, type SummaryRow } from "./results.ts";
import { DEFAULT_POOL_SIZE } from "../../servers/threads.ts";

/** What each request does: wait (`/io?ms=N`) or compute (`/cpu?ms=N`) for `ms` milliseconds. */
export interface Workload {
  /** Waiting without the CPU, or computing. */
  kind: "io" | "cpu";
  /** Milliseconds per request. */
  ms: number;
}

/** The workload of a lab path such as `/io?ms=20`. Throws for a path without one. */
export function workloadOf(path: string): Workload {
  const match = path.match(/^\/(io|cpu)\?(?:.*&)?ms=(\d+(?:\.\d+)?)/);
  if (!match || !(Number(match[2]) > 0)) {
    throw new Error(`workloadOf: '${path}' is not /io?ms=N or /cpu?ms=N with N > 0`);
  }
  return { kind: match[1] as "io" | "cpu", ms: Number(match[2]) };
}

/** The servers' set-up in an experiment, as the ceilings need it. */
export interface ServerShape {
  /** Threads model: workers in the pool (K). */
  poolSize: number;
  /** Workers model: event loops (N). */
  workers: number;
  /** Cores the servers may run on (the pinned CPU list, or every core). */
  serverCores: number;
  /** Cores of the machine. */
  cores: number;
  /** Whether the servers were pinned to fewer cores than the machine has (the generator then runs on the others). */
  pinned: boolean;
}

/** How many CPUs a `taskset -c` list names: `0` is 1, `0-1` is 2, `0,2-3` is 3. */
export function cpuListSize(list: string): number {
  return list.split(",").reduce((sum, part) => {
    const [from, to] = part.split("-").map(Number);
    return sum + (to === undefined ? 1 : to! - from! + 1);
  }, 0);
}

/**
 * The set-up from an experiment's `size` and `pin` (as given to `runExperiment`) on a machine of
 * `cores` cores: the pool and the worker count are `size` when given, else the models' defaults
 * (a pool of 8; one worker per core the servers may use).
 */
export function serverShape(
  config: { size?: number | null; pin?: string | null },
  cores: number,
): ServerShape {
  const serverCores = config.pin ? Math.min(cpuListSize(config.pin), cores) : cores;
  return {
    poolSize: config.size ?? DEFAULT_POOL_SIZE,
    workers: config.size ?? serverCores,
    serverCores,
    cores,
    pinned: serverCores < cores,
  };
}

/** The set-up of a finished experiment, from its results folder's `config.json` and machine. */
export function experimentShape(
  result: { dir: string; environment: { cpuCount: number } | null },
): ServerShape {
  let config: { size?: number | null; pin?: string | null };
  try {
    config = JSON.parse(Deno.readTextFileSync(join(result.dir, "config.json")));
  } catch (error) {
    throw new Error(
      `experimentShape: cannot read ${join(result.dir, "config.json")} (${
        (error as Error).message
      }): pass the result of runExperiment`,
    );
  }
  return serverShape(config, result.environment?.cpuCount ?? navigator.hardwareConcurrency);
}

/** A model's upper bound on throughput at one level, and how it was computed. */
export interface Ceiling {
  /** Requests per second at most. */
  bound: number;
  /** The bound with the load generator's share of the cores taken out (the same for one core). */
  boundLessGenerator: number;
  /** The formula in words, e.g. `min(c=50, K=8) / 0.020 s`. */
  formula: string;
}

function coresWord(n: number): string {
  return `${n} ${n === 1 ? "core" : "cores"}`;
}

function seconds(w: Workload): string {
  return `${(w.ms / 1000).toFixed(3)} s`;
}

/**
 * The bound of `model` (async, threads or workers) at concurrency `c`, or null for another
 * model. `generatorCores` is the load generator's CPU in cores (0.6 = 60% of one core): it is
 * taken from the cores the servers share with it (not when the servers are pinned apart).
 */
export function ceiling(
  model: string,
  c: number,
  w: Workload,
  shape: ServerShape,
  generatorCores = 0,
): Ceiling | null {
  const s = w.ms / 1000;
  const free = shape.pinned ? shape.serverCores : Math.max(shape.serverCores - generatorCores, 0);
  if (w.kind === "io") {
    if (model === "threads") {
      const k = Math.min(c, shape.poolSize);
      return {
        bound: k / s,
        boundLessGenerator: k / s,
        formula: `min(c=${c}, K=${shape.poolSize}) / ${seconds(w)}`,
      };
    }
    if (model === "async" || model === "workers") {
      return { bound: c / s, boundLessGenerator: c / s, formula: `c=${c} / ${seconds(w)}` };
    }
    return null;
  }
  if (model === "async") {
    const one = Math.min(c, 1, free);
    return {
      bound: Math.min(c, 1) / s,
      boundLessGenerator: one / s,
      formula: `1 core / ${seconds(w)}`,
    };
  }
  const width = model === "threads" ? shape.poolSize : model === "workers" ? shape.workers : null;
  if (width === null) return null;
  const name = model === "threads" ? "K" : "N";
  const n = Math.min(c, width, shape.serverCores);
  return {
    bound: n / s,
    boundLessGenerator: Math.min(c, width, free) / s,
    formula: `min(c=${c}, ${name}=${width}, ${coresWord(shape.serverCores)}) / ${seconds(w)}`,
  };
}

/** One row of {@link ceilingTable}. */
export interface CeilingRow {
  /** The server model. */
  model: string;
  /** The concurrency level. */
  c: number;
  /** The bound: the most requests per second this model can serve here. */
  "at most (req/s)": number;
  /** Only for `/cpu`: waiting does not compete with the generator for the cores. */
  "less the generator (req/s)"?: number;
  /** The bound's formula with this run's numbers, for checking by hand. */
  "computed as": string;
  /** The median of the measured runs. */
  "measured median (req/s)": number;
  /** The measured median as a share of the bound. */
  "measured / bound": string;
}

function generatorCoresOf(row: SummaryRow): number {
  const percent = row.generatorCpuPercent;
  return typeof percent === "number" && Number.isFinite(percent) ? percent / 100 : 0;
}

/**
 * Every model and level of the summary beside its bound (models without one are left out); for
 * `/cpu` also the bound less the load generator's share of the cores.
 */
export function ceilingTable(
  rows: readonly SummaryRow[],
  w: Workload,
  shape: ServerShape,
): CeilingRow[] {
  return [...rows]
    .sort((a, b) => a.target.localeCompare(b.target) || a.concurrency - b.concurrency)
    .flatMap((row) => {
      const bound = ceiling(row.target, row.concurrency, w, shape, generatorCoresOf(row));
      if (bound === null) return [];
      return [{
        model: row.target,
        c: row.concurrency,
        "at most (req/s)": Math.round(bound.bound),
        ...(w.kind === "cpu"
          ? { "less the generator (req/s)": Math.round(bound.boundLessGenerator) }
          : {}),
        "computed as": bound.formula,
        "measured median (req/s)": Math.round(row.medianRps),
        "measured / bound": `${Math.round(row.medianRps / bound.bound * 100)}%`,
      }];
    });
}

/** Where a measured figure stands against its bound, in words. */
export function againstBound(measured: number, bound: number): string {
  const share = measured / bound;
  if (share > 1.1) return "above its bound: the requests did less than asked (check the server)";
  if (share >= 0.8) return "at its bound";
  return "below its bound: something else limited it";
}

/**
 * The prediction from the experiment's set-up beside the measurement, at the highest level
 * measured: each model's bound and how it is computed, then what each reached and where that
 * stands against its bound. For `/cpu` it adds whether the multi-core models reached the cores'
 * bound (N x 1 / S) or not, with the load generator's share of a core.
 */
export function ceilingMarkdown(
  rows: readonly SummaryRow[],
  w: Workload,
  shape: ServerShape,
): string {
  if (rows.length === 0) return "No runs to compare with the prediction.";
  const top = Math.max(...rows.map((row) => row.concurrency));
  const cells = rows.filter((row) => row.concurrency === top)
    .sort((a, b) => a.target.localeCompare(b.target))
    .flatMap((row) => {
      const bound = ceiling(row.target, top, w, shape, generatorCoresOf(row));
      return bound === null ? [] : [{ row, bound }];
    });
  if (cells.length === 0) return "None of these models has a bound to compute.";
  const what = w.kind === "io" ? `waiting ${w.ms} ms` : `computing ${w.ms} ms`;
  const has = (model: string) => cells.some(({ row }) => row.target === model);
  const setup = [
    has("threads") ? `a pool of **${shape.poolSize}** workers` : "",
    has("workers") ? `**${shape.workers}** event loop(s) in the workers model` : "",
    `${shape.serverCores} of ${shape.cores} cores for the servers`,
  ].filter((part) => part !== "").join(", ");
  const predicted = cells.map(({ row, bound }) =>
    `${row.target} at most **${formatRate(bound.bound)} req/s** (${bound.formula})`
  ).join(", ");
  const measured = cells.map(({ row, bound }) =>
    `${row.target} **${formatRate(row.medianRps)} req/s**, ${
      againstBound(row.medianRps, bound.bound)
    } (${Math.round(row.medianRps / bound.bound * 100)}%)`
  ).join("; ");
  let text = `Predicted from this experiment's set-up (${setup}), ${what} per request, at ` +
    `c=${top}: ${predicted}. Measured: ${measured}.`;
  if (w.kind === "cpu") text += ` ${coresSentence(cells, w, shape)}`;
  return text;
}

function coresSentence(
  cells: { row: SummaryRow; bound: Ceiling }[],
  w: Workload,
  shape: ServerShape,
): string {
  const many = cells.filter(({ row }) => row.target !== "async");
  if (many.length === 0) return "";
  const full = shape.serverCores / (w.ms / 1000);
  const head = `${coresWord(shape.serverCores)} x ${formatRate(1000 / w.ms)} = ${
    formatRate(full)
  } req/s`;
  const reached = many.filter(({ row }) => row.medianRps >= 0.95 * full);
  const generator = Math.max(...many.map(({ row }) => generatorCoresOf(row)));
  const left = Math.max(shape.serverCores - generator, 0) / (w.ms / 1000);
  const note = generator > 0 && !shape.pinned
    ? ` The load generator used up to ${Math.round(generator * 100)}% of a core on the same ` +
      `cores, which leaves about ${formatRate(left)} req/s.`
    : "";
  const missed = many.filter((cell) => !reached.includes(cell)).map(({ row }) => row.target);
  const names = (list: string[]) => list.join(" and ");
  if (reached.length === 0) {
    const none = missed.length === 1
      ? `${missed[0]} did not reach`
      : missed.length === 2
      ? `Neither ${missed[0]} nor ${missed[1]} reached`
      : `None of ${missed.join(", ")} reached`;
    return `${none} ${head}.${note}`;
  }
  const rest = missed.length > 0 ? `; ${names(missed)} did not` : "";
  return `${
    names(reached.map(({ row }) => row.target))
  } reached ${head} (within 5%)${rest}.${note}`;
}
