/**
 * A backend's response head, read for forwarding by the raw engine: the status, the body framing,
 * and the end-to-end header lines as text, ready to be written to the client.
 *
 * @module
 */

import { connectionOptions, RESPONSE_NOT_COPIED } from "../hop_headers.ts";

/** A backend response head as the raw engine forwards it. */
export interface BackendResponseHead {
  /** Status code. */
  status: number;
  /** The status line after the version, e.g. ` 200 OK`. */
  reason: string;
  /** End-to-end header lines, each `name: value\r\n`, without framing and hop-by-hop fields. */
  headers: string;
  /** `Content-Length`, or null when absent. */
  contentLength: number | null;
  /** Whether the body uses chunked transfer coding (it then wins over `Content-Length`). */
  chunked: boolean;
  /** Whether the backend will close the connection after this response. */
  close: boolean;
}

/**
 * Parses a response head (status line and header lines without the final blank line, as
 * `Http1Connection.readHeadText` returns it). Throws a one-line Error when the backend's framing
 * cannot be trusted (the client then gets 502).
 */
export function parseBackendHead(text: string): BackendResponseHead {
  let lineEnd = text.indexOf("\r\n");
  if (lineEnd < 0) lineEnd = text.length;
  const status = Number(text.slice(9, 12));
  if (
    !text.startsWith("HTTP/1.") || lineEnd < 12 || !(status >= 100 && status <= 999) ||
    (lineEnd > 12 && text.charCodeAt(12) !== 32)
  ) {
    throw new Error(`bad status line from backend: '${text.slice(0, Math.min(lineEnd, 60))}'`);
  }
  let close = text.charCodeAt(7) === 48; /* HTTP/1.0 */
  let headers = "";
  let contentLength: number | null = null;
  let chunked = false;
  let connection: string | null = null;
  let lines: string[] | null = null;
  for (let start = lineEnd + 2; start < text.length;) {
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon <= start || colon > end) {
      throw new Error(`bad header line from backend: '${text.slice(start, end).slice(0, 60)}'`);
    }
    const line = text.slice(start, end);
    const name = line.slice(0, colon - start).toLowerCase();
    start = end + 2;
    if (!RESPONSE_NOT_COPIED.has(name)) {
      headers += `${line}\r\n`;
      (lines ??= []).push(name, line);
      continue;
    }
    const value = line.slice(colon + 1 - (end - line.length)).trim();
    switch (name) {
      case "content-length":
        if (!/^\d{1,15}$/.test(value) || (contentLength !== null && contentLength !== +value)) {
          throw new Error(`bad content-length from backend: '${value.slice(0, 40)}'`);
        }
        contentLength = Number(value);
        break;
      case "transfer-encoding":
        if (!/(^|,)\s*chunked\s*$/i.test(value)) {
          throw new Error(`transfer-encoding '${value.slice(0, 40)}' from backend is not chunked`);
        }
        chunked = true;
        break;
      case "connection":
        connection = connection === null ? value : `${connection}, ${value}`;
        break;
    }
  }
  if (connection !== null) {
    const options = connectionOptions(connection, close);
    const named = options.named;
    close = options.close;
    if (named.size > 0 && lines) {
      headers = "";
      for (let i = 0; i < lines.length; i += 2) {
        if (!named.has(lines[i]!)) headers += `${lines[i + 1]}\r\n`;
      }
    }
  }
  if (chunked) contentLength = null;
  return { status, reason: text.slice(12, lineEnd), headers, contentLength, chunked, close };
}

/**
 * The head the balancer writes to its client for `response` from the backend `backendLabel`:
 * status line, end-to-end header lines, `x-backend`, then `connection` when given, the
 * `content-length` (except for 204) or `transfer-encoding: chunked` when `chunked`, and the blank
 * line.
 */
export function clientResponseHead(
  response: BackendResponseHead,
  backendLabel: string,
  connection: "close" | "keep-alive" | null,
  chunked: boolean,
): string {
  let head = `HTTP/1.1 ${response.status}${response.reason}\r\n${response.headers}` +
    `x-backend: ${backendLabel}\r\n`;
  if (connection !== null) head += `connection: ${connection}\r\n`;
  if (response.contentLength !== null && response.status !== 204) {
    head += `content-length: ${response.contentLength}\r\n`;
  }
  if (chunked) head += "transfer-encoding: chunked\r\n";
  return `${head}\r\n`;
}
