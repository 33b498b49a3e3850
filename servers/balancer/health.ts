/**
 * Active health checks: `GET /health` on every backend at a fixed interval.
 *
 * A failed check takes a backend out of rotation; a backend out of rotation comes back after
 * `rise` successful checks in a row. (Passive checks, a refused connection during a request,
 * are in the proxy.)
 *
 * @module
 */

import type { Backend } from "./backend.ts";

/** Options of {@link startHealthChecks}. */
export interface HealthCheckOptions {
  /** Time between rounds of checks, ms. */
  intervalMs: number;
  /** Successful checks in a row that bring a backend back. */
  rise: number;
  /** Time one check may take, ms. Defaults to the interval, at most 2 s. */
  timeoutMs?: number;
  /** Path to check. Defaults to `/health`. */
  path?: string;
  /** Called when a backend leaves or rejoins the rotation. */
  onChange?: (backend: Backend) => void;
}

/** Running health checks. */
export interface HealthChecks {
  /** Runs one round now and waits for it. */
  checkNow(): Promise<void>;
  /** Stops checking and waits for a running round to end. */
  stop(): Promise<void>;
}

/** Starts checking `backends` every `intervalMs` milliseconds. */
export function startHealthChecks(
  backends: readonly Backend[],
  options: HealthCheckOptions,
): HealthChecks {
  const timeoutMs = options.timeoutMs ?? Math.min(options.intervalMs, 2000);
  const path = options.path ?? "/health";
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const checkAll = async () => {
    await Promise.all(backends.map(async (backend) => {
      const ok = await probe(backend, path, timeoutMs);
      if (stopped) return;
      const was = backend.healthy;
      backend.recordCheck(ok, options.rise);
      if (was !== backend.healthy) options.onChange?.(backend);
    }));
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = checkAll().finally(schedule);
    }, options.intervalMs);
  };
  schedule();

  return {
    checkNow() {
      round = round.then(checkAll);
      return round;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round.catch(() => {});
    },
  };
}

/** True when `GET path` on the backend answers 2xx within `timeoutMs`. */
export async function probe(backend: Backend, path: string, timeoutMs: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    try {
      conn?.close();
    } catch { /* closed already */ }
    conn = undefined;
  }, timeoutMs);
  try {
    conn = await Deno.connect({ hostname: backend.hostname, port: backend.port });
    if (expired) return false;
    const request = `GET ${path} HTTP/1.1\r\nhost: ${backend.label}\r\nconnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(64);
    let length = 0;
    while (length < 12) {
      const n = await conn.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    return /^HTTP\/1\.[01] 2\d\d/.test(new TextDecoder().decode(buffer.subarray(0, length)));
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch { /* closed already */ }
  }
}
