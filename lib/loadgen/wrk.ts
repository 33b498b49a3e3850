/**
 * wrk: a timed run over keep-alive HTTP/1.1 connections, with a Lua script
 * (`wrk_summary.lua`) that prints a JSON summary: latency percentiles and recorded values,
 * status counts and errors.
 *
 * Command: `wrk -t T -c C -d Ns --timeout Ns -s wrk_summary.lua [-H h]... URL` with the method
 * and body passed to the script through `LAB_WRK_METHOD` and `LAB_WRK_BODY_FILE`.
 * `keepAlive: false` adds `Connection: close`, so every request opens a new connection.
 *
 * How wrk's figures map to a {@link RunResult}: `requests` (any status) is `completed`; its
 * `status` error counts responses with status >= 400 (they are in `statusCodes` and `non2xx`,
 * not failures); `connect`, `timeout` and `read` (the server closed or reset the connection)
 * are `connect`, `timeout` and `reset`; `write` errors are `other`. wrk stops mid-flight at the
 * end of the duration, so a server can count a few more requests than wrk reports.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readVersion, runTimeoutMs, toolGenerator } from "./adapter.ts";
import { histogramFromValues } from "./histogram.ts";
import { countFailures, countNon2xx, deriveRates } from "./rates.ts";
import { parseToolOutput, runTool } from "./run_tool.ts";
import { type LoadGenerator, LoadGenError, type ResultParts } from "./types.ts";
import type { ResolvedSpec } from "./validate.ts";

/** Path of the Lua script that prints the JSON summary. */
export const WRK_SCRIPT_PATH: string = fileURLToPath(new URL("./wrk_summary.lua", import.meta.url));

/** The marker that starts the script's JSON line on standard output. */
export const WRK_JSON_MARKER = "LAB_WRK_JSON ";

/** What `wrk_summary.lua` prints (times in microseconds). */
export interface WrkSummary {
  /** Run length, microseconds. */
  durationUs: number;
  /** Completed requests (any status). */
  requests: number;
  /** Bytes read (headers and bodies). */
  bytes: number;
  /** wrk's error counters. */
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** Latency statistics, microseconds. */
  latencyUs: {
    min: number;
    max: number;
    mean: number;
    stdev: number;
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    p999: number;
  };
  /** Responses by status code. */
  statusCodes: Record<string, number>;
  /** Every recorded latency value (microseconds) with its count. */
  latencyValuesUs: [number, number][];
}

/** Finds and reads the script's JSON line in wrk's standard output. */
export function parseWrkSummary(stdout: string): WrkSummary {
  const line = stdout.split("\n").find((l) => l.startsWith(WRK_JSON_MARKER));
  if (!line) {
    throw new LoadGenError(
      "wrk printed no JSON summary: was it run with lib/loadgen/wrk_summary.lua (-s)?",
    );
  }
  let summary: WrkSummary;
  try {
    summary = JSON.parse(line.slice(WRK_JSON_MARKER.length));
  } catch (error) {
    throw new LoadGenError(`wrk's JSON summary is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof summary.requests !== "number" || typeof summary.durationUs !== "number") {
    throw new LoadGenError("wrk's JSON summary lacks requests or durationUs");
  }
  return summary;
}

/** Turns wrk's summary into result parts; `concurrency` is the run's connection count. */
export function wrkResultParts(summary: WrkSummary, concurrency: number): ResultParts {
  const wallTimeS = summary.durationUs / 1e6;
  const completed = summary.requests;
  const e = summary.errors;
  const failures = { connect: e.connect, timeout: e.timeout, reset: e.read, other: e.write };
  const statusCodes = { ...summary.statusCodes };
  const non2xx = countNon2xx(statusCodes);
  const ms = (us: number) => (completed > 0 ? us / 1000 : NaN);
  const l = summary.latencyUs;
  const notes = [
    "wrk counts bytes as read from the socket (headers and bodies)",
    "wrk's read errors (connection closed or reset by the server) count as reset",
  ];
  const samples = summary.latencyValuesUs.reduce((sum, [, count]) => sum + count, 0);
  if (samples !== completed) {
    notes.push(
      `wrk recorded ${samples} latency samples for ${completed} responses (it does so with ` +
        "Connection: close); the histogram shows wrk's samples as recorded",
    );
  }
  if (e.timeout > 0) {
    notes.push("wrk counts a request over the timeout as an error even if it completes later");
  }
  return {
    wallTimeS,
    attempted: completed + countFailures(failures),
    completed,
    failures,
    statusCodes,
    non2xx,
    bytes: summary.bytes,
    ...deriveRates(wallTimeS, completed, summary.bytes, concurrency),
    latencyMs: {
      mean: ms(l.mean),
      min: ms(l.min),
      max: ms(l.max),
      p50: ms(l.p50),
      p90: ms(l.p90),
      p95: ms(l.p95),
      p99: ms(l.p99),
      p999: ms(l.p999),
    },
    histogram: histogramFromValues(
      summary.latencyValuesUs.map(([us, count]) => [us / 1000, count] as const),
    ),
    notes,
  };
}

/** Command-line arguments for wrk. */
export function wrkArgs(
  spec: ResolvedSpec,
  threads: number,
  scriptPath = WRK_SCRIPT_PATH,
): string[] {
  const args = [
    "-t",
    String(Math.max(1, Math.min(threads, spec.concurrency))),
    "-c",
    String(spec.concurrency),
    "-d",
    `${spec.durationS}s`,
    "--timeout",
    `${Math.max(1, Math.ceil(spec.timeoutS))}s`,
    "-s",
    scriptPath,
  ];
  const headers = { ...spec.headers };
  if (!spec.keepAlive && !Object.keys(headers).some((h) => h.toLowerCase() === "connection")) {
    headers["Connection"] = "close";
  }
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  args.push(spec.url);
  return args;
}

/** Options for {@link createWrkGenerator}. */
export interface WrkOptions {
  /** The wrk executable. Defaults to `wrk` on PATH. */
  command?: string;
  /** wrk threads. Defaults to the number of CPU cores (never more than the connections). */
  threads?: number;
}

/** The wrk adapter. */
export function createWrkGenerator(options: WrkOptions = {}): LoadGenerator {
  const command = options.command ?? "wrk";
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  return toolGenerator({
    name: "wrk",
    readVersion: () => readVersion(command, ["-v"], /wrk (\S+)/),
    missing: `wrk: command '${command}' not found or gave no version`,
    async runParts(spec, _version, runOptions) {
      const dir = await Deno.makeTempDir({ prefix: "loadgen-wrk-" });
      try {
        const env: Record<string, string> = { LAB_WRK_METHOD: spec.method };
        if (spec.body !== undefined) {
          env.LAB_WRK_BODY_FILE = join(dir, "body");
          await Deno.writeTextFile(env.LAB_WRK_BODY_FILE, spec.body);
        }
        const output = await runTool("wrk", command, wrkArgs(spec, threads), {
          timeoutMs: runTimeoutMs(spec, runOptions),
          env,
        });
        return parseToolOutput(
          "wrk",
          output,
          () => wrkResultParts(parseWrkSummary(output.stdout), spec.concurrency),
        );
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
