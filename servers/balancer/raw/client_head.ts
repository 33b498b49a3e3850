/**
 * The response head the raw engine writes to its client, copied as bytes from the backend's head
 * that `../response_head.ts` parsed: the status line (always as HTTP/1.1), the header lines to
 * forward as received, then the balancer's own lines — `x-backend`, `connection` when needed,
 * and the framing.
 *
 * @module
 */

import { copyBytes, CR, LF } from "../bytes.ts";
import type { ResponseHead } from "../response_head.ts";

/** Extra bytes the output may need beyond the backend's head and the lines passed in. */
export const CLIENT_HEAD_SLACK = 64;

const encoder = new TextEncoder();
const VERSION_1_1 = encoder.encode("HTTP/1.1");
const CONTENT_LENGTH_LINE = encoder.encode("content-length: ");
const CHUNKED_LINE = encoder.encode("transfer-encoding: chunked\r\n");

/**
 * Writes the client's head for `head` (parsed from `bytes`) to `out` at `at` and returns the
 * index just past it. Adds `backendLine` (the pre-encoded `x-backend` line), `connectionLine`
 * when given, `content-length: contentLength` when not null, and `transfer-encoding: chunked`
 * when `chunked`.
 *
 * `out` must hold the backend's head, `backendLine`, `connectionLine` and
 * {@link CLIENT_HEAD_SLACK} more bytes from `at`.
 */
export function writeClientHead(
  bytes: Uint8Array,
  head: ResponseHead,
  out: Uint8Array,
  at: number,
  backendLine: Uint8Array,
  connectionLine: Uint8Array | null,
  contentLength: number | null,
  chunked: boolean,
): number {
  out.set(VERSION_1_1, at);
  // The status line from its space on, then the kept lines; lines that follow each other in the
  // backend's head are copied in one go.
  let from = head.start + 8;
  let to = head.statusEnd + 2;
  const fields = head.fields;
  at += VERSION_1_1.length;
  const fieldsEnd = head.fieldsEnd;
  for (let i = 0; i < fieldsEnd; i += 3) {
    const lineStart = fields[i]!;
    if (lineStart !== to) {
      at = copyBytes(bytes, from, to, out, at);
      from = lineStart;
    }
    to = fields[i + 2]! + 2;
  }
  at = copyBytes(bytes, from, to, out, at);
  out.set(backendLine, at);
  at += backendLine.length;
  if (connectionLine !== null) {
    out.set(connectionLine, at);
    at += connectionLine.length;
  }
  if (contentLength !== null) {
    out.set(CONTENT_LENGTH_LINE, at);
    at = writeDecimal(contentLength, out, at + CONTENT_LENGTH_LINE.length);
    out[at++] = CR;
    out[at++] = LF;
  }
  if (chunked) {
    out.set(CHUNKED_LINE, at);
    at += CHUNKED_LINE.length;
  }
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

/** Room {@link writeClientHead} needs for `head` and the given lines. */
export function clientHeadRoom(
  head: ResponseHead,
  headEnd: number,
  backendLine: Uint8Array,
  connectionLine: Uint8Array | null,
): number {
  return headEnd - head.start + backendLine.length + (connectionLine?.length ?? 0) +
    CLIENT_HEAD_SLACK;
}

/** Writes `value` in decimal at `out[at]`; returns the index after it. */
function writeDecimal(value: number, out: Uint8Array, at: number): number {
  let width = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) width++;
  for (let k = width - 1, rest = value; k >= 0; k--, rest = Math.floor(rest / 10)) {
    out[at + k] = 48 + (rest % 10);
  }
  return at + width;
}
