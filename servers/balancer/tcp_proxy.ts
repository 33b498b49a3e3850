/**
 * L4 mode: whole TCP connections forwarded round robin, as the 2020 course's `lb.py` did.
 *
 * Each client connection gets one new backend connection, chosen when the client connects, and
 * every request on it goes to that backend (per-connection balancing, unlike the HTTP mode's
 * per-request balancing). A refused backend is taken out of rotation and the next one is tried.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { closeQuietly } from "./connection_errors.ts";
import type { Strategy } from "./strategies.ts";

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Backends in configured order. */
  backends: readonly Backend[];
  /** Picks a backend for each connection. */
  strategy: Strategy;
  /** Called with one line per forwarded connection (`--log`). */
  log?: (line: string) => void;
}

/** A running TCP forwarder. */
export interface TcpProxy {
  /** Bound address. */
  addr: Deno.NetAddr;
  /** Resolves when stopped. */
  finished: Promise<void>;
  /** Stops accepting, closes every connection, and waits for the forwarding tasks. */
  shutdown(): Promise<void>;
}

/** Starts forwarding connections. */
export function startTcpProxy(options: TcpProxyOptions): TcpProxy {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();

  const accepting = (async () => {
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      const task = serveConnection(client, options, open).finally(() => tasks.delete(task));
      tasks.add(task);
    }
  })();

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      try {
        listener.close();
      } catch { /* closed already */ }
      await accepting;
      for (const conn of open) closeQuietly(conn);
      await Promise.all([...tasks]);
    })();
    return stopping;
  };
  const finished = accepting.then(() => stopping);
  return { addr: listener.addr, finished: finished.then(() => {}), shutdown };
}

async function serveConnection(
  client: Deno.TcpConn,
  options: TcpProxyOptions,
  open: Set<Deno.Conn>,
): Promise<void> {
  open.add(client);
  const tried = new Set<Backend>();
  try {
    for (;;) {
      const backend = options.strategy(options.backends, tried);
      if (!backend) return;
      tried.add(backend);
      let upstream: Deno.TcpConn;
      try {
        upstream = await Deno.connect({ hostname: backend.hostname, port: backend.port });
      } catch {
        backend.markDown();
        continue;
      }
      open.add(upstream);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      const from = client.remoteAddr as Deno.NetAddr;
      options.log?.(`connection from ${from.hostname}:${from.port} forwarded to ${backend.label}`);
      backend.requests++;
      backend.inFlight++;
      try {
        await Promise.all([copy(client, upstream), copy(upstream, client)]);
      } finally {
        backend.inFlight--;
        open.delete(upstream);
        closeQuietly(upstream);
      }
      return;
    }
  } finally {
    open.delete(client);
    closeQuietly(client);
  }
}

/** Copies bytes until `from` ends, then half-closes `to`; any error closes both. */
async function copy(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
    }
    await to.closeWrite();
  } catch {
    closeQuietly(from);
    closeQuietly(to);
  }
}
