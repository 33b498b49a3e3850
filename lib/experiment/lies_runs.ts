/**
 * The measurements of notebook 03 ("why benchmark numbers lie"), one function per section, so a
 * notebook cell is one call. Every server runs as a child process (started here and stopped in a
 * `finally`, so a failed or interrupted run leaves none behind), and every client is a process of
 * its own: a load generator, or the open-loop and connect-time probes of `probe.ts`. Nothing is
 * served or sent from the caller's event loop.
 *
 * The long sections push each result into the array the caller passes (`into`) as soon as it is
 * measured, so an interrupted run keeps every result measured before it.
 *
 * @example
 * ```ts
 * import { errorPageRuns } from "./lib/experiment/lies_runs.ts";
 * const runs = await errorPageRuns({ levels: [1, 10], requests: 1000, generator: "ab" });
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { launchScript, type Target } from "./launch.ts";
import { type GeneratorName, runLoad, type RunResult, type RunSpec } from "../loadgen/mod.ts";
import type { SectionNeeds } from "../loadgen/plan.ts";
import type { OpenLoopSample } from "./open_loop.ts";
import type { ConnectionSample } from "./connect_times.ts";
import { connectTimesProcess, openLoopProcess } from "./probe.ts";
import { cpuTimes } from "../process/cpu_time.ts";

/** The headings of notebook 03's measured sections, as the generator plan names them. */
export const LIES_SECTIONS = {
  errorPage: "1. Benchmarking an error page",
  keepAlive: "2. A new connection per request vs keep-alive",
  generators: "3. The load generator is the bottleneck",
  closedLoop: "4. A closed loop hides stalls",
  backlog: "5. The listen backlog",
  repeats: "6. One run is not a result",
  leak: "7. The 2020 threaded server, explained",
} as const;

/** Sizes that decide what each section asks of the generator. */
export interface LiesNeedsSizes {
  /** Concurrency levels of sections 1 and 2. */
  levels: readonly number[];
  /** Requests per run of section 1. */
  requests: number;
  /** Requests per run of section 2. */
  keepAliveRequests: number;
  /** Requests of section 4's closed-loop run. */
  closedRequests: number;
  /** Requests per run of section 6. */
  spreadRequests: number;
  /** Requests per batch of section 7. */
  batch: number;
}

/**
 * What each section of notebook 03 asks of the one closed-loop generator (for
 * `planGenerators`): sections 1, 2, 6 and 7 run as the 2020 course ran ab, a new connection per
 * request and a count of requests (ab or oha); section 4 keeps connections alive, so every
 * generator runs it. Sections 3 and 5 are left out: 3 runs every installed generator, 5 uses its
 * own connect-time probe.
 */
export function liesSectionNeeds(sizes: LiesNeedsSizes): SectionNeeds[] {
  const top = Math.max(...sizes.levels);
  return [
    {
      section: LIES_SECTIONS.errorPage,
      keepAlive: false,
      requests: sizes.requests,
      concurrency: top,
    },
    {
      section: LIES_SECTIONS.keepAlive,
      keepAlive: false,
      requests: sizes.keepAliveRequests,
      concurrency: top,
    },
    {
      section: LIES_SECTIONS.closedLoop,
      keepAlive: true,
      requests: sizes.closedRequests,
      concurrency: 10,
    },
    {
      section: LIES_SECTIONS.repeats,
      keepAlive: false,
      requests: sizes.spreadRequests,
      concurrency: 10,
    },
    { section: LIES_SECTIONS.leak, keepAlive: false, requests: sizes.batch, concurrency: 5 },
  ];
}

const SERVERS = fileURLToPath(new URL("../../servers/", import.meta.url));

/**
 * Starts `servers/<script>` as a child on a free port, runs `work` with it, and stops it whatever
 * happens. `name` keys the lab's registry of started servers (a second start replaces the first).
 */
export async function withServer<T>(
  name: string,
  script: string,
  args: string[],
  work: (server: Target) => Promise<T>,
): Promise<T> {
  const server = await launchScript(SERVERS + script, { name, args });
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** Transport failures of a run: what ab reports as "Failed requests". */
export function failedRequests(result: RunResult): number {
  const f = result.failures;
  return f.connect + f.timeout + f.reset + f.other;
}

/** One closed-loop run of a section, with what it was run for. */
export interface LabelledRun {
  /** What differs between runs, e.g. `GET /status/404` or `keep-alive`. */
  label: string;
  /** Its concurrency. */
  concurrency: number;
  /** The generator's normalized result. */
  result: RunResult;
}

/** Options of {@link errorPageRuns} and {@link keepAliveRuns}. */
export interface SweepOptions {
  /** Concurrency levels. */
  levels: readonly number[];
  /** Requests per run. */
  requests: number;
  /** The closed-loop generator. */
  generator: GeneratorName;
  /** Paths compared by {@link errorPageRuns}; defaults to `/` and `/status/404`. */
  paths?: readonly string[];
}

/** Section 1: each path at each level on one async server, a new connection per request. */
export async function errorPageRuns(options: SweepOptions): Promise<LabelledRun[]> {
  const paths = options.paths ?? ["/", "/status/404"];
  return await withServer("nb03-async", "async.ts", [], async (server) => {
    const runs: LabelledRun[] = [];
    for (const concurrency of options.levels) {
      for (const path of paths) {
        const spec = { url: server.url + path, requests: options.requests, concurrency };
        const result = await runLoad(spec, { generator: options.generator, quiet: true });
        runs.push({ label: `GET ${path}`, concurrency, result });
      }
    }
    return runs;
  });
}

/** Labels of {@link keepAliveRuns}. */
export const NEW_CONNECTION = "new connection each";
/** Label of the keep-alive runs. */
export const KEEP_ALIVE = "keep-alive";

/** Section 2: `GET /` at each level, a new connection per request and then keep-alive. */
export async function keepAliveRuns(options: SweepOptions): Promise<LabelledRun[]> {
  return await withServer("nb03-async", "async.ts", [], async (server) => {
    const runs: LabelledRun[] = [];
    for (const concurrency of options.levels) {
      for (const keepAlive of [false, true]) {
        const spec = { url: server.url + "/", requests: options.requests, concurrency, keepAlive };
        const result = await runLoad(spec, { generator: options.generator, quiet: true });
        runs.push({ label: keepAlive ? KEEP_ALIVE : NEW_CONNECTION, concurrency, result });
      }
    }
    return runs;
  });
}

/** One generator's run against the same server, with the CPU both sides used. */
export interface GeneratorRun {
  /** Generator name and version. */
  generator: string;
  /** Its result. */
  result: RunResult;
  /** CPU seconds the server used during the run. */
  serverCpuS: number | null;
}

/** Options of {@link generatorRuns}. */
export interface GeneratorRunsOptions {
  /** The generators to compare (those installed). */
  generators: readonly GeneratorName[];
  /** Seconds per run for generators that run for a time. */
  durationS: number;
  /** Requests per run for ab (which runs a count). */
  abRequests: number;
  /** Connections, default 50. */
  concurrency?: number;
}

function processCpuS(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return cpuTimes(pid).self;
  } catch {
    return null;
  }
}

/**
 * Section 3: the same async server and URL, 50 keep-alive connections, measured by each generator
 * in turn after a short warm-up; records each generator's CPU (from the run) and the server's.
 */
export async function generatorRuns(options: GeneratorRunsOptions): Promise<GeneratorRun[]> {
  const concurrency = options.concurrency ?? 50;
  return await withServer("nb03-async", "async.ts", [], async (server) => {
    const runs: GeneratorRun[] = [];
    for (const name of options.generators) {
      const url = server.url + "/";
      const spec: RunSpec = name === "ab"
        ? { url, requests: options.abRequests, concurrency, keepAlive: true }
        : { url, durationS: options.durationS, concurrency, keepAlive: true };
      const warm: RunSpec = name === "wrk"
        ? { ...spec, durationS: 1 }
        : { url, requests: 500, concurrency, keepAlive: true };
      await runLoad(warm, { generator: name, quiet: true });
      const before = processCpuS(server.pid);
      const result = await runLoad(spec, { generator: name, quiet: true });
      const after = processCpuS(server.pid);
      const serverCpuS = before === null || after === null ? null : after - before;
      runs.push({ generator: `${name} ${result.generatorVersion}`, result, serverCpuS });
    }
    return runs;
  });
}

/** Seconds the open-loop sender runs on its schedule before the measured run (a cold start). */
export const OPEN_LOOP_WARMUP_S = 0.5;

/** Options of {@link stallRuns}. */
export interface StallOptions {
  /** Time between the starts of two stalls, ms. */
  stallEveryMs: number;
  /** Length of a stall, ms. */
  stallMs: number;
  /** The closed-loop generator. */
  generator: GeneratorName;
  /** Requests of the closed-loop run (10 keep-alive connections). */
  closedRequests: number;
  /** Open-loop rate, requests per second. */
  rate: number;
  /** Open-loop schedule length, seconds. */
  durationS: number;
  /** Also run oha's corrected open loop (`-q`) when oha is installed. */
  oha?: boolean;
}

/** What {@link stallRuns} measured. */
export interface StallRuns {
  /** The closed-loop run. */
  closed: RunResult;
  /** Stalls of the server during it. */
  closedStalls: number;
  /** The open-loop samples (sent from a child process). */
  open: OpenLoopSample[];
  /** Stalls of the server during them. */
  openStalls: number;
  /** oha `-q` with latency correction, when asked for. */
  oha: RunResult | null;
}

/** Section 4: one stalling server, measured closed-loop, then open-loop (and by oha `-q`). */
export async function stallRuns(options: StallOptions): Promise<StallRuns> {
  const args = [
    "--stall-every-ms",
    String(options.stallEveryMs),
    "--stall-ms",
    String(options.stallMs),
  ];
  return await withServer("nb03-stalling", "stalling.ts", args, async (server) => {
    const stalls = async () => (await (await fetch(server.url + "/stats")).json()).stalls as number;
    const url = server.url + "/";
    const start = await stalls();
    const closed = await runLoad(
      { url, requests: options.closedRequests, concurrency: 10, keepAlive: true },
      { generator: options.generator, quiet: true },
    );
    const middle = await stalls();
    const open = await openLoopProcess(
      { url, rate: options.rate, durationS: options.durationS },
      { warmupS: OPEN_LOOP_WARMUP_S },
    );
    const end = await stalls();
    const oha = options.oha
      ? await runLoad(
        { url, durationS: options.durationS, concurrency: 10, keepAlive: true, rate: options.rate },
        { generator: "oha", quiet: true },
      )
      : null;
    return { closed, closedStalls: middle - start, open, openStalls: end - middle, oha };
  });
}

/** Options of {@link backlogRuns}. */
export interface BacklogOptions {
  /** Backlog lengths to compare, e.g. `[1, 511]`. */
  backlogs: readonly number[];
  /** Path on the async server, e.g. `/cpu?ms=5`. */
  path: string;
  /** New connections at once. */
  concurrency: number;
  /** Requests per backlog. */
  requests: number;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
}

/** Section 5: for each backlog a fresh async server, and every request's connect time. */
export async function backlogRuns(
  options: BacklogOptions,
): Promise<{ backlog: number; samples: ConnectionSample[] }[]> {
  const out: { backlog: number; samples: ConnectionSample[] }[] = [];
  for (const backlog of options.backlogs) {
    const args = ["--backlog", String(backlog)];
    const samples = await withServer(
      `nb03-backlog-${backlog}`,
      "async.ts",
      args,
      (server) =>
        connectTimesProcess({
          url: server.url + options.path,
          concurrency: options.concurrency,
          requests: options.requests,
          timeoutMs: options.timeoutMs ?? 10_000,
        }),
    );
    out.push({ backlog, samples });
  }
  return out;
}

/** Progress of a long section, in the shape the notebook's progress bar draws. */
export interface RunProgress {
  /** Runs done. */
  done: number;
  /** Runs in all. */
  total: number;
  /** What runs now. */
  label: string;
  /** Seconds since the section started. */
  elapsedS: number;
  /** Seconds left, when known. */
  etaS: number | null;
}

/** Options of {@link repeatRuns}. */
export interface RepeatOptions {
  /** Runs after one warm-up run (this section's own, shorter than an experiment's). */
  runs: number;
  /** Requests per run (c=10, a new connection per request). */
  requests: number;
  /** The closed-loop generator. */
  generator: GeneratorName;
  /** Restart the server before every run (default false: all runs share one server). */
  restart?: boolean;
  /** Receives each run's requests per second as it is measured. */
  into?: { run: number; rps: number }[];
  /** Called before each run and at the end. */
  onProgress?: (progress: RunProgress) => void | Promise<void>;
}

/**
 * Section 6: the same configuration again and again: a warm-up run (not counted), then `runs`
 * runs on one server (or a fresh server per run with `restart`). Returns the runs' req/s.
 */
export async function repeatRuns(options: RepeatOptions): Promise<{ run: number; rps: number }[]> {
  const into = options.into ?? [];
  const t0 = performance.now();
  const elapsedS = () => (performance.now() - t0) / 1000;
  const once = (server: Target) =>
    runLoad(
      { url: server.url + "/", requests: options.requests, concurrency: 10, keepAlive: false },
      { generator: options.generator, quiet: true },
    );
  const measure = async (server: Target, run: number) => {
    await options.onProgress?.({
      done: run - 1,
      total: options.runs,
      label: `run ${run}`,
      elapsedS: elapsedS(),
      etaS: null,
    });
    into.push({ run, rps: (await once(server)).requestsPerSec });
  };
  if (options.restart) {
    for (let run = 1; run <= options.runs; run++) {
      await withServer("nb03-repeat", "async.ts", [], async (server) => {
        await once(server);
        await measure(server, run);
      });
    }
  } else {
    await withServer("nb03-repeat", "async.ts", [], async (server) => {
      await once(server);
      for (let run = 1; run <= options.runs; run++) await measure(server, run);
    });
  }
  await options.onProgress?.({
    done: options.runs,
    total: options.runs,
    label: "every run",
    elapsedS: elapsedS(),
    etaS: 0,
  });
  return into;
}

/** A server of section 7: label, script under `servers/`, and its flags. */
export interface BatchTarget {
  /** Label in tables and charts. */
  label: string;
  /** Script under `servers/`. */
  script: string;
  /** Its flags. */
  args: string[];
}

/** One batch of section 7. */
export interface BatchResult {
  /** The server's label. */
  server: string;
  /** Requests served by the end of the batch. */
  served: number;
  /** Mean latency of the batch, ms. */
  msPerRequest: number;
  /** Requests per second of the batch. */
  rps: number;
}

/** Options of {@link batchRuns}. */
export interface BatchOptions {
  /** The servers, each started once and kept running through its batches. */
  targets: readonly BatchTarget[];
  /** Batches per server. */
  batches: number;
  /** Requests per batch (c=5, a new connection per request). */
  batch: number;
  /** The closed-loop generator. */
  generator: GeneratorName;
  /** Receives each batch as it is measured. */
  into?: BatchResult[];
  /** Called before each batch and at the end. */
  onProgress?: (progress: RunProgress) => void | Promise<void>;
}

/** The three servers of section 7: the leaky one, the same code fixed, and the thread pool. */
export const LEAK_TARGETS: readonly BatchTarget[] = [
  { label: "leaky", script: "leaky.ts", args: [] },
  { label: "leaky --max-leaks 0 (fixed)", script: "leaky.ts", args: ["--max-leaks", "0"] },
  { label: "threads (pool)", script: "threads.ts", args: [] },
];

/**
 * Section 7: each server gets the same batches of requests in a row, one server kept running, so
 * a server that slows down as it serves shows it batch after batch.
 */
export async function batchRuns(options: BatchOptions): Promise<BatchResult[]> {
  const into = options.into ?? [];
  const total = options.targets.length * options.batches;
  const t0 = performance.now();
  const progress = (done: number, label: string) =>
    options.onProgress?.({
      done,
      total,
      label,
      elapsedS: (performance.now() - t0) / 1000,
      etaS: done === total ? 0 : null,
    });
  for (const [i, target] of options.targets.entries()) {
    await withServer(`nb03-batches-${i}`, target.script, target.args, async (server) => {
      for (let batch = 1; batch <= options.batches; batch++) {
        await progress(i * options.batches + batch - 1, `${target.label}, batch ${batch}`);
        const result = await runLoad(
          { url: server.url + "/", requests: options.batch, concurrency: 5, keepAlive: false },
          { generator: options.generator, quiet: true, runTimeoutS: 120 },
        );
        const served = batch * options.batch;
        into.push({
          server: target.label,
          served,
          msPerRequest: result.latencyMs.mean,
          rps: result.requestsPerSec,
        });
      }
    });
  }
  await progress(total, "every batch");
  return into;
}
