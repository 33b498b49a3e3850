/**
 * Locust as a distributed load generator: one master and N workers, local processes or
 * commands the user wraps for other hosts (`ssh host`, `ip netns exec ns`).
 *
 * Command (master): `locust -f LOCUSTFILE --master --master-bind-host H --master-bind-port P
 * --headless --expect-workers N --expect-workers-max-wait T -u C -r R [-t Ds] --csv PREFIX
 * --csv-full-history -H ORIGIN --only-summary --exit-code-on-error 0`; workers:
 * `locust -f LOCUSTFILE --worker --master-host H --master-port P`. Locust 2.x listens on one
 * port (P) for its workers; the adapter picks a free one per run.
 *
 * Count-based runs are exact: Locust 2.12 has no `--iterations`, so the generated locustfile
 * gives each worker a share of the count and quits the master when every share is used (see
 * `locustfile.ts`). The target sees exactly `requests` requests.
 *
 * How Locust's figures map to a {@link RunResult}:
 * - `attempted` is Locust's request count (successes and failures). Failures whose message
 *   carries an HTTP status are complete responses: they count in `completed`, `statusCodes` and
 *   `non2xx`; the others are transport failures (connect, timeout, reset, other).
 * - `statusCodes` come from the workers' own tallies (exact), or from the failure messages.
 * - Latency comes from the Aggregated row of `_stats.csv`: mean, min, max, and the 50/90/95/99/
 *   99.9% columns, which Locust rounds (see `notes`). Failed requests are included.
 * - `bytes` is Average Content Size times the request count: response bodies only.
 * - Wall time runs from the first request to the last response (the workers' clocks).
 * - `locust.history` has one point per second from `_stats_history.csv`; `locust.workers` the
 *   requests each worker sent.
 *
 * @module
 */

import { join } from "node:path";
import { freePort } from "../../process/free_port.ts";
import { commandText, runTimeoutMs } from "../adapter.ts";
import { countFailures, countNon2xx, deriveRates } from "../rates.ts";
import {
  aggregatedStats,
  type LocustFailureRow,
  type LocustHistoryPoint,
  type LocustStatsRow,
  parseLocustExceptions,
  parseLocustFailures,
  parseLocustHistory,
} from "./csv.ts";
import { classifyLocustError } from "./errors.ts";
import { LocustProcess } from "./process.ts";
import { resolveLocustTarget } from "./target.ts";
import { type LocustSummary, type LocustWorkerTally, writeLocustfile } from "./locustfile.ts";
import {
  type GeneratorName,
  type LatencyMs,
  type LoadGenerator,
  LoadGenError,
  type ResultParts,
  type RunOptions,
  type RunResult,
  type RunSpec,
  type TransportFailures,
} from "../types.ts";
import { flagResult, type ResolvedSpec, RunSpecError } from "../validate.ts";

/** Workers started when none are asked for. */
export const DEFAULT_WORKERS = 2;
/** How long the master waits for its workers to connect, by default, seconds. */
export const DEFAULT_EXPECT_WORKERS_TIMEOUT_S = 15;
/** How to install Locust. */
export const LOCUST_INSTALL_HINT =
  "sudo apt-get install python3-locust (Debian/Ubuntu) or python3 -m pip install --user locust";

/** The name this adapter reports. */
const LOCUST: GeneratorName = "locust";

/** One worker about to start, as given to {@link LocustOptions.workerCommand}. */
export interface LocustWorkerLaunch {
  /** 0-based worker number (start order; Locust's own index is the connect order). */
  index: number;
  /** The local command: `locust -f LOCUSTFILE --worker --master-host H --master-port P`. */
  argv: string[];
  /** Path of the generated locustfile (copy it to a remote host at the same path). */
  locustfile: string;
  /** Address the worker connects to. */
  masterHost: string;
  /** Port the worker connects to. */
  masterPort: number;
}

/** How a Locust run is set up, besides the spec. */
export interface LocustOptions extends RunOptions {
  /** Worker processes (at least 1). Defaults to {@link DEFAULT_WORKERS}. */
  workers?: number;
  /** Users started per second. Defaults to the concurrency (all users within a second). */
  spawnRate?: number;
  /** The locust program. Defaults to `locust`. */
  command?: string;
  /** Address the master listens on for workers. Defaults to 127.0.0.1. */
  masterBindHost?: string;
  /** Address workers connect to. Defaults to `masterBindHost`. */
  masterHost?: string;
  /** Wraps the master's command (e.g. `["ip", "netns", "exec", "ns", ...argv]`). */
  masterCommand?: (argv: string[]) => string[];
  /**
   * Wraps a worker's command, e.g. `(w) => ["ssh", "host1", ...w.argv]` or
   * `(w) => ["ip", "netns", "exec", `lab-w${w.index}`, ...w.argv]`. Defaults to `w.argv`.
   */
  workerCommand?: (worker: LocustWorkerLaunch) => string[];
  /** How long the master waits for all workers, seconds. Defaults to 15. */
  expectWorkersTimeoutS?: number;
  /** Private IPv4 addresses besides loopback the run may load (see `locust_target.ts`). */
  allowHosts?: readonly string[];
  /** Copy Locust's CSV files and the locustfile here (the run's temp folder is removed). */
  keepFilesIn?: string;
}

/** What only Locust reports. */
export interface LocustDetails {
  /** Workers that took part. */
  workerCount: number;
  /** Requests, status codes and body bytes per worker, by Locust's worker index. */
  workers: LocustWorkerTally[];
  /** One point per second (Aggregated rows of `_stats_history.csv`). */
  history: LocustHistoryPoint[];
  /** Failure messages as Locust reported them. */
  failureMessages: LocustFailureRow[];
  /** True when the target is not on loopback (allowed through `allowHosts`). */
  remoteTarget: boolean;
}

/** A run result with Locust's own extras. */
export interface LocustRunResult extends RunResult {
  /** Per-worker counts, the per-second history and the raw failure messages. */
  locust: LocustDetails;
}

/** The text of Locust's CSV files for one run (`PREFIX_stats.csv` and friends). */
export interface LocustCsvFiles {
  /** `_stats.csv` (or the `_final_stats.csv` the lab's locustfile writes when Locust quits). */
  stats: string;
  /** `_stats_history.csv`. */
  history: string;
  /** `_failures.csv` (or `_final_failures.csv`). */
  failures: string;
  /** `_exceptions.csv`, or "" when absent. */
  exceptions: string;
}

/** Notes every Locust result carries about how its figures were made. */
export const LOCUST_NOTES: readonly string[] = [
  "Locust rounds each response time before computing percentiles: to 1 ms below 100 ms, to " +
  "10 ms below 1 s, to 100 ms below 10 s, to 1 s above (2 significant figures above 100 ms); " +
  "FastHttpUser also truncates every time to whole ms; mean, min and max are not rounded further",
  "Locust counts failed requests (non-2xx and transport failures) in its latency figures",
  "bytes are response bodies only (Average Content Size x requests): Locust does not count headers",
  "the generator's own CPU is not measured for Locust (master and workers are separate, possibly " +
  "remote, processes): check with top that no worker sits at 100% of a core",
];

/**
 * The installed Locust version, or null when Locust is missing. Debian's python3-locust 2.12
 * prints `locust ` with no number, so the Debian package version is used then.
 */
export async function locustVersion(command = "locust"): Promise<string | null> {
  const out = await capture(command, ["--version"]);
  if (out === null) return null;
  const printed = /locust (\d\S*)/.exec(out)?.[1];
  if (printed) return printed;
  const dpkg = await capture("dpkg-query", ["-W", "-f", "${Version}", "python3-locust"]);
  const debian = dpkg ? /^(?:\d+:)?([\d.]+)/.exec(dpkg.trim())?.[1] : undefined;
  return debian ?? "unknown";
}

/**
 * Turns Locust's CSV files (and, when present, the lab's per-worker summary) into the parts of
 * a {@link RunResult}. Throws an Error when the files are not Locust's.
 */
export function locustResultParts(
  files: LocustCsvFiles,
  spec: ResolvedSpec,
  summary: LocustSummary | null,
): ResultParts & { locust: Omit<LocustDetails, "workerCount" | "remoteTarget"> } {
  const total = aggregatedStats(files.stats);
  const failureRows = parseLocustFailures(files.failures);
  const failures: TransportFailures = { connect: 0, timeout: 0, reset: 0, other: 0 };
  const failedStatuses: Record<string, number> = {};
  for (const row of failureRows) {
    const kind = classifyLocustError(row.error);
    if (kind.kind === "status") {
      const code = String(kind.status);
      failedStatuses[code] = (failedStatuses[code] ?? 0) + row.occurrences;
    } else failures[kind.kind] += row.occurrences;
  }
  const transport = countFailures(failures);
  const completed = total.requests - transport;
  const statusCodes = summary && summary.workers.length > 0
    ? statusCodesFromTallies(summary.workers)
    : statusCodesFromFailures(completed, failedStatuses);
  const non2xx = countNon2xx(statusCodes);
  const bytes = Math.round(total.averageContentSize * total.requests);
  const wallTimeS = wallTime(summary, total);
  const notes = [...LOCUST_NOTES];
  for (const exception of files.exceptions ? parseLocustExceptions(files.exceptions) : []) {
    notes.push(`the locustfile raised ${exception.count}x: ${exception.message}`);
  }
  if (summary === null) notes.push("no per-worker summary: status codes come from failure text");
  return {
    wallTimeS,
    attempted: total.requests,
    completed,
    failures,
    statusCodes,
    non2xx,
    bytes,
    ...deriveRates(wallTimeS, completed, bytes, spec.concurrency),
    latencyMs: latency(total),
    notes,
    locust: {
      workers: summary?.workers ?? [],
      history: files.history ? parseLocustHistory(files.history) : [],
      failureMessages: failureRows,
    },
  };
}

/**
 * Runs one load test with a Locust master and workers and returns the flagged result.
 *
 * Throws a `RunSpecError` for a bad spec or option before anything starts, and a
 * {@link LoadGenError} when Locust is missing, workers do not connect within
 * `expectWorkersTimeoutS`, a worker or the master dies, or the run outlives its hard timeout.
 * Every process started is stopped before this returns or throws.
 */
export async function runLocust(
  spec: RunSpec,
  options: LocustOptions = {},
): Promise<LocustRunResult> {
  const target = resolveLocustTarget(spec, options.allowHosts ?? []);
  const resolved = target.spec;
  const workers = options.workers ?? DEFAULT_WORKERS;
  const expectS = options.expectWorkersTimeoutS ?? DEFAULT_EXPECT_WORKERS_TIMEOUT_S;
  checkLocustOptions(resolved, workers, expectS, options.spawnRate);
  const command = options.command ?? "locust";
  const version = await locustVersion(command);
  if (version === null) {
    throw new LoadGenError(
      `locust is not installed ('${command}' not found): ${LOCUST_INSTALL_HINT}`,
    );
  }
  const bindHost = options.masterBindHost ?? "127.0.0.1";
  const masterHost = options.masterHost ?? bindHost;
  const dir = await Deno.makeTempDir({ prefix: "lab-locust-" });
  const prefix = join(dir, "run");
  const started: LocustProcess[] = [];
  try {
    const url = new URL(resolved.url);
    const headers = { ...resolved.headers };
    if (!resolved.keepAlive && !hasHeader(headers, "connection")) headers.Connection = "close";
    const locustfile = await writeLocustfile(dir, {
      path: `${url.pathname}${url.search}`,
      method: resolved.method,
      headers,
      body: resolved.body ?? null,
      requests: resolved.requests ?? null,
      workers,
      timeoutS: resolved.timeoutS,
      summaryPath: `${prefix}_lab.json`,
      csvPrefix: prefix,
      locustVersion: version,
    });
    const port = freePort(bindHost);
    const masterArgv = [
      command,
      ...["-f", locustfile, "--master", "--master-bind-host", bindHost],
      ...["--master-bind-port", String(port), "--headless"],
      ...["--expect-workers", String(workers), "--expect-workers-max-wait", String(expectS)],
      ...["-u", String(resolved.concurrency)],
      ...["-r", String(options.spawnRate ?? resolved.concurrency)],
      ...(resolved.durationS !== undefined ? ["-t", `${resolved.durationS}s`] : []),
      ...["--csv", prefix, "--csv-full-history", "-H", url.origin, "--only-summary"],
      ...["--exit-code-on-error", "0"],
    ];
    const master = start("master", options.masterCommand?.(masterArgv) ?? masterArgv, dir);
    started.push(master);
    for (let index = 0; index < workers; index++) {
      const argv = [
        command,
        ...["-f", locustfile, "--worker", "--master-host", masterHost],
        ...["--master-port", String(port)],
      ];
      const launch = { index, argv, locustfile, masterHost, masterPort: port };
      started.push(start(`worker ${index + 1}`, options.workerCommand?.(launch) ?? argv, dir));
    }
    const limitMs = runTimeoutMs(resolved, options) + expectS * 1000 + 15_000;
    await waitForMaster(master, started.slice(1), limitMs, { workers, expectS, masterHost, port });
    await stopAll(started.slice(1), 5000);
    const summary = await readSummary(`${prefix}_lab.json`);
    if (summary === null || !summary.complete) {
      throw new LoadGenError(
        `locust master stopped before the run finished (${
          summary
            ? "not every worker " +
              `finished its share: ${summary.workersDone} of ${workers}`
            : "it wrote no summary"
        })`,
        master.tail(8),
      );
    }
    const files = await readCsvFiles(prefix);
    if (options.keepFilesIn) await keepFiles(dir, options.keepFilesIn);
    let parts;
    try {
      parts = locustResultParts(files, resolved, summary);
    } catch (error) {
      throw new LoadGenError(
        `locust wrote CSV files that could not be read: ${(error as Error).message}`,
        master.tail(8),
      );
    }
    const { locust, ...rest } = parts;
    const result: LocustRunResult = {
      generator: LOCUST,
      generatorVersion: version,
      spec: resolved,
      ...rest,
      warnings: [],
      locust: { ...locust, workerCount: workers, remoteTarget: target.remote },
    };
    flagResult(result, { print: !options.quiet });
    return result;
  } finally {
    await stopAll(started, 2000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The Locust adapter behind the common {@link LoadGenerator} interface. */
export function createLocustGenerator(defaults: LocustOptions = {}): LoadGenerator {
  return {
    name: LOCUST,
    version: () => locustVersion(defaults.command),
    run: (spec, options) => runLocust(spec, { ...defaults, ...options }),
  };
}

function checkLocustOptions(
  spec: ResolvedSpec,
  workers: number,
  expectS: number,
  spawnRate: number | undefined,
): void {
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new RunSpecError(`workers must be a whole number from 1 to 256, got ${workers}`);
  }
  if (!Number.isInteger(expectS) || expectS < 1) {
    throw new RunSpecError(
      `expectWorkersTimeoutS must be a whole number of seconds (at least 1), got ${expectS}`,
    );
  }
  if (spawnRate !== undefined && !(typeof spawnRate === "number" && spawnRate > 0)) {
    throw new RunSpecError(
      `spawnRate must be a number of users per second above 0, got ${spawnRate}`,
    );
  }
  if (spec.rate !== undefined) {
    throw new RunSpecError(
      "locust cannot send at a fixed rate (open loop) here: drop rate, or use oha",
    );
  }
  if (spec.durationS !== undefined && !Number.isInteger(spec.durationS)) {
    throw new RunSpecError(
      `locust takes whole seconds, got durationS ${spec.durationS}: round it (at least 1)`,
    );
  }
  if (spec.requests !== undefined && spec.concurrency < workers) {
    throw new RunSpecError(
      `concurrency ${spec.concurrency} is below the ${workers} workers: every worker needs at ` +
        "least one user to send its share; raise concurrency or lower workers",
    );
  }
}

function start(role: string, argv: string[], cwd: string): LocustProcess {
  try {
    return new LocustProcess(role, argv, { cwd });
  } catch (error) {
    const what = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message;
    throw new LoadGenError(`locust ${role}: could not start '${argv[0]}': ${what}`);
  }
}

interface WaitContext {
  workers: number;
  expectS: number;
  masterHost: string;
  port: number;
}

async function waitForMaster(
  master: LocustProcess,
  workers: LocustProcess[],
  limitMs: number,
  context: WaitContext,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limitMs);
  });
  const workerExit = Promise.race(workers.map((worker) => worker.status.then(() => worker)));
  try {
    let first = await Promise.race([
      master.status.then(() => "master" as const),
      workerExit,
      timeout,
    ]);
    if (first instanceof LocustProcess) {
      // Workers exit when the master tells them to quit, just before it exits itself.
      const grace = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 5000));
      const next = await Promise.race([
        master.status.then(() => "master" as const),
        grace,
        timeout,
      ]);
      if (next !== "master") {
        const status = await first.status;
        throw new LoadGenError(
          `locust ${first.role} exited early (${describeStatus(status)}) while the master was ` +
            "still running: check the worker command and that the worker can reach the master",
          first.tail(6),
        );
      }
      first = "master";
    }
    if (first === "timeout") {
      throw new LoadGenError(
        `locust did not finish within ${Math.round(limitMs / 1000)} s and was stopped: lower the ` +
          "request count or duration, or raise runTimeoutS",
        master.tail(6),
      );
    }
    const status = await master.finished();
    if (status.success) return;
    if (/Gave up waiting for workers/.test(master.output)) {
      const connected = [...master.output.matchAll(/(\d+) of \d+ connected/g)].at(-1)?.[1] ?? "0";
      throw new LoadGenError(
        `locust: only ${connected} of ${context.workers} workers connected to the master at ` +
          `${context.masterHost}:${context.port} within ${context.expectS} s: check the worker ` +
          "command, that workers can reach that address, and that remote workers have the " +
          "locustfile at the same path",
        workers.map((worker) => `${worker.role}: ${worker.tail(2)}`).join("\n"),
      );
    }
    throw new LoadGenError(
      `locust master ${describeStatus(status)} before the run finished`,
      master.tail(8),
    );
  } finally {
    clearTimeout(timer);
  }
}

function describeStatus(status: Deno.CommandStatus): string {
  return status.signal !== null
    ? `was killed by signal ${status.signal}`
    : `failed with exit code ${status.code}`;
}

async function stopAll(processes: LocustProcess[], graceMs: number): Promise<void> {
  await Promise.all(processes.map(async (process) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      process.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
    ]);
    clearTimeout(timer);
    if (exited) await process.stop(0);
    else await process.stop(2000);
  }));
}

async function readSummary(path: string): Promise<LocustSummary | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as LocustSummary;
  } catch {
    return null;
  }
}

async function readCsvFiles(prefix: string): Promise<LocustCsvFiles> {
  const read = (suffix: string) => Deno.readTextFile(`${prefix}${suffix}`).catch(() => "");
  const [finalStats, stats, history, finalFailures, failures, exceptions] = await Promise.all([
    read("_final_stats.csv"),
    read("_stats.csv"),
    read("_stats_history.csv"),
    read("_final_failures.csv"),
    read("_failures.csv"),
    read("_exceptions.csv"),
  ]);
  return {
    stats: finalStats || stats,
    history,
    failures: finalFailures || failures,
    exceptions,
  };
}

async function keepFiles(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isFile) await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

function statusCodesFromTallies(tallies: LocustWorkerTally[]): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const tally of tallies) {
    for (const [code, n] of Object.entries(tally.statusCodes)) {
      if (code !== "0") codes[code] = (codes[code] ?? 0) + n;
    }
  }
  return codes;
}

function statusCodesFromFailures(
  completed: number,
  failedStatuses: Record<string, number>,
): Record<string, number> {
  const failed = Object.values(failedStatuses).reduce((sum, n) => sum + n, 0);
  const codes: Record<string, number> = { ...failedStatuses };
  if (completed - failed > 0) codes["2xx"] = completed - failed;
  return codes;
}

function wallTime(summary: LocustSummary | null, total: LocustStatsRow): number {
  const starts = summary?.workers.map((w) => w.firstStart).filter((t) => t !== null) ?? [];
  const ends = summary?.workers.map((w) => w.lastEnd).filter((t) => t !== null) ?? [];
  if (starts.length > 0 && ends.length > 0) {
    return Math.max(...ends as number[]) - Math.min(...starts as number[]);
  }
  return total.requestsPerSec > 0 ? total.requests / total.requestsPerSec : 0;
}

function latency(total: LocustStatsRow): LatencyMs {
  const p = (column: string) => total.percentiles[column] ?? NaN;
  return {
    mean: total.meanMs,
    min: total.minMs,
    max: total.maxMs,
    p50: p("50%"),
    p90: p("90%"),
    p95: p("95%"),
    p99: p("99%"),
    p999: p("99.9%"),
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function capture(program: string, args: string[]): Promise<string | null> {
  return commandText(program, args, { successOnly: true });
}
