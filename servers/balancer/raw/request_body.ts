/**
 * The raw engine's request bodies: a body up to `REQUEST_BUFFER_BYTES` is read whole before
 * anything is sent (so bad chunked framing is refused with 400 first); a larger one is streamed
 * to the backend after the head.
 *
 * @module
 */

import { ChunkedDecoder } from "../chunked_decoder.ts";
import type { Http1Connection } from "../http1_connection.ts";
import { HttpError } from "../http_error.ts";
import { chunk, LAST_CHUNK } from "./chunk.ts";
import { type Client, type Outgoing, writeAll } from "./client.ts";
import { REQUEST_BUFFER_BYTES, type RequestLimits } from "./limits.ts";
import type { ReadBuffer } from "./read_buffer.ts";
import { forwardedHeadText, type RequestHead } from "./request_head.ts";

const encoder = new TextEncoder();

/** What reading a request body needs from the engine's options. */
export interface BodyOptions {
  /** Request size limits. */
  limits: RequestLimits;
  /** Time the client may take to send more, ms. */
  idleTimeoutMs: number;
}
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");

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
export function withoutBody(client: Client, head: RequestHead): Outgoing {
  let text = forwardedText(client, head);
  if (head.contentLength === 0) text += "content-length: 0\r\n";
  return { head, headLength: writeHeadText(client, text), body: null, stream: null };
}

/**
 * Reads the request body into memory when it is small enough (so bad chunked framing is refused
 * before anything is sent), or prepares to stream a larger one.
 */
export async function readRequestBody(
  client: Client,
  input: ReadBuffer,
  head: RequestHead,
  options: BodyOptions,
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
