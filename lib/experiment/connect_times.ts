/**
 * Connection times, request by request: a closed-loop HTTP/1.0 client like `ab` without
 * keep-alive (a new TCP connection per request), that records for every request how long the
 * TCP connect took and how long the whole request took.
 *
 * A load generator's summary hides where time went; a listen backlog that overflows shows up
 * here as connect times of about 1, 3 or 7 s (the kernel dropped the SYN and the client retried
 * after its retransmission timeout). Unlike ab, a request that times out is recorded and the run
 * goes on, so a run against a server that loses connections still ends, with the losses counted.
 *
 * @example
 * ```ts
 * import { measureConnections } from "./lib/experiment/connect_times.ts";
 * const samples = await measureConnections({ url: "http://127.0.0.1:8000/", concurrency: 50, requests: 500 });
 * console.log(Math.max(...samples.map((s) => s.connectMs ?? 0)));
 * ```
 *
 * @module
 */

import { labCall } from "../process/interrupt.ts";
import { isLoopbackHost } from "../loadgen/validate.ts";

/** One request's timing. Times are ms from the start of the run or durations in ms. */
export interface ConnectionSample {
  /** When the request's connection attempt began, ms since the run started. */
  startMs: number;
  /** TCP connect time, ms; null when the connection was not made in time. */
  connectMs: number | null;
  /** Connect plus request plus whole response, ms; null when the request did not finish. */
  totalMs: number | null;
  /** HTTP status, or null when no status line arrived. */
  status: number | null;
  /** Why the request failed (`connect timeout`, `timeout`, `refused`, ...), or null. */
  error: string | null;
}

/** What {@link measureConnections} runs. */
export interface ConnectionRunSpec {
  /** Target URL: `http://` on a loopback address. */
  url: string;
  /** Requests in flight at once, each on its own new connection. */
  concurrency: number;
  /** Total requests. */
  requests: number;
  /** Give up on one request (connect included) after this many ms. Defaults to 10 000. */
  timeoutMs?: number;
}

/** Default per-request timeout of {@link measureConnections}, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function checkSpec(spec: ConnectionRunSpec): URL {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new Error(`'${spec.url}' is not a URL: use e.g. http://127.0.0.1:8000/`);
  }
  if (url.protocol !== "http:") {
    throw new Error(`${spec.url}: only http:// URLs can be measured (no TLS here)`);
  }
  if (!isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""))) {
    throw new Error(`${spec.url}: the target must be on loopback (127.0.0.1, ::1 or localhost)`);
  }
  for (const [name, value] of [["concurrency", spec.concurrency], ["requests", spec.requests]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new Error(`${name} must be a whole number >= 1, got ${value}`);
    }
  }
  const timeout = spec.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(timeout > 0)) throw new Error(`timeoutMs must be a positive number, got ${timeout}`);
  return url;
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
  if (error instanceof Deno.errors.ConnectionReset) return "reset";
  return error instanceof Error ? error.message.split("\n")[0] ?? "error" : String(error);
}

/** Reads the whole response (HTTP/1.0: the server closes the connection) and its status. */
async function readResponse(conn: Deno.Conn): Promise<number | null> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16 * 1024);
  let head = "";
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    if (head.length < 64) head += decoder.decode(buffer.subarray(0, n));
  }
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return match ? Number(match[1]) : null;
}

async function oneRequest(
  url: URL,
  request: Uint8Array,
  timeoutMs: number,
  origin: number,
): Promise<ConnectionSample> {
  const start = performance.now();
  const sample: ConnectionSample = {
    startMs: start - origin,
    connectMs: null,
    totalMs: null,
    status: null,
    error: null,
  };
  let conn: Deno.Conn | null = null;
  let timedOut = false;
  let expire = () => {};
  const deadline = new Promise<null>((resolve) => expire = () => resolve(null));
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn?.close();
    } catch { /* closed already */ }
    expire();
  }, timeoutMs);
  try {
    const connecting = Deno.connect({
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 80),
    });
    conn = await Promise.race([connecting, deadline]);
    if (conn === null) {
      // The connect may still succeed later: close it then, never leak it.
      connecting.then((late) => late.close(), () => {});
      sample.error = "connect timeout";
      return sample;
    }
    sample.connectMs = performance.now() - start;
    await conn.write(request);
    sample.status = await readResponse(conn);
    if (timedOut) {
      sample.error = "timeout";
      sample.status = null;
    } else {
      sample.totalMs = performance.now() - start;
    }
  } catch (error) {
    sample.error = timedOut ? "timeout" : describe(error);
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch { /* closed by the timeout */ }
  }
  return sample;
}

/**
 * Sends `requests` HTTP/1.0 GET requests, `concurrency` at once, each on a new TCP connection,
 * and returns one {@link ConnectionSample} per request in the order they started. Throws a
 * one-line Error for a bad spec; request failures are recorded, not thrown.
 */
export async function measureConnections(spec: ConnectionRunSpec): Promise<ConnectionSample[]> {
  const url = checkSpec(spec);
  // Jupyter's interrupt button stops sending and this call (interrupt.ts).
  return await labCall(
    `connection timing on ${spec.url}`,
    (signal) => connectAll(url, spec, signal),
    { label: `connection timing: ${spec.requests} requests, c=${spec.concurrency}` },
  );
}

async function connectAll(
  url: URL,
  spec: ConnectionRunSpec,
  signal: AbortSignal,
): Promise<ConnectionSample[]> {
  const timeoutMs = spec.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const request = new TextEncoder().encode(
    `GET ${url.pathname}${url.search} HTTP/1.0\r\nHost: ${url.host}\r\n` +
      "User-Agent: concurrency-lab-connect-times\r\n\r\n",
  );
  const samples: ConnectionSample[] = [];
  const origin = performance.now();
  let next = 0;
  const client = async () => {
    while (next < spec.requests && !signal.aborted) {
      next++;
      samples.push(await oneRequest(url, request, timeoutMs, origin));
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, client));
  return samples.sort((a, b) => a.startMs - b.startMs);
}
