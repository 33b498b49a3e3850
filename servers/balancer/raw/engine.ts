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
import { ChunkedDecoder } from "../chunked_decoder.ts";
import { closeQuietly, isConnectionError } from "../connection_errors.ts";
import { ConnectionClosedError, type Http1Connection } from "../http1_connection.ts";
import { HttpError } from "../http_error.ts";
import { REQUEST_BUFFER_BYTES, type RequestLimits } from "./limits.ts";
import type { ConnectionPool } from "../pool.ts";
import { ReadBuffer } from "./read_buffer.ts";
import {
  findHeadEnd,
  forwardedHeadText,
  parseRequestHead,
  type RequestHead,
} from "./request_head.ts";
import { emptyResponseHead, parseResponseHead, type ResponseHead } from "../response_head.ts";
import { clientHeadRoom, writeClientHead } from "./client_head.ts";
import {
  copySimpleRequestHead,
  SIMPLE_HEAD_SLACK,
  type SimpleRequestHead,
} from "./simple_request_head.ts";
import type { Strategy } from "../strategies.ts";
import { type Failure, forwardWithRetries, isRepeatable, unfinishedResponse } from "../retry.ts";

/** Response bodies up to this size are sent to the client with their head in one write. */
const ONE_WRITE_BYTES = 64 * 1024;
/** Time a closing connection may keep sending before it is cut, ms. */
const LINGER_MS = 2000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const CONNECTION_CLOSE = encoder.encode("connection: close\r\n");
const CONNECTION_KEEP_ALIVE = encoder.encode("connection: keep-alive\r\n");
const STATS_TARGET = encoder.encode("/lb/stats");
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

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

/** One client connection and the deadlines the sweep watches. */
interface Client {
  conn: Deno.TcpConn;
  /** When the connection is closed unless it makes progress (ms since epoch); 0: no deadline. */
  deadline: number;
  /** The backend connection waiting for a response head, if any. */
  upstream: Http1Connection | null;
  /** When `upstream` is closed for a 504. */
  upstreamDeadline: number;
  /** Whether the sweep closed `upstream`. */
  timedOut: boolean;
  /** Reusable output buffer (only touched between awaited writes). */
  scratch: Uint8Array;
  /**
   * Reusable buffer for requests to backends (only touched between awaited writes): the head
   * without its Host line first, then per attempt the Host line and the body.
   */
  requestScratch: Uint8Array;
  /** The pre-encoded `x-forwarded-for` and `x-forwarded-proto` lines for this client. */
  forwardedFor: Uint8Array;
  /** What the request fast path found last. */
  simpleRequest: SimpleRequestHead;
  /** The backend's response head, parsed in place (reused for every response). */
  response: ResponseHead;
  /** How the current response is framed for the client (reused). */
  plan: ResponsePlan;
}

/** Pre-encoded lines per backend, in configured order. */
interface BackendLines {
  /** `host: label` and the blank line ending a request head. */
  host: Uint8Array[];
  /** `x-backend: label`. */
  backend: Uint8Array[];
}

/** A forwarded request: its head (without the Host line) in the client's request buffer. */
interface Outgoing {
  head: RequestHead;
  /** Bytes of the head at the start of `client.requestScratch`; -1 until the body is read. */
  headLength: number;
  /** The whole body when it was buffered, else null (then `stream` sends it). */
  body: Uint8Array | null;
  /** Sends the rest of a body too large to buffer, after the head. */
  stream: ((upstream: Http1Connection) => Promise<void>) | null;
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

/** Writes `text` (ASCII) to the start of the client's request buffer; returns its length. */
function writeHeadText(client: Client, text: string): number {
  if (client.requestScratch.length < text.length) {
    client.requestScratch = new Uint8Array(text.length + 4096);
  }
  return encoder.encodeInto(text, client.requestScratch).written;
}

/** The head text to forward for `head`, without Host and framing lines. */
function forwardedText(client: Client, head: RequestHead): string {
  return forwardedHeadText(head, (client.conn.remoteAddr as Deno.NetAddr).hostname);
}

/** A request without a body (no `Content-Length`, or 0, and not chunked). */
function withoutBody(client: Client, head: RequestHead): Outgoing {
  let text = forwardedText(client, head);
  if (head.contentLength === 0) text += "content-length: 0\r\n";
  return { head, headLength: writeHeadText(client, text), body: null, stream: null };
}

/**
 * Reads the request body into memory when it is small enough (so bad chunked framing is refused
 * before anything is sent), or prepares to stream a larger one.
 */
async function readRequestBody(
  client: Client,
  input: ReadBuffer,
  head: RequestHead,
  options: RawEngineOptions,
): Promise<Outgoing> {
  const { limits } = options;
  let text = forwardedText(client, head);
  const length = head.contentLength;
  if (!head.chunked && !length) return withoutBody(client, head);
  if (head.expectContinue && input.length === 0) await writeAll(client, CONTINUE);
  const progress = () => client.deadline = Date.now() + options.idleTimeoutMs;
  const more = async (what: string) => {
    progress();
    let ok: boolean;
    try {
      ok = await input.fill();
    } catch {
      ok = false;
    }
    if (!ok) throw new HttpError(400, `connection ended in the middle of ${what}`);
    client.deadline = 0;
  };

  if (length !== null) {
    text += `content-length: ${length}\r\n`;
    if (length <= REQUEST_BUFFER_BYTES) {
      while (input.length < length) await more("the request body");
      const body = input.bytes.slice(input.start, input.start + length);
      input.start += length;
      return { head, headLength: writeHeadText(client, text), body, stream: null };
    }
    const stream = async (upstream: Http1Connection) => {
      let left = length;
      while (left > 0) {
        if (input.length === 0) await more("the request body");
        const take = Math.min(left, input.length);
        await upstream.write(input.bytes.subarray(input.start, input.start + take));
        input.start += take;
        left -= take;
      }
    };
    return { head, headLength: writeHeadText(client, text), body: null, stream };
  }

  text += "transfer-encoding: chunked\r\n";
  const decoderState = new ChunkedDecoder(limits.maxBodyBytes);
  const pieces: Uint8Array[] = [];
  let size = 0;
  const collect = (piece: Uint8Array) => {
    pieces.push(piece.slice());
    size += piece.length;
  };
  for (;;) {
    input.start = decoderState.decode(input.bytes, input.start, input.end, collect);
    if (decoderState.done) {
      return {
        head,
        headLength: writeHeadText(client, text),
        body: chunk(pieces, size, true),
        stream: null,
      };
    }
    if (size > REQUEST_BUFFER_BYTES) break;
    await more("a chunked request body");
  }
  const first = chunk(pieces, size, false);
  const stream = async (upstream: Http1Connection) => {
    await upstream.write(first);
    for (;;) {
      const out: Uint8Array[] = [];
      let outSize = 0;
      input.start = decoderState.decode(input.bytes, input.start, input.end, (piece) => {
        out.push(piece.slice());
        outSize += piece.length;
      });
      if (outSize > 0) await upstream.write(chunk(out, outSize, false));
      if (decoderState.done) break;
      await more("a chunked request body");
    }
    await upstream.write(LAST_CHUNK);
  };
  return { head, headLength: writeHeadText(client, text), body: null, stream };
}

/** One chunk holding `pieces` (none when empty), and the last chunk when `last`. */
function chunk(pieces: Uint8Array[], size: number, last: boolean): Uint8Array {
  const sizeLine = size > 0 ? `${size.toString(16)}\r\n` : "";
  const out = new Uint8Array(sizeLine.length + size + (size > 0 ? 2 : 0) + (last ? 5 : 0));
  let at = encoder.encodeInto(sizeLine, out).written;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  if (size > 0) at += encoder.encodeInto("\r\n", out.subarray(at)).written;
  if (last) out.set(LAST_CHUNK, at);
  return out;
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

/** How the client gets a response: its body framing and connection handling. */
interface ResponsePlan {
  /**
   * The body as the client gets it: none, `Content-Length`, chunked as received, chunked
   * decoded (for an HTTP/1.0 client) or up to the close.
   */
  body: "none" | "sized" | "chunked" | "dechunked" | "until-close";
  /** The `connection` line for the client, or null. */
  connection: Uint8Array | null;
  /** Whether the client connection may carry another request afterwards. */
  keepOpen: boolean;
}

/** Decides how `response` to `request` is framed for the client, in `plan`, and returns it. */
function planResponse(
  request: RequestHead,
  response: ResponseHead,
  plan: ResponsePlan,
): ResponsePlan {
  const status = response.status;
  if (request.method === "HEAD" || status === 204 || status === 304 || status < 200) {
    plan.body = "none";
  } else if (response.chunked) plan.body = request.minor === 1 ? "chunked" : "dechunked";
  else if (response.contentLength !== null) plan.body = "sized";
  else plan.body = "until-close";
  plan.keepOpen = !request.close && plan.body !== "until-close" && plan.body !== "dechunked";
  plan.connection = !plan.keepOpen
    ? CONNECTION_CLOSE
    : request.minor === 0
    ? CONNECTION_KEEP_ALIVE
    : null;
  return plan;
}

/**
 * Writes the client's response head to the start of its scratch buffer, with room for
 * `bodyRoom` bytes after it; returns the head's length.
 */
function writeHeadToScratch(
  client: Client,
  upstream: Http1Connection,
  headEnd: number,
  backendLine: Uint8Array,
  bodyRoom: number,
): number {
  const response = client.response;
  const plan = client.plan;
  const room = clientHeadRoom(response, upstream.start + headEnd, backendLine, plan.connection) +
    bodyRoom;
  if (client.scratch.length < room) client.scratch = new Uint8Array(room + 8192);
  return writeClientHead(
    upstream.bytes,
    response,
    client.scratch,
    0,
    backendLine,
    plan.connection,
    response.status === 204 ? null : response.contentLength,
    plan.body === "chunked",
  );
}

/**
 * Writes a response too large for one write, chunked or close-delimited: the head (in the
 * client's scratch buffer), then the body as it arrives. Returns whether the whole body was
 * passed on and the backend connection can be reused.
 */
async function streamResponse(
  client: Client,
  plan: ResponsePlan,
  headLength: number,
  upstream: Http1Connection,
): Promise<boolean> {
  client.upstream = null; // the response has begun: no 504 from here on
  try {
    await writeAll(client, client.scratch.subarray(0, headLength));
    switch (plan.body) {
      case "sized":
        await copySizedBody(client, upstream, client.response.contentLength!);
        return true;
      case "chunked":
      case "dechunked":
        await copyChunkedBody(client, upstream, plan.body === "chunked");
        return true;
      default:
        await copyUntilClose(client, upstream);
        return false;
    }
  } catch {
    return false;
  }
}

/** Passes `length` body bytes from the backend to the client as they arrive. */
async function copySizedBody(
  client: Client,
  upstream: Http1Connection,
  length: number,
): Promise<void> {
  for (let left = length; left > 0;) {
    if (upstream.buffered().length === 0 && !(await upstream.fill())) {
      throw new ConnectionClosedError("backend closed mid-body");
    }
    const piece = upstream.buffered();
    const take = Math.min(left, piece.length);
    await writeAll(client, piece.subarray(0, take));
    upstream.consume(take);
    left -= take;
  }
}

/**
 * Passes a chunked body on, decoded and checked, then chunked again (`rechunk`) or plain (for an
 * HTTP/1.0 client, whose connection then ends).
 */
async function copyChunkedBody(
  client: Client,
  upstream: Http1Connection,
  rechunk: boolean,
): Promise<void> {
  const chunks = new ChunkedDecoder(Number.MAX_SAFE_INTEGER);
  for (;;) {
    const pieces: Uint8Array[] = [];
    let size = 0;
    const buffered = upstream.buffered();
    const used = chunks.decode(buffered, 0, buffered.length, (piece) => {
      pieces.push(piece.slice());
      size += piece.length;
    });
    upstream.consume(used);
    if (size > 0 || chunks.done) {
      const out = rechunk ? chunk(pieces, size, chunks.done) : concat(pieces, size);
      if (out.length > 0) await writeAll(client, out);
    }
    if (chunks.done) return;
    if (!(await upstream.fill())) throw new ConnectionClosedError("backend closed mid-chunk");
  }
}

/** Passes a body delimited by the backend closing the connection on until that close. */
async function copyUntilClose(client: Client, upstream: Http1Connection): Promise<void> {
  for (;;) {
    const piece = upstream.buffered();
    if (piece.length > 0) {
      await writeAll(client, piece);
      upstream.consume(piece.length);
    }
    if (!(await upstream.fill())) return;
  }
}

/** `head` and `body` in one array: the client's scratch buffer, grown when needed. */
function encodeWith(client: Client, head: string, body: Uint8Array | null): Uint8Array {
  const bodyLength = body?.length ?? 0;
  const need = head.length * 3 + bodyLength;
  if (client.scratch.length < need) client.scratch = new Uint8Array(Math.max(need, 8192));
  const written = encoder.encodeInto(head, client.scratch).written;
  if (body) client.scratch.set(body, written);
  return client.scratch.subarray(0, written + bodyLength);
}

function concat(pieces: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** Writes all of `bytes` to the client. */
async function writeAll(client: Client, bytes: Uint8Array): Promise<void> {
  for (
    let n = await client.conn.write(bytes);
    n < bytes.length;
    n += await client.conn.write(bytes.subarray(n))
  ) {
    // Partial write: the rest follows.
  }
}

/** Writes a plain-text error response; `close` adds `connection: close`. */
async function writeError(
  client: Client,
  status: number,
  message: string,
  close = true,
): Promise<void> {
  const body = encoder.encode(`${message}\n`);
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
    "content-type: text/plain; charset=utf-8\r\n" +
    `content-length: ${body.length}\r\n${close ? "connection: close\r\n" : ""}\r\n`;
  await writeAll(client, encodeWith(client, head, body));
}

function jsonResponse(value: unknown, close: boolean): Uint8Array {
  const body = encoder.encode(JSON.stringify(value));
  const head = encoder.encode(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
      `${close ? "connection: close\r\n" : ""}\r\n`,
  );
  return concat([head, body], head.length + body.length);
}

/**
 * Closes gracefully: sends FIN, then reads and drops what the client still sends until it closes
 * (at most {@link LINGER_MS}), so the client reads the last response instead of a reset.
 */
async function lingerClose(client: Client): Promise<void> {
  try {
    await client.conn.closeWrite();
  } catch {
    return;
  }
  client.deadline = Date.now() + LINGER_MS;
  const sink = new Uint8Array(4096);
  try {
    while ((await client.conn.read(sink)) !== null) { /* drop */ }
  } catch { /* closed by the sweep or reset */ }
}
