/**
 * oha: count or timed runs, and the only adapter with an open-loop rate (`-q` with
 * `--latency-correction`, so queueing delay counts in the latency).
 *
 * Command: `oha --no-tui --output-format json (-n N | -z Tms) -c C [-q R --latency-correction]
 * [--disable-keepalive] -m M [-H h]... [-d body] -t Tms URL`; oha 1.8 and older take `-j`
 * instead of `--output-format json`.
 *
 * How oha's JSON maps to a {@link RunResult}: times are seconds (converted to ms); every object
 * arrives with its keys in string order, so histogram buckets are sorted numerically here.
 * `statusCodeDistribution` sums to `completed`; `errorDistribution` holds transport failures by
 * message, classified by words in the message (connect/refused, timeout, reset/closed/broken
 * pipe, else other). "aborted due to deadline" (requests cut off when a timed run ends) is not a
 * failure: it is counted in `notes`. oha's `totalData` counts bodies only, without headers.
 * A histogram bucket's label is its upper edge (oha labels bucket i with `step * (i + 1)`), and
 * the last bucket also holds everything slower than three times the mean.
 *
 * @module
 */

import { readVersion, runTimeoutMs, toolGenerator } from "./adapter.ts";
import { countFailures, deriveRates, sortNumerically, tallyStatusCodes } from "./rates.ts";
import { parseToolOutput, runTool } from "./run_tool.ts";
import {
  type HistogramBucket,
  type LoadGenerator,
  LoadGenError,
  type ResultParts,
  type TransportFailures,
} from "./types.ts";
import type { ResolvedSpec } from "./validate.ts";

/** The parts of oha's JSON output this adapter reads (times in seconds). */
export interface OhaReport {
  /** Totals. */
  summary: {
    successRate: number;
    total: number;
    slowest: number;
    fastest: number;
    average: number;
    requestsPerSec: number;
    totalData: number;
    sizePerRequest: number | null;
    sizePerSec: number;
  };
  /** Bucket label (seconds, as a string) -> responses. */
  responseTimeHistogram: Record<string, number>;
  /** `p10` ... `p99.99` -> seconds. */
  latencyPercentiles: Record<string, number>;
  /** Status code -> responses. */
  statusCodeDistribution: Record<string, number>;
  /** Error message -> count. */
  errorDistribution: Record<string, number>;
}

/** oha's message for requests cut off at the end of a timed run. */
export const OHA_DEADLINE_MESSAGE = "aborted due to deadline";

/** Reads oha's JSON output. Throws a {@link LoadGenError} when it is not oha's JSON. */
export function parseOhaJson(text: string): OhaReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LoadGenError(`oha output is not JSON: ${(error as Error).message}`);
  }
  const report = data as Partial<OhaReport>;
  if (
    typeof report !== "object" || report === null || typeof report.summary !== "object" ||
    typeof report.summary?.total !== "number"
  ) {
    throw new LoadGenError("oha JSON has no summary.total: not oha's --output-format json");
  }
  return {
    summary: report.summary,
    responseTimeHistogram: report.responseTimeHistogram ?? {},
    latencyPercentiles: report.latencyPercentiles ?? {},
    statusCodeDistribution: report.statusCodeDistribution ?? {},
    errorDistribution: report.errorDistribution ?? {},
  };
}

/** Sorts `[key, value]` entries by the number in the key (oha writes keys in string order). */
export { sortNumerically };

/** Classifies one oha error message; null for the deadline cut-off (not a failure). */
export function classifyOhaError(message: string): keyof TransportFailures | null {
  const m = message.toLowerCase();
  if (m.includes("deadline")) return null;
  if (m.includes("refused") || m.includes("trying to connect") || m.includes("connect error")) {
    return "connect";
  }
  if (m.includes("timeout") || m.includes("timed out")) return "timeout";
  if (m.includes("reset") || m.includes("closed") || m.includes("broken pipe")) return "reset";
  if (m.includes("connect")) return "connect";
  return "other";
}

/** Turns oha's report into result parts; `concurrency` is the run's connection count. */
export function ohaResultParts(report: OhaReport, concurrency: number): ResultParts {
  const s = report.summary;
  const wallTimeS = s.total;
  const { statusCodes, completed, non2xx } = tallyStatusCodes(report.statusCodeDistribution);
  const failures: TransportFailures = { connect: 0, timeout: 0, reset: 0, other: 0 };
  let cutOff = 0;
  for (const [message, n] of Object.entries(report.errorDistribution)) {
    const kind = classifyOhaError(message);
    if (kind === null) cutOff += n;
    else failures[kind] += n;
  }
  const notes = ["oha counts body bytes only (no headers) in bytes"];
  if (cutOff > 0) {
    notes.push(`${cutOff} requests in flight when the time was up were cut off (not failures)`);
  }
  const ms = (seconds: number | undefined) =>
    completed > 0 && typeof seconds === "number" ? seconds * 1000 : NaN;
  const p = report.latencyPercentiles;
  return {
    wallTimeS,
    attempted: completed + countFailures(failures),
    completed,
    failures,
    statusCodes,
    non2xx,
    bytes: s.totalData,
    ...deriveRates(wallTimeS, completed, s.totalData, concurrency),
    latencyMs: {
      mean: ms(s.average),
      min: ms(s.fastest),
      max: ms(s.slowest),
      p50: ms(p.p50),
      p90: ms(p.p90),
      p95: ms(p.p95),
      p99: ms(p.p99),
      p999: ms(p["p99.9"]),
    },
    histogram: ohaHistogram(report.responseTimeHistogram),
    notes,
  };
}

/** oha's histogram in ms, sorted; each bucket runs from the previous label to its own. */
export function ohaHistogram(histogram: Record<string, number>): HistogramBucket[] {
  const entries = sortNumerically(histogram).map(([label, count]) => [Number(label), count]);
  const first = entries[0]?.[0] ?? 0;
  const second = entries[1]?.[0];
  const step = second !== undefined ? second - first : first;
  return entries.map(([upper = 0, count = 0], i) => ({
    fromMs: (i === 0 ? Math.max(0, first - step) : entries[i - 1]?.[0] ?? 0) * 1000,
    toMs: upper * 1000,
    count,
  }));
}

/** True when this oha version takes `--output-format json` (1.9 and later) rather than `-j`. */
export function ohaHasOutputFormat(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map((part) => parseInt(part, 10));
  return major > 1 || (major === 1 && minor >= 9);
}

/** Command-line arguments for oha `version`. */
export function ohaArgs(spec: ResolvedSpec, version: string): string[] {
  const args = ["--no-tui"];
  args.push(...(ohaHasOutputFormat(version) ? ["--output-format", "json"] : ["-j"]));
  if (spec.requests !== undefined) args.push("-n", String(spec.requests));
  else args.push("-z", `${Math.round((spec.durationS ?? 0) * 1000)}ms`);
  args.push("-c", String(spec.concurrency));
  if (spec.rate !== undefined) args.push("-q", String(spec.rate), "--latency-correction");
  if (!spec.keepAlive) args.push("--disable-keepalive");
  args.push("-m", spec.method);
  for (const [name, value] of Object.entries(spec.headers)) args.push("-H", `${name}: ${value}`);
  if (spec.body !== undefined) args.push("-d", spec.body);
  args.push("-t", `${Math.round(spec.timeoutS * 1000)}ms`, spec.url);
  return args;
}

/** Options for {@link createOhaGenerator}. */
export interface OhaOptions {
  /** The oha executable. Defaults to `oha` on PATH. */
  command?: string;
}

/** The oha adapter. */
export function createOhaGenerator(options: OhaOptions = {}): LoadGenerator {
  const command = options.command ?? "oha";
  return toolGenerator({
    name: "oha",
    readVersion: () => readVersion(command, ["--version"], /oha (\S+)/),
    missing: `oha: command '${command}' not found or gave no version`,
    async runParts(spec, version, runOptions) {
      const output = await runTool("oha", command, ohaArgs(spec, version), {
        timeoutMs: runTimeoutMs(spec, runOptions),
      });
      return parseToolOutput(
        "oha",
        output,
        () => ohaResultParts(parseOhaJson(output.stdout), spec.concurrency),
      );
    },
  });
}
