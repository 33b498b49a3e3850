/**
 * One measured run as a flat row: what is written to disk and becomes one DataFrame row.
 *
 * @module
 */

import type { ColumnKind } from "./frame.ts";
import type { RunResult } from "../loadgen/types.ts";

/** A flat row per measured run. Latency figures are `null` when no request completed. */
export interface RunRecord {
  /** Experiment name (usually the results folder's name). */
  experiment: string;
  /** Target name, e.g. `async`, `threads`, or a label for a URL. */
  target: string;
  /** Request path and query, e.g. `/` or `/io?ms=20`. */
  path: string;
  /** Connections at once. */
  concurrency: number;
  /** Repeat number, 1-based (the warm-up run is not recorded). */
  repeat: number;
  /** HTTP keep-alive on or off. */
  keepAlive: boolean;
  /** Load generator name. */
  generator: string;
  /** Load generator version string. */
  generatorVersion: string;
  /** Requests asked for, or null for a duration-based run. */
  requestsAsked: number | null;
  /** Run length asked for in seconds, or null for a count-based run. */
  durationS: number | null;
  /** When the run started, ISO 8601. */
  startedAt: string;
  /** Wall time as the tool measured it, seconds. */
  wallTimeS: number;
  /** Requests started (completed + failed). */
  attempted: number;
  /** Requests that got a full response (any status). */
  completed: number;
  /** Transport failures of every kind (no full response). */
  failed: number;
  /** Connection failures. */
  failConnect: number;
  /** Timeouts. */
  failTimeout: number;
  /** Connection resets. */
  failReset: number;
  /** Other transport failures. */
  failOther: number;
  /** Responses whose status is not 2xx. */
  non2xx: number;
  /** Responses by status code, as a JSON object string, e.g. `{"200":1000}`. */
  statusCodes: string;
  /** Bytes received. */
  bytes: number;
  /** Completed requests per second. */
  requestsPerSec: number;
  /** Received KB (1024 bytes) per second. */
  transferKBps: number;
  /** Mean latency, ms. */
  latMeanMs: number | null;
  /** Fastest response, ms. */
  latMinMs: number | null;
  /** Slowest response, ms. */
  latMaxMs: number | null;
  /** Median latency, ms. */
  p50Ms: number | null;
  /** 90th percentile latency, ms. */
  p90Ms: number | null;
  /** 95th percentile latency, ms. */
  p95Ms: number | null;
  /** 99th percentile latency, ms. */
  p99Ms: number | null;
  /** 99.9th percentile latency, ms. */
  p999Ms: number | null;
  /** ab's "Time per request (mean)", ms. */
  timePerRequestMs: number;
  /** ab's "Time per request (mean, across all concurrent requests)", ms. */
  timePerRequestAllMs: number;
  /** The run's warnings joined with "; ", empty when clean. */
  warnings: string;
  /** Latency histogram as a JSON array of `[fromMs, toMs, count]` triples, `[]` when none. */
  histogram: string;
  /**
   * User plus system CPU seconds of the load generator's processes, or null when not measured
   * (not Linux, Locust, or a results file older than this column).
   */
  generatorCpuS: number | null;
  /** The generator's CPU as a percent of one core (100 = one full core), or null. */
  generatorCpuPercent: number | null;
}

/**
 * The column kind of every {@link RunRecord} field, in column order (files and DataFrames): the
 * one list of the record's columns.
 */
export const RUN_RECORD_SCHEMA: Readonly<Record<keyof RunRecord, ColumnKind>> = {
  experiment: "str",
  target: "str",
  path: "str",
  concurrency: "i64",
  repeat: "i64",
  keepAlive: "bool",
  generator: "str",
  generatorVersion: "str",
  requestsAsked: "f64",
  durationS: "f64",
  startedAt: "str",
  wallTimeS: "f64",
  attempted: "i64",
  completed: "i64",
  failed: "i64",
  failConnect: "i64",
  failTimeout: "i64",
  failReset: "i64",
  failOther: "i64",
  non2xx: "i64",
  statusCodes: "str",
  bytes: "i64",
  requestsPerSec: "f64",
  transferKBps: "f64",
  latMeanMs: "f64",
  latMinMs: "f64",
  latMaxMs: "f64",
  p50Ms: "f64",
  p90Ms: "f64",
  p95Ms: "f64",
  p99Ms: "f64",
  p999Ms: "f64",
  timePerRequestMs: "f64",
  timePerRequestAllMs: "f64",
  warnings: "str",
  histogram: "str",
  generatorCpuS: "f64",
  generatorCpuPercent: "f64",
};

/** Column order of a {@link RunRecord} in files and DataFrames. */
export const RUN_RECORD_COLUMNS: readonly (keyof RunRecord)[] = Object.keys(
  RUN_RECORD_SCHEMA,
) as (keyof RunRecord)[];

/**
 * Columns that results files written before they existed lack; such records load with null
 * there.
 */
export const LATER_RUN_RECORD_COLUMNS: readonly (keyof RunRecord)[] = [
  "generatorCpuS",
  "generatorCpuPercent",
];

/** What a run record needs beyond the {@link RunResult}. */
export interface RunMeta {
  /** Experiment name. */
  experiment: string;
  /** Target name. */
  target: string;
  /** Request path. */
  path: string;
  /** Repeat number, 1-based. */
  repeat: number;
  /** When the run started, ISO 8601; defaults to now. */
  startedAt?: string;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/**
 * Flattens a load generator's result into a {@link RunRecord}.
 *
 * Throws an Error with a one-line message when the meta data is unusable.
 */
export function toRunRecord(result: RunResult, meta: RunMeta): RunRecord {
  for (const key of ["experiment", "target", "path"] as const) {
    if (typeof meta[key] !== "string" || meta[key].trim() === "") {
      throw new Error(`toRunRecord: meta.${key} must be a non-empty string, got '${meta[key]}'`);
    }
  }
  if (!Number.isInteger(meta.repeat) || meta.repeat < 1) {
    throw new Error(`toRunRecord: meta.repeat is 1-based: pass 1, 2, 3..., got ${meta.repeat}`);
  }
  const startedAt = meta.startedAt ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(startedAt))) {
    throw new Error(`toRunRecord: meta.startedAt must be an ISO date, got '${startedAt}'`);
  }
  const { failures, latencyMs: lat, spec } = result;
  const completed = result.completed;
  const latency = (value: number) => completed > 0 ? finiteOrNull(value) : null;
  return {
    experiment: meta.experiment,
    target: meta.target,
    path: meta.path,
    concurrency: spec.concurrency,
    repeat: meta.repeat,
    keepAlive: spec.keepAlive ?? false,
    generator: result.generator,
    generatorVersion: result.generatorVersion,
    requestsAsked: spec.requests ?? null,
    durationS: spec.durationS ?? null,
    startedAt,
    wallTimeS: finiteOrZero(result.wallTimeS),
    attempted: result.attempted,
    completed,
    failed: failures.connect + failures.timeout + failures.reset + failures.other,
    failConnect: failures.connect,
    failTimeout: failures.timeout,
    failReset: failures.reset,
    failOther: failures.other,
    non2xx: result.non2xx,
    statusCodes: JSON.stringify(result.statusCodes),
    bytes: result.bytes,
    requestsPerSec: finiteOrZero(result.requestsPerSec),
    transferKBps: finiteOrZero(result.transferKBps),
    latMeanMs: latency(lat.mean),
    latMinMs: latency(lat.min),
    latMaxMs: latency(lat.max),
    p50Ms: latency(lat.p50),
    p90Ms: latency(lat.p90),
    p95Ms: latency(lat.p95),
    p99Ms: latency(lat.p99),
    p999Ms: latency(lat.p999),
    timePerRequestMs: finiteOrZero(result.timePerRequestMs),
    timePerRequestAllMs: finiteOrZero(result.timePerRequestAllMs),
    warnings: result.warnings.join("; "),
    histogram: JSON.stringify((result.histogram ?? []).map((b) => [b.fromMs, b.toMs, b.count])),
    generatorCpuS: finiteOrNull(result.generatorCpuS ?? NaN),
    generatorCpuPercent: finiteOrNull(result.generatorCpuPercent ?? NaN),
  };
}
