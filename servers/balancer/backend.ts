/**
 * One upstream server of the balancer and what the balancer knows about it.
 *
 * @module
 */

/** What `GET /lb/stats` shows for one backend. */
export interface BackendStats {
  /** Base URL, e.g. `http://127.0.0.1:9002`. */
  url: string;
  /** `host:port`, the value of the `x-backend` response header. */
  label: string;
  /** Requests (or, in TCP mode, connections) sent to it. */
  requests: number;
  /** Requests (or connections) it is serving now. */
  inFlight: number;
  /** Failed attempts: refused connections, resets, timeouts, failed health checks. */
  failures: number;
  /** Whether new requests may go to it. */
  healthy: boolean;
}

/** An upstream server: its address, counters and health. */
export class Backend {
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** Host name or address to connect to. */
  readonly hostname: string;
  /** Port to connect to. */
  readonly port: number;
  /** `host:port`, as shown in `x-backend` and log lines. */
  readonly label: string;
  /** Requests sent to it. */
  requests = 0;
  /** Requests being served now. */
  inFlight = 0;
  /** Failed attempts. */
  failures = 0;
  /** Whether it is in rotation. */
  healthy = true;
  /** Consecutive successful health checks while out of rotation. */
  successes = 0;

  /** Creates a backend from its base URL (`http://host:port`). */
  constructor(url: string) {
    const parsed = parseBackendUrl(url);
    this.hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    this.port = Number(parsed.port);
    this.label = parsed.host;
    this.url = `http://${parsed.host}`;
  }

  /** Takes the backend out of rotation after a failure. */
  markDown(): void {
    this.failures++;
    this.healthy = false;
    this.successes = 0;
  }

  /** Records an active health check; back in rotation after `rise` successes in a row. */
  recordCheck(ok: boolean, rise: number): void {
    if (!ok) {
      if (this.healthy) this.markDown();
      else this.successes = 0;
      return;
    }
    if (this.healthy) return;
    this.successes++;
    if (this.successes >= rise) {
      this.healthy = true;
      this.successes = 0;
    }
  }

  /** A snapshot for `GET /lb/stats`. */
  stats(): BackendStats {
    return {
      url: this.url,
      label: this.label,
      requests: this.requests,
      inFlight: this.inFlight,
      failures: this.failures,
      healthy: this.healthy,
    };
  }
}

/**
 * Parses a backend URL such as `http://127.0.0.1:9002`, or throws a one-line error that names the
 * problem and the expected form.
 */
export function parseBackendUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.includes("://") ? text : `http://${text}`);
  } catch {
    throw new TypeError(`backend '${text}' is not a URL: write it like http://127.0.0.1:9002`);
  }
  if (url.protocol !== "http:") {
    throw new TypeError(`backend '${text}' must use http:// (write it like http://127.0.0.1:9002)`);
  }
  if (url.port === "") {
    throw new TypeError(`backend '${text}' has no port: write it like http://127.0.0.1:9002`);
  }
  if (url.pathname !== "/" || url.search !== "") {
    throw new TypeError(`backend '${text}' must not have a path or query: use http://host:port`);
  }
  return url;
}
