/**
 * Keep-alive connections to one backend, reused across requests.
 *
 * @module
 */

import { Http1Connection } from "./http1_connection.ts";

/** Idle connections kept per backend unless told otherwise. */
export const DEFAULT_MAX_IDLE = 128;

/**
 * Time a released connection may sit in the pool before it is watched for the backend closing
 * it, ms. Under load most connections are reused sooner and never pay for a waiting read.
 */
export const WATCH_DELAY_MS = 5;

/** A pool of idle HTTP/1.1 connections to one backend. */
export class ConnectionPool {
  readonly #idle: Http1Connection[] = [];
  #closed = false;
  #watchTimer: ReturnType<typeof setTimeout> | undefined;

  /** Creates an empty pool for `hostname:port`. */
  constructor(
    readonly hostname: string,
    readonly port: number,
    readonly maxIdle: number = DEFAULT_MAX_IDLE,
  ) {}

  /** Idle connections now. */
  get idle(): number {
    return this.#idle.length;
  }

  /** An idle connection, or a new one (rejects when the backend cannot be reached). */
  acquire(): Promise<Http1Connection> {
    const idle = this.takeIdle();
    return idle ? Promise.resolve(idle) : Http1Connection.open(this.hostname, this.port);
  }

  /** An idle connection taken out of the pool, or undefined when there is none. */
  takeIdle(): Http1Connection | undefined {
    for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
      if (!connection.closed) {
        connection.unpark();
        return connection;
      }
    }
    return undefined;
  }

  /** Returns a connection after a complete exchange; `reusable` false closes it. */
  release(connection: Http1Connection, reusable: boolean): void {
    if (!reusable || this.#closed || connection.closed || this.#idle.length >= this.maxIdle) {
      connection.close();
      return;
    }
    this.#idle.push(connection);
    connection.park(this.#forget);
    if (this.#watchTimer === undefined) {
      this.#watchTimer = setTimeout(this.#watchIdle, WATCH_DELAY_MS);
    }
  }

  /** Watches every connection still idle (each keeps at most one read pending). */
  readonly #watchIdle = () => {
    this.#watchTimer = undefined;
    for (const connection of this.#idle) connection.watch();
  };

  /** Drops a connection the backend closed while it was idle. */
  readonly #forget = (connection: Http1Connection) => {
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  };

  /** Closes the idle connections and every connection released from now on. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#watchTimer);
    this.#watchTimer = undefined;
    for (const connection of this.#idle.splice(0)) connection.close();
  }

  /** Closes the idle connections but keeps pooling (after the backend restarted, say). */
  drain(): void {
    for (const connection of this.#idle.splice(0)) connection.close();
  }
}
