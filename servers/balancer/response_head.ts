/**
 * The one parser of a backend's response head, used by both engines.
 *
 * It reads the head where it lies, in the backend connection's read buffer, and notes where each
 * header line to forward starts and ends instead of copying it: the raw engine then copies those
 * byte ranges to its client (see `raw/client_head.ts`), the readable engine decodes them into
 * name-value pairs for a `Response` ({@link headerFields}).
 *
 * A head the balancer cannot forward faithfully is refused with a one-line Error (the client then
 * gets 502): a status line other than `HTTP/1.x NNN reason`, a control byte (other than tab) or a
 * bare CR or LF, an obsolete folded line, a header name that is not a token (whitespace before the
 * colon, say), a `Content-Length` that is not 1 to 15 digits or two that differ, and a
 * `Transfer-Encoding` whose last coding is not `chunked`. Hop-by-hop headers, those the
 * `Connection` header names, and `Content-Length` are not forwarded as received: each engine
 * writes its own framing.
 *
 * @module
 */

import { COLON, CR, isListedName, LF, namesByLength, SP, TAB, TCHAR } from "./bytes.ts";
import { connectionOptions, RESPONSE_NOT_COPIED } from "./hop_headers.ts";

/** A parsed backend response head; positions are indexes into the bytes it was parsed from. */
export interface ResponseHead {
  /** Status code, 100 to 999. */
  status: number;
  /** Minor version: 0 for HTTP/1.0, else 1 and up. */
  minor: number;
  /** Index of the status line's first byte (`H` of `HTTP/1.x`). */
  start: number;
  /** Index of the CR ending the status line; the reason phrase is `[start + 12, statusEnd)`. */
  statusEnd: number;
  /** `Content-Length`, or null when absent or when the body is chunked. */
  contentLength: number | null;
  /** Whether the body uses chunked transfer coding. */
  chunked: boolean;
  /** Whether the backend closes the connection after this response. */
  close: boolean;
  /** The `Connection` header's value (several lines joined with `, `), or null. */
  connection: string | null;
  /**
   * The header lines to forward, three indexes per line: the line's start, its colon, and the CR
   * ending it. Only the first {@link ResponseHead.fieldsEnd} entries are in use (the array is
   * reused from head to head without shrinking).
   */
  fields: number[];
  /** Entries of `fields` in use: three times the number of lines to forward. */
  fieldsEnd: number;
}

/** A fresh, empty {@link ResponseHead} to parse into (the raw engine keeps one per client). */
export function emptyResponseHead(): ResponseHead {
  return {
    status: 0,
    minor: 1,
    start: 0,
    statusEnd: 0,
    contentLength: null,
    chunked: false,
    close: false,
    connection: null,
    fields: [],
    fieldsEnd: 0,
  };
}

const VERSION = new TextEncoder().encode("HTTP/1.");
/** Header names handled here rather than forwarded, by length. */
const NOT_COPIED = namesByLength(RESPONSE_NOT_COPIED);
const CONTENT_LENGTH = "content-length".length;
const CONNECTION = "connection".length;
const TRANSFER_ENCODING = "transfer-encoding".length;
const FINAL_CHUNKED = /(^|,)[ \t]*chunked[ \t]*$/i;

/**
 * Parses the response head in `bytes[start, end)`, `end` just past its blank line, into `into`
 * (reused when given) and returns it. Throws a one-line Error when the head cannot be forwarded.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
 * const head = parseResponseHead(bytes, 0, bytes.length);
 * console.log(head.status, head.contentLength); // 200 2
 * ```
 */
export function parseResponseHead(
  bytes: Uint8Array,
  start: number,
  end: number,
  into: ResponseHead = emptyResponseHead(),
): ResponseHead {
  const statusEnd = parseStatusLine(bytes, start, end, into);
  const fields = into.fields;
  let fieldsEnd = 0;
  let contentLength: number | null = null;
  let encoding: string | null = null;
  let connection: string | null = null;
  const headEnd = end - 2;
  for (let line = statusEnd + 2; line < headEnd;) {
    const first = bytes[line];
    if (first === SP || first === TAB) {
      throw new Error(`folded header line from backend: '${text(bytes, line, headEnd)}'`);
    }
    let colon = line;
    while (TCHAR[bytes[colon]!] === 1) colon++;
    if (colon === line || bytes[colon] !== COLON) {
      throw new Error(`bad header line from backend: '${text(bytes, line, headEnd)}'`);
    }
    let lineEnd = colon + 1;
    for (let byte = bytes[lineEnd]!; byte !== CR && lineEnd < headEnd; byte = bytes[++lineEnd]!) {
      if (byte < SP ? byte !== TAB : byte === 0x7f) {
        throw new Error(
          `control byte in a header line from backend: '${text(bytes, line, lineEnd)}'`,
        );
      }
    }
    if (bytes[lineEnd + 1] !== LF) {
      throw new Error(`bare CR in a header line from backend: '${text(bytes, line, lineEnd)}'`);
    }
    const nameLength = colon - line;
    if (!isListedName(bytes, line, nameLength, NOT_COPIED)) {
      fields[fieldsEnd] = line;
      fields[fieldsEnd + 1] = colon;
      fields[fieldsEnd + 2] = lineEnd;
      fieldsEnd += 3;
    } else if (nameLength === CONTENT_LENGTH) {
      const value = digits(bytes, colon + 1, lineEnd);
      if (value < 0 || (contentLength !== null && contentLength !== value)) {
        throw new Error(`bad content-length from backend: '${fieldValue(bytes, colon, lineEnd)}'`);
      }
      contentLength = value;
    } else if (nameLength === TRANSFER_ENCODING) {
      const value = fieldValue(bytes, colon, lineEnd);
      encoding = encoding === null ? value : `${encoding}, ${value}`;
    } else if (nameLength === CONNECTION) {
      const value = fieldValue(bytes, colon, lineEnd);
      connection = connection === null ? value : `${connection}, ${value}`;
    } // other hop-by-hop headers are dropped
    line = lineEnd + 2;
  }
  let close = into.minor === 0;
  if (connection !== null) {
    const options = connectionOptions(connection, close);
    close = options.close;
    if (options.named.size > 0) fieldsEnd = dropNamed(bytes, fields, fieldsEnd, options.named);
  }
  let chunked = false;
  if (encoding !== null) {
    if (!FINAL_CHUNKED.test(encoding)) {
      throw new Error(`transfer-encoding '${encoding.slice(0, 40)}' from backend is not chunked`);
    }
    chunked = true;
  }
  into.fieldsEnd = fieldsEnd;
  into.contentLength = chunked ? null : contentLength;
  into.chunked = chunked;
  into.close = close;
  into.connection = connection;
  return into;
}

/**
 * Checks the status line `HTTP/1.x NNN[ reason]` at `bytes[start]`, fills in `status`, `minor`,
 * `start` and `statusEnd`, and returns `statusEnd`.
 */
function parseStatusLine(bytes: Uint8Array, start: number, end: number, into: ResponseHead) {
  let ok = end - start >= 16;
  for (let k = 0; ok && k < VERSION.length; k++) ok = bytes[start + k] === VERSION[k];
  const minor = bytes[start + 7]! - 48;
  const d0 = bytes[start + 9]! - 48;
  const d1 = bytes[start + 10]! - 48;
  const d2 = bytes[start + 11]! - 48;
  const after = bytes[start + 12];
  ok &&= minor >= 0 && minor <= 9 && bytes[start + 8] === SP && d0 >= 1 && d0 <= 9 &&
    d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && (after === SP || after === CR);
  let i = start + 12;
  for (let byte = bytes[i]!; ok && byte !== CR && i < end; byte = bytes[++i]!) {
    ok = byte < SP ? byte === TAB : byte !== 0x7f;
  }
  if (!ok || bytes[i + 1] !== LF) {
    let lineEnd = start;
    while (lineEnd < end && bytes[lineEnd] !== CR && bytes[lineEnd] !== LF) lineEnd++;
    throw new Error(`bad status line from backend: '${text(bytes, start, lineEnd)}'`);
  }
  into.status = d0 * 100 + d1 * 10 + d2;
  into.minor = minor;
  into.start = start;
  into.statusEnd = i;
  return i;
}

/**
 * Removes from the first `end` entries of `fields` the lines whose names the `Connection` header
 * lists; returns the new end.
 */
function dropNamed(
  bytes: Uint8Array,
  fields: number[],
  end: number,
  named: ReadonlySet<string>,
): number {
  let kept = 0;
  for (let i = 0; i < end; i += 3) {
    if (named.has(latin1(bytes, fields[i]!, fields[i + 1]!).toLowerCase())) continue;
    fields[kept++] = fields[i]!;
    fields[kept++] = fields[i + 1]!;
    fields[kept++] = fields[i + 2]!;
  }
  return kept;
}

/**
 * The header fields of `head` to forward, as `[lower-case name, value]` pairs with the value's
 * surrounding spaces and tabs removed: what the readable engine puts in a `Response`.
 */
export function headerFields(bytes: Uint8Array, head: ResponseHead): [string, string][] {
  const out: [string, string][] = [];
  const fields = head.fields;
  for (let i = 0; i < head.fieldsEnd; i += 3) {
    const colon = fields[i + 1]!;
    out.push([
      latin1(bytes, fields[i]!, colon).toLowerCase(),
      fieldValue(bytes, colon, fields[i + 2]!),
    ]);
  }
  return out;
}

/** The value after the colon at `colon`, up to `end`, without surrounding spaces and tabs. */
function fieldValue(bytes: Uint8Array, colon: number, end: number): string {
  let start = colon + 1;
  while (start < end && (bytes[start] === SP || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SP || bytes[end - 1] === TAB)) end--;
  return latin1(bytes, start, end);
}

/** `bytes[start, end)` as a string, one character per byte (how HTTP field bytes map). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Up to 60 bytes of the line at `start` for a one-line error message, controls shown as `?`. */
function text(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end && i < start + 60 && bytes[i] !== CR && bytes[i] !== LF; i++) {
    const byte = bytes[i]!;
    out += (byte < SP && byte !== TAB) || byte === 0x7f ? "?" : String.fromCharCode(byte);
  }
  return out;
}

/**
 * The value of `bytes[start, end)` as a number when it is 1 to 15 digits with optional spaces or
 * tabs around them, else -1.
 */
function digits(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && (bytes[start] === SP || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SP || bytes[end - 1] === TAB)) end--;
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
