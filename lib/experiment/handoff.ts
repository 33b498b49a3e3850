/**
 * What handing a request to a thread-pool worker costs, beside what a whole request costs the
 * async model: the threads model's `/stats` handoff counters turned into microseconds per
 * request, and a sentence that says which part of the threads model's extra CPU is the handoff.
 *
 * Both servers do the same application work and the same HTTP work per request, so the threads
 * server's CPU per request minus the async server's is what the pool adds. `/stats` splits
 * that: the handoff code the listener and the workers run (copying heads and bodies through the
 * slots), timed in the code; the rest is what no code section can time: waking sleeping
 * threads (a worker, then the listener; once per batch of requests when the pool is busy) and
 * running a JavaScript engine per worker beside the listener's.
 *
 * @example
 * ```ts
 * import { handoffMarkdown, measureHandoff } from "./lib/experiment/handoff.ts";
 * const measured = await measureHandoff({ requests: 5000, concurrency: 10 });
 * console.log(handoffMarkdown(measured));
 * ```
 *
 * @module
 */

import { cpuTimes } from "../process/cpu_time.ts";
import { launchScript } from "./launch.ts";
import { warmUp } from "./warmup.ts";
import { type GeneratorName, runLoad } from "../loadgen/mod.ts";
import { MODELS } from "../../servers/models.ts";
import type { HandoffStats } from "../../servers/threads/pool.ts";
import type { ThreadsStatsReport } from "../../servers/threads.ts";

/** The handoff of one run, per request, in µs. */
export interface HandoffPerRequest {
  /** Requests handed to a worker during the run. */
  requests: number;
  /** Listener's handoff code per request. */
  listenerUs: number;
  /** Worker's handoff code per request. */
  workerUs: number;
  /** Both: the handoff code per request. */
  handoffUs: number;
  /** Time inside the application per request (for `/`: its whole work). */
  appUs: number;
  /** Times the listener was woken to collect answers, per request (below 1: in batches). */
  wakeUps: number;
  /** Workers the listener woke from their sleep, per request (below 1: in batches). */
  workersWoken: number;
  /** Responses that were too large for a slot and went by message. */
  byMessage: number;
}

/** A handoff measurement beside both servers' CPU per request. */
export interface HandoffMeasurement {
  /** The threads server's handoff during its run. */
  handoff: HandoffPerRequest;
  /** Server CPU (user + system) per request of the threads server, µs. */
  threadsCpuUs: number;
  /** Server CPU per request of the async server, µs. */
  asyncCpuUs: number;
}

/**
 * The handoff per request between two `/stats` readings of a threads server. Throws when a
 * reading has no `handoff` (not a threads server, or one from before the counters existed) or
 * when no request was handed over in between.
 */
export function handoffPerRequest(
  before: HandoffStats | undefined,
  after: HandoffStats | undefined,
): HandoffPerRequest {
  if (!before || !after) {
    throw new Error(
      "the /stats readings have no handoff counters: read them from a threads server",
    );
  }
  const requests = after.requests - before.requests;
  if (!(requests > 0)) {
    throw new Error(`no request was handed to a pool worker between the two /stats readings`);
  }
  const per = (key: "listenerUs" | "workerUs" | "appUs" | "wakeUps" | "workersWoken") =>
    (after[key] - before[key]) / requests;
  return {
    requests,
    listenerUs: per("listenerUs"),
    workerUs: per("workerUs"),
    handoffUs: per("listenerUs") + per("workerUs"),
    appUs: per("appUs"),
    wakeUps: per("wakeUps"),
    workersWoken: per("workersWoken"),
    byMessage: after.byMessage - before.byMessage,
  };
}

/**
 * One paragraph (Markdown) on the measurement: CPU per request of both servers, the handoff
 * code's share of the difference, and what the rest is.
 */
export function handoffMarkdown(measured: HandoffMeasurement): string {
  const { handoff, threadsCpuUs, asyncCpuUs } = measured;
  const us = (value: number) => `${value.toFixed(1)} µs`;
  const code = `the handoff code (copying the request head into a worker's slot and the response ` +
    `back) took **${us(handoff.handoffUs)}** per request: ${us(handoff.listenerUs)} in the ` +
    `listener and ${us(handoff.workerUs)} in the worker, against ${us(handoff.appUs)} inside the ` +
    `application`;
  if (!Number.isFinite(threadsCpuUs) || !Number.isFinite(asyncCpuUs)) {
    return `Over ${handoff.requests} requests ${code}. The servers' CPU per request could not ` +
      `be measured (it needs Linux's /proc), so it cannot be compared with the async model.`;
  }
  if (asyncCpuUs <= 0) {
    return `Over ${handoff.requests} requests ${code}. The async server's CPU stayed under ` +
      `/proc's 10 ms resolution: run more requests to compare the two.`;
  }
  const extra = threadsCpuUs - asyncCpuUs;
  const cpu = `The threads server used **${us(threadsCpuUs)}** of CPU per request, the async ` +
    `server **${us(asyncCpuUs)}**`;
  if (extra <= 0) {
    return `${cpu}: the pool cost nothing measurable on top of the async model. Over ` +
      `${handoff.requests} requests ${code}.`;
  }
  const share = Math.min(handoff.handoffUs / extra, 1);
  const rest = Math.max(extra - handoff.handoffUs, 0);
  return `${cpu}: the pool adds **${us(extra)}** per request ` +
    `(${(threadsCpuUs / asyncCpuUs).toFixed(1)}x the async model's CPU). Of that, ` +
    `${code}, so the handoff code is **${(share * 100).toFixed(0)}%** of the difference. The ` +
    `other ${us(rest)} is what no code section can time: waking sleeping threads (per request, ` +
    `a worker ${handoff.workersWoken.toFixed(2)} times and the listener ` +
    `${handoff.wakeUps.toFixed(2)} times: ${wakeWords(handoff)}), and running a JavaScript ` +
    `engine per worker beside the listener's, which an event loop never does.` +
    busyNote(measured);
}

/** How often threads were woken, in words: once per request, or once per batch of about n. */
function wakeWords({ workersWoken, wakeUps }: HandoffPerRequest): string {
  const most = Math.max(workersWoken, wakeUps);
  if (!(most > 0)) return "almost never";
  if (most >= 0.5) return "about once per request, or more";
  return `once per batch of about ${Math.round(1 / most)} requests`;
}

/**
 * A caveat when the timed code sections add up to more CPU than the whole threads server used:
 * they are timed by the clock, so on a busy machine they include time spent waiting for a core,
 * and the split is then an upper bound. Empty otherwise.
 */
function busyNote({ handoff, threadsCpuUs }: HandoffMeasurement): string {
  const timed = handoff.handoffUs + handoff.appUs;
  if (!(timed > threadsCpuUs)) return "";
  return ` But the timed sections (${timed.toFixed(1)} µs) add up to more than the threads ` +
    `server's whole CPU per request (${threadsCpuUs.toFixed(1)} µs): they are timed by the ` +
    "clock, the machine was busy, and they include time spent waiting for a core, so the " +
    "handoff's share is an upper bound here.";
}

/**
 * The handoff's prediction for `GET /` beside the measurement: if the servers' CPU is what limits
 * both, throughput goes as 1 / CPU per request, so threads should reach about
 * asyncCpu / threadsCpu of the async model's throughput. `rows` are the summary rows of the
 * `GET /` experiment; the comparison is made at its highest level. One sentence; it says when
 * the measured ratio is far from the prediction (something besides the servers' CPU set the
 * pace), and when the CPU could not be measured.
 */
export function handoffRatioMarkdown(
  measured: HandoffMeasurement,
  rows: readonly { target: string; concurrency: number; medianRps: number }[],
): string {
  const { threadsCpuUs, asyncCpuUs } = measured;
  const top = Math.max(...rows.map((row) => row.concurrency));
  const at = (target: string) =>
    rows.find((row) => row.target === target && row.concurrency === top)?.medianRps;
  const [threads, async] = [at("threads"), at("async")];
  if (threads === undefined || async === undefined || !(async > 0)) {
    return "The `GET /` runs have no level with both servers to compare the prediction with.";
  }
  const ratio = threads / async;
  const got = `measured at c=${top}: threads / async = **${ratio.toFixed(2)}** (medians)`;
  if (!(threadsCpuUs > 0) || !(asyncCpuUs > 0)) {
    return `The CPU per request could not be measured, so there is no prediction; ${got}.`;
  }
  const predicted = asyncCpuUs / threadsCpuUs;
  const near = Math.abs(ratio / predicted - 1) <= 0.2;
  return `If the servers' CPU limits both, threads should reach about ` +
    `${asyncCpuUs.toFixed(0)} / ${threadsCpuUs.toFixed(0)} µs = **${predicted.toFixed(2)}** of ` +
    `the async model's throughput; ${got}, ${
      near
        ? "within 20% of the prediction"
        : `${ratio > predicted ? "above" : "below"} it by more than 20%: something besides ` +
          "the servers' CPU set the pace (the load generator shares the cores)"
    }.`;
}

/** One row of {@link handoffTable}. */
export interface HandoffRow {
  /** What is measured. */
  what: string;
  /** Microseconds per request, rounded to 0.1 (null when not measured). */
  "µs per request": number | null;
}

/**
 * The measurement as a table: both servers' CPU per request, their difference, and how much of
 * it the handoff code took (the rest is untimed: waking threads, running K + 1 engines). Figures that need `/proc` are null
 * where it is missing; the split is left out when the pool cost nothing measurable.
 */
export function handoffTable(measured: HandoffMeasurement): HandoffRow[] {
  const { handoff, threadsCpuUs, asyncCpuUs } = measured;
  const round = (value: number) => Number.isFinite(value) ? Math.round(value * 10) / 10 : null;
  const rows: HandoffRow[] = [
    { what: "async server: CPU per request", "µs per request": round(asyncCpuUs) },
    { what: "threads server: CPU per request", "µs per request": round(threadsCpuUs) },
  ];
  const extra = threadsCpuUs - asyncCpuUs;
  if (Number.isFinite(extra) && extra > 0) {
    rows.push(
      { what: "difference: what the pool adds", "µs per request": round(extra) },
      { what: "of that, the handoff code", "µs per request": round(handoff.handoffUs) },
      {
        what: "of that, the rest (waking threads, K + 1 engines)",
        "µs per request": round(Math.max(extra - handoff.handoffUs, 0)),
      },
    );
  } else {
    rows.push({
      what: "handoff code (listener + worker)",
      "µs per request": round(handoff.handoffUs),
    });
  }
  rows.push({
    what: "threads server: inside the application",
    "µs per request": round(handoff.appUs),
  });
  return rows;
}

/** Options of {@link measureHandoff}. */
export interface MeasureHandoffOptions {
  /** Requests per server (default 5000): enough for `/proc`'s 10 ms CPU ticks. */
  requests?: number;
  /** Connections at once (default 10). */
  concurrency?: number;
  /** Keep connections open (default false, like ab and the 2020 course). */
  keepAlive?: boolean;
  /** Load generator (default: the first installed one, see `runLoad`). */
  generator?: GeneratorName;
  /** Path to request (default `/`). */
  path?: string;
}

/**
 * Starts the async and the threads server one after the other (as child processes), warms each
 * up (`warmup.ts`), loads each with the same requests, and returns each one's CPU per request and the threads server's
 * handoff. Every server is stopped before this returns, also on failure.
 */
export async function measureHandoff(
  options: MeasureHandoffOptions = {},
): Promise<HandoffMeasurement> {
  const cpuUs: Record<string, number> = {};
  let handoff: HandoffPerRequest | undefined;
  for (const name of ["async", "threads"] as const) {
    const target = await launchScript(MODELS[name].scriptPath, { name: `handoff-${name}` });
    try {
      const load = () =>
        runLoad({
          url: target.url + (options.path ?? "/"),
          requests: options.requests ?? 5000,
          concurrency: options.concurrency ?? 10,
          keepAlive: options.keepAlive ?? false,
        }, { generator: options.generator, quiet: true });
      await warmUp(load); // the same requests, uncounted: compiled code, as in a long run
      const before = await readStats(target.url);
      const cpuBefore = cpuSelf(target.pid);
      const result = await load();
      cpuUs[name] = (cpuSelf(target.pid) - cpuBefore) / result.completed * 1e6;
      if (name === "threads") {
        handoff = handoffPerRequest(before.handoff, (await readStats(target.url)).handoff);
      }
    } finally {
      await target.stop();
    }
  }
  return { handoff: handoff!, threadsCpuUs: cpuUs.threads!, asyncCpuUs: cpuUs.async! };
}

async function readStats(url: string): Promise<ThreadsStatsReport> {
  const response = await fetch(`${url}/stats`);
  if (!response.ok) throw new Error(`${url}/stats answered ${response.status}`);
  return await response.json();
}

function cpuSelf(pid: number | null): number {
  try {
    return pid === null ? NaN : cpuTimes(pid).self;
  } catch {
    return NaN;
  }
}
