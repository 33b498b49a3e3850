/**
 * How the raw engine passes a backend's response to its client: the framing it chooses
 * ({@link planResponse}), the head it writes, and the bodies too large for one write, chunked, or
 * delimited by the backend's close ({@link streamResponse}). The common case — head and a small
 * sized body in one write — stays in `engine.ts`, on the hot path.
 *
 * @module
 */

import { ChunkedDecoder } from "../chunked_decoder.ts";
import { ConnectionClosedError, type Http1Connection } from "../http1_connection.ts";
import type { ResponseHead } from "../response_head.ts";
import { chunk, concat } from "./chunk.ts";
import { clientHeadRoom, writeClientHead } from "./client_head.ts";
import { type Client, type ResponsePlan, writeAll } from "./client.ts";
import type { RequestHead } from "./request_head.ts";

const encoder = new TextEncoder();
const CONNECTION_CLOSE = encoder.encode("connection: close\r\n");

const CONNECTION_KEEP_ALIVE = encoder.encode("connection: keep-alive\r\n");

/** Decides how `response` to `request` is framed for the client, in `plan`, and returns it. */
export function planResponse(
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
export function writeHeadToScratch(
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
export async function streamResponse(
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
