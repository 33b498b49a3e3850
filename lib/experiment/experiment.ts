/**
 * Experiments: launch targets, sweep concurrency levels with a real load generator, keep every
 * run on disk as soon as it finishes, and return the runs as a polars DataFrame.
 *
 * The matrix runs interleaved (for each repeat, for each concurrency, for each target), so slow
 * drift of the machine hits every target alike. Each target first gets warm-up runs that are
 * not recorded: runs of the top level until enough requests or seconds (`warmup.ts`: the
 * threads model's K + 1 threads each compile their own code). The environment record says what
 * each target's warm-up sent. Launched targets are stopped in `finally`; with {@link launchScript}'s registry and
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
 * import { runExperiment } from "../lib/notebook/mod.ts";
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
import { isModelName, MODELS } from "../../servers/models.ts";
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
import { isRemoteTarget } from "../loadgen/target_hosts.ts";
import type { GeneratorName, RunResult, RunSpec } from "../loadgen/types.ts";
import { Progress } from "./progress.ts";
import {
  appendRun,
  archiveRun,
  loadJson,
  loadRuns,
  RUNS_FILE,
  runsFrame,
  saveJson,
} from "../results/results_store.ts";
import { toRunRecord } from "../results/run_record.ts";
import {
  CONFIG_FILE,
  defineExperiment,
  ENVIRONMENT_FILE,
  ERRORS_FILE,
  type ExperimentConfig,
  type ExperimentRecord,
  type ExperimentResult,
  fail,
  type ResolvedExperiment,
  type RunError,
  savedConfig,
  type TargetSpec,
} from "./definition.ts";
import { type ServedReader, servedReader } from "./served.ts";
import { warmUp } from "./warmup.ts";

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
 *
 * @example
 * ```ts
 * import {
 *   profile,
 *   progressDisplay,
 *   runExperiment,
 *   show,
 *   summarize,
 *   throughputChart,
 * } from "../lib/notebook/mod.ts";
 * const lab = profile();
 * const io = await runExperiment({
 *   name: "01-io",
 *   targets: ["async", "threads"],
 *   path: "/io?ms=20",
 *   concurrency: [...lab.levels],
 *   requests: lab.requests,
 *   repeats: lab.repeats,
 *   progress: progressDisplay(),
 * });
 * await show(throughputChart(summarize(io.frame)));
 * ```
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
      for (const [i, target] of targets.entries()) {
        progress.begin(`${target.name} warm-up c=${top}`);
        try {
          const warmup = await warmUp(() => runOne(target, top));
          environment.targets[i] = { ...environment.targets[i]!, warmup };
          saveJson(dir, ENVIRONMENT_FILE, environment);
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
