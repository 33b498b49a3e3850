/**
 * autocannon from npm, run as its own process under Deno: the generator that needs nothing
 * installed besides Deno.
 *
 * Command: `deno run -A --no-config --no-lock npm:autocannon@8.0.0 -c C (-a N | -d S) -L 1
 * -t T [-m M] [-H k=v]... [-b body] --json URL`. `-a` ends the run after N responses (errors
 * count toward N); `-L 1` samples every millisecond, because autocannon only notices the end of
 * an `-a` run at a sample tick (the default 1 s tick stretched a 20 ms run to 1.02 s).
 *
 * Limits, kept honest: autocannon always keeps connections alive (a spec with keep-alive off is
 * refused: its `Connection: close` and reconnect modes lose responses), has no open-loop mode
 * here, records latency in whole milliseconds, reports no p95 (given as NaN) and does not say
 * what kind of error a failed request met (all go to `other`, except timeouts).
 *
 * @module
 */

import { readVersion, runTimeoutMs, toolGenerator } from "./adapter.ts";
import { deriveRates, tallyStatusCodes } from "./rates.ts";
import { parseToolOutput, runTool } from "./run_tool.ts";
import { type LoadGenerator, LoadGenError, type ResultParts } from "./types.ts";
import type { ResolvedSpec } from "./validate.ts";

/** The npm package autocannon is run from (pinned, as in deno.json). */
export const AUTOCANNON_PACKAGE = "npm:autocannon@8.0.0";

/** The parts of autocannon's `--json` output this adapter reads. */
export interface AutocannonReport {
  /** Run length, seconds (a multiple of the sample interval). */
  duration: number;
  /** Connections. */
  connections: number;
  /** Failed requests (connection errors and timeouts). */
  errors: number;
  /** Requests that timed out. */
  timeouts: number;
  /** Responses with a status outside 200-299. */
  non2xx: number;
  /** Status code -> `{count}`. */
  statusCodeStats: Record<string, { count: number }>;
  /** Latency in whole ms; percentiles are `p50`, `p90`, `p97_5`, `p99`, `p99_9`... */
  latency: Record<string, number>;
  /** Request counters: `total` completed, `sent` attempted. */
  requests: { total: number; sent: number };
  /** Byte counters: `total` received (headers and bodies). */
  throughput: { total: number };
}

/** Reads autocannon's `--json` output. Throws a {@link LoadGenError} when it is not that. */
export function parseAutocannonJson(text: string): AutocannonReport {
  const start = text.indexOf("{");
  if (start < 0) throw new LoadGenError("autocannon printed no JSON result (was --json given?)");
  let data: Partial<AutocannonReport>;
  try {
    data = JSON.parse(text.slice(start));
  } catch (error) {
    throw new LoadGenError(`autocannon output is not JSON: ${(error as Error).message}`);
  }
  if (
    typeof data.duration !== "number" || typeof data.requests?.total !== "number" ||
    typeof data.latency !== "object"
  ) {
    throw new LoadGenError("autocannon JSON lacks duration, requests or latency");
  }
  return data as AutocannonReport;
}

/** Turns autocannon's report into result parts. */
export function autocannonResultParts(report: AutocannonReport): ResultParts {
  const wallTimeS = report.duration;
  const counts = Object.entries(report.statusCodeStats ?? {}).map(([code, { count }]) =>
    [code, count] as const
  );
  const { statusCodes, completed, non2xx } = tallyStatusCodes(Object.fromEntries(counts));
  const failures = {
    connect: 0,
    timeout: report.timeouts ?? 0,
    reset: 0,
    other: Math.max(0, (report.errors ?? 0) - (report.timeouts ?? 0)),
  };
  const l = report.latency;
  const ms = (value: number | undefined) =>
    completed > 0 && typeof value === "number" ? value : NaN;
  const bytes = report.throughput?.total ?? 0;
  return {
    wallTimeS,
    attempted: Math.max(report.requests.sent ?? 0, completed + failures.timeout + failures.other),
    completed,
    failures,
    statusCodes,
    non2xx,
    bytes,
    ...deriveRates(wallTimeS, completed, bytes, report.connections),
    latencyMs: {
      mean: ms(l.mean ?? l.average),
      min: ms(l.min),
      max: ms(l.max),
      p50: ms(l.p50),
      p90: ms(l.p90),
      p95: NaN,
      p99: ms(l.p99),
      p999: ms(l.p99_9),
    },
    notes: [
      "autocannon records latency in whole milliseconds (a sub-ms server reads as 0 or 1 ms)",
      "autocannon reports no p95 (NaN here); its nearest figures are p90 and p97.5",
      "autocannon does not name the kind of a failed request: all but timeouts count as other",
      "autocannon's wall time is a multiple of its 1 ms sample interval",
    ],
  };
}

/** autocannon's arguments after the package name. */
export function autocannonArgs(spec: ResolvedSpec): string[] {
  const args = ["-c", String(spec.concurrency)];
  if (spec.requests !== undefined) args.push("-a", String(spec.requests));
  else args.push("-d", String(spec.durationS));
  args.push("-L", "1", "-t", String(Math.max(1, Math.ceil(spec.timeoutS))));
  if (spec.method !== "GET") args.push("-m", spec.method);
  for (const [name, value] of Object.entries(spec.headers)) args.push("-H", `${name}=${value}`);
  if (spec.body !== undefined) args.push("-b", spec.body);
  args.push("--json", spec.url);
  return args;
}

/** Options for {@link createAutocannonGenerator}. */
export interface AutocannonOptions {
  /** The Deno executable that runs autocannon. Defaults to the running one. */
  deno?: string;
}

/** The autocannon adapter. */
export function createAutocannonGenerator(options: AutocannonOptions = {}): LoadGenerator {
  const deno = options.deno ?? Deno.execPath();
  const base = ["run", "-A", "--no-config", "--no-lock", AUTOCANNON_PACKAGE];
  return toolGenerator({
    name: "autocannon",
    readVersion: () => readVersion(deno, [...base, "--version"], /autocannon v?(\S+)/),
    missing: `autocannon: '${deno} run ${AUTOCANNON_PACKAGE}' did not start; is the npm registry ` +
      "reachable for its first download?",
    async runParts(spec, _version, runOptions) {
      const output = await runTool("autocannon", deno, [...base, ...autocannonArgs(spec)], {
        timeoutMs: runTimeoutMs(spec, runOptions),
      });
      return parseToolOutput(
        "autocannon",
        output,
        () => autocannonResultParts(parseAutocannonJson(output.stdout)),
      );
    },
  });
}
