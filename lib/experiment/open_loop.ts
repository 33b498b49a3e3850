/**
 * An open-loop load generator: requests sent on a fixed schedule (`rate` per second), whatever
 * the server does, with each request's latency measured from the time it was **meant** to be
 * sent.
 *
 * A closed-loop generator (ab, wrk, autocannon, oha without `-q`) sends the next request on a
 * connection only when the previous answer came back. When the server stalls, it stops sending,
 * so the requests that real users would have sent during the stall are never sent and never
 * measured: its percentiles omit exactly the bad moments ("coordinated omission"). An open-loop
 * sender keeps the schedule, so a stall of S ms delays every request scheduled inside it, by up
 * to S ms, and the percentiles show it. Measuring from the intended time also corrects for this
 * sender's own hiccups (a late timer counts against the server's latency, as a user would see it).
 *
 * It does not fit the lab's `LoadGenerator` interface (that runs external tools by name and
 * normalizes their reports), so it lives here and returns per-request samples.
 *
 * @example
 * ```ts
 * import { openLoopSummary, runOpenLoop } from "./lib/experiment/open_loop.ts";
 * const samples = await runOpenLoop({ url: "http://127.0.0.1:8000/", rate: 200, durationS: 3 });
 * console.log(openLoopSummary(samples).p99Ms);
 * ```
 *
 * @module
 */

import { labCall } from "../process/interrupt.ts";
import { isLoopbackHost } from "../loadgen/validate.ts";

/** What {@link runOpenLoop} sends. */
export interface OpenLoopSpec {
  /** Target URL: `http://` on a loopback address. */
  url: string;
  /** Requests per second, sent on a fixed schedule. */
  rate: number;
  /** Length of the schedule, seconds. */
  durationS: number;
  /** Give up on one request after this many ms. Defaults to 10 000. */
  timeoutMs?: number;
}

/** One request of an open-loop run. Times are ms since the run started. */
export interface OpenLoopSample {
  /** When the schedule said to send it. */
  intendedMs: number;
  /** When it was really sent (later than intended when this sender fell behind). */
  sentMs: number;
  /** Answer time minus intended time: the latency a user arriving on schedule sees; null on error. */
  latencyMs: number | null;
  /** Answer time minus the time it was really sent; null on error. */
  serviceMs: number | null;
  /** HTTP status, or null when the request failed. */
  status: number | null;
  /** Why it failed, or null. */
  error: string | null;
}

/** Percentiles of an open-loop run, ms. */
export interface OpenLoopSummary {
  /** Requests scheduled. */
  requests: number;
  /** Requests answered with any status. */
  completed: number;
  /** Requests that failed (timeouts, refused...). */
  failed: number;
  /** Rate asked for vs reached: completed per second of schedule. */
  achievedRate: number;
  /** Median latency from the intended send time. */
  p50Ms: number;
  /** 90th percentile, from the intended send time. */
  p90Ms: number;
  /** 99th percentile, from the intended send time. */
  p99Ms: number;
  /** Slowest, from the intended send time. */
  maxMs: number;
  /** 99th percentile from the real send time (no correction for this sender's lateness). */
  serviceP99Ms: number;
}

/** Default per-request timeout, ms. */
export const DEFAULT_OPEN_LOOP_TIMEOUT_MS = 10_000;
/** Most requests one run may schedule. */
export const MAX_OPEN_LOOP_REQUESTS = 200_000;

/** Checks a spec; throws an Error whose one-line message names the bad value and the fix. */
export function checkOpenLoopSpec(spec: OpenLoopSpec): void {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new Error(`'${spec.url}' is not a URL: use e.g. http://127.0.0.1:8000/`);
  }
  if (url.protocol !== "http:" || !isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""))) {
    throw new Error(`${spec.url}: the target must be http:// on loopback (127.0.0.1 or ::1)`);
  }
  if (!(spec.rate > 0) || !Number.isFinite(spec.rate)) {
    throw new Error(`rate must be a positive number of requests per second, got ${spec.rate}`);
  }
  if (!(spec.durationS > 0) || !Number.isFinite(spec.durationS)) {
    throw new Error(`durationS must be a positive number of seconds, got ${spec.durationS}`);
  }
  const total = Math.round(spec.rate * spec.durationS);
  if (total < 1 || total > MAX_OPEN_LOOP_REQUESTS) {
    throw new Error(
      `rate x durationS schedules ${total} requests; keep it from 1 to ${MAX_OPEN_LOOP_REQUESTS}`,
    );
  }
  const timeout = spec.timeoutMs ?? DEFAULT_OPEN_LOOP_TIMEOUT_MS;
  if (!(timeout > 0)) throw new Error(`timeoutMs must be a positive number, got ${timeout}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Runs the schedule: request i is meant to go out at i / rate seconds. Requests are sent over
 * keep-alive connections from a client of this run only (closed at the end); as many are in
 * flight as the schedule and the server make necessary. Resolves when every request has been
 * answered or timed out, with one sample per request in schedule order.
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<OpenLoopSample[]> {
  checkOpenLoopSpec(spec);
  // Jupyter's interrupt button stops the schedule and this call (interrupt.ts).
  return await labCall(`open-loop run on ${spec.url}`, (signal) => openLoop(spec, signal), {
    label: `open loop: ${spec.rate} req/s for ${spec.durationS} s`,
    expectedS: spec.durationS,
  });
}

async function openLoop(spec: OpenLoopSpec, signal: AbortSignal): Promise<OpenLoopSample[]> {
  const total = Math.round(spec.rate * spec.durationS);
  const timeoutMs = spec.timeoutMs ?? DEFAULT_OPEN_LOOP_TIMEOUT_MS;
  const intervalMs = 1000 / spec.rate;
  const client = Deno.createHttpClient({});
  const pending: Promise<OpenLoopSample>[] = [];
  const origin = performance.now();

  const send = async (intendedMs: number): Promise<OpenLoopSample> => {
    const sentMs = performance.now() - origin;
    const sample: OpenLoopSample = {
      intendedMs,
      sentMs,
      latencyMs: null,
      serviceMs: null,
      status: null,
      error: null,
    };
    try {
      const response = await fetch(spec.url, {
        client,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      const doneMs = performance.now() - origin;
      sample.status = response.status;
      sample.latencyMs = doneMs - intendedMs;
      sample.serviceMs = doneMs - sentMs;
    } catch (error) {
      sample.error = error instanceof Error
        ? (error.name === "TimeoutError" ? "timeout" : error.message.split("\n")[0] ?? "error")
        : String(error);
    }
    return sample;
  };

  try {
    for (let i = 0; i < total && !signal.aborted;) {
      const now = performance.now() - origin;
      while (i < total && i * intervalMs <= now) {
        pending.push(send(i * intervalMs));
        i++;
      }
      if (i < total) await sleep(i * intervalMs - (performance.now() - origin));
    }
    return await Promise.all(pending);
  } finally {
    await Promise.allSettled(pending);
    client.close();
  }
}

/** The value at quantile `q` (0..1) of sorted numbers (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Summarizes an open-loop run: counts and latency percentiles from the intended send times. */
export function openLoopSummary(
  samples: readonly OpenLoopSample[],
  durationS?: number,
): OpenLoopSummary {
  const ok = samples.filter((s) => s.latencyMs !== null);
  const latencies = ok.map((s) => s.latencyMs!).sort((a, b) => a - b);
  const service = ok.map((s) => s.serviceMs!).sort((a, b) => a - b);
  const span = durationS ??
    (samples.length > 1 ? (samples.at(-1)!.intendedMs - samples[0]!.intendedMs) / 1000 : 1);
  return {
    requests: samples.length,
    completed: ok.length,
    failed: samples.length - ok.length,
    achievedRate: span > 0 ? ok.length / span : NaN,
    p50Ms: quantile(latencies, 0.5),
    p90Ms: quantile(latencies, 0.9),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? NaN,
    serviceP99Ms: quantile(service, 0.99),
  };
}
