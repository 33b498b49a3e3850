/**
 * Warming a server up before it is measured: runs that are not recorded, repeated until the
 * server has answered {@link WARMUP_REQUESTS} requests or {@link WARMUP_S} seconds have passed.
 *
 * One short run is not enough for every model: the threads model's K + 1 threads each compile
 * their own code, so on `GET /` it takes several thousand requests to reach its steady speed
 * (measured here: from 3,600 to over 8,000 req/s over the first 7,000 requests at c=10, where
 * the async model was at its speed after 2,000).
 *
 * @module
 */

import type { RunResult } from "../loadgen/types.ts";
import type { Warmup } from "./environment.ts";

/** Requests after which a warm-up stops. */
export const WARMUP_REQUESTS = 10_000;
/** Seconds after which a warm-up stops, whatever it sent. */
export const WARMUP_S = 2;

/**
 * Calls `run` (one uncounted run) until the runs have completed {@link WARMUP_REQUESTS}
 * requests or taken {@link WARMUP_S} seconds, or a run completes none. Returns what was sent;
 * a run that throws ends the warm-up with that error.
 */
export async function warmUp(run: () => Promise<RunResult>): Promise<Warmup> {
  const warmup: Warmup = { runs: 0, requests: 0, seconds: 0 };
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start) / 1000;
  try {
    while (warmup.requests < WARMUP_REQUESTS && warmup.seconds < WARMUP_S) {
      const result = await run();
      warmup.runs++;
      warmup.requests += result.completed;
      warmup.seconds = elapsed();
      if (result.completed === 0) break; // nothing answers: the measured runs will say so
    }
  } finally {
    warmup.seconds = elapsed();
  }
  return warmup;
}
