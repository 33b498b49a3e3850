/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy must not
 * forward them, nor any header the `Connection` header names.
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
