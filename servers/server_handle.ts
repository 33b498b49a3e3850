/**
 * What every server model returns when started as a module.
 *
 * @module
 */

/** Where and how to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Address to bind. Defaults to 127.0.0.1. */
  hostname?: string;
  /** Listen backlog (pending connections the kernel queues). Defaults to Deno's 511. */
  tcpBacklog?: number;
}

/** A running server. */
export interface ServerHandle {
  /** Model name: `async`, `threads`, `workers`, `balancer`... */
  model: string;
  /** Bound address. */
  hostname: string;
  /** Bound port (the real one when 0 was asked for). */
  port: number;
  /** `http://hostname:port` */
  url: string;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stops listening, ends workers, and resolves when nothing is left running. */
  shutdown(): Promise<void>;
}

/** The default bind address: loopback only. */
export const DEFAULT_HOSTNAME = "127.0.0.1";

/** Builds the `url` of a handle. */
export function serverUrl(hostname: string, port: number): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}`;
}
