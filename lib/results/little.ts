/**
 * Little's law for a closed-loop load generator, the check a student can do by hand.
 *
 * With c connections that each wait for an answer before sending the next request, throughput
 * X and mean response time R obey c = X x R. Apache Bench prints both readings of R:
 * "Time per request (mean)" is c / X and "(mean, across all concurrent requests)" is 1 / X.
 *
 * @module
 */

import type pl from "nodejs-polars";
import { frameFromRows, frameRows, requireColumns } from "./frame.ts";

/** ab's two "Time per request" figures for one run. */
export interface AbTimesPerRequest {
  /** "Time per request (mean)": c / X, in ms: how long one client waited per request. */
  perRequestMs: number;
  /** "Time per request (mean, across all concurrent requests)": 1 / X, in ms. */
  acrossAllMs: number;
}

/**
 * ab's two "Time per request" lines from concurrency `c` and throughput `requestsPerSec`.
 *
 * @example
 * ```ts
 * abTimesPerRequest(10, 2000); // { perRequestMs: 5, acrossAllMs: 0.5 }
 * ```
 */
export function abTimesPerRequest(c: number, requestsPerSec: number): AbTimesPerRequest {
  if (!(c >= 1) || !(requestsPerSec > 0)) {
    throw new Error(
      `abTimesPerRequest needs concurrency >= 1 and a positive req/s, got c=${c}, ${requestsPerSec} req/s`,
    );
  }
  return { perRequestMs: (c / requestsPerSec) * 1000, acrossAllMs: 1000 / requestsPerSec };
}

/** Columns of {@link littleCheck}'s DataFrame, in order. */
export const LITTLE_SCHEMA = {
  target: "str",
  concurrency: "i64",
  repeat: "i64",
  requestsPerSec: "f64",
  latMeanMs: "f64",
  impliedConcurrency: "f64",
  ratio: "f64",
} as const;

/** One row of {@link littleCheck}. */
export interface LittleRow {
  /** Target name. */
  target: string;
  /** Connections the generator kept open. */
  concurrency: number;
  /** Repeat number. */
  repeat: number;
  /** Measured throughput X. */
  requestsPerSec: number;
  /** Measured mean latency R, ms. */
  latMeanMs: number;
  /** X x R: the concurrency the measurements imply. */
  impliedConcurrency: number;
  /** implied / configured: 1 when the loop was closed and every connection stayed busy. */
  ratio: number;
}

/**
 * Checks every run of a closed-loop sweep against Little's law: measured throughput times mean
 * latency should equal the concurrency. A ratio well under 1 means the generator did not keep its
 * connections busy (it was the bottleneck, or spent time connecting); over 1, that latency was
 * measured from a different point than throughput. Runs without a mean latency are left out.
 */
export function littleRows(runs: pl.DataFrame): LittleRow[] {
  requireColumns(
    runs,
    ["target", "concurrency", "repeat", "requestsPerSec", "latMeanMs"],
    "littleCheck",
  );
  return frameRows(runs)
    .filter((run) => typeof run.latMeanMs === "number" && (run.requestsPerSec as number) > 0)
    .map((run) => {
      const implied = (run.requestsPerSec as number) * (run.latMeanMs as number) / 1000;
      return {
        target: run.target as string,
        concurrency: run.concurrency as number,
        repeat: run.repeat as number,
        requestsPerSec: run.requestsPerSec as number,
        latMeanMs: run.latMeanMs as number,
        impliedConcurrency: implied,
        ratio: implied / (run.concurrency as number),
      };
    });
}

/** {@link littleRows} as a DataFrame with the {@link LITTLE_SCHEMA} columns. */
export function littleCheck(runs: pl.DataFrame): pl.DataFrame {
  return frameFromRows(littleRows(runs) as unknown as Record<string, unknown>[], LITTLE_SCHEMA);
}

/**
 * One sentence on how well a sweep obeys Little's law, computed from {@link littleRows}: how many
 * runs lie within `tolerance` (default 10%) of X x R = c, and which run strays furthest.
 */
export function littleSentence(rows: readonly LittleRow[], tolerance = 0.1): string {
  if (rows.length === 0) {
    return "No run reported a mean latency, so Little's law cannot be checked.";
  }
  const within = rows.filter((row) => Math.abs(row.ratio - 1) <= tolerance).length;
  const worst = rows.reduce((a, b) => Math.abs(b.ratio - 1) > Math.abs(a.ratio - 1) ? b : a);
  const percent = Math.round(tolerance * 100);
  const head = `In ${within} of ${rows.length} runs, throughput x mean latency lies within ` +
    `${percent}% of the concurrency, as Little's law says it must in a closed loop.`;
  if (within === rows.length) return head;
  return `${head} Furthest off: ${worst.target} at c=${worst.concurrency} (repeat ${worst.repeat}), ` +
    `${worst.requestsPerSec.toFixed(0)} req/s x ${worst.latMeanMs.toFixed(2)} ms = ` +
    `${worst.impliedConcurrency.toFixed(2)} connections busy on average, not ${worst.concurrency}` +
    (worst.ratio < 1
      ? ": the generator kept fewer requests in flight than asked (it was busy itself, or connecting)."
      : ": latency was counted over a longer span than throughput.");
}
