/**
 * Reading one cell of a summary and printing its figures, the same way in every notebook:
 * {@link at} finds a target's row at a level, {@link rps} and {@link ms} format its throughput and
 * latencies, `-` standing for a figure that is missing.
 *
 * @module
 */

import { formatRate, type SummaryRow } from "./results.ts";

/**
 * The row of `target` at concurrency `c`, or undefined when it was not run.
 *
 * @example
 * ```ts ignore
 * const row = at(summaryRows(io.frame), "async", 50);
 * await md`async at c=50: ${rps(row)} req/s, p99 ${ms(row?.p99Ms)} ms`;
 * ```
 */
export function at(
  rows: readonly SummaryRow[],
  target: string,
  c: number,
): SummaryRow | undefined {
  return rows.find((row) => row.target === target && row.concurrency === c);
}

/** A row's median req/s (`1,234`), or `-` for a missing row. */
export function rps(row: SummaryRow | undefined): string {
  return row === undefined ? "-" : formatRate(row.medianRps);
}

/** Milliseconds with one decimal below 10 and none above (`4.2`, `87`), or `-`. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value < 10 ? value.toFixed(1) : value.toFixed(0);
}

/** A share as a percentage with one decimal (`24.8%`), or `-`. */
export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "-";
  return `${(100 * share).toFixed(1)}%`;
}
