/**
 * Helpers for the load-generator tests: fixtures, thrown errors, the async server's own request
 * count, exact response sizes, and a server that counts the TCP connections it sees.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readStats } from "../../tests/support/servers/http.ts";

/** Throws unless `actual` is within `tolerance` of `expected`. */
export function assertClose(actual: number, expected: number, tolerance: number): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`expected ${expected} +- ${tolerance}, got ${actual}`);
  }
}

/** Asserts that `fn` throws an instance of `type` whose message includes `text`; returns it. */
export function throwsWith<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  text = "",
): E {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    assert.ok(error.message.includes(text), `'${error.message}' lacks '${text}'`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name} to be thrown` });
}

/** Reads a fixture from `testdata/`. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../../lib/loadgen/testdata/${name}`, import.meta.url));
}

/** The async server's `served` counter (requests other than /health and /stats). */
export async function served(baseUrl: string): Promise<number> {
  return (await readStats(baseUrl)).served;
}

/** How {@link responseSize} asks. */
export interface SizeRequest {
  /** Send HTTP/1.0 (as ab does) instead of HTTP/1.1. */
  http10?: boolean;
  /** Send `Connection: close`. */
  close?: boolean;
}

/**
 * The exact size in bytes (status line, headers and body) of the response to one GET of `url`,
 * read over a raw TCP connection. Every response of a fixed route has the same size, so a load
 * generator's byte count can be checked against `completed * size`.
 */
export async function responseSize(url: string, how: SizeRequest = {}): Promise<number> {
  const target = new URL(url);
  const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  try {
    const version = how.http10 ? "HTTP/1.0" : "HTTP/1.1";
    const head = `GET ${target.pathname}${target.search} ${version}\r\nHost: ${target.host}\r\n` +
      (how.close ? "Connection: close\r\n" : "") + "\r\n";
    await conn.write(new TextEncoder().encode(head));
    const buffer = new Uint8Array(1 << 16);
    let received = new Uint8Array(0);
    while (true) {
      const text = new TextDecoder().decode(received);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const length = Number(/content-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? NaN);
        if (received.byteLength >= end + 4 + length) return end + 4 + length;
      }
      const n = await conn.read(buffer);
      if (n === null) return received.byteLength;
      const next = new Uint8Array(received.byteLength + n);
      next.set(received);
      next.set(buffer.subarray(0, n), received.byteLength);
      received = next;
    }
  } finally {
    conn.close();
  }
}

/** A tiny server that answers `hello` and counts requests and distinct client connections. */
export interface ConnectionCounter {
  /** `http://127.0.0.1:port/` */
  url: string;
  /** Requests answered. */
  requests(): number;
  /** Distinct client ports seen (one per TCP connection in a short run). */
  connections(): number;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/**
 * Starts a {@link ConnectionCounter} on a free loopback port. Each answer waits `delayMs`, which
 * keeps a timed run short of the tens of thousands of connections after which client ports are
 * reused (and distinct ports would undercount connections).
 */
export function startConnectionCounter(delayMs = 0): ConnectionCounter {
  const ports = new Set<number>();
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (_request, info) => {
      requests++;
      ports.add(info.remoteAddr.port);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return new Response("hello\n");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    requests: () => requests,
    connections: () => ports.size,
    shutdown: () => server.shutdown(),
  };
}
