/**
 * Small real servers for the balancer's tests: an echo backend, a backend that closes every
 * connection after reading a request, one that never answers, and a raw HTTP client.
 *
 * @module
 */

import { closeQuietly } from "../../../../servers/balancer/connection_errors.ts";

/** A test server with its base URL. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Bound port. */
  port: number;
  /** Requests (or connections) it has received. */
  count(): number;
  /** Stops it and closes every connection. */
  close(): Promise<void>;
}

/** What the echo backend answers: the request as it arrived. */
export interface Echo {
  /** Server name given at start. */
  name: string;
  /** Method. */
  method: string;
  /** Path and query. */
  target: string;
  /** Request headers, names lower case. */
  headers: Record<string, string>;
  /** Request body as text. */
  body: string;
}

/** Starts a `Deno.serve` backend that answers every request with an {@link Echo} JSON body. */
export function startEchoBackend(name: string): TestServer {
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok\n");
    count++;
    const echo: Echo = {
      name,
      method: req.method,
      target: url.pathname + url.search,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    };
    return Response.json(echo, { headers: { "x-echo": name } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    count: () => count,
    close: () => server.shutdown(),
  };
}

/**
 * Starts a raw TCP backend: for every connection it reads one request (head and a
 * `content-length` body), counts it, then writes `reply` (if any) and closes, or with `reply`
 * null keeps the connection open without answering until closed.
 */
export function startRawBackend(reply: string | null | "close"): TestServer {
  let count = 0;
  const server = serveConnections(async (conn) => {
    await readRequest(conn);
    count++;
    if (reply === null) {
      await conn.read(new Uint8Array(1024));
      return;
    }
    if (reply !== "close") await conn.write(new TextEncoder().encode(reply));
  });
  return { ...server, count: () => count };
}

/**
 * Starts a raw backend that answers the first request on each connection with `200 one` and
 * keep-alive framing, then reads the next request and closes without answering it: a pooled
 * connection that breaks when reused.
 */
export function startOneAnswerBackend(): TestServer {
  let count = 0;
  const reply = new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\none");
  const server = serveConnections(async (conn) => {
    await readRequest(conn);
    count++;
    await conn.write(reply);
    await readRequest(conn);
    count++;
  });
  return { ...server, count: () => count };
}

/** A raw listener that runs `handle` for each connection and then closes it. */
interface ConnectionServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Bound port. */
  port: number;
  /** Stops accepting, closes every open connection and waits for the handlers. */
  close(): Promise<void>;
}

/**
 * Accepts connections on a free loopback port and runs `handle` on each; an error from `handle`
 * (the peer went away) is ignored and the connection is closed when it returns.
 */
function serveConnections(handle: (conn: Deno.Conn) => Promise<void>): ConnectionServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      open.add(conn);
      const task = handle(conn).catch(() => {/* the peer went away */}).finally(() => {
        open.delete(conn);
        closeQuietly(conn);
      });
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();
  const port = listener.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      listener.close();
      await accepting;
      for (const conn of open) closeQuietly(conn);
      await Promise.all([...tasks]);
    },
  };
}

async function readRequest(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  let length = 0;
  for (;;) {
    const text = new TextDecoder().decode(buffer.subarray(0, length));
    const end = text.indexOf("\r\n\r\n");
    const bodyBytes = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
    if (end >= 0 && length >= end + 4 + bodyBytes) return text;
    const n = await conn.read(buffer.subarray(length));
    if (n === null) return text;
    length += n;
  }
}

/** A free loopback port with nothing listening on it (connections are refused). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Sends `request` as raw bytes on a new connection and returns everything read until close. */
export async function rawExchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const buffer = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
  } finally {
    conn.close();
  }
}

/** A backend that records every byte it receives. */
export interface RecordingBackend extends TestServer {
  /** Everything received so far, on all connections, as text. */
  received(): string;
}

/**
 * Starts a raw backend that records the bytes it receives and answers each request head with
 * `reply` (by default `200 ok`), keeping the connection open. Bodies are recorded but not parsed:
 * they must not hold a blank line.
 */
export function startRecordingBackend(
  reply: string = "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n",
): RecordingBackend {
  const decoder = new TextDecoder();
  const replyBytes = new TextEncoder().encode(reply);
  let received = "";
  let count = 0;
  const server = serveConnections(async (conn) => {
    const buffer = new Uint8Array(16 * 1024);
    let pending = "";
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      const text = decoder.decode(buffer.subarray(0, n));
      received += text;
      pending += text;
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        pending = pending.slice(end + 4);
        count++;
        await conn.write(replyBytes);
      }
    }
  });
  return { ...server, count: () => count, received: () => received };
}

/**
 * Sends `request` on a new connection, half-closes it (so a server waiting for more bytes sees
 * the end), and returns everything read until the server closes; rejects after `limitMs`.
 */
export async function sendAndHalfClose(
  port: number,
  request: Uint8Array,
  limitMs = 5000,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => closeQuietly(conn), limitMs);
  try {
    try {
      await conn.write(request);
      await conn.closeWrite();
    } catch { /* the server may close first: read what it sent */ }
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        chunks.push(buffer.slice(0, n));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.ConnectionReset)) {
        throw new Error(`no answer within ${limitMs} ms`, { cause: error });
      }
    }
    return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}
