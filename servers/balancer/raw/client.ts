/**
 * One client connection of the raw engine: the state kept per connection (reusable buffers, the
 * deadlines the sweep watches) and how the engine writes to it — whole responses, errors, and a
 * graceful close.
 *
 * @module
 */

import type { Http1Connection } from "../http1_connection.ts";
import type { ResponseHead } from "../response_head.ts";
import type { RequestHead } from "./request_head.ts";
import type { SimpleRequestHead } from "./simple_request_head.ts";
import { concat } from "./chunk.ts";

/** Time a closing connection may keep sending before it is cut, ms. */
const LINGER_MS = 2000;

const encoder = new TextEncoder();

/** Reason phrases of the statuses the engine answers itself. */
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

/** One client connection and the deadlines the sweep watches. */
export interface Client {
  /** The client's TCP connection. */
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
export interface BackendLines {
  /** `host: label` and the blank line ending a request head. */
  host: Uint8Array[];
  /** `x-backend: label`. */
  backend: Uint8Array[];
}

/** A forwarded request: its head (without the Host line) in the client's request buffer. */
export interface Outgoing {
  /** The request head as parsed (by the fast path: method and, when needed, target only). */
  head: RequestHead;
  /** Bytes of the head at the start of `client.requestScratch`; -1 until the body is read. */
  headLength: number;
  /** The whole body when it was buffered, else null (then `stream` sends it). */
  body: Uint8Array | null;
  /** Sends the rest of a body too large to buffer, after the head. */
  stream: ((upstream: Http1Connection) => Promise<void>) | null;
}

/** How the client gets a response: its body framing and connection handling. */
export interface ResponsePlan {
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

/** `head` and `body` in one array: the client's scratch buffer, grown when needed. */
export function encodeWith(client: Client, head: string, body: Uint8Array | null): Uint8Array {
  const bodyLength = body?.length ?? 0;
  const need = head.length * 3 + bodyLength;
  if (client.scratch.length < need) client.scratch = new Uint8Array(Math.max(need, 8192));
  const written = encoder.encodeInto(head, client.scratch).written;
  if (body) client.scratch.set(body, written);
  return client.scratch.subarray(0, written + bodyLength);
}

/** Writes all of `bytes` to the client. */
export async function writeAll(client: Client, bytes: Uint8Array): Promise<void> {
  for (
    let n = await client.conn.write(bytes);
    n < bytes.length;
    n += await client.conn.write(bytes.subarray(n))
  ) {
    // Partial write: the rest follows.
  }
}

/** Writes a plain-text error response; `close` adds `connection: close`. */
export async function writeError(
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

/** A whole `200` JSON response (`GET /lb/stats`); `close` adds `connection: close`. */
export function jsonResponse(value: unknown, close: boolean): Uint8Array {
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
export async function lingerClose(client: Client): Promise<void> {
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
