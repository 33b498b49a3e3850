/**
 * `deno task bench`: run an experiment from the terminal, print the 2020-style tables, the
 * summary and the conclusions, and write CSV files and SVG charts to the results folder.
 *
 * ```sh
 * deno task bench --targets async,threads --path / --concurrency 1,5,10,15,50,100 \
 *   --requests 1000 --repeats 3 --generator ab --out data/results/my-run
 * ```
 *
 * A bad flag or value, or a generator that cannot run what is asked (autocannon without
 * `--keep-alive`), prints one line with the fix and exits with status 2 before any server
 * starts; a missing generator or a failure while running (a target that does not start) prints
 * one line and exits with status 1; Ctrl-C stops
 * the servers, keeps every finished run in the results folder and exits with status 130.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MODEL_NAMES } from "../../servers/models.ts";
import { describeEnvironment } from "../experiment/environment.ts";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_REPEATS,
  DEFAULT_REQUESTS,
  defineExperiment,
  type ExperimentConfig,
  type ExperimentResult,
  type TargetSpec,
} from "../experiment/definition.ts";
import { checkGenerator, loadExperiment, runExperiment } from "../experiment/experiment.ts";
import { GENERATOR_NAMES, OPT_IN_GENERATOR_NAMES } from "../loadgen/detect.ts";
import { isPrivateIPv4 } from "../loadgen/target_hosts.ts";
import type { GeneratorName } from "../loadgen/types.ts";
import { terminalRenderer } from "../experiment/progress.ts";
import { parseDuration } from "../experiment/duration.ts";
import { WARMUP_REQUESTS, WARMUP_S } from "../experiment/warmup.ts";
import { RunSpecError } from "../loadgen/spec_error.ts";
import { resultsRoot } from "../results/results_root.ts";
import { archivedRuns, RUNS_FILE } from "../results/results_store.ts";
import { writeReports } from "./cli_report.ts";

/** Every generator `--generator` accepts: the preferred ones, then those chosen only by name. */
const GENERATORS: readonly GeneratorName[] = [...GENERATOR_NAMES, ...OPT_IN_GENERATOR_NAMES];
const OPT_IN = OPT_IN_GENERATOR_NAMES.join(", ");
/** How long a warm-up goes on, in words. */
const WARMUP_TEXT = `${WARMUP_REQUESTS.toLocaleString("en")} requests or ${WARMUP_S} s`;

/** The `--help` text. */
export const USAGE = `Usage: deno task bench [flags]

Runs a concurrency sweep against lab server models (launched here) or running servers, prints
the 2020-style table per target, a summary and conclusions, and writes runs.csv, summary.csv and
SVG charts to the results folder. Progress goes to standard error.

Targets
  --targets LIST      server models to launch, comma-separated: ${MODEL_NAMES.join(", ")}
                      (default async,threads)
  --url NAME=URL      a server already running, e.g. nginx=http://127.0.0.1:8080 (repeatable)
  --allow-host ADDR   let --url targets be on this private IPv4 address of a network the lab
                      made itself, e.g. a network namespace's 10.200.3.2 (repeatable, or a
                      comma list; default: loopback only; names and public addresses never)
  --size N            pool size / worker count for models that have one (default: theirs)
  --pin LIST          pin launched servers to these CPUs with taskset, e.g. 0 (default: no pin)

What to measure
  --path PATH         request path and query, e.g. / or /io?ms=20 or /cpu?ms=5 (default /)
  --concurrency LIST  concurrency levels, comma-separated (default ${DEFAULT_CONCURRENCY.join(",")})
  --requests N        requests per run (default ${DEFAULT_REQUESTS})
  --duration TIME     time per run instead of a request count: 10s, 500ms, 1m (a number is
                      seconds); wrk takes whole seconds
  --repeats N         measured runs per target and level (default ${DEFAULT_REPEATS})
  --warmup            uncounted warm-up runs per target first, until ${WARMUP_TEXT}
                      (the default)
  --no-warmup         skip the warm-up
  --keep-alive        reuse connections (HTTP keep-alive; default off, like ab and the reports)
  --timeout TIME      per-request timeout of the load generator: 5s, 500ms (a number is seconds)
  --run-timeout TIME  kill a run that takes longer than this, and go on (default: generous)
  --generator NAME    load generator: ${GENERATORS.join(", ")}
                      (default: the best installed; ${OPT_IN} only when named)

Output
  --name NAME         experiment name (default: the --out folder's name, or "bench")
  --out DIR           results folder (default data/results/<name>, or $LAB_RESULTS_DIR/<name>);
                      a run kept there before moves whole to its archive/<time>/ folder
  --quiet             no progress line
  --report DIR        run nothing: print the report of a results folder, e.g. an earlier run
                      kept in data/results/<name>/archive/<time>/
  -h, --help          show this text

Exit status: 0 done, 1 a run-time failure, 2 a bad flag or a generator that cannot do what is
asked (nothing started), 130 interrupted (finished runs kept).`;

/** A bad command line; the message is one line naming the flag and the fix. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the command line asks for. */
export interface CliOptions {
  /** Show the help text and do nothing else. */
  help: boolean;
  /** No progress line. */
  quiet: boolean;
  /** The experiment to run. */
  config: ExperimentConfig;
  /** A results folder to report on instead of running, or null. */
  report: string | null;
}

function usage(message: string): never {
  throw new UsageError(`${message} (see --help)`);
}

function wholeNumber(flag: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    usage(`--${flag} must be a whole number >= ${min}, got '${raw}'`);
  }
  return Number(raw);
}

function duration(flag: string, raw: string): number {
  try {
    return parseDuration(raw);
  } catch (error) {
    usage(`--${flag}: ${(error as Error).message}`);
  }
}

function list(flag: string, raw: string): string[] {
  const items = raw.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) usage(`--${flag} has an empty item in '${raw}'`);
  return items;
}

/** Parses the command line. Throws a {@link UsageError} with a one-line message on bad input. */
export function parseCli(args: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        targets: { type: "string" },
        url: { type: "string", multiple: true },
        "allow-host": { type: "string", multiple: true },
        size: { type: "string" },
        pin: { type: "string" },
        path: { type: "string" },
        concurrency: { type: "string" },
        requests: { type: "string" },
        duration: { type: "string" },
        repeats: { type: "string" },
        warmup: { type: "boolean" },
        "keep-alive": { type: "boolean" },
        timeout: { type: "string" },
        "run-timeout": { type: "string" },
        generator: { type: "string" },
        name: { type: "string" },
        out: { type: "string" },
        quiet: { type: "boolean" },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usage((error instanceof Error ? error.message : String(error)).split("\n")[0]!);
  }
  const v = parsed.values;
  if (v.report !== undefined) {
    const others = Object.keys(v).filter((key) => !["report", "quiet", "help"].includes(key));
    if (others.length > 0) {
      usage(`--report reads a results folder and runs nothing: drop --${others[0]}`);
    }
    const config: ExperimentConfig = { name: "report", targets: ["async"] };
    return { help: v.help ?? false, quiet: true, config, report: resolve(v.report) };
  }
  const targets: TargetSpec[] = [];
  if (v.targets !== undefined) {
    for (const name of list("targets", v.targets)) {
      if (!(MODEL_NAMES as readonly string[]).includes(name)) {
        usage(
          `--targets: unknown model '${name}', use ${MODEL_NAMES.join(", ")} ` +
            "or --url NAME=URL for a running server",
        );
      }
      targets.push(name);
    }
  }
  for (const entry of v.url ?? []) {
    const at = entry.indexOf("=");
    if (at < 1 || !/^https?:\/\//.test(entry.slice(at + 1))) {
      usage(`--url must look like NAME=http://127.0.0.1:8080, got '${entry}'`);
    }
    targets.push({ name: entry.slice(0, at), url: entry.slice(at + 1) });
  }
  if (v.targets === undefined && targets.length === 0) targets.push("async", "threads");
  if (targets.length === 0) usage("--targets is empty: name at least one model");

  if (v.generator !== undefined && !(GENERATORS as readonly string[]).includes(v.generator)) {
    usage(`--generator must be one of ${GENERATORS.join(", ")}, got '${v.generator}'`);
  }
  const allowHosts = v["allow-host"]?.flatMap((entry) => list("allow-host", entry));
  for (const host of allowHosts ?? []) {
    if (!isPrivateIPv4(host)) {
      usage(
        `--allow-host '${host}' is not a private IPv4 address: give the address of a network ` +
          "the lab made itself, e.g. 10.200.3.2",
      );
    }
  }
  if (v.requests !== undefined && v.duration !== undefined) {
    usage("--requests and --duration exclude each other: a run is a count or a duration");
  }
  const name = v.name ??
    (v.out !== undefined ? resolve(v.out).replace(/\/+$/, "").replace(/^.*\//, "") : "bench");
  const config: ExperimentConfig = {
    name,
    targets,
    path: v.path,
    concurrency: v.concurrency === undefined
      ? undefined
      : list("concurrency", v.concurrency).map((item) => wholeNumber("concurrency", item, 1)),
    requests: v.requests === undefined ? undefined : wholeNumber("requests", v.requests, 1),
    durationS: v.duration === undefined ? undefined : duration("duration", v.duration),
    repeats: v.repeats === undefined ? undefined : wholeNumber("repeats", v.repeats, 1),
    warmup: v.warmup,
    keepAlive: v["keep-alive"],
    timeoutS: v.timeout === undefined ? undefined : duration("timeout", v.timeout),
    runTimeoutS: v["run-timeout"] === undefined
      ? undefined
      : duration("run-timeout", v["run-timeout"]),
    generator: v.generator as GeneratorName | undefined,
    allowHosts,
    outDir: v.out === undefined ? join(resultsRoot(), name) : resolve(v.out),
    pin: v.pin,
    size: v.size === undefined ? undefined : wholeNumber("size", v.size, 1),
  };
  try {
    defineExperiment(config);
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  return { help: v.help ?? false, quiet: v.quiet ?? false, config, report: null };
}

/** Runs the command line; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.report !== null) return report(options.report);
  try {
    // Refused before any server starts: a generator that is missing or cannot run these runs.
    await checkGenerator(options.config);
  } catch (error) {
    console.error(`bench: ${(error instanceof Error ? error.message : String(error))}`);
    return error instanceof RunSpecError ? 2 : 1;
  }
  const outDir = options.config.outDir!;
  let finished = 0;
  const onInterrupt = () => {
    console.error(
      `\nbench: interrupted; ${finished} finished run(s) kept in ${outDir}/runs.ndjson, ` +
        "servers stopped",
    );
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  let result: ExperimentResult;
  try {
    result = await runExperiment({
      ...options.config,
      progress: options.quiet ? undefined : terminalRenderer(),
      onRun: () => void finished++,
    });
  } catch (error) {
    console.error(
      `bench: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
    );
    if (finished > 0) console.error(`bench: ${finished} finished run(s) kept in ${outDir}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onInterrupt);
  }
  if (result.archived) console.log(`The earlier run in this folder is kept in ${result.archived}`);
  if (result.environment) console.log(`Environment: ${describeEnvironment(result.environment)}`);
  await writeReports(result, (line) => console.log(line));
  return result.records.length === 0 ? 1 : 0;
}

/** `--report DIR`: the report of a results folder that is already there. */
async function report(dir: string): Promise<number> {
  let result: ExperimentResult;
  try {
    result = loadExperiment(dir);
  } catch (error) {
    console.error(`bench: ${(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
  if (result.records.length === 0) {
    console.error(`bench: ${dir} holds no runs: pass a folder with a ${RUNS_FILE}`);
    return 1;
  }
  if (result.environment) console.log(`Environment: ${describeEnvironment(result.environment)}`);
  await writeReports(result, (line) => console.log(line));
  const archived = archivedRuns(dir);
  if (archived.length > 0) {
    console.log(`\nEarlier runs kept here (pass one to --report): ${archived.join(", ")}`);
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
