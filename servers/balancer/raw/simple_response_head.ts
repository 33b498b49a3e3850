/**
 * The raw engine's byte-level fast path for the common backend response head: HTTP/1.1, a status
 * that has a body, one plain `Content-Length`, and no hop-by-hop header.
 *
 * Such a head is passed to the client by copying its bytes: the status line and every header
 * line as received, then `x-backend`, the client's connection line if any, and `content-length`.
 * The result is byte for byte what the strict path (`parseBackendHead` and the engine's
 * rewriting) writes. Anything else — HTTP/1.0, 1xx, 204, 304, chunked or close-delimited bodies,
 * `Connection` and the other hop-by-hop names, a second `Content-Length`, a line without a colon,
 * or a byte outside printable ASCII and tab — is left to the strict path.
 *
 * @module
 */

import {
  COLON,
  copyBytes,
  CR,
  equalsLower,
  isListedName,
  LF,
  namesByLength,
  SP,
  TAB,
} from "../bytes.ts";
import { HOP_BY_HOP } from "../hop_headers.ts";

/** What the fast path found besides the bytes it copied. */
export interface SimpleResponseHead {
  /** Status code. */
  status: number;
  /** `Content-Length`. */
  contentLength: number;
}

/** Extra bytes the output may need beyond the head and the lines passed in. */
export const SIMPLE_RESPONSE_SLACK = 40;

const encoder = new TextEncoder();
const VERSION_1_1 = encoder.encode("HTTP/1.1 ");
const CONTENT_LENGTH = encoder.encode("content-length");
const CONTENT_LENGTH_LINE = encoder.encode("content-length: ");

/**
 * Response header names that send a head to the strict path: the hop-by-hop ones
 * (`Content-Length` is looked for first).
 */
const SPECIAL = namesByLength(HOP_BY_HOP);

/**
 * Copies a simple response head from `input[start, end)` (`end` just past the blank line) to
 * `out` at `outAt`, adding `backendLine` (the pre-encoded `x-backend` line), then
 * `connectionLine` when given, then the `content-length` line and the blank line. Fills in
 * `found` and returns the number of bytes written, or -1 when the head is not simple.
 *
 * `out` must hold at least `end - start + backendLine.length + connectionLine.length +
 * SIMPLE_RESPONSE_SLACK` bytes from `outAt`.
 */
export function copySimpleResponseHead(
  input: Uint8Array,
  start: number,
  end: number,
  backendLine: Uint8Array,
  connectionLine: Uint8Array | null,
  out: Uint8Array,
  outAt: number,
  found: SimpleResponseHead,
): number {
  for (let k = 0; k < VERSION_1_1.length; k++) {
    if (input[start + k] !== VERSION_1_1[k]) return -1;
  }
  const d0 = input[start + 9]! - 48;
  const d1 = input[start + 10]! - 48;
  const d2 = input[start + 11]! - 48;
  if (d0 < 2 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  const status = d0 * 100 + d1 * 10 + d2;
  if (status === 204 || status === 304) return -1;
  const afterStatus = input[start + 12];
  if (afterStatus !== SP && afterStatus !== CR) return -1;
  let i = start + 12;
  for (; input[i] !== CR; i++) if (!printable(input[i]!)) return -1;
  if (input[i + 1] !== LF) return -1;
  let at = copyBytes(input, start, i + 2, out, outAt);

  let length = -1;
  const headEnd = end - 2;
  for (let line = i + 2; line < headEnd;) {
    let colon = -1;
    let lineEnd = line;
    for (; input[lineEnd] !== CR; lineEnd++) {
      const byte = input[lineEnd]!;
      if (!printable(byte)) return -1;
      if (byte === COLON && colon < 0) colon = lineEnd;
    }
    if (colon <= line || input[lineEnd + 1] !== LF) return -1;
    const next = lineEnd + 2;
    const nameLength = colon - line;
    if (nameLength === CONTENT_LENGTH.length && equalsLower(input, line, CONTENT_LENGTH)) {
      if (length >= 0) return -1;
      length = digits(input, colon + 1, lineEnd);
      if (length < 0) return -1;
    } else {
      if (isListedName(input, line, nameLength, SPECIAL)) return -1;
      at = copyBytes(input, line, next, out, at);
    }
    line = next;
  }
  if (length < 0) return -1;

  out.set(backendLine, at);
  at += backendLine.length;
  if (connectionLine) {
    out.set(connectionLine, at);
    at += connectionLine.length;
  }
  out.set(CONTENT_LENGTH_LINE, at);
  at += CONTENT_LENGTH_LINE.length;
  at = writeDecimal(length, out, at);
  out[at++] = CR;
  out[at++] = LF;
  out[at++] = CR;
  out[at++] = LF;
  found.status = status;
  found.contentLength = length;
  return at - outAt;
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

/** Printable ASCII or tab: what the fast path copies without a second look. */
function printable(byte: number): boolean {
  return (byte >= SP && byte < 0x7f) || byte === TAB;
}

/**
 * The value of `input[start, end)` as a number when it is 1 to 15 digits with optional spaces or
 * tabs around them, else -1.
 */
function digits(input: Uint8Array, start: number, end: number): number {
  while (start < end && (input[start] === SP || input[start] === TAB)) start++;
  while (end > start && (input[end - 1] === SP || input[end - 1] === TAB)) end--;
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = input[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
