/**
 * The header names the balancer does not pass on as received, in one place for both engines and
 * for the strict and byte-level parsers.
 *
 * Hop-by-hop headers (RFC 9110 section 7.6.1) describe one connection, so a proxy must not
 * forward them, nor any header the `Connection` header names. Framing headers and the
 * `X-Forwarded-*` ones are rewritten by the balancer itself.
 *
 * @module
 */

/** Headers that never cross a proxy, lower case. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * End-to-end request headers the balancer sets itself instead of copying them (lower case):
 * `Host` and framing become its own lines, `X-Forwarded-*` are extended.
 */
export const REQUEST_REWRITTEN: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "expect",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

/** Request headers never copied to a backend as received: hop-by-hop plus the rewritten ones. */
export const REQUEST_NOT_COPIED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  ...REQUEST_REWRITTEN,
]);

/** Response headers never copied to a client as received: hop-by-hop plus `Content-Length`. */
export const RESPONSE_NOT_COPIED: ReadonlySet<string> = new Set([...HOP_BY_HOP, "content-length"]);

/**
 * The set of header names (lower case) to drop from a message whose `Connection` header is
 * `connection`: the fixed hop-by-hop set plus every name listed in it.
 */
export function droppedHeaders(connection: string | null): ReadonlySet<string> {
  if (!connection) return HOP_BY_HOP;
  const names = new Set(HOP_BY_HOP);
  for (const token of connection.split(",")) {
    const name = token.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/** What a `Connection` header says: whether to close, and the extra names to drop. */
export interface ConnectionOptions {
  /** Whether the connection closes after this message. */
  close: boolean;
  /** Header names (lower case) the header lists besides `close` and `keep-alive`. */
  named: Set<string>;
}

/**
 * Reads a `Connection` header value (all its lines joined with ", "). `close` wins over
 * `keep-alive`; with neither, the connection closes when `closeByDefault` (HTTP/1.0).
 */
export function connectionOptions(connection: string, closeByDefault: boolean): ConnectionOptions {
  const named = new Set<string>();
  let sawClose = false;
  let sawKeepAlive = false;
  for (const token of connection.split(",")) {
    const option = token.trim().toLowerCase();
    if (option === "close") sawClose = true;
    else if (option === "keep-alive") sawKeepAlive = true;
    else if (option) named.add(option);
  }
  return { close: sawClose || (!sawKeepAlive && closeByDefault), named };
}
