/**
 * The HTTP reverse proxy: picks a backend, forwards the request over a pooled keep-alive
 * connection, and streams the response back.
 *
 * This is the readable engine: `Deno.serve` hands it a `Request`, it answers a `Response`. When
 * a backend fails, `retry.ts` decides whether the request moves to the next backend or the client
 * gets 502, 503 or 504.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { ChunkedDecoder } from "./chunked_decoder.ts";
import {
  ConnectionClosedError,
  type Http1Connection,
  type ReceivedHead,
} from "./http1_connection.ts";
import { isConnectionError } from "./connection_errors.ts";
import { droppedHeaders, REQUEST_NOT_COPIED } from "./hop_headers.ts";
import type { ConnectionPool } from "./pool.ts";
import {
  type Failure,
  forwardWithRetries,
  isRepeatable,
  Refusal,
  unfinishedResponse,
} from "./retry.ts";
import type { Strategy } from "./strategies.ts";

/** Response bodies up to this size (with a `content-length`) are read whole, then sent. */
export const BUFFER_LIMIT = 256 * 1024;
/** Largest chunk handed on when streaming a body. */
const STREAM_CHUNK = 64 * 1024;

/** What the proxy needs. */
export interface ProxyOptions {
  /** Backends in configured order. */
  backends: readonly Backend[];
  /** One pool per backend, same order. */
  pools: readonly ConnectionPool[];
  /** Picks a backend. */
  strategy: Strategy;
  /** Time allowed for a backend to send its response head, ms. */
  timeoutMs: number;
  /** Called with one line per proxied request (`--log`). */
  log?: (line: string) => void;
  /** Answers `GET /lb/stats`. */
  stats: () => unknown;
}

const encoder = new TextEncoder();

/** The proxy: a `Deno.serve` handler and a way to stop its timers. */
export interface Proxy {
  /** Answers one request. */
  handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response>;
  /** Stops the timeout sweep (call after the server has stopped). */
  close(): void;
}

/** One exchange waiting for a response head, watched by the timeout sweep. */
interface Waiting {
  connection: Http1Connection;
  deadline: number;
  timedOut: boolean;
}

/** Creates the proxy. */
export function createProxy(options: ProxyOptions): Proxy {
  const { backends, pools, strategy, timeoutMs, log } = options;
  const poolOf = new Map(backends.map((backend, i) => [backend, pools[i]!]));
  const waiting = new Set<Waiting>();
  const sweepMs = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
  let sweeper: ReturnType<typeof setInterval> | undefined;

  /** Closes the connections whose deadline passed; one timer for all requests. */
  const sweep = () => {
    const now = Date.now();
    for (const entry of waiting) {
      if (entry.deadline <= now) {
        entry.timedOut = true;
        waiting.delete(entry);
        entry.connection.close();
      }
    }
    if (waiting.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const watch = (connection: Http1Connection): Waiting => {
    const entry = { connection, deadline: Date.now() + timeoutMs, timedOut: false };
    waiting.add(entry);
    sweeper ??= setInterval(sweep, sweepMs);
    return entry;
  };

  /** One attempt on one backend: a Response, or why there is none. */
  async function forward(
    request: Request,
    backend: Backend,
    head: Uint8Array,
    body: ReadableStream<Uint8Array> | null,
    chunked: boolean,
  ): Promise<Response | Failure> {
    const pool = poolOf.get(backend)!;
    backend.requests++;
    backend.inFlight++;
    let connection: Http1Connection;
    try {
      connection = await pool.acquire();
    } catch {
      backend.inFlight--;
      backend.markDown();
      pool.drain();
      return "connect";
    }
    const timer = watch(connection);
    let bodyDone = true;
    let response: ReceivedHead;
    try {
      if (body !== null) {
        bodyDone = false;
        await connection.write(head);
        writeBody(connection, body, chunked).then(() => bodyDone = true, () => connection.close());
        response = await connection.readHead();
      } else {
        response = await connection.exchange(head);
      }
    } catch (error) {
      waiting.delete(timer);
      connection.close();
      backend.inFlight--;
      backend.failures++;
      if (timer.timedOut) return "timeout";
      return error instanceof ConnectionClosedError || isConnectionError(error)
        ? "no-response"
        : "broken";
    }

    const method = request.method;
    const headers = responseHeaders(response, backend.label);
    let settled = false;
    const finish = (reusable: boolean) => {
      if (settled) return;
      settled = true;
      waiting.delete(timer);
      backend.inFlight--;
      pool.release(connection, reusable && bodyDone && !response.close);
    };
    const init = { status: response.status, headers };
    const status = response.status;
    if (method === "HEAD" || status === 204 || status === 304 || status === 101) {
      finish(status !== 101);
      if (response.contentLength !== null && method === "HEAD") {
        headers.push(["content-length", String(response.contentLength)]);
      }
      return new Response(null, init);
    }
    if (
      !response.chunked && response.contentLength !== null &&
      response.contentLength <= BUFFER_LIMIT
    ) {
      try {
        const bytes = await connection.readExactly(response.contentLength);
        finish(true);
        return new Response(bytes, init);
      } catch {
        finish(false);
        backend.failures++;
        const refusal = unfinishedResponse(backend, timer.timedOut, timeoutMs);
        return plain(refusal.status, `${refusal.message}\n`);
      }
    }
    waiting.delete(timer);
    if (response.contentLength !== null && !response.chunked) {
      headers.push(["content-length", String(response.contentLength)]);
    }
    return new Response(bodyStream(connection, response, finish), init);
  }

  async function handle(
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> {
    const url = request.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const method = request.method;
    if (target === "/lb/stats" && method === "GET") return Response.json(options.stats());
    const client = info.remoteAddr;
    const { text, hasBody, chunked } = requestHead(request, target, client.hostname);
    const body = hasBody ? request.body : null;
    const result = await forwardWithRetries({
      backends,
      strategy,
      method,
      repeatable: isRepeatable(method, body !== null),
      timeoutMs,
      attempt: (backend) => {
        log?.(
          `request from ${client.hostname}:${client.port} ${method} ${target} -> ${backend.label}`,
        );
        const head = encoder.encode(`${text}host: ${backend.label}\r\n\r\n`);
        return forward(request, backend, head, body, chunked);
      },
    });
    return result instanceof Refusal ? plain(result.status, `${result.message}\n`) : result;
  }

  return {
    handle,
    close() {
      clearInterval(sweeper);
      sweeper = undefined;
      waiting.clear();
    },
  };
}

function plain(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The request head without the Host line and final blank line: request line, end-to-end headers,
 * `x-forwarded-*`, and the body framing. A request with neither `content-length` nor
 * `transfer-encoding` has no body (RFC 9112 section 6.3).
 */
function requestHead(
  request: Request,
  target: string,
  clientAddress: string,
): { text: string; hasBody: boolean; chunked: boolean } {
  let text = `${request.method} ${target} HTTP/1.1\r\n`;
  let connection: string | null = null;
  let forwardedFor: string | null = null;
  let host: string | null = null;
  let length: string | null = null;
  let encoding: string | null = null;
  const kept: [string, string][] = [];
  for (const pair of request.headers) {
    const name = pair[0];
    switch (name) {
      case "connection":
        connection = pair[1];
        break;
      case "x-forwarded-for":
        forwardedFor = pair[1];
        break;
      case "host":
        host = pair[1];
        break;
      case "content-length":
        length = pair[1];
        break;
      case "transfer-encoding":
        encoding = pair[1];
        break;
      default:
        if (!REQUEST_NOT_COPIED.has(name)) kept.push(pair);
    }
  }
  const dropped = connection === null ? null : droppedHeaders(connection);
  for (const [name, value] of kept) {
    if (dropped === null || !dropped.has(name)) text += `${name}: ${value}\r\n`;
  }
  text += `x-forwarded-for: ${forwardedFor ? `${forwardedFor}, ` : ""}${clientAddress}\r\n` +
    "x-forwarded-proto: http\r\n";
  if (host !== null) text += `x-forwarded-host: ${host}\r\n`;
  const sized = length !== null && /^\d+$/.test(length);
  const hasBody = (sized && length !== "0") || encoding !== null;
  if (sized) text += `content-length: ${length}\r\n`;
  else if (hasBody) text += "transfer-encoding: chunked\r\n";
  return { text, hasBody, chunked: hasBody && !sized };
}

/**
 * Response headers to send on: the backend's end-to-end ones except `date` (`Deno.serve` sets its
 * own), and `x-backend`.
 */
function responseHeaders(head: ReceivedHead, label: string): [string, string][] {
  const out: [string, string][] = [];
  for (const pair of head.headers) {
    if (pair[0] !== "date") out.push(pair);
  }
  out.push(["x-backend", label]);
  return out;
}

/** Streams a response body from the backend, chunked or sized or up to the close. */
function bodyStream(
  connection: Http1Connection,
  head: ReceivedHead,
  finish: (reusable: boolean) => void,
): ReadableStream<Uint8Array> {
  const next = head.chunked ? nextChunk(connection) : nextPiece(connection, head.contentLength);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await next();
        if (chunk) return controller.enqueue(chunk);
        finish(head.contentLength !== null || head.chunked);
        controller.close();
      } catch (error) {
        finish(false);
        controller.error(error);
      }
    },
    cancel() {
      finish(false);
    },
  });
}

/** Reads a body of `length` bytes (null: up to the close) piece by piece; null at its end. */
function nextPiece(
  connection: Http1Connection,
  length: number | null,
): () => Promise<Uint8Array | null> {
  let remaining = length ?? Infinity;
  return async () => {
    if (remaining === 0) return null;
    const piece = await connection.readSome(Math.min(remaining, STREAM_CHUNK));
    if (piece === null) {
      if (remaining === Infinity) return null;
      throw new ConnectionClosedError("backend closed mid-body");
    }
    remaining -= piece.length;
    return piece;
  };
}

/** Reads a chunked body with the strict decoder both engines use; null after the last chunk. */
function nextChunk(connection: Http1Connection): () => Promise<Uint8Array | null> {
  const chunks = new ChunkedDecoder(Number.MAX_SAFE_INTEGER);
  return async () => {
    for (;;) {
      if (chunks.done) return null;
      const buffered = connection.buffered();
      let data: Uint8Array | null = null;
      connection.consume(chunks.decode(buffered, 0, buffered.length, (piece) => {
        if (data === null) {
          data = piece.slice();
        } else {
          const joined = new Uint8Array(data.length + piece.length);
          joined.set(data);
          joined.set(piece, data.length);
          data = joined;
        }
      }));
      if (data !== null) return data;
      if (!chunks.done && !(await connection.fill())) {
        throw new ConnectionClosedError("backend closed mid-chunk");
      }
    }
  };
}

/** Streams a request body to the backend, as is or in chunked coding. */
async function writeBody(
  connection: Http1Connection,
  body: ReadableStream<Uint8Array>,
  chunked: boolean,
): Promise<void> {
  for await (const chunk of body) {
    if (chunk.length === 0) continue;
    if (chunked) await connection.write(encoder.encode(`${chunk.length.toString(16)}\r\n`));
    await connection.write(chunk);
    if (chunked) await connection.write(encoder.encode("\r\n"));
  }
  if (chunked) await connection.write(encoder.encode("0\r\n\r\n"));
}
