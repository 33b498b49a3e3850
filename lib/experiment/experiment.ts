/**
 * Experiments: launch targets, sweep concurrency levels with a real load generator, keep every
 * run on disk as soon as it finishes, and return the runs as a polars DataFrame.
 *
 * The matrix runs interleaved (for each repeat, for each concurrency, for each target), so slow
 * drift of the machine hits every target alike. Each target gets one warm-up run that is not
 * recorded. Launched targets are stopped in `finally`; with {@link launchScript}'s registry and
 * `--exit-with-stdin`, neither an exception, Ctrl-C nor a killed kernel leaves a server behind.
 * Jupyter's interrupt button (SIGINT to the kernel) stops the servers and makes
 * {@link runExperiment} throw an `InterruptedError` naming the measured runs kept (one line, no
 * stack); the kernel survives, and the experiments of cells Run All queued after it are skipped.
 *
 * A `{name, url}` target is used as it is, not launched. It must be on loopback unless its
 * address is listed in `allowHosts` (a private IPv4 address of a network the lab made itself,
 * such as a network namespace); the environment record says which targets were remote.
 *
 * @example
 * ```ts
 * import { runExperiment } from "./lib/experiment/experiment.ts";
 * const { frame } = await runExperiment({
 *   name: "async-vs-threads",
 *   targets: ["async", "threads"],
 *   path: "/io?ms=20",
 *   concurrency: [1, 10, 100],
 * });
 * ```
 *
 * @module
 */

import { join } from "node:path";
import pl from "nodejs-polars";
import { isModelName, MODEL_NAMES, MODELS } from "../../servers/models.ts";
import { collectEnvironment, type Environment, type EnvironmentTarget } from "./environment.ts";
import {
  checkNotSkipped,
  enterLabCall,
  InterruptedError,
  noteInterrupted,
  watchInterrupts,
} from "../process/interrupt.ts";
import { attachUrl, launchScript, type Target } from "./launch.ts";
import { generatorFor, runLoad } from "../loadgen/mod.ts";
import { checkAllowHosts, checkTargetHost, isRemoteTarget } from "../loadgen/target_hosts.ts";
import type { GeneratorName, RunResult, RunSpec } from "../loadgen/types.ts";
import { Progress, type ProgressRenderer } from "./progress.ts";
import { parseDuration } from "./duration.ts";
import { resultsRoot } from "../results/results_root.ts";
import {
  appendRun,
  archiveRun,
  loadJson,
  loadRuns,
  RUNS_FILE,
  runsFrame,
  saveJson,
} from "../results/results_store.ts";
import { type RunRecord, toRunRecord } from "../results/run_record.ts";

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
  /** One uncounted run per target first. Defaults to true. */
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

function fail(message: string): never {
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
function savedConfig(experiment: ResolvedExperiment): Record<string, unknown> {
  const { progress: _progress, onRun: _onRun, ...rest } = experiment;
  return rest;
}

async function startTarget(spec: TargetSpec, experiment: ResolvedExperiment): Promise<Target> {
  const common = {
    pin: experiment.pin ?? undefined,
    readyTimeoutMs: experiment.readyTimeoutMs ?? undefined,
  };
  if (typeof spec === "string") {
    const model = isModelName(spec) ? MODELS[spec] : fail(`unknown model '${spec}'`);
    const size = experiment.size ?? null;
    return await launchScript(model.scriptPath, {
      ...common,
      name: spec,
      args: size === null ? [] : model.sizeArgs(size),
    });
  }
  if ("url" in spec) return await attachUrl(spec.name, spec.url);
  return await launchScript(spec.script, { ...common, name: spec.name, args: spec.args ?? [] });
}

/** Reads how many requests a target has served so far, or null when it cannot tell. */
type ServedReader = () => Promise<number | null>;

async function getJson(url: string): Promise<{ json: unknown; proxied: boolean } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return { json: await response.json(), proxied: response.headers.has("x-backend") };
  } catch {
    return null;
  }
}

/**
 * Chooses, once per target, how to count the requests it serves. A lab server counts in its
 * `/stats` (which does not count itself). Through the lab's balancer, `/stats` would be
 * forwarded to one backend and count only that one, so the balancer's own `/lb/stats` is summed
 * over its backends instead. Anything else: null, no cross-check.
 */
async function servedReader(target: Target): Promise<ServedReader> {
  const probe = await getJson(`${target.url}/stats`);
  if (probe === null) return () => Promise.resolve(null);
  if (probe.proxied) {
    return async () => {
      const backends = ((await getJson(`${target.url}/lb/stats`))?.json as
        | { backends?: { requests?: unknown }[] }
        | undefined)?.backends;
      if (!Array.isArray(backends)) return null;
      const counts = backends.map((backend) => backend.requests);
      return counts.every((n) => typeof n === "number")
        ? (counts as number[]).reduce((a, b) => a + b, 0)
        : null;
    };
  }
  return async () => {
    const served = ((await getJson(`${target.url}/stats`))?.json as { served?: unknown } | null)
      ?.served;
    return typeof served === "number" ? served : null;
  };
}

function specFor(experiment: ResolvedExperiment, target: Target, concurrency: number): RunSpec {
  const spec: RunSpec = {
    url: `${target.url}${experiment.path}`,
    concurrency,
    keepAlive: experiment.keepAlive,
  };
  if (experiment.requests !== null) spec.requests = experiment.requests;
  if (experiment.durationS !== null) spec.durationS = experiment.durationS;
  if (experiment.timeoutS !== null) spec.timeoutS = experiment.timeoutS;
  if (experiment.allowHosts.length > 0) spec.allowHosts = [...experiment.allowHosts];
  return spec;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").map((line) => line.trim()).filter((line) => line).join(" | ");
}

/**
 * The load generator `config` will run with, checked before anything starts: the one it names
 * must be installed and able to run every level (autocannon needs keep-alive, wrk a duration,
 * ab a request count), else the best installed one that can. Throws a one-line `RunSpecError`
 * or `LoadGenError` that names the fix.
 */
export async function checkGenerator(
  config: ExperimentConfig | ResolvedExperiment,
): Promise<GeneratorName> {
  const experiment = defineExperiment(config as ExperimentConfig);
  // Targets are not started yet: every run is checked against a loopback stand-in address.
  const standIn = { url: "http://127.0.0.1:1" } as Target;
  const specs = experiment.concurrency.map((level) => specFor(experiment, standIn, level));
  const generator = await generatorFor(specs, { generator: experiment.generator ?? undefined });
  return generator.name;
}

/** Adds the `serverServed` column to a runs frame, from the records in the same order. */
function framed(records: readonly ExperimentRecord[]): pl.DataFrame {
  const served = records.map((record) => record.serverServed ?? null);
  return runsFrame(records).withColumn(pl.Series("serverServed", served, pl.Int64));
}

/**
 * Runs an experiment end to end and returns its runs. Throws (after stopping its targets) when
 * a target cannot start or a callback throws; every run finished by then is in the results file.
 * A failing run is written to `errors.ndjson`, logged, and the experiment goes on.
 */
export async function runExperiment(
  config: ExperimentConfig | ResolvedExperiment,
): Promise<ExperimentResult> {
  const experiment = defineExperiment(config as ExperimentConfig);
  checkNotSkipped(`experiment ${experiment.name}`);
  // Refused before anything starts (no server, no archived run): a generator that is missing
  // or cannot run these runs (autocannon without keep-alive, wrk with a request count).
  const generatorName = await checkGenerator(config);
  const dir = experiment.outDir;
  Deno.mkdirSync(dir, { recursive: true });
  const archived = archiveRun(dir);
  saveJson(dir, CONFIG_FILE, savedConfig(experiment));
  let environment = await collectEnvironment({ generator: experiment.generator ?? undefined });
  saveJson(dir, ENVIRONMENT_FILE, environment);

  const levels = experiment.concurrency;
  const measured = experiment.targets.length * levels.length * experiment.repeats;
  const warmups = experiment.warmup ? experiment.targets.length : 0;
  // The bar counts measured runs, as the "kept" message does; warm-ups only feed the ETA.
  const progress = new Progress(measured, {
    render: experiment.progress,
    warmups,
    stepS: experiment.durationS ?? undefined,
    tickMs: experiment.progress === undefined ? undefined : 1000,
  });
  const records: ExperimentRecord[] = [];
  const errors: RunError[] = [];
  const targets: Target[] = [];
  let generatorKnown = false;
  const interrupts = watchInterrupts();
  // With a progress bar of its own, no notebook activity output besides it (cell_activity.ts).
  const leaveCall = enterLabCall(`experiment ${experiment.name}`, {
    quiet: experiment.progress !== undefined,
  });
  const interrupted = () =>
    new InterruptedError(
      `experiment ${experiment.name} interrupted (SIGINT): its servers are stopped and ` +
        `${records.length} of ${measured} measured run(s) are kept in ${join(dir, RUNS_FILE)}`,
    );
  const checkInterrupted = () => {
    if (interrupts.signal.aborted) throw interrupted();
  };
  /** `work`, or an {@link InterruptedError} as soon as a SIGINT arrives in a kernel. */
  const unlessInterrupted = <T>(work: Promise<T>): Promise<T> => {
    checkInterrupted();
    return new Promise<T>((resolve, reject) => {
      const abort = () => reject(interrupted());
      interrupts.signal.addEventListener("abort", abort, { once: true });
      work.then(resolve, reject).finally(() =>
        interrupts.signal.removeEventListener("abort", abort)
      );
    });
  };

  const runOne = async (target: Target, concurrency: number): Promise<RunResult> => {
    const result = await unlessInterrupted(runLoad(specFor(experiment, target, concurrency), {
      generator: generatorName,
      runTimeoutS: experiment.runTimeoutS ?? undefined,
      quiet: true,
    }));
    if (!generatorKnown) {
      generatorKnown = true;
      environment = {
        ...environment,
        generator: result.generator,
        generatorVersion: result.generatorVersion,
      };
      saveJson(dir, ENVIRONMENT_FILE, environment);
    }
    return result;
  };

  try {
    for (const spec of experiment.targets) {
      targets.push(await unlessInterrupted(startTarget(spec, experiment)));
    }
    environment = { ...environment, targets: targets.map(describeTarget) };
    saveJson(dir, ENVIRONMENT_FILE, environment);
    const served = new Map<Target, ServedReader>();
    for (const target of targets) served.set(target, await servedReader(target));
    if (experiment.warmup) {
      const top = Math.max(...levels);
      for (const target of targets) {
        progress.begin(`${target.name} warm-up c=${top}`);
        try {
          await runOne(target, top);
        } catch (error) {
          if (error instanceof InterruptedError) throw error;
          if (experiment.logErrors) {
            console.error(`warm-up of ${target.name} failed: ${oneLine(error)}`);
          }
        }
        progress.endWarmup();
      }
    }
    for (let repeat = 1; repeat <= experiment.repeats; repeat++) {
      for (const concurrency of levels) {
        for (const target of targets) {
          progress.begin(`${target.name} c=${concurrency} r${repeat}/${experiment.repeats}`);
          const startedAt = new Date().toISOString();
          const before = await served.get(target)!();
          let record: ExperimentRecord | null = null;
          try {
            const result = await runOne(target, concurrency);
            const after = before === null ? null : await served.get(target)!();
            record = {
              ...toRunRecord(result, {
                experiment: experiment.name,
                target: target.name,
                path: experiment.path,
                repeat,
                startedAt,
              }),
              serverServed: after === null || before === null ? null : after - before,
            };
            appendRun(dir, record);
            records.push(record);
          } catch (error) {
            if (error instanceof InterruptedError) throw error;
            const failure = {
              target: target.name,
              concurrency,
              repeat,
              startedAt,
              error: oneLine(error),
            };
            errors.push(failure);
            appendLine(join(dir, ERRORS_FILE), failure);
            if (experiment.logErrors) {
              console.error(
                `run ${target.name} c=${concurrency} r${repeat} failed: ${failure.error}`,
              );
            }
          }
          progress.end(record !== null);
          await progress.drawn();
          if (record !== null) await experiment.onRun?.(record);
        }
      }
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    await Promise.all(targets.map((target) => target.stop()));
    noteInterrupted();
    throw interrupted();
  } finally {
    leaveCall();
    interrupts.release();
    await Promise.all(targets.map((target) => target.stop()));
    try {
      progress.finish();
      await progress.drawn();
    } catch { /* the renderer failed already; the runs are on disk */ }
  }
  return {
    name: experiment.name,
    dir,
    frame: framed(records),
    records,
    errors,
    environment,
    archived,
  };
}

/** A started target as the environment record keeps it. */
function describeTarget(target: Target): EnvironmentTarget {
  return {
    name: target.name,
    url: target.url,
    launched: target.launched,
    remote: isRemoteTarget(target.url),
  };
}

function appendLine(path: string, value: unknown): void {
  Deno.writeTextFileSync(path, `${JSON.stringify(value)}\n`, { append: true, create: true });
}

/**
 * Reloads an experiment from its results folder: the runs (whole lines only), the failed runs
 * and the environment. Throws a one-line Error when the folder does not exist.
 */
export function loadExperiment(dir: string): ExperimentResult {
  const records = loadRuns(dir).map((record) => {
    const served = (record as Partial<ExperimentRecord>).serverServed;
    return { ...record, serverServed: typeof served === "number" ? served : null };
  });
  const errors: RunError[] = [];
  try {
    for (const line of Deno.readTextFileSync(join(dir, ERRORS_FILE)).split("\n")) {
      try {
        if (line.trim()) errors.push(JSON.parse(line) as RunError);
      } catch { /* a torn line */ }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const config = loadJson(dir, CONFIG_FILE) as { name?: string } | null;
  const environment = loadJson(dir, ENVIRONMENT_FILE) as Environment | null;
  const name = config?.name ?? records[0]?.experiment ??
    dir.replace(/\/+$/, "").replace(/^.*\//, "");
  return {
    name,
    dir,
    frame: framed(records),
    records,
    errors,
    // records saved before targets were kept have none
    environment: environment === null
      ? null
      : { ...environment, targets: environment.targets ?? [] },
  };
}
