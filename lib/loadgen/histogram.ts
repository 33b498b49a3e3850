/**
 * Latency histograms built from what a tool gives: exact (value, count) pairs or quantiles.
 *
 * @module
 */

import type { HistogramBucket } from "./types.ts";

/** Default number of buckets. */
export const DEFAULT_BUCKETS = 20;

/**
 * Equal-width buckets from `[valueMs, count]` pairs (for example wrk's recorded latencies),
 * spanning the smallest to the largest value. Returns `[]` when there are no values.
 */
export function histogramFromValues(
  pairs: ReadonlyArray<readonly [number, number]>,
  buckets = DEFAULT_BUCKETS,
): HistogramBucket[] {
  if (pairs.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const [value] of pairs) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  const n = max > min ? buckets : 1;
  const width = max > min ? (max - min) / n : 0;
  const result: HistogramBucket[] = Array.from({ length: n }, (_, i) => ({
    fromMs: min + i * width,
    toMs: i === n - 1 ? max : min + (i + 1) * width,
    count: 0,
  }));
  for (const [value, count] of pairs) {
    const index = width > 0 ? Math.min(n - 1, Math.floor((value - min) / width)) : 0;
    const bucket = result[index];
    if (bucket) bucket.count += count;
  }
  return result;
}

/**
 * Equal-count buckets from a quantile curve: `quantilesMs[i]` is the latency at percent
 * `i * 100 / (quantilesMs.length - 1)` (ab's `-e` CSV has 101 of them, 0% to 100%). Each bucket
 * spans two neighbouring quantiles and holds that share of `total` requests, rounded so the
 * counts add up to `total`. Buckets of zero width are merged into their neighbour.
 */
export function histogramFromQuantiles(
  quantilesMs: readonly number[],
  total: number,
): HistogramBucket[] {
  const steps = quantilesMs.length - 1;
  if (steps < 1 || total <= 0) return [];
  const result: HistogramBucket[] = [];
  for (let i = 0; i < steps; i++) {
    const fromMs = quantilesMs[i] ?? 0;
    const toMs = quantilesMs[i + 1] ?? fromMs;
    const count = Math.round((total * (i + 1)) / steps) - Math.round((total * i) / steps);
    const last = result.at(-1);
    if (last && (toMs === fromMs || last.fromMs === last.toMs)) {
      last.toMs = toMs;
      last.count += count;
    } else {
      result.push({ fromMs, toMs, count });
    }
  }
  return result;
}
