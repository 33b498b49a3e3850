/**
 * The figures every result derives the same way, whichever tool ran: request rate, transfer
 * rate and ab's two "time per request" lines.
 *
 * @module
 */

/** Rates derived from a run's totals. */
export interface Rates {
  /** Completed requests per second. */
  requestsPerSec: number;
  /** Received KB (1024 bytes) per second, as ab's "Transfer rate". */
  transferKBps: number;
  /** ab's "Time per request (mean)": concurrency * wall time / completed, ms. */
  timePerRequestMs: number;
  /** ab's "Time per request (mean, across all concurrent requests)": wall time / completed, ms. */
  timePerRequestAllMs: number;
}

/**
 * Computes {@link Rates} from wall time (seconds), completed requests, bytes received and
 * concurrency. Figures that would divide by zero are `NaN` (no completed requests or no time).
 */
export function deriveRates(
  wallTimeS: number,
  completed: number,
  bytes: number,
  concurrency: number,
): Rates {
  const timeOk = wallTimeS > 0;
  return {
    requestsPerSec: timeOk ? completed / wallTimeS : NaN,
    transferKBps: timeOk ? bytes / 1024 / wallTimeS : NaN,
    timePerRequestMs: completed > 0 ? (concurrency * wallTimeS * 1000) / completed : NaN,
    timePerRequestAllMs: completed > 0 ? (wallTimeS * 1000) / completed : NaN,
  };
}
