/**
 * HTTP helpers for server tests: whole responses, `/stats`, and raw requests whose path no
 * client normalizes.
 *
 * @module
 */

import { concat } from "../robust.ts";
import type { StatsReport } from "../../../servers/app.ts";

/** A response read to the end. */
export interface ReadResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  text: string;
}

/** Fetches `url` and reads the whole body (so no resource is left open). */
export async function fetchAll(url: string, init?: RequestInit): Promise<ReadResponse> {
  const response = await fetch(url, init);
  const body = new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    body,
    text: new TextDecoder().decode(body),
  };
}

/** Reads a server's `/stats`. */
export async function readStats(baseUrl: string): Promise<StatsReport> {
  const response = await fetch(`${baseUrl}/stats`);
  if (!response.ok) throw new Error(`/stats answered ${response.status}: ${await response.text()}`);
  return await response.json();
}

/** A raw HTTP/1.1 response: status code and everything after the status line, as text. */
export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `GET <rawPath>` exactly as given over a fresh TCP connection and reads the reply until
 * the server closes it.
 */
export async function rawRequest(
  port: number,
  rawPath: string,
  method = "GET",
): Promise<RawResponse> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `${method} ${rawPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await connection.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(16 * 1024);
    while (true) {
      const n = await connection.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    const text = new TextDecoder().decode(concat(chunks));
    const split = text.indexOf("\r\n\r\n");
    const head = split < 0 ? text : text.slice(0, split);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    return { status, head, body: split < 0 ? "" : text.slice(split + 4) };
  } finally {
    connection.close();
  }
}
