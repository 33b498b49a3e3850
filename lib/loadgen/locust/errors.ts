/**
 * Sorting Locust's failure messages into HTTP statuses and transport failures.
 *
 * Locust counts a non-2xx response as a failure and reports failures by message only, so the
 * status has to be read back from the text: the lab's locustfile writes `HTTP 404`
 * (`CatchResponseError('HTTP 404')`), `HttpUser` writes `HTTPError('404 Client Error: ...')`.
 * Everything else is a transport failure: no full response arrived.
 *
 * @module
 */

/** What one failure message means. */
export type LocustErrorKind =
  | { kind: "status"; status: number }
  | { kind: "connect" | "timeout" | "reset" | "other" };

const STATUS_PATTERNS: readonly RegExp[] = [
  /\bHTTP(?:Error)?\W{0,3}([1-5]\d\d)\b/i,
  /\b([1-5]\d\d) (?:Client|Server) Error\b/i,
  /\bstatus(?: code)?\W{0,3}([1-5]\d\d)\b/i,
];

/** Classifies one message from `PREFIX_failures.csv`. */
export function classifyLocustError(message: string): LocustErrorKind {
  for (const pattern of STATUS_PATTERNS) {
    const match = pattern.exec(message);
    if (match) return { kind: "status", status: Number(match[1]) };
  }
  if (
    /ConnectionRefused|Connection refused|NewConnectionError|Name or service not known/i.test(
      message,
    )
  ) {
    return { kind: "connect" };
  }
  if (/No route to host|Network is unreachable|EHOSTUNREACH|ENETUNREACH/i.test(message)) {
    return { kind: "connect" };
  }
  if (/timed? ?out|Timeout/i.test(message)) return { kind: "timeout" };
  if (
    /ConnectionReset|reset by peer|BrokenPipe|RemoteDisconnected|ConnectionAborted/i.test(message)
  ) {
    return { kind: "reset" };
  }
  return { kind: "other" };
}
