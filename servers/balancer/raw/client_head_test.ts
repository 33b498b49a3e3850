import assert from "node:assert/strict";
import { parseResponseHead } from "../response_head.ts";
import { clientHeadRoom, writeClientHead } from "./client_head.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BACKEND = encoder.encode("x-backend: 127.0.0.1:9002\r\n");
const CLOSE = encoder.encode("connection: close\r\n");

/** What the raw engine writes to its client for the backend head `text`. */
function write(
  text: string,
  connection: Uint8Array | null = null,
  chunked = false,
): string {
  const bytes = encoder.encode(`xx${text}`);
  const head = parseResponseHead(bytes, 2, bytes.length);
  const out = new Uint8Array(clientHeadRoom(head, bytes.length, BACKEND, connection) + 3);
  const contentLength = head.status === 204 ? null : head.contentLength;
  const end = writeClientHead(bytes, head, out, 3, BACKEND, connection, contentLength, chunked);
  return decoder.decode(out.subarray(3, end));
}

Deno.test("client head: header lines are copied as received, then x-backend and the framing", () => {
  assert.deepEqual(
    write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length:  007 \r\nX-A:b\r\n" +
        "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
    ),
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nX-A:b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n" +
      "x-backend: 127.0.0.1:9002\r\ncontent-length: 7\r\n\r\n",
  );
});

Deno.test("client head: an HTTP/1.0 status line goes out as HTTP/1.1 with its reason", () => {
  assert.deepEqual(
    write("HTTP/1.0 503 Busy Now\r\nContent-Length: 0\r\n\r\n", CLOSE),
    "HTTP/1.1 503 Busy Now\r\nx-backend: 127.0.0.1:9002\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
  );
  assert.deepEqual(
    write("HTTP/1.1 200\r\n\r\n"),
    "HTTP/1.1 200\r\nx-backend: 127.0.0.1:9002\r\n\r\n",
  );
});

Deno.test("client head: hop-by-hop lines are left out; a chunked body is announced again", () => {
  assert.deepEqual(
    write(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: x-hop\r\nX-Hop: 1\r\n" +
        "Keep-Alive: 5\r\nX-End: 2\r\n\r\n",
      null,
      true,
    ),
    "HTTP/1.1 200 OK\r\nX-End: 2\r\nx-backend: 127.0.0.1:9002\r\ntransfer-encoding: chunked\r\n\r\n",
  );
});

Deno.test("client head: obs-text bytes are copied as they are", () => {
  const bytes = new Uint8Array([
    ...encoder.encode("HTTP/1.1 200 OK\r\nX-A: "),
    0xe9,
    0xff,
    ...encoder.encode("\r\nContent-Length: 0\r\n\r\n"),
  ]);
  const head = parseResponseHead(bytes, 0, bytes.length);
  const out = new Uint8Array(clientHeadRoom(head, bytes.length, BACKEND, null));
  const end = writeClientHead(bytes, head, out, 0, BACKEND, null, 0, false);
  assert.deepEqual([...out.subarray(22, 24)], [0xe9, 0xff]);
  assert.deepEqual(end, bytes.length + BACKEND.length);
});
