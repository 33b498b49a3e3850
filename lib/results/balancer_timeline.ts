/**
 * What a balancer did over time: `GET /lb/stats` polled at a fixed interval while a load runs,
 * turned into rows of requests per second per backend (for a chart or a DataFrame).
 *
 * @example
 * ```ts
 * import { recordBalancerStats, timelineRows } from "./lib/results/balancer_timeline.ts";
 * const recorder = recordBalancerStats("http://127.0.0.1:44444", { intervalMs: 100 });
 * // ... run a load, stop a backend ...
 * const rows = timelineRows(await recorder.stop());
 * ```
 *
 * @module
 */

import type { BackendStats } from "../../servers/balancer/backend.ts";

/** Time between two polls unless told otherwise, ms. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 100;

/** One poll of `GET /lb/stats`. */
export interface StatsSample {
  /** Seconds since recording started. */
  timeS: number;
  /** The balancer's backends at that moment, in configured order. */
  backends: BackendStats[];
}

/** One backend in one interval between two polls. */
export interface TimelineRow {
  /** End of the interval, seconds since recording started. */
  timeS: number;
  /** The backend's `host:port`. */
  backend: string;
  /** Requests sent to it in the interval, per second. */
  requestsPerSec: number;
  /** Requests sent to it since the balancer started. */
  requests: number;
  /** Requests it was serving at the end of the interval. */
  inFlight: number;
  /** Whether it was in rotation at the end of the interval. */
  healthy: boolean;
}

/** Options of {@link recordBalancerStats}. */
export interface RecordOptions {
  /** Time between polls, ms (at least 10). Defaults to {@link DEFAULT_SAMPLE_INTERVAL_MS}. */
  intervalMs?: number;
  /** Longest wait for one poll's answer, ms. Defaults to 2000. */
  timeoutMs?: number;
}

/** A running recording. */
export interface StatsRecorder {
  /** Seconds since recording started. */
  elapsedS(): number;
  /** Samples taken so far (a copy). */
  samples(): StatsSample[];
  /** Takes one last sample, stops polling and returns every sample, oldest first. */
  stop(): Promise<StatsSample[]>;
}

/**
 * Polls `<balancerUrl>/lb/stats` every `intervalMs` until stopped. A poll that fails (the
 * balancer is busy past the timeout) is skipped; the next one goes on. Throws a one-line
 * TypeError for a bad URL or interval.
 */
export function recordBalancerStats(
  balancerUrl: string,
  options: RecordOptions = {},
): StatsRecorder {
  const intervalMs = options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 10) {
    throw new TypeError(`intervalMs must be at least 10 ms, got ${intervalMs}`);
  }
  let statsUrl: string;
  try {
    statsUrl = new URL("/lb/stats", balancerUrl).href;
  } catch {
    throw new TypeError(
      `balancer URL '${balancerUrl}' is not a URL: write it like http://127.0.0.1:44444`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  const taken: StatsSample[] = [];
  const stopped = new AbortController();

  async function poll(): Promise<void> {
    try {
      const signal = AbortSignal.any([stopped.signal, AbortSignal.timeout(timeoutMs)]);
      const response = await fetch(statsUrl, { signal });
      if (!response.ok) {
        await response.body?.cancel();
        return;
      }
      const body = await response.json() as { backends?: BackendStats[] };
      if (Array.isArray(body.backends)) taken.push({ timeS: elapsedS(), backends: body.backends });
    } catch {
      // a missed sample: the chart has a longer interval there
    }
  }

  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const begin = performance.now();
      await poll();
      const wait = Math.max(0, intervalMs - (performance.now() - begin));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        stopped.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  })();

  return {
    elapsedS,
    samples: () => [...taken],
    async stop() {
      stopped.abort();
      await loop;
      await poll();
      return [...taken];
    },
  };
}

/**
 * Turns samples into one row per backend per interval: requests sent in the interval divided by
 * its length. The first sample only sets the baseline. Backends are matched by `label`.
 *
 * A sample that arrives less than half the usual interval after the one before (its poll was
 * answered late, the next one on time: a busy machine) does not end an interval; it is merged
 * into the next, so that a late answer does not show as a spike of requests per second. The last
 * sample always ends an interval, so the rates add up to every request sent.
 */
export function timelineRows(samples: readonly StatsSample[]): TimelineRow[] {
  const gaps = samples.slice(1).map((sample, i) => sample.timeS - samples[i]!.timeS)
    .filter((gap) => gap > 0).sort((a, b) => a - b);
  const minGap = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)]! / 2 : 0;
  const rows: TimelineRow[] = [];
  let before = samples[0];
  for (let i = 1; i < samples.length; i++) {
    const now = samples[i]!;
    const seconds = now.timeS - before!.timeS;
    if (!(seconds > 0) || (seconds < minGap && i < samples.length - 1)) continue;
    for (const backend of now.backends) {
      const previous = before!.backends.find((b) => b.label === backend.label);
      const sent = backend.requests - (previous?.requests ?? 0);
      rows.push({
        timeS: now.timeS,
        backend: backend.label,
        requestsPerSec: Math.max(0, sent) / seconds,
        requests: backend.requests,
        inFlight: backend.inFlight,
        healthy: backend.healthy,
      });
    }
    before = now;
  }
  return rows;
}
