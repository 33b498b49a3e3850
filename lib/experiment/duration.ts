/**
 * Durations as wrk, oha and k6 write them: `2s`, `500ms`, `1m`, `1h`, `1m30s`; a bare number
 * (`2`, `1.5`) is seconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./lib/experiment/duration.ts";
 * parseDuration("500ms"); // 0.5
 * parseDuration("1m30s"); // 90
 * parseDuration("2"); // 2
 * ```
 *
 * @module
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;
const WHOLE = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h))+$/;
const BARE = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Seconds in `raw` (`2s`, `500ms`, `1m`, `1m30s`, or a bare number of seconds). Throws an Error
 * with a one-line message naming the value and the forms accepted when it is not a duration or
 * not above zero.
 */
export function parseDuration(raw: string | number): number {
  let seconds: number;
  if (typeof raw === "number") {
    seconds = raw;
  } else {
    const text = raw.trim().toLowerCase();
    if (BARE.test(text)) {
      seconds = Number(text);
    } else if (WHOLE.test(text)) {
      seconds = 0;
      for (const [, amount, unit] of text.matchAll(PART)) {
        seconds += Number(amount) * UNIT_SECONDS[unit!]!;
      }
    } else {
      throw new Error(
        `'${raw}' is not a duration: write it like 2s, 500ms, 1m or 1m30s (a bare number is seconds)`,
      );
    }
  }
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`duration '${raw}' must be above zero, e.g. 2s or 500ms`);
  }
  // 0.1 + 0.2 style noise from adding parts: keep microseconds.
  return Math.round(seconds * 1e6) / 1e6;
}

/** `seconds` written back as the shortest of `500ms`, `2s`, `1m`, `1m30s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60 || !Number.isInteger(seconds)) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}

/**
 * {@link parseDuration} for a tool that takes whole seconds (wrk's `-d`): `10s`, `1m`, `5`.
 * Throws a one-line Error naming the value and the fix for `500ms` or `1.5s`, or above `max`.
 */
export function parseWholeSeconds(raw: string | number, max = Infinity): number {
  const seconds = parseDuration(raw);
  if (!Number.isInteger(seconds)) {
    throw new Error(`'${raw}' is ${seconds} s: give whole seconds, e.g. ${Math.ceil(seconds)}s`);
  }
  if (seconds > max) throw new Error(`'${raw}' is above the ${formatDuration(max)} this allows`);
  return seconds;
}
