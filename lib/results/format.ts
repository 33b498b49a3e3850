/**
 * The lab's number formats for tables and computed sentences, one definition each: milliseconds,
 * requests per second and percentages. A missing or non-finite value prints as "-".
 *
 * @example
 * ```ts
 * import { ms, pct, rps } from "./lib/results/format.ts";
 * console.log(`${rps(12345.6)} req/s, p99 ${ms(0.4567)} ms, ${pct(0.031)} failed`);
 * // 12,346 req/s, p99 0.46 ms, 3.1% failed
 * ```
 *
 * @module
 */

function missing(x: number | null | undefined): x is null | undefined {
  return x === null || x === undefined || !Number.isFinite(x);
}

/**
 * Milliseconds with a precision that suits their size: two decimals under 10 ms, one under 100,
 * none from 100 ms ("0.46", "12.3", "744"); `digits` fixes the decimals instead.
 */
export function ms(x: number | null | undefined, digits?: number): string {
  if (missing(x)) return "-";
  if (digits !== undefined) return x.toFixed(digits);
  const abs = Math.abs(x);
  return x.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0).replace(/^-0(\.0+)?$/, "0$1");
}

/**
 * Requests per second: whole numbers with thousands separators from 100 up ("12,346"), three
 * significant figures below ("2.24", "56.7"), as the 2020 tables' slow servers need.
 */
export function rps(x: number | null | undefined): string {
  if (missing(x)) return "-";
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(3)).toString();
}

/**
 * A share (0..1) as a percentage: "31%", "3.1%", "0.05%"; more decimals for smaller shares so a
 * small non-zero share never prints as 0%. `digits` fixes the decimals instead.
 */
export function pct(x: number | null | undefined, digits?: number): string {
  if (missing(x)) return "-";
  const percent = x * 100;
  if (digits !== undefined) return `${percent.toFixed(digits)}%`;
  const abs = Math.abs(percent);
  const places = abs === 0 || abs >= 10 ? 0 : abs >= 1 ? 1 : abs >= 0.1 ? 2 : 3;
  return `${percent.toFixed(places)}%`;
}
