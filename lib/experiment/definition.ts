/**
 * What an experiment is: its targets, request path, concurrency levels, request count or
 * duration, repeats and load generator, with the course's defaults, checked before anything
 * starts ({@link defineExperiment}: one line naming the fix for each bad value).
 *
 * @example
 * ```ts
 * import { defineExperiment } from "../lib/notebook/mod.ts";
 * const experiment = defineExperiment({ name: "io", targets: ["async"], path: "/io?ms=20" });
 * ```
 *
 * @module
 */

import { join } from "node:path";
import pl from "nodejs-polars";
import { isModelName, MODEL_NAMES } from "../../servers/models.ts";
import { type Environment } from "./environment.ts";
import { checkAllowHosts, checkTargetHost } from "../loadgen/target_hosts.ts";
import type { GeneratorName } from "../loadgen/types.ts";
import { type ProgressRenderer } from "./progress.ts";
import { parseDuration } from "./duration.ts";
import { resultsRoot } from "../results/results_root.ts";
import { type RunRecord } from "../results/run_record.ts";

/** The course's concurrency levels. */
export const DEFAULT_CONCURRENCY: readonly number[] = [1, 5, 10, 15, 50, 100];
/** Requests per run when neither `requests` nor `durationS` is given. */
export const DEFAULT_REQUESTS = 1000;
/** Measured runs per cell of the matrix. */
export const DEFAULT_REPEATS = 3;
/** File name of the environment record in a results folder. */
export const ENVIRONMENT_FILE = "environment.json";
/** File name of the experiment's configuration in a results folder. */
export const CONFIG_FILE = "config.json";
/** File name of the failed runs (one JSON object a line) in a results folder. */
export const ERRORS_FILE = "errors.ndjson";

/** A target to launch or use: a model name, a URL, or a script. */
export type TargetSpec =
  | string
  | { name: string; url: string }
  | { name: string; script: string; args?: string[] };

/** What an experiment measures and how. Only `name` and `targets` are required. */
export interface ExperimentConfig {
  /** Experiment name: letters, digits, `.`, `_`, `-`; names the results folder. */
  name: string;
  /** Server models to launch (`"async"`), URLs already running, or scripts. */
  targets: TargetSpec[];
  /** Request path and query. Defaults to `/`. */
  path?: string;
  /** Concurrency levels. Defaults to {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number[];
  /** Requests per run (defaults to {@link DEFAULT_REQUESTS} unless `durationS` is given). */
  requests?: number;
  /** Seconds per run, instead of a request count. */
  durationS?: number;
  /** Time per run as wrk and oha write it (`2s`, `500ms`, `1m`; a number is seconds): `durationS`. */
  duration?: string | number;
  /** Measured runs per target and level. Defaults to {@link DEFAULT_REPEATS}. */
  repeats?: number;
  /** Uncounted warm-up runs per target first (see `warmup.ts`). Defaults to true. */
  warmup?: boolean;
  /** HTTP keep-alive. Defaults to false (like ab and the 2020 reports). */
  keepAlive?: boolean;
  /** Load generator; defaults to the best one installed. */
  generator?: GeneratorName;
  /**
   * Hosts besides loopback that `{name, url}` targets may be on: literal private IPv4 addresses
   * of networks the lab made itself (e.g. a network namespace's `10.200.N.2`). Passed into every
   * run spec. Defaults to none: loopback only.
   */
  allowHosts?: string[];
  /**
   * Results folder. Defaults to `<results root>/<name>/`: `data/results/<name>/`, or under
   * `$LAB_RESULTS_DIR` when set. A run kept there before is moved whole to `archive/<time>/`.
   */
  outDir?: string;
  /** CPU list for `taskset -c` for launched servers (e.g. `"0"`), so the generator gets the rest. */
  pin?: string;
  /** Pool size / worker count for launched models that have one. */
  size?: number;
  /** Per-request timeout of the generator, seconds. */
  timeoutS?: number;
  /** Hard limit of one run, seconds; a run that takes longer is killed and logged as failed. */
  runTimeoutS?: number;
  /** How long a launched target may take to become ready, ms. */
  readyTimeoutMs?: number;
  /** Draws progress (a terminal line, a notebook output). Defaults to none. */
  progress?: ProgressRenderer;
  /** Called after each measured run is on disk; throwing from it stops the experiment. */
  onRun?: (record: ExperimentRecord) => void | Promise<void>;
  /** Print failed runs on the console. Defaults to true. */
  logErrors?: boolean;
}

/** An {@link ExperimentConfig} with every default filled in and every value checked. */
export interface ResolvedExperiment extends
  Required<
    Omit<
      ExperimentConfig,
      | "requests"
      | "durationS"
      | "duration"
      | "generator"
      | "pin"
      | "size"
      | "timeoutS"
      | "runTimeoutS"
      | "readyTimeoutMs"
      | "progress"
      | "onRun"
    >
  > {
  /** Requests per run, or null for a duration-based run. */
  requests: number | null;
  /** Seconds per run, or null for a count-based run. */
  durationS: number | null;
  /** The generator asked for, or null for the best installed. */
  generator: GeneratorName | null;
  /** CPU list for launched servers, or null. */
  pin: string | null;
  /** Size of launched models, or null for their default. */
  size: number | null;
  /** Per-request timeout, or null for the generator's default. */
  timeoutS: number | null;
  /** Run bound, or null for the generator layer's default. */
  runTimeoutS: number | null;
  /** Readiness bound, or null for the launcher's default. */
  readyTimeoutMs: number | null;
  /** Progress renderer, if any. */
  progress?: ProgressRenderer;
  /** Per-run callback, if any. */
  onRun?: (record: ExperimentRecord) => void | Promise<void>;
}

/** A run record plus the server's own count of requests served during the run. */
export interface ExperimentRecord extends RunRecord {
  /**
   * Requests the target served during the run, by its own count (a lab server's `/stats`, or
   * the lab balancer's `/lb/stats` summed over backends); null when the target has no count.
   */
  serverServed: number | null;
}

/** A run that failed: the generator crashed, timed out, or the target went away. */
export interface RunError {
  /** Target name. */
  target: string;
  /** Concurrency level. */
  concurrency: number;
  /** Repeat number (1-based). */
  repeat: number;
  /** When the run started, ISO 8601. */
  startedAt: string;
  /** The error's one-line message. */
  error: string;
}

/** What {@link runExperiment} and {@link loadExperiment} return. */
export interface ExperimentResult {
  /** Experiment name. */
  name: string;
  /** Results folder. */
  dir: string;
  /** One row per measured run (the runs-file columns plus `serverServed`). */
  frame: pl.DataFrame;
  /** The same runs as records. */
  records: ExperimentRecord[];
  /** Runs that failed. */
  errors: RunError[];
  /** Where it ran. */
  environment: Environment | null;
  /** Where the run this one replaced in `dir` was moved (`dir/archive/<time>/`), if any. */
  archived?: string | null;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws an `Error` with `message`: the one-line refusal of a bad experiment definition. */
export function fail(message: string): never {
  throw new Error(message);
}

function checkWhole(value: number | undefined, what: string, min: number, flag: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    fail(`${what} must be a whole number >= ${min}, got ${value}: fix ${flag}`);
  }
}

function targetName(spec: TargetSpec): string {
  return typeof spec === "string" ? spec : spec.name;
}

/**
 * Checks a configuration and fills in its defaults. Throws an Error with a one-line message
 * naming the bad value and how to fix it.
 *
 * @example
 * ```ts
 * import { defineExperiment } from "../lib/notebook/mod.ts";
 * const experiment = defineExperiment({ name: "io", targets: ["async"], path: "/io?ms=20" });
 * console.log(experiment.concurrency, experiment.repeats); // the defaults filled in
 * defineExperiment({ name: "io", targets: ["async"], repeats: 0 }); // throws: one line naming the fix
 * ```
 */
export function defineExperiment(config: ExperimentConfig): ResolvedExperiment {
  if (typeof config.name !== "string" || !NAME_PATTERN.test(config.name)) {
    fail(
      `experiment name '${config.name}' must be letters, digits, '.', '_' or '-' ` +
        "(it names the results folder)",
    );
  }
  if (!Array.isArray(config.targets) || config.targets.length === 0) {
    fail("an experiment needs at least one target: a model name like 'async', or {name, url}");
  }
  const names = new Set<string>();
  for (const spec of config.targets) {
    const name = targetName(spec);
    if (typeof spec === "string" && !isModelName(spec)) {
      fail(
        `unknown model '${spec}': use one of ${MODEL_NAMES.join(", ")}, ` +
          "or {name, url} for a server already running",
      );
    }
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
      fail(`target name '${name}' must be letters, digits, '.', '_' or '-'`);
    }
    if (names.has(name)) fail(`target '${name}' is listed twice: give each target its own name`);
    names.add(name);
  }
  const allowHosts = config.allowHosts ?? [];
  checkAllowHosts(allowHosts);
  for (const spec of config.targets) {
    if (typeof spec !== "object" || spec === null || !("url" in spec)) continue;
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      fail(`target ${spec.name}: '${spec.url}' is not a URL (write it like http://127.0.0.1:8080)`);
    }
    checkTargetHost(url.hostname, allowHosts);
  }
  const path = config.path ?? "/";
  if (!path.startsWith("/")) fail(`path '${path}' must start with '/', e.g. / or /io?ms=20`);
  const concurrency = config.concurrency ?? [...DEFAULT_CONCURRENCY];
  if (concurrency.length === 0) fail("concurrency needs at least one level, e.g. [1, 10, 100]");
  for (const level of concurrency) checkWhole(level, "a concurrency level", 1, "concurrency");
  if (config.duration !== undefined && config.durationS !== undefined) {
    fail("give duration or durationS, not both: they say the same thing");
  }
  let durationS = config.durationS;
  if (config.duration !== undefined) {
    try {
      durationS = parseDuration(config.duration);
    } catch (error) {
      fail(`duration: ${(error as Error).message}`);
    }
  }
  if (config.requests !== undefined && durationS !== undefined) {
    fail("give requests or a duration, not both: a run is either a count or a duration");
  }
  checkWhole(config.requests, "requests", 1, "requests");
  if (durationS !== undefined && !(Number.isFinite(durationS) && durationS > 0)) {
    fail(`durationS must be a positive number of seconds, got ${durationS}`);
  }
  const requests = durationS === undefined ? config.requests ?? DEFAULT_REQUESTS : null;
  const top = Math.max(...concurrency);
  if (requests !== null && requests < top) {
    fail(
      `requests (${requests}) must be at least the highest concurrency (${top}): ` +
        "raise requests or lower the levels",
    );
  }
  checkWhole(config.repeats, "repeats", 1, "repeats");
  checkWhole(config.size, "size", 1, "size");
  if (config.timeoutS !== undefined && !(config.timeoutS > 0)) {
    fail(`timeoutS must be a positive number of seconds, got ${config.timeoutS}`);
  }
  if (config.runTimeoutS !== undefined && !(config.runTimeoutS > 0)) {
    fail(`runTimeoutS must be a positive number of seconds, got ${config.runTimeoutS}`);
  }
  if (config.pin !== undefined && !/^\d+([-,]\d+)*$/.test(config.pin)) {
    fail(`pin '${config.pin}' is not a CPU list: use e.g. 0, 0-1 or 0,2`);
  }
  return {
    name: config.name,
    targets: config.targets,
    path,
    concurrency,
    requests,
    durationS: durationS ?? null,
    repeats: config.repeats ?? DEFAULT_REPEATS,
    warmup: config.warmup ?? true,
    keepAlive: config.keepAlive ?? false,
    generator: config.generator ?? null,
    allowHosts: [...allowHosts],
    outDir: config.outDir ?? join(resultsRoot(), config.name),
    pin: config.pin ?? null,
    size: config.size ?? null,
    timeoutS: config.timeoutS ?? null,
    runTimeoutS: config.runTimeoutS ?? null,
    readyTimeoutMs: config.readyTimeoutMs ?? null,
    progress: config.progress,
    onRun: config.onRun,
    logErrors: config.logErrors ?? true,
  };
}

/** The serializable part of a resolved experiment, as saved in `config.json`. */
export function savedConfig(experiment: ResolvedExperiment): Record<string, unknown> {
  const { progress: _progress, onRun: _onRun, ...rest } = experiment;
  return rest;
}
