/**
 * A strict HTTP/1.1 request head parser for the raw engine (RFC 9110, RFC 9112).
 *
 * The balancer forwards only requests whose framing is unambiguous, so that a backend can never
 * read a request boundary elsewhere than the balancer did (request smuggling). Refused with 400:
 * bare CR or LF, control or non-ASCII bytes, obs-fold, whitespace before a colon, an invalid
 * method, request-target or header name, `Content-Length` together with `Transfer-Encoding`, more
 * than one `Content-Length` (even equal ones) or `Transfer-Encoding`, a `Content-Length` that is
 * not plain digits, a `Transfer-Encoding` other than exactly `chunked`, and an HTTP/1.1 request
 * without exactly one `Host`. A request line over its limit gets 414, a head over its limit 431,
 * a declared body over its limit 413, another HTTP major version 505.
 *
 * @module
 */

import { HttpError } from "../http_error.ts";
import type { RequestLimits } from "./limits.ts";
import { connectionOptions, REQUEST_NOT_COPIED } from "../hop_headers.ts";

/** A parsed request head, ready to forward. */
export interface RequestHead {
  /** Method, as sent (case-sensitive). */
  method: string;
  /** Target in origin form (`/path?query`), or `*` for `OPTIONS *`. */
  target: string;
  /** Minor version: 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: 0 | 1;
  /** End-to-end header lines to forward, each `name: value\r\n`. */
  headers: string;
  /** `Host` (or the authority of an absolute-form target), or null. */
  host: string | null;
  /** `X-Forwarded-For` as received, or null. */
  forwardedFor: string | null;
  /** Declared body length, or null. */
  contentLength: number | null;
  /** Whether the body uses chunked transfer coding. */
  chunked: boolean;
  /** Whether the client wants the connection closed after the response. */
  close: boolean;
  /** Whether the client sent `Expect: 100-continue`. */
  expectContinue: boolean;
}

const CR = 13;
const LF = 10;
const TAB = 9;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
const DIGITS = /^\d{1,15}$/;

/**
 * Looks for the end of a request head in `bytes[start, end)`, checking every byte from
 * `scanFrom` on. Returns the index just past the blank line ending the head, or -1 when more bytes
 * are needed (scan again from `end - 1`). Throws an {@link HttpError} for a bare CR or LF, a
 * control or non-ASCII byte, or a head over its limits.
 */
export function findHeadEnd(
  bytes: Uint8Array,
  start: number,
  scanFrom: number,
  end: number,
  limits: RequestLimits,
): number {
  for (let i = scanFrom; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x20 && byte < 0x7f) continue;
    if (byte === LF) {
      if (i === start || bytes[i - 1] !== CR) {
        throw new HttpError(400, "bare LF in the request head: end every line with CRLF");
      }
      if (i - start >= 3 && bytes[i - 2] === LF) {
        const size = i + 1 - start;
        if (size > limits.maxHeaderBytes + 4) throw headTooLarge(bytes, start, end, limits);
        return i + 1;
      }
    } else if (byte === CR) {
      if (i + 1 < end && bytes[i + 1] !== LF) {
        throw new HttpError(400, "bare CR in the request head: end every line with CRLF");
      }
    } else if (byte !== TAB) {
      throw new HttpError(
        400,
        byte >= 0x80
          ? "non-ASCII byte in the request head: percent-encode it"
          : `control byte 0x${byte.toString(16).padStart(2, "0")} in the request head`,
      );
    }
  }
  if (end - start > limits.maxRequestLineBytes + 2 || end - start > limits.maxHeaderBytes + 4) {
    const lineEnd = bytes.subarray(start, Math.min(end, start + limits.maxRequestLineBytes + 2))
      .indexOf(LF);
    if (lineEnd < 0) throw lineTooLong(limits);
    if (end - start > limits.maxHeaderBytes + 4) throw headTooLarge(bytes, start, end, limits);
  }
  return -1;
}

function lineTooLong(limits: RequestLimits): HttpError {
  return new HttpError(
    414,
    `request line over ${limits.maxRequestLineBytes} bytes: shorten the URL`,
  );
}

function headTooLarge(
  bytes: Uint8Array,
  start: number,
  end: number,
  limits: RequestLimits,
): HttpError {
  const lineEnd = bytes.subarray(start, end).indexOf(LF);
  if (lineEnd < 0 || lineEnd > limits.maxRequestLineBytes + 1) return lineTooLong(limits);
  return new HttpError(
    431,
    `request header section over ${limits.maxHeaderBytes} bytes: send fewer or shorter headers`,
  );
}

/**
 * Parses a complete request head (as found by {@link findHeadEnd}, ASCII only, with the final
 * CRLF CRLF). Throws an {@link HttpError} for anything that cannot be forwarded unambiguously.
 */
export function parseRequestHead(text: string, limits: RequestLimits): RequestHead {
  let lineEnd = text.indexOf("\r\n");
  const requestLine = text.slice(0, lineEnd);
  if (requestLine.length > limits.maxRequestLineBytes) throw lineTooLong(limits);
  const firstSpace = requestLine.indexOf(" ");
  const lastSpace = requestLine.lastIndexOf(" ");
  if (firstSpace <= 0 || lastSpace === firstSpace) {
    throw new HttpError(400, "malformed request line: expected 'METHOD /target HTTP/1.1'");
  }
  const method = requestLine.slice(0, firstSpace);
  let target = requestLine.slice(firstSpace + 1, lastSpace);
  const version = requestLine.slice(lastSpace + 1);
  if (!TOKEN.test(method)) throw new HttpError(400, "invalid method in the request line");
  let minor: 0 | 1;
  if (version === "HTTP/1.1") minor = 1;
  else if (version === "HTTP/1.0") minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) {
    throw new HttpError(505, `${version} is not supported: use HTTP/1.1`);
  } else throw new HttpError(400, "invalid HTTP version in the request line");
  let authority: string | null = null;
  if (!TARGET.test(target)) throw new HttpError(400, "invalid request-target");
  if (target.charCodeAt(0) !== 47 /* / */) {
    const absolute = /^http:\/\/([^/?#@]+)([/?].*)?$/i.exec(target);
    if (absolute) {
      authority = absolute[1]!;
      target = absolute[2] ?? "/";
      if (target.charCodeAt(0) === 63 /* ? */) target = `/${target}`;
    } else if (!(target === "*" && method === "OPTIONS")) {
      throw new HttpError(400, "invalid request-target: use an absolute path like /page.html");
    }
  }
  if (method === "CONNECT") throw new HttpError(405, "CONNECT is not supported by the balancer");

  const kept: string[] = [];
  let host: string | null = null;
  let hosts = 0;
  let forwardedFor: string | null = null;
  let lengthText: string | null = null;
  let encoding: string | null = null;
  let connection: string | null = null;
  let expectContinue = false;
  let fields = 0;
  const headEnd = text.length - 4;
  for (let start = lineEnd + 2; start < headEnd; start = lineEnd + 2) {
    lineEnd = text.indexOf("\r\n", start);
    if (++fields > limits.maxHeaderFields) {
      throw new HttpError(431, `more than ${limits.maxHeaderFields} header fields`);
    }
    const first = text.charCodeAt(start);
    if (first === 32 || first === TAB) {
      throw new HttpError(400, "obsolete line folding in the request head: one line per field");
    }
    const colon = text.indexOf(":", start);
    if (colon < 0 || colon > lineEnd) throw new HttpError(400, "header line without a colon");
    const name = text.slice(start, colon);
    if (!TOKEN.test(name)) {
      throw new HttpError(
        400,
        /[ \t]$/.test(name)
          ? "whitespace before the colon in a header line"
          : "invalid header field name",
      );
    }
    const value = text.slice(colon + 1, lineEnd).trim();
    const lower = name.toLowerCase();
    if (!REQUEST_NOT_COPIED.has(lower)) {
      kept.push(lower, `${name}: ${value}\r\n`);
      continue;
    }
    switch (lower) {
      case "host":
        host = value;
        hosts++;
        break;
      case "content-length":
        if (lengthText !== null) throw new HttpError(400, "more than one Content-Length");
        if (!DIGITS.test(value)) throw new HttpError(400, "Content-Length is not a plain number");
        lengthText = value;
        break;
      case "transfer-encoding":
        if (encoding !== null) throw new HttpError(400, "more than one Transfer-Encoding");
        encoding = value;
        break;
      case "connection":
        connection = connection === null ? value : `${connection}, ${value}`;
        break;
      case "x-forwarded-for":
        forwardedFor = forwardedFor === null ? value : `${forwardedFor}, ${value}`;
        break;
      case "expect":
        if (value.toLowerCase() !== "100-continue") {
          throw new HttpError(417, `Expect: ${value.slice(0, 40)} is not supported`);
        }
        expectContinue = true;
        break;
    }
  }
  if (encoding !== null) {
    if (encoding.toLowerCase() !== "chunked") {
      throw new HttpError(400, "Transfer-Encoding other than exactly 'chunked'");
    }
    if (lengthText !== null) {
      throw new HttpError(400, "both Content-Length and Transfer-Encoding: send only one");
    }
    if (minor === 0) throw new HttpError(400, "Transfer-Encoding in an HTTP/1.0 request");
  }
  if (minor === 1 && hosts !== 1) {
    throw new HttpError(400, hosts === 0 ? "no Host header" : "more than one Host header");
  }
  if (hosts > 1) throw new HttpError(400, "more than one Host header");
  const contentLength = lengthText === null ? null : Number(lengthText);
  if (contentLength !== null && contentLength > limits.maxBodyBytes) {
    throw new HttpError(413, `request body over ${limits.maxBodyBytes} bytes`);
  }
  let close = minor === 0;
  let headers = "";
  if (connection === null) {
    for (let i = 1; i < kept.length; i += 2) headers += kept[i];
  } else {
    const options = connectionOptions(connection, close);
    const named = options.named;
    close = options.close;
    for (let i = 0; i < kept.length; i += 2) {
      if (!named.has(kept[i]!)) headers += kept[i + 1];
    }
  }
  return {
    method,
    target,
    minor,
    headers,
    host: authority ?? host,
    forwardedFor,
    contentLength,
    chunked: encoding !== null,
    close,
    expectContinue,
  };
}

/**
 * The head the balancer forwards for `head` from a client at `clientAddress`, without the Host
 * line, framing lines and the blank line: request line, end-to-end header lines, then
 * `x-forwarded-for`, `x-forwarded-proto` and `x-forwarded-host`.
 */
export function forwardedHeadText(head: RequestHead, clientAddress: string): string {
  let text = `${head.method} ${head.target} HTTP/1.1\r\n${head.headers}` +
    `x-forwarded-for: ${head.forwardedFor === null ? "" : `${head.forwardedFor}, `}` +
    `${clientAddress}\r\nx-forwarded-proto: http\r\n`;
  if (head.host !== null) text += `x-forwarded-host: ${head.host}\r\n`;
  return text;
}
