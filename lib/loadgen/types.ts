/**
 * The one interface every load generator (oha, ab, wrk, autocannon) is driven through.
 *
 * @module
 */

/** Names of the supported load generators. */
export type GeneratorName = "oha" | "wrk" | "ab" | "autocannon" | "locust";

/** What to run: one load test. Exactly one of `requests` and `durationS` is set. */
export interface RunSpec {
  /** Target URL: loopback, or a host listed in `allowHosts`. */
  url: string;
  /** Total requests to send (a count-based run). */
  requests?: number;
  /** Run length in seconds (a duration-based run). */
  durationS?: number;
  /** Connections (clients) at once. */
  concurrency: number;
  /** Reuse connections (HTTP keep-alive). Defaults to false, like ab. */
  keepAlive?: boolean;
  /** HTTP method. Defaults to GET. */
  method?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Request body. */
  body?: string;
  /** Per-request timeout in seconds. Defaults to 30. */
  timeoutS?: number;
  /** Target rate in requests per second (open loop), for generators that can. */
  rate?: number;
  /**
   * An explicit opt-in to load a target that is not loopback: literal private IPv4 addresses
   * (10.x, 172.16-31.x, 192.168.x) of networks the lab made itself, such as its network
   * namespaces. Names and public addresses are refused even when listed (`target_hosts.ts`).
   */
  allowHosts?: string[];
}

/** Latency figures in milliseconds. */
export interface LatencyMs {
  /** Mean over all responses. */
  mean: number;
  /** Fastest response. */
  min: number;
  /** Slowest response. */
  max: number;
  /** Median: half the responses took at most this long. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
}

/** One bucket of a latency histogram. */
export interface HistogramBucket {
  /** Bucket start, ms. */
  fromMs: number;
  /** Bucket end, ms. */
  toMs: number;
  /** Responses in the bucket. */
  count: number;
}

/** Transport failures by kind. */
export interface TransportFailures {
  /** Connections that could not be made (refused, unreachable). */
  connect: number;
  /** Requests that got no response within the tool's timeout. */
  timeout: number;
  /** Connections the server reset or closed mid-request. */
  reset: number;
  /** Anything else the tool reported (read/write errors, ab's length mismatches...). */
  other: number;
}

/** The normalized, honest result of one run, whichever tool produced it. */
export interface RunResult {
  /** Tool that ran. */
  generator: GeneratorName;
  /** Its version string. */
  generatorVersion: string;
  /** What was asked for. */
  spec: RunSpec;
  /** Wall time of the test as the tool measured it, seconds. */
  wallTimeS: number;
  /** Requests started (completed + failed). */
  attempted: number;
  /** Requests that got a full response (any status). */
  completed: number;
  /** Transport failures (no full response). */
  failures: TransportFailures;
  /** Responses by HTTP status code, e.g. `{ "200": 998, "404": 2 }`. */
  statusCodes: Record<string, number>;
  /** Responses whose status is not 2xx. */
  non2xx: number;
  /** Bytes received (headers and bodies, as the tool counts them). */
  bytes: number;
  /** Completed requests per second. */
  requestsPerSec: number;
  /** Received KB (1024 bytes) per second. */
  transferKBps: number;
  /** Latency of completed requests. */
  latencyMs: LatencyMs;
  /** ab's "Time per request (mean)": concurrency * wall time / completed, ms. */
  timePerRequestMs: number;
  /** ab's "Time per request (mean, across all concurrent requests)": wall time / completed, ms. */
  timePerRequestAllMs: number;
  /** Latency histogram when the tool gives per-request data or buckets. */
  histogram?: HistogramBucket[];
  /**
   * User plus system CPU seconds of the generator's processes during the run; undefined where
   * it cannot be measured (not Linux, or Locust).
   */
  generatorCpuS?: number;
  /**
   * The generator's CPU seconds per wall second of its process, times 100: 100 is one full
   * core. Near 100 for a single-threaded tool (ab, wrk -t1) means the generator, not the server,
   * may have set the pace.
   */
  generatorCpuPercent?: number;
  /** Loud problems: non-2xx, failures, fewer completed than asked. Empty when clean. */
  warnings: string[];
  /** Other remarks about how the figures were made (rounding, corrections). */
  notes: string[];
}

/** The figures a parser reads from a tool's output: a {@link RunResult} without the run's identity. */
export type ResultParts = Omit<RunResult, "generator" | "generatorVersion" | "spec" | "warnings">;

/** How one run is bounded. */
export interface RunOptions {
  /**
   * Kill the tool when the whole run takes longer than this, seconds. Defaults to the duration
   * plus a margin for timed runs, and 600 s for count-based runs.
   */
  runTimeoutS?: number;
  /** Do not print warnings to standard error (they are still in `warnings`). */
  quiet?: boolean;
}

/** A generator adapter. */
export interface LoadGenerator {
  /** Tool name. */
  name: GeneratorName;
  /** The version, or null when the tool is not installed. */
  version(): Promise<string | null>;
  /**
   * Runs one load test. Throws a `RunSpecError` (validate.ts) for a spec the tool cannot run,
   * before anything is spawned, and a {@link LoadGenError} when the tool fails.
   */
  run(spec: RunSpec, options?: RunOptions): Promise<RunResult>;
}

/** A load generator failed: the message names the tool and the cause, `stderrTail` its output. */
export class LoadGenError extends Error {
  /** Always `"LoadGenError"`. */
  override name = "LoadGenError";
  /** Creates an error; `stderrTail` is the end of the tool's standard error, if any. */
  constructor(message: string, readonly stderrTail = "") {
    super(stderrTail ? `${message}\n${stderrTail}` : message);
  }
}
