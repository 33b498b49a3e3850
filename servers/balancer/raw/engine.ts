/**
 * The raw engine: the balancer's client side as its own HTTP/1.1 server over `Deno.listen`.
 *
 * Per request it reads the head (and a body up to {@link REQUEST_BUFFER_BYTES}) into one buffer,
 * checks the framing strictly (see `request_head.ts`), picks a backend, writes the rewritten head
 * and body to a pooled keep-alive backend connection in one write, and writes the response head
 * and body to the client in one write. No `Request`, `Response` or `Headers` objects, no streams
 * for small messages: that is what makes it faster than the `Deno.serve` engine.
 *
 * A plain bodiless HTTP/1.1 request head takes a byte-level fast path (`simple_request_head.ts`):
 * it is copied as bytes, with pre-encoded `X-Forwarded-*` and `host` lines, instead of being
 * decoded to text, parsed and rebuilt; its output is byte for byte the strict path's. A backend's
 * response head is parsed where it lies by `../response_head.ts` (the parser both engines use)
 * and its lines copied to the client (`client_head.ts`). The hot path awaits the socket
 * operations themselves, with no wrapper promises.
 *
 * When a backend fails, the retry policy of `../retry.ts` decides, as for the readable engine.
 * A request that cannot be framed unambiguously is answered 400 (or 413, 414, 431, 505) and the
 * connection is closed; it never reaches a backend. A connection waiting longer than the idle
 * timeout for its next complete request head is closed.
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import { copyBytes, equalsBytes } from "../bytes.ts";
import { closeQuietly, isConnectionError } from "../connection_errors.ts";
import { ConnectionClosedError, type Http1Connection } from "../http1_connection.ts";
import { HttpError } from "../http_error.ts";
import type { ConnectionPool } from "../pool.ts";
import { emptyResponseHead, parseResponseHead } from "../response_head.ts";
import { type Failure, forwardWithRetries, isRepeatable, unfinishedResponse } from "../retry.ts";
import type { Strategy } from "../strategies.ts";
import {
  type BackendLines,
  type Client,
  jsonResponse,
  lingerClose,
  type Outgoing,
  writeAll,
  writeError,
} from "./client.ts";
import type { RequestLimits } from "./limits.ts";
import { ReadBuffer } from "./read_buffer.ts";
import { readRequestBody, withoutBody } from "./request_body.ts";
import { findHeadEnd, parseRequestHead, type RequestHead } from "./request_head.ts";
import { planResponse, streamResponse, writeHeadToScratch } from "./response_writer.ts";
import { copySimpleRequestHead, SIMPLE_HEAD_SLACK } from "./simple_request_head.ts";

/** Response bodies up to this size are sent to the client with their head in one write. */
const ONE_WRITE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

const decoder = new TextDecoder();

const STATS_TARGET = encoder.encode("/lb/stats");

/** What the raw engine needs. */
export interface RawEngineOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Share the port with other listeners (SO_REUSEPORT). */
  reusePort?: boolean;
  /** Backends in configured order. */
  backends: readonly Backend[];
  /** One pool per backend, same order. */
  pools: readonly ConnectionPool[];
  /** Picks a backend. */
  strategy: Strategy;
  /** Time a backend has to send its response head, ms. */
  timeoutMs: number;
  /** Time a client connection may wait for its next complete request head, ms. */
  idleTimeoutMs: number;
  /** Request size limits. */
  limits: RequestLimits;
  /** Called with one line per proxied request (`--log`). */
  log?: (line: string) => void;
  /** Answers `GET /lb/stats`. */
  stats: () => unknown;
}

/** A running raw engine. */
export interface RawEngine {
  /** Bound address. */
  addr: Deno.NetAddr;
  /** Resolves when stopped. */
  finished: Promise<void>;
  /** Stops accepting, closes every client connection, and waits for their tasks. */
  shutdown(): Promise<void>;
}

/** Starts the raw engine. */
export function startRawEngine(options: RawEngineOptions): RawEngine {
  // `reusePort` is in the unstable net API (enabled in deno.json), not in the stable types.
  const listenOptions: Deno.TcpListenOptions & { reusePort?: boolean } = {
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort,
  };
  const listener = Deno.listen(listenOptions);
  const clients = new Set<Client>();
  const lines: BackendLines = {
    host: options.backends.map((backend) => encoder.encode(`host: ${backend.label}\r\n\r\n`)),
    backend: options.backends.map((backend) => encoder.encode(`x-backend: ${backend.label}\r\n`)),
  };
  const tasks = new Set<Promise<void>>();
  const tick = Math.max(
    10,
    Math.min(
      1000,
      Math.floor(
        Math.min(options.idleTimeoutMs, options.timeoutMs) / 4,
      ),
    ),
  );
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const client of clients) {
      if (client.deadline !== 0 && client.deadline <= now) {
        client.deadline = 0;
        closeQuietly(client.conn);
      }
      if (client.upstream && client.upstreamDeadline <= now) {
        client.timedOut = true;
        client.upstream.close();
        client.upstream = null;
      }
    }
  }, tick);

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return;
        }
        continue;
      }
      const client: Client = {
        conn,
        deadline: 0,
        upstream: null,
        upstreamDeadline: 0,
        timedOut: false,
        scratch: new Uint8Array(8192),
        requestScratch: new Uint8Array(4096),
        forwardedFor: encoder.encode(
          `x-forwarded-for: ${(conn.remoteAddr as Deno.NetAddr).hostname}\r\n` +
            "x-forwarded-proto: http\r\n",
        ),
        simpleRequest: { method: "", targetStart: 0, targetEnd: 0 },
        response: emptyResponseHead(),
        plan: { body: "none", connection: null, keepOpen: true },
      };
      clients.add(client);
      const task = serveClient(client, options, lines).finally(() => {
        clients.delete(client);
        tasks.delete(task);
      });
      tasks.add(task);
    }
  })();

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      closeQuietly(listener);
      await accepting;
      for (const client of clients) closeQuietly(client.conn);
      await Promise.all([...tasks]);
      clearInterval(sweeper);
    })();
    return stopping;
  };
  const finished = accepting.then(() => stopping).then(() => {});
  return { addr: listener.addr, finished, shutdown };
}

/** Serves one client connection until it closes, breaks, times out or sends bad framing. */
async function serveClient(
  client: Client,
  options: RawEngineOptions,
  lines: BackendLines,
): Promise<void> {
  const { conn } = client;
  const input = new ReadBuffer(conn);
  const { limits } = options;
  let linger = false;
  try {
    for (;;) {
      client.deadline = Date.now() + options.idleTimeoutMs;
      // Skip the empty lines RFC 9112 section 2.2 lets a server ignore before a request line.
      let headEnd = -1;
      let scanned = 0; // bytes after input.start already checked (fill may move the data)
      for (;;) {
        while (
          input.start + 1 < input.end && input.bytes[input.start] === 13 &&
          input.bytes[input.start + 1] === 10
        ) {
          input.start += 2;
          scanned = 0;
        }
        if (input.length > 0 && !(input.length === 1 && input.bytes[input.start] === 13)) {
          const from = input.start + scanned;
          headEnd = findHeadEnd(input.bytes, input.start, from, input.end, limits);
          if (headEnd >= 0) break;
          scanned = input.length - 1;
        }
        let more: boolean;
        try {
          more = input.commit(await conn.read(input.room()));
        } catch {
          more = false;
        }
        if (!more) {
          if (input.length > 0 && client.deadline !== 0) {
            throw new HttpError(400, "connection ended in the middle of a request head");
          }
          return;
        }
      }
      let outgoing = takeRequestHead(client, input, headEnd, options);
      const head = outgoing.head;
      client.deadline = 0;
      if (head.method === "GET" && head.target === "/lb/stats") {
        await writeAll(client, jsonResponse(options.stats(), head.close));
        if (head.close) return;
        continue;
      }
      if (outgoing.headLength < 0) outgoing = await readRequestBody(client, input, head, options);
      // The first attempt is made here rather than in `proxy`, one async call less per request.
      const backend = options.strategy(options.backends);
      let keepOpen: boolean;
      if (backend) {
        if (options.log) logRequest(client, head, backend, options.log);
        const result = await forward(client, outgoing, backend, options, lines);
        keepOpen = typeof result === "boolean"
          ? result
          : await proxy(client, outgoing, options, lines, { backend, failure: result });
      } else {
        keepOpen = await proxy(client, outgoing, options, lines);
      }
      if (!keepOpen || head.close) {
        linger = true;
        return;
      }
    }
  } catch (error) {
    if (error instanceof HttpError) {
      linger = true;
      await writeError(client, error.status, error.message).catch(() => {});
    }
  } finally {
    client.deadline = 0;
    if (linger) await lingerClose(client);
    closeQuietly(conn);
  }
}

/**
 * Takes the request head in `input` up to `headEnd` and prepares it for forwarding: by the fast
 * path when the head is simple, else parsed strictly (throws an {@link HttpError} when it cannot
 * be forwarded). A request whose body is still to be read comes back with `headLength` -1.
 */
function takeRequestHead(
  client: Client,
  input: ReadBuffer,
  headEnd: number,
  options: RawEngineOptions,
): Outgoing {
  const simple = client.simpleRequest;
  const room = headEnd - input.start + client.forwardedFor.length + SIMPLE_HEAD_SLACK;
  if (client.requestScratch.length < room) client.requestScratch = new Uint8Array(room + 4096);
  const simpleLength = copySimpleRequestHead(
    input.bytes,
    input.start,
    headEnd,
    options.limits,
    client.forwardedFor,
    client.requestScratch,
    simple,
  );
  if (simpleLength < 0) {
    const text = decoder.decode(input.bytes.subarray(input.start, headEnd));
    input.start = headEnd;
    const head = parseRequestHead(text, options.limits);
    if (head.chunked || head.contentLength) {
      return { head, headLength: -1, body: null, stream: null };
    }
    return withoutBody(client, head);
  }
  const isStats = simple.method === "GET" &&
    equalsBytes(input.bytes, simple.targetStart, simple.targetEnd, STATS_TARGET);
  const head: RequestHead = {
    method: simple.method,
    target: isStats || options.log
      ? decoder.decode(input.bytes.subarray(simple.targetStart, simple.targetEnd))
      : "",
    minor: 1,
    headers: "",
    host: null,
    forwardedFor: null,
    contentLength: null,
    chunked: false,
    close: false,
    expectContinue: false,
  };
  input.start = headEnd;
  return { head, headLength: simpleLength, body: null, stream: null };
}

/**
 * Forwards one request (trying further backends by the retry policy, after `first` when the
 * first attempt was made already) and writes the response or the balancer's refusal. Returns
 * whether the client connection may carry another request.
 */
async function proxy(
  client: Client,
  outgoing: Outgoing,
  options: RawEngineOptions,
  lines: BackendLines,
  first?: { backend: Backend; failure: Failure },
): Promise<boolean> {
  const { head } = outgoing;
  const streaming = outgoing.stream !== null;
  const result = await forwardWithRetries({
    backends: options.backends,
    strategy: options.strategy,
    method: head.method,
    repeatable: isRepeatable(head.method, outgoing.body !== null || streaming),
    timeoutMs: options.timeoutMs,
    attempt: (backend) => {
      if (options.log) logRequest(client, head, backend, options.log);
      return forward(client, outgoing, backend, options, lines);
    },
    first,
  });
  if (typeof result === "boolean") return result;
  // After a streamed body the next request's start is unknown: the connection ends.
  const close = result.status === 504 || head.close || streaming;
  await writeError(client, result.status, result.message, close);
  return !streaming;
}

/** Logs one proxied request (`--log`), like the 2020 `lb.py`. */
function logRequest(
  client: Client,
  head: RequestHead,
  backend: Backend,
  log: (line: string) => void,
): void {
  const from = client.conn.remoteAddr as Deno.NetAddr;
  log(
    `request from ${from.hostname}:${from.port} ${head.method} ${head.target} -> ${backend.label}`,
  );
}

/**
 * One attempt on one backend: whether the client connection stays open, or why it failed.
 *
 * Three steps: take a pooled connection (or open one); send the request and wait for the
 * response head; write the response to the client — head and body in one write in the common
 * case, else through {@link streamResponse}. The steps stay in one function on purpose: each
 * awaited helper would add a promise per request on the hot path.
 */
async function forward(
  client: Client,
  outgoing: Outgoing,
  backend: Backend,
  options: RawEngineOptions,
  lines: BackendLines,
): Promise<boolean | Failure> {
  const index = options.backends.indexOf(backend);
  const pool = options.pools[index]!;
  backend.requests++;
  backend.inFlight++;
  // 1. A connection.
  let upstream: Http1Connection;
  try {
    upstream = pool.takeIdle() ?? await pool.acquire();
  } catch {
    backend.inFlight--;
    backend.markDown();
    pool.drain();
    return "connect";
  }
  // 2. The request out, the response head in.
  const request = requestBytes(client, outgoing, lines.host[index]!);
  client.upstream = upstream;
  client.upstreamDeadline = Date.now() + options.timeoutMs;
  client.timedOut = false;
  let bodySent = true;
  /** Sends the rest of a large body; resolves to the error that stopped it, if any. */
  let streaming: Promise<unknown> | null = null;
  const response = client.response;
  let headEnd: number;
  try {
    if (outgoing.stream) {
      bodySent = false;
      await upstream.write(request);
      streaming = outgoing.stream(upstream).then(() => {
        bodySent = true;
      }, (error) => {
        upstream.close();
        return error;
      });
    } else {
      // Awaited, so the scratch buffer is free again afterwards; a failed write fails the read.
      try {
        const n = await upstream.writeSome(request);
        if (n < request.length) await upstream.write(request.subarray(n));
      } catch {
        upstream.close();
      }
    }
    headEnd = upstream.findHeadEnd();
    while (headEnd < 0) {
      if (!upstream.received(await upstream.readMore())) {
        throw new ConnectionClosedError(
          upstream.end > upstream.start
            ? "backend closed mid-head"
            : "backend closed the connection",
        );
      }
      headEnd = upstream.findHeadEnd();
    }
    parseResponseHead(upstream.bytes, upstream.start, upstream.start + headEnd, response);
    if (response.status === 101) throw new Error("backend switched protocols unasked");
  } catch (error) {
    return await abandon(client, upstream, backend, streaming, error);
  }

  // 3. The response to the client.
  const plan = planResponse(outgoing.head, response, client.plan);
  const length = plan.body === "sized" ? response.contentLength! : 0;
  const oneWrite = length <= ONE_WRITE_BYTES && (plan.body === "sized" || plan.body === "none");
  const headLength = writeHeadToScratch(
    client,
    upstream,
    headEnd,
    lines.backend[index]!,
    oneWrite ? length : 0,
  );
  upstream.consume(headEnd);
  let keepOpen = false;
  if (oneWrite) {
    // The common case: the whole body is read, then head and body go out in one write.
    let complete = true;
    try {
      while (upstream.end - upstream.start < length) {
        if (!upstream.received(await upstream.readMore())) {
          complete = false;
          break;
        }
      }
    } catch {
      complete = false;
    }
    if (complete && length > 0) {
      copyBytes(
        upstream.bytes,
        upstream.start,
        upstream.start + length,
        client.scratch,
        headLength,
      );
      upstream.consume(length);
    }
    client.upstream = null;
    backend.inFlight--;
    pool.release(upstream, complete && bodySent && !response.close);
    if (complete) {
      try {
        const out = client.scratch.subarray(0, headLength + length);
        const n = await client.conn.write(out);
        if (n < out.length) await writeAll(client, out.subarray(n));
        keepOpen = plan.keepOpen;
      } catch { /* the client went away */ }
    } else {
      // The body broke off before anything reached the client: answer for the backend.
      backend.failures++;
      const refusal = unfinishedResponse(backend, client.timedOut, options.timeoutMs);
      await writeError(client, refusal.status, refusal.message).catch(() => {});
    }
  } else {
    const complete = await streamResponse(client, plan, headLength, upstream);
    backend.inFlight--;
    pool.release(upstream, complete && bodySent && !response.close);
    keepOpen = complete && plan.keepOpen;
  }
  if (streaming && !bodySent) {
    // The backend answered before the whole body was sent: where the next request starts is
    // unknown, so the client connection ends here.
    closeQuietly(client.conn);
    await streaming;
    return false;
  }
  return keepOpen;
}

/** The request for one attempt in the client's request buffer: head, Host line, buffered body. */
function requestBytes(client: Client, outgoing: Outgoing, hostLine: Uint8Array): Uint8Array {
  const body = outgoing.body;
  const headSize = outgoing.headLength + hostLine.length;
  const size = headSize + (body?.length ?? 0);
  if (client.requestScratch.length < size) {
    const grown = new Uint8Array(size + 4096);
    grown.set(client.requestScratch.subarray(0, outgoing.headLength));
    client.requestScratch = grown;
  }
  const request = client.requestScratch.subarray(0, size);
  request.set(hostLine, outgoing.headLength);
  if (body) request.set(body, headSize);
  return request;
}

/**
 * Ends an attempt that got no usable response head because of `error`: closes the backend
 * connection, counts the failure, and says why for the retry policy. When a large request body
 * was being streamed, the client connection ends too, and a client's bad chunked framing is
 * rethrown (it becomes a 400, not a backend failure).
 */
async function abandon(
  client: Client,
  upstream: Http1Connection,
  backend: Backend,
  streaming: Promise<unknown> | null,
  error: unknown,
): Promise<Failure> {
  client.upstream = null;
  upstream.close();
  backend.inFlight--;
  backend.failures++;
  if (streaming) {
    closeQuietly(client.conn);
    const streamError = await streaming;
    if (streamError instanceof HttpError) throw streamError;
  }
  if (client.timedOut) return "timeout";
  return error instanceof ConnectionClosedError || isConnectionError(error)
    ? "no-response"
    : "broken";
}
