import assert from "node:assert/strict";
import { HttpError } from "../http_error.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { findHeadEnd, forwardedHeadText, parseRequestHead } from "./request_head.ts";
import {
  copySimpleRequestHead,
  SIMPLE_HEAD_SLACK,
  type SimpleRequestHead,
} from "./simple_request_head.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CLIENT = "10.1.2.3";
const FORWARDED_FOR = encoder.encode(
  `x-forwarded-for: ${CLIENT}\r\nx-forwarded-proto: http\r\n`,
);

/** Requests the fast path must take, forwarding exactly what the strict path forwards. */
const SIMPLE_REQUESTS = [
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:44444\r\n\r\n",
  "GET /page.html?a=1&b=%20x HTTP/1.1\r\nhost: lab\r\nAccept: */*\r\nUser-Agent: wrk\r\n\r\n",
  "HEAD /big.bin HTTP/1.1\r\nUser-Agent: curl/8.0\r\nHOST: lab:80\r\nAccept: */*\r\n\r\n",
  "DELETE /orders/7 HTTP/1.1\r\nHost: lab\r\nX-Empty: \r\nX-Tab: a\tb\r\n\r\n",
  "OPTIONS /x HTTP/1.1\r\nHost: lab\r\nCookie: a=1; b=2\r\nAccept-Language: en, id;q=0.8\r\n\r\n",
  "PURGE /cache HTTP/1.1\r\nHost: lab\r\nTE-Hint: not-te\r\nTrailers: no\r\nX-Forwarded: x\r\n\r\n",
  `GET /${"a".repeat(300)} HTTP/1.1\r\nHost: lab\r\nX-Long: ${"v".repeat(500)}\r\n\r\n`,
];

/** Requests the fast path must leave to the strict path (which forwards them, rewritten). */
const STRICT_ONLY_REQUESTS = [
  "GET / HTTP/1.0\r\nHost: lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nConnection: keep-alive\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nKeep-Alive: 5\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nTE: trailers\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nUpgrade: websocket\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nProxy-Authorization: x\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nx-forwarded-host: other\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nContent-Length: 0\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nExpect: 100-continue\r\n\r\n",
  "GET http://lab/x HTTP/1.1\r\nHost: lab\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost:  lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost:lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab \r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nAccept:\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nAccept: \t*/*\r\n\r\n",
];

/** Heads the balancer must refuse: the fast path must leave every one to the strict parser. */
const MALFORMED_REQUESTS = [
  "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
  "GET / HTTP/1.1\r\nHost : lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\n X-Fold: 1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\n\tX-Fold: 1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nNo-Colon\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\n: empty-name\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nBad(Name): 1\r\n\r\n",
  "G@T / HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET  / HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET /a b HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET page.html HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET / HTTX/1.1\r\nHost: lab\r\n\r\n",
  "GET / HTTP/2.0\r\nHost: lab\r\n\r\n",
  "GET / HTTP/1.1 \r\nHost: lab\r\n\r\n",
  "CONNECT / HTTP/1.1\r\nHost: lab\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nContent-Length: +5\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: lab\r\nExpect: magic\r\n\r\n",
  `GET /${"a".repeat(DEFAULT_LIMITS.maxRequestLineBytes)} HTTP/1.1\r\nHost: lab\r\n\r\n`,
  `GET / HTTP/1.1\r\nHost: lab\r\n${"X-A: 1\r\n".repeat(DEFAULT_LIMITS.maxHeaderFields)}\r\n`,
];

function fast(request: string): { length: number; bytes: string; found: SimpleRequestHead } {
  const input = encoder.encode(`${request}NEXT`);
  const end = findHeadEnd(input, 0, 0, input.length, DEFAULT_LIMITS);
  assert.ok(end === request.length, `head end ${end} for ${JSON.stringify(request.slice(0, 60))}`);
  const out = new Uint8Array(end + FORWARDED_FOR.length + SIMPLE_HEAD_SLACK);
  const found: SimpleRequestHead = { method: "", targetStart: 0, targetEnd: 0 };
  const length = copySimpleRequestHead(input, 0, end, DEFAULT_LIMITS, FORWARDED_FOR, out, found);
  return { length, bytes: decoder.decode(out.subarray(0, Math.max(length, 0))), found };
}

function strict(request: string): string {
  return forwardedHeadText(parseRequestHead(request, DEFAULT_LIMITS), CLIENT);
}

Deno.test("request fast path forwards byte for byte what the strict path forwards", () => {
  for (const request of SIMPLE_REQUESTS) {
    const { length, bytes, found } = fast(request);
    assert.ok(length >= 0, `fast path not taken for ${JSON.stringify(request.slice(0, 60))}`);
    assert.deepEqual(bytes, strict(request));
    const head = parseRequestHead(request, DEFAULT_LIMITS);
    assert.deepEqual(found.method, head.method);
    assert.deepEqual(request.slice(found.targetStart, found.targetEnd), head.target);
  }
});

Deno.test("request fast path leaves hop-by-hop, framing and rewritten heads to the strict path", () => {
  for (const request of STRICT_ONLY_REQUESTS) {
    assert.deepEqual(fast(request).length, -1, JSON.stringify(request));
    parseRequestHead(request, DEFAULT_LIMITS); // the strict path forwards it
  }
});

Deno.test("request fast path refuses nothing itself: every malformed head goes to the strict parser, which refuses it", () => {
  for (const request of MALFORMED_REQUESTS) {
    const name = JSON.stringify(request.slice(0, 70));
    assert.deepEqual(fast(request).length, -1, name);
    let refused: unknown = null;
    try {
      parseRequestHead(request, DEFAULT_LIMITS);
    } catch (error) {
      refused = error;
    }
    assert.ok(refused instanceof HttpError, `strict parser accepted ${name}`);
  }
});
