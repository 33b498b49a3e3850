/**
 * Checks before and after a run: a bad spec is refused before anything is spawned, and a result
 * with error responses, transport failures or missing requests is flagged loudly.
 *
 * @module
 */

import { RunSpecError } from "./spec_error.ts";
import { checkAllowHosts, checkTargetHost } from "./target_hosts.ts";
import type { GeneratorName, RunResult, RunSpec } from "./types.ts";

export { RunSpecError } from "./spec_error.ts";
export { isLoopbackHost } from "./target_hosts.ts";

/** Per-request timeout used when a spec gives none, seconds. */
export const DEFAULT_TIMEOUT_S = 30;

/** A spec with every default filled in and the URL normalized (`http://h:p` gets its `/`). */
export interface ResolvedSpec extends RunSpec {
  /** Normalized URL. */
  url: string;
  /** Keep-alive on or off. */
  keepAlive: boolean;
  /** Upper-case HTTP method. */
  method: string;
  /** Request headers (possibly empty). */
  headers: Record<string, string>;
  /** Per-request timeout, seconds. */
  timeoutS: number;
}

/**
 * Checks `spec` for any generator and, when `generator` is given, for that tool's limits.
 * Returns the spec with defaults filled in; throws a {@link RunSpecError} with a one-line
 * message naming the problem and the fix.
 */
export function validateSpec(spec: RunSpec, generator?: GeneratorName): ResolvedSpec {
  if (typeof spec !== "object" || spec === null) {
    throw new RunSpecError("run spec must be an object like {url, requests, concurrency}");
  }
  if (spec.allowHosts !== undefined) checkAllowHosts(spec.allowHosts);
  const url = checkUrl(spec.url, spec.allowHosts ?? []);
  checkWhole("concurrency", spec.concurrency, 1);
  const hasRequests = spec.requests !== undefined;
  const hasDuration = spec.durationS !== undefined;
  if (hasRequests && hasDuration) {
    throw new RunSpecError(
      "give either requests or durationS, not both: a run is count-based or time-based",
    );
  }
  if (!hasRequests && !hasDuration) {
    throw new RunSpecError("give requests (a count) or durationS (seconds): the run has no end");
  }
  if (hasRequests) checkWhole("requests", spec.requests, 1);
  if (hasDuration) checkPositive("durationS", spec.durationS);
  if (spec.timeoutS !== undefined) checkPositive("timeoutS", spec.timeoutS);
  if (spec.rate !== undefined) checkPositive("rate", spec.rate);
  const method = (spec.method ?? "GET").toUpperCase();
  if (!/^[A-Z]{1,20}$/.test(method)) {
    throw new RunSpecError(`method must be a word like GET or POST, got '${spec.method}'`);
  }
  const headers = checkHeaders(spec.headers ?? {});
  if (spec.body !== undefined && typeof spec.body !== "string") {
    throw new RunSpecError("body must be a string");
  }
  const resolved: ResolvedSpec = {
    ...spec,
    url,
    keepAlive: spec.keepAlive ?? false,
    method,
    headers,
    timeoutS: spec.timeoutS ?? DEFAULT_TIMEOUT_S,
  };
  if (generator) checkForGenerator(resolved, generator);
  return resolved;
}

function checkForGenerator(spec: ResolvedSpec, generator: GeneratorName): void {
  if (spec.rate !== undefined && generator !== "oha") {
    throw new RunSpecError(
      `${generator} cannot send at a fixed rate (open loop): drop rate, or use oha ` +
        "(-q with --latency-correction)",
    );
  }
  if (generator === "ab") {
    if (spec.durationS !== undefined) {
      throw new RunSpecError(
        "ab runs a fixed number of requests: set requests (bench: --requests) instead of a " +
          "duration (or use wrk, oha or autocannon for a timed run)",
      );
    }
    if ((spec.requests ?? 0) < spec.concurrency) {
      throw new RunSpecError(
        `ab refuses a concurrency (${spec.concurrency}) above the request count ` +
          `(${spec.requests}): raise requests or lower concurrency`,
      );
    }
    if (spec.body !== undefined && spec.method !== "POST" && spec.method !== "PUT") {
      throw new RunSpecError(
        `ab sends a body only with POST or PUT, not ${spec.method}: change the method or drop body`,
      );
    }
  }
  if (generator === "wrk") {
    if (spec.durationS === undefined) {
      throw new RunSpecError(
        "wrk runs for a duration and has no request-count mode: set durationS (bench: " +
          "--duration 10s) instead of requests (or use ab, oha or autocannon for a count)",
      );
    }
    if (!Number.isInteger(spec.durationS)) {
      throw new RunSpecError(
        `wrk takes whole seconds, got ${spec.durationS} s: round it, e.g. ` +
          `${Math.max(1, Math.round(spec.durationS))}s (bench: --duration)`,
      );
    }
  }
  if (generator === "autocannon" && !spec.keepAlive) {
    throw new RunSpecError(
      "autocannon always keeps connections alive (its Connection: close and reconnect modes " +
        "miscount responses): set keepAlive: true (bench: --keep-alive), or use ab, wrk or oha " +
        "for a new connection per request",
    );
  }
}

function checkUrl(raw: unknown, allowHosts: readonly string[]): string {
  if (typeof raw !== "string" || raw === "") {
    throw new RunSpecError("url is missing: give a URL like http://127.0.0.1:45000/");
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RunSpecError(`invalid URL '${raw}': give a full URL like http://127.0.0.1:45000/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RunSpecError(`URL '${raw}' must start with http:// or https://`);
  }
  checkTargetHost(url.hostname, allowHosts);
  if (url.username || url.password) {
    throw new RunSpecError("URL must not carry a user name or password: use a header instead");
  }
  url.hash = "";
  return url.href;
}

function checkWhole(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RunSpecError(`${name} must be a whole number of at least ${min}, got ${value}`);
  }
}

function checkPositive(name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RunSpecError(`${name} must be a number above 0, got ${value}`);
  }
}

function checkHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    throw new RunSpecError('headers must be an object like {"accept": "text/plain"}');
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new RunSpecError(`header name '${name}' is not a valid HTTP token: fix its spelling`);
    }
    if (typeof value !== "string" || /[\r\n]/.test(value)) {
      throw new RunSpecError(`header '${name}' must be a one-line string`);
    }
    result[name] = value;
  }
  return result;
}

/** Options for {@link flagResult}. */
export interface FlagOptions {
  /** Print one loud line per warning to standard error. Defaults to true. */
  print?: boolean;
}

/**
 * Fills `result.warnings` (replacing what was there) for non-2xx responses, transport failures,
 * fewer completed requests than asked for, and runs where nothing completed. Prints one line per
 * warning to standard error unless `print` is false. Returns the same result object.
 */
export function flagResult(result: RunResult, options: FlagOptions = {}): RunResult {
  const warnings: string[] = [];
  const who = `${result.generator} on ${result.spec.url}`;
  if (result.completed === 0) {
    warnings.push(`${who}: no request completed; every figure of this run is meaningless`);
  }
  if (result.non2xx > 0) {
    const codes = Object.entries(result.statusCodes)
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, n]) => `${code}: ${n}`)
      .join(", ");
    warnings.push(
      `${who}: ${result.non2xx} of ${result.completed} responses were not 2xx` +
        `${codes ? ` (${codes})` : ""}; the figures measure error responses`,
    );
  }
  const f = result.failures;
  const failed = f.connect + f.timeout + f.reset + f.other;
  if (failed > 0) {
    warnings.push(
      `${who}: ${failed} transport failures (connect ${f.connect}, timeout ${f.timeout}, ` +
        `reset ${f.reset}, other ${f.other})`,
    );
  }
  const asked = result.spec.requests;
  if (asked !== undefined && result.completed < asked) {
    warnings.push(`${who}: only ${result.completed} of ${asked} requests completed`);
  }
  result.warnings = warnings;
  if (options.print ?? true) {
    for (const warning of warnings) console.error(`!! LOAD TEST WARNING: ${warning}`);
  }
  return result;
}
