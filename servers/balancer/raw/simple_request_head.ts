/**
 * The raw engine's byte-level fast path for the common request head: an HTTP/1.1 request with an
 * origin-form target, exactly one `Host`, no body, and no header the balancer has to act on.
 *
 * Such a head is forwarded by copying its bytes: the request line and every header line as
 * received, `Host` left out, then the `X-Forwarded-*` lines. The result is byte for byte what the
 * strict path (`parseRequestHead` and the engine's rewriting) sends, so the fast path only skips
 * work, never changes behaviour. Anything else — `Content-Length`, `Transfer-Encoding`,
 * `Connection` and the other hop-by-hop names, `Expect`, `X-Forwarded-*`, HTTP/1.0, an
 * absolute-form target, `CONNECT`, a header line that is not exactly `name: value` (the strict
 * path would rewrite it), too many fields, an over-long request line, or anything malformed —
 * is left to the strict path, which forwards it or refuses it as before.
 *
 * The caller has found the head with `findHeadEnd`, which already refused bare CR or LF, control
 * bytes and non-ASCII bytes.
 *
 * @module
 */

import {
  COLON,
  copyBytes,
  CR,
  equalsBytes,
  equalsLower,
  isListedName,
  namesByLength,
  SP,
  TAB,
  TCHAR,
} from "../bytes.ts";
import { REQUEST_NOT_COPIED } from "../hop_headers.ts";
import type { RequestLimits } from "./limits.ts";

/** What the fast path found besides the bytes it copied. */
export interface SimpleRequestHead {
  /** Method, as sent. */
  method: string;
  /** Start of the request-target in the input bytes. */
  targetStart: number;
  /** End of the request-target in the input bytes. */
  targetEnd: number;
}

/** Extra bytes the output may need beyond the head and the `X-Forwarded-For` lines. */
export const SIMPLE_HEAD_SLACK = 32;

const SLASH = 47;
const encoder = new TextEncoder();
const VERSION_1_1 = encoder.encode("HTTP/1.1\r\n");
const FORWARDED_HOST = encoder.encode("x-forwarded-host: ");
const CONNECT = encoder.encode("CONNECT");
const HOST = encoder.encode("host");

/**
 * Header names that send a request to the strict path: framing, hop-by-hop, and the ones the
 * balancer sets itself (`Host` is looked for first).
 */
const SPECIAL = namesByLength([...REQUEST_NOT_COPIED].filter((name) => name !== "host"));

const KNOWN_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"].map((
  name,
) => ({ name, bytes: encoder.encode(name) }));

/**
 * Copies a simple request head from `input[start, end)` (`end` just past the blank line) to the
 * start of `out`, leaving out `Host` and appending `forwardedFor` (the pre-encoded
 * `x-forwarded-for` and `x-forwarded-proto` lines of this client) and an `x-forwarded-host` line.
 * Fills in `found` and returns the number of bytes written, or -1 when the head is not simple
 * (then nothing in `found` is meaningful and the strict path must handle the head).
 *
 * `out` must hold at least `end - start + forwardedFor.length + SIMPLE_HEAD_SLACK` bytes.
 */
export function copySimpleRequestHead(
  input: Uint8Array,
  start: number,
  end: number,
  limits: RequestLimits,
  forwardedFor: Uint8Array,
  out: Uint8Array,
  found: SimpleRequestHead,
): number {
  // Request line: method SP origin-form-target SP HTTP/1.1 CRLF.
  let i = start;
  while (i < end && TCHAR[input[i]!] === 1) i++;
  const methodEnd = i;
  if (methodEnd === start || input[i] !== SP || input[i + 1] !== SLASH) return -1;
  const targetStart = i + 1;
  for (i = targetStart; i < end; i++) {
    const byte = input[i]!;
    if (byte <= SP || byte >= 0x7f) break;
  }
  const targetEnd = i;
  if (input[i] !== SP) return -1;
  for (let k = 0; k < VERSION_1_1.length; k++) {
    if (input[i + 1 + k] !== VERSION_1_1[k]) return -1;
  }
  const lineEnd = i + 1 + VERSION_1_1.length; // just past the CRLF
  if (lineEnd - 2 - start > limits.maxRequestLineBytes) return -1;
  if (equalsBytes(input, start, methodEnd, CONNECT)) return -1;
  let at = copyBytes(input, start, lineEnd, out, 0);

  // Header lines: name ":" SP value CRLF, value without surrounding whitespace.
  let hostStart = -1;
  let hostEnd = -1;
  let fields = 0;
  const headEnd = end - 2; // the final CRLF
  for (let line = lineEnd; line < headEnd;) {
    if (++fields > limits.maxHeaderFields) return -1;
    let colon = line;
    while (colon < headEnd && TCHAR[input[colon]!] === 1) colon++;
    if (colon === line || input[colon] !== COLON || input[colon + 1] !== SP) return -1;
    const valueStart = colon + 2;
    let valueEnd = valueStart;
    while (input[valueEnd] !== CR) valueEnd++;
    if (valueEnd > valueStart) {
      const first = input[valueStart];
      const last = input[valueEnd - 1];
      if (first === SP || first === TAB || last === SP || last === TAB) return -1;
    }
    const next = valueEnd + 2;
    const nameLength = colon - line;
    if (nameLength === 4 && equalsLower(input, line, HOST)) {
      if (hostStart >= 0) return -1;
      hostStart = valueStart;
      hostEnd = valueEnd;
    } else {
      if (isListedName(input, line, nameLength, SPECIAL)) return -1;
      at = copyBytes(input, line, next, out, at);
    }
    line = next;
  }
  if (hostStart < 0) return -1;

  out.set(forwardedFor, at);
  at += forwardedFor.length;
  out.set(FORWARDED_HOST, at);
  at += FORWARDED_HOST.length;
  at = copyBytes(input, hostStart, hostEnd, out, at);
  out[at++] = CR;
  out[at++] = 10;
  found.method = methodName(input, start, methodEnd);
  found.targetStart = targetStart;
  found.targetEnd = targetEnd;
  return at;
}

/** The method as a string, shared for the common ones. */
function methodName(input: Uint8Array, start: number, end: number): string {
  for (const known of KNOWN_METHODS) {
    if (equalsBytes(input, start, end, known.bytes)) return known.name;
  }
  let name = "";
  for (let i = start; i < end; i++) name += String.fromCharCode(input[i]!);
  return name;
}
