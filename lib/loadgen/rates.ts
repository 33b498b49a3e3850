/**
 * The figures every result derives the same way, whichever tool ran: request rate, transfer
 * rate, ab's two "time per request" lines, and the totals of status codes and failures.
 *
 * @module
 */

import type { TransportFailures } from "./types.ts";

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

/** Sorts `[key, value]` entries by the number in the key (tools may write keys in string order). */
export function sortNumerically<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => Number(a) - Number(b));
}

/** Responses whose status code does not start with 2, from status code -> responses. */
export function countNon2xx(statusCodes: Record<string, number>): number {
  return Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith("2"))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Status codes and the totals read from them. */
export interface StatusTally {
  /** Status code -> responses, in numeric order of the code. */
  statusCodes: Record<string, number>;
  /** Every response counted (the completed requests). */
  completed: number;
  /** Responses whose status code does not start with 2. */
  non2xx: number;
}

/** Tallies a tool's status code -> responses: sorted by code, with their total and non-2xx. */
export function tallyStatusCodes(counts: Record<string, number>): StatusTally {
  const statusCodes: Record<string, number> = {};
  for (const [code, n] of sortNumerically(counts)) statusCodes[code] = n;
  const completed = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  return { statusCodes, completed, non2xx: countNon2xx(statusCodes) };
}

/** All transport failures of a run: connect + timeout + reset + other. */
export function countFailures(failures: TransportFailures): number {
  return failures.connect + failures.timeout + failures.reset + failures.other;
}
