/**
 * ApacheBench (`ab`), the 2020 course's tool: a fixed number of requests over HTTP/1.0.
 *
 * Command: `ab -n N -c C [-k] -s T -l -r -q [-i | -m M] [-H h]... [-p|-u file -T type]
 * -e pct.csv URL`.
 *
 * How ab's figures map to a {@link RunResult}:
 * - "Complete requests" counts every request ab finished, including those whose response broke
 *   off ("Receive" failures: refused or reset connections). `completed` is Complete minus
 *   Receive; Receive failures count as `reset`, "Connect" as `connect`, and "Exceptions"
 *   (poll errors, after which ab retries the request) as `other`.
 * - "Length" failures are complete responses whose size differs from the first response: on a
 *   dynamic page that is normal, not a transport failure. The adapter passes `-l` so ab does not
 *   count them; when a report has them anyway they go into `notes`, not `failures`.
 * - "Non-2xx responses" are complete responses and are kept apart from failures. ab reports no
 *   status codes, so `statusCodes` holds `2xx` (completed minus non-2xx) and `non-2xx`.
 * - Latency percentiles come from the `-e` CSV (microsecond resolution, whole percents), the mean
 *   from integrating that curve. p99.9 is not measured: the maximum is given as its upper bound.
 * - ab's `-s` takes whole seconds (the timeout is rounded up); a response timeout makes ab
 *   abort, which surfaces as an error.
 *
 * @module
 */

import { join } from "node:path";
import { readVersion, runTimeoutMs, toolGenerator } from "./adapter.ts";
import { histogramFromQuantiles } from "./histogram.ts";
import { countFailures, deriveRates } from "./rates.ts";
import { parseToolOutput, runTool } from "./run_tool.ts";
import { type LatencyMs, type LoadGenerator, LoadGenError, type ResultParts } from "./types.ts";
import type { ResolvedSpec } from "./validate.ts";

/** The figures of ab's text report. Absent lines read as 0 (or null where noted). */
export interface AbReport {
  /** "Concurrency Level". */
  concurrency: number;
  /** "Time taken for tests", seconds. */
  timeTakenS: number;
  /** "Complete requests". */
  complete: number;
  /** "Failed requests". */
  failed: number;
  /** The breakdown of failed requests. */
  failedConnect: number;
  /** Responses that broke off while being read (refused or reset). */
  failedReceive: number;
  /** Responses whose length differs from the first one. */
  failedLength: number;
  /** Poll errors (ab retries the request). */
  failedExceptions: number;
  /** "Non-2xx responses". */
  non2xx: number;
  /** "Keep-Alive requests". */
  keepAliveRequests: number;
  /** "Total transferred", bytes (headers and bodies). */
  totalTransferred: number;
  /** "HTML transferred", bytes (bodies). */
  htmlTransferred: number;
  /** "Requests per second". */
  requestsPerSec: number;
  /** "Time per request" (mean), ms. */
  timePerRequestMs: number;
  /** "Time per request" (mean, across all concurrent requests), ms. */
  timePerRequestAllMs: number;
  /** "Transfer rate", Kbytes/sec. */
  transferKBps: number;
  /** "Total:" row of "Connection Times (ms)": min, mean, median, max (whole ms), or null. */
  totalMs: { min: number; mean: number; median: number; max: number } | null;
  /** "Percentage of the requests served within a certain time": percent -> whole ms. */
  servedWithinMs: Record<string, number>;
}

/** Reads ab's text report. Throws a {@link LoadGenError} when it is not one. */
export function parseAbReport(text: string): AbReport {
  const num = (label: string, required = false): number => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(text);
    if (!match) {
      if (required) throw new LoadGenError(`ab output has no '${label}' line: not an ab report`);
      return 0;
    }
    return Number(match[1]);
  };
  const breakdown = /\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)/.exec(
    text,
  );
  const perRequest = [...text.matchAll(/^Time per request:\s+([\d.]+) \[ms\]/gm)];
  const total = /^Total:\s+(\d+)\s+(\d+)\s+[\d.]+\s+(\d+)\s+(\d+)/m.exec(text);
  const servedWithinMs: Record<string, number> = {};
  for (const match of text.matchAll(/^\s*(\d+)%\s+(\d+)/gm)) {
    servedWithinMs[match[1] ?? ""] = Number(match[2]);
  }
  return {
    concurrency: num("Concurrency Level", true),
    timeTakenS: num("Time taken for tests", true),
    complete: num("Complete requests", true),
    failed: num("Failed requests", true),
    failedConnect: Number(breakdown?.[1] ?? 0),
    failedReceive: Number(breakdown?.[2] ?? 0),
    failedLength: Number(breakdown?.[3] ?? 0),
    failedExceptions: Number(breakdown?.[4] ?? 0),
    non2xx: num("Non-2xx responses"),
    keepAliveRequests: num("Keep-Alive requests"),
    totalTransferred: num("Total transferred"),
    htmlTransferred: num("HTML transferred"),
    requestsPerSec: num("Requests per second"),
    timePerRequestMs: Number(perRequest[0]?.[1] ?? NaN),
    timePerRequestAllMs: Number(perRequest[1]?.[1] ?? NaN),
    transferKBps: num("Transfer rate"),
    totalMs: total
      ? {
        min: Number(total[1]),
        mean: Number(total[2]),
        median: Number(total[3]),
        max: Number(total[4]),
      }
      : null,
    servedWithinMs,
  };
}

/**
 * Reads the CSV ab writes with `-e`: 101 rows `percent,ms` for 0% to 100%. Returns the latency at
 * each whole percent. Throws a {@link LoadGenError} when rows are missing.
 */
export function parseAbPercentiles(csv: string): number[] {
  const values: number[] = [];
  for (const line of csv.split("\n")) {
    const match = /^(\d+),([\d.]+)\s*$/.exec(line);
    if (match) values[Number(match[1])] = Number(match[2]);
  }
  if (values.length !== 101 || values.some((v) => v === undefined)) {
    throw new LoadGenError("ab's percentile CSV (-e) does not have 101 rows for 0% to 100%");
  }
  return values;
}

/**
 * Turns ab's report (and, when available, its `-e` percentiles) into result parts. Without the
 * CSV, the whole-millisecond figures of the text report are used.
 */
export function abResultParts(report: AbReport, percentiles?: number[]): ResultParts {
  const notes: string[] = [
    "ab speaks HTTP/1.0 (with -k it asks for keep-alive through a Connection header)",
    "ab reports no status codes: statusCodes holds 2xx (completed minus non-2xx) and non-2xx",
  ];
  const completed = Math.max(0, report.complete - report.failedReceive);
  const failures = {
    connect: report.failedConnect,
    timeout: 0,
    reset: report.failedReceive,
    other: report.failedExceptions,
  };
  if (report.failedReceive > 0) {
    notes.push(
      `ab counted ${report.failedReceive} responses that broke off (refused or reset) as ` +
        "complete; they are failures here, and ab's latency figures include them",
    );
  }
  if (report.failedLength > 0) {
    notes.push(
      `ab flagged ${report.failedLength} responses as Length failures (size differs from the ` +
        "first response): on a dynamic page that is normal, so they count as completed",
    );
  }
  let latencyMs: LatencyMs;
  let histogram;
  if (completed === 0) {
    latencyMs = nanLatency();
  } else if (percentiles) {
    latencyMs = {
      mean: meanOfQuantiles(percentiles),
      min: percentiles[0] ?? NaN,
      max: percentiles[100] ?? NaN,
      p50: percentiles[50] ?? NaN,
      p90: percentiles[90] ?? NaN,
      p95: percentiles[95] ?? NaN,
      p99: percentiles[99] ?? NaN,
      p999: percentiles[100] ?? NaN,
    };
    histogram = histogramFromQuantiles(percentiles, completed);
    notes.push(
      "latency from ab's -e percentiles: mean integrated from them, p99.9 is the maximum " +
        "(an upper bound; ab gives whole percents only), histogram buckets hold 1% each",
    );
  } else {
    const within = report.servedWithinMs;
    latencyMs = {
      mean: report.totalMs?.mean ?? NaN,
      min: report.totalMs?.min ?? NaN,
      max: within["100"] ?? report.totalMs?.max ?? NaN,
      p50: within["50"] ?? NaN,
      p90: within["90"] ?? NaN,
      p95: within["95"] ?? NaN,
      p99: within["99"] ?? NaN,
      p999: within["100"] ?? NaN,
    };
    notes.push("latency from ab's text report: whole milliseconds; p99.9 is the maximum");
  }
  // "Time taken" is printed to the millisecond; "Requests per second" (done / time) carries
  // more digits, so the wall time is recovered from it when it can be.
  const wallTimeS = report.requestsPerSec > 0 && report.complete > 0
    ? report.complete / report.requestsPerSec
    : report.timeTakenS;
  const statusCodes: Record<string, number> = {};
  if (completed - report.non2xx > 0) statusCodes["2xx"] = completed - report.non2xx;
  if (report.non2xx > 0) statusCodes["non-2xx"] = report.non2xx;
  return {
    wallTimeS,
    attempted: completed + countFailures(failures),
    completed,
    failures,
    statusCodes,
    non2xx: report.non2xx,
    bytes: report.totalTransferred,
    ...deriveRates(wallTimeS, completed, report.totalTransferred, report.concurrency),
    latencyMs,
    histogram,
    notes,
  };
}

/** The mean of a distribution given by equally spaced quantiles (trapezoid rule). */
function meanOfQuantiles(quantiles: number[]): number {
  let sum = 0;
  for (let i = 1; i < quantiles.length; i++) {
    sum += ((quantiles[i - 1] ?? 0) + (quantiles[i] ?? 0)) / 2;
  }
  return sum / (quantiles.length - 1);
}

function nanLatency(): LatencyMs {
  return { mean: NaN, min: NaN, max: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN };
}

/** Command-line arguments for ab; `csvPath` and `bodyPath` are files the caller provides. */
export function abArgs(spec: ResolvedSpec, csvPath: string, bodyPath?: string): string[] {
  const args = ["-n", String(spec.requests), "-c", String(spec.concurrency)];
  if (spec.keepAlive) args.push("-k");
  args.push("-s", String(Math.max(1, Math.ceil(spec.timeoutS))), "-l", "-r", "-q");
  if (spec.method === "HEAD") args.push("-i");
  else if (spec.method !== "GET" && spec.body === undefined) args.push("-m", spec.method);
  let contentType = "text/plain";
  for (const [name, value] of Object.entries(spec.headers)) {
    if (name.toLowerCase() === "content-type" && spec.body !== undefined) contentType = value;
    else args.push("-H", `${name}: ${value}`);
  }
  if (spec.body !== undefined && bodyPath) {
    args.push(spec.method === "PUT" ? "-u" : "-p", bodyPath, "-T", contentType);
  }
  args.push("-e", csvPath, spec.url);
  return args;
}

/** Options for {@link createAbGenerator}. */
export interface AbOptions {
  /** The ab executable. Defaults to `ab` on PATH. */
  command?: string;
}

/** The ab adapter. */
export function createAbGenerator(options: AbOptions = {}): LoadGenerator {
  const command = options.command ?? "ab";
  return toolGenerator({
    name: "ab",
    readVersion: () => readVersion(command, ["-V"], /Version ([\w.]+)/),
    missing: `ab: command '${command}' not found or gave no version`,
    async runParts(spec, _version, runOptions) {
      const dir = await Deno.makeTempDir({ prefix: "loadgen-ab-" });
      try {
        const csvPath = join(dir, "percentiles.csv");
        let bodyPath: string | undefined;
        if (spec.body !== undefined) {
          bodyPath = join(dir, "body");
          await Deno.writeTextFile(bodyPath, spec.body);
        }
        const output = await runTool("ab", command, abArgs(spec, csvPath, bodyPath), {
          timeoutMs: runTimeoutMs(spec, runOptions),
        });
        return parseToolOutput("ab", output, () => {
          const report = parseAbReport(output.stdout);
          return abResultParts(report, readCsv(csvPath));
        });
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}

function readCsv(path: string): number[] | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  return parseAbPercentiles(text);
}
