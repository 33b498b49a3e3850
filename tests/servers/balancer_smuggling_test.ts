import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { startBalancer } from "../../servers/balancer.ts";
import {
  sendAndHalfClose,
  startRecordingBackend,
} from "../support/servers/balancer/test_servers.ts";

const encoder = new TextEncoder();
const post = (headers: string, body: string) =>
  `POST /target HTTP/1.1\r\nHost: lab\r\n${headers}\r\n${body}`;
const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: lab\r\n\r\n";

/** Requests a backend could frame differently from the balancer: each must get 400, unsent. */
const ATTEMPTS: [string, string][] = [
  ["CL.TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", `0\r\n\r\n${SMUGGLED}`)],
  [
    "TE.CL",
    post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", `5c\r\n${SMUGGLED}\r\n0\r\n\r\n`),
  ],
  ["TE.TE: xchunked", post("Transfer-Encoding: xchunked\r\n", `0\r\n\r\n${SMUGGLED}`)],
  ["TE.TE: chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n")],
  ["TE.TE: identity, chunked", post("Transfer-Encoding: identity, chunked\r\n", "0\r\n\r\n")],
  [
    "TE.TE: two headers",
    post("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", `0\r\n\r\n${SMUGGLED}`),
  ],
  ["TE.TE: space before colon", post("Transfer-Encoding : chunked\r\n", `0\r\n\r\n${SMUGGLED}`)],
  ["TE.TE: obs-fold", post("X-Pad: 1\r\n Transfer-Encoding: chunked\r\n", "0\r\n\r\n")],
  ["TE.TE: vertical tab", post("Transfer-Encoding:\x0bchunked\r\n", "0\r\n\r\n")],
  ["TE.TE: bare CR in value", post("Transfer-Encoding: chunked\rX: y\r\n", "0\r\n\r\n")],
  ["TE in HTTP/1.0", `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ["duplicate CL, equal", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello")],
  [
    "duplicate CL, differing",
    post("Content-Length: 5\r\nContent-Length: 38\r\n", `hello${SMUGGLED}`),
  ],
  ["CL list", post("Content-Length: 5, 5\r\n", "hello")],
  ["CL with sign", post("Content-Length: +5\r\n", "hello")],
  ["CL in hex", post("Content-Length: 0x5\r\n", "hello")],
  ["CL negative", post("Content-Length: -1\r\n", "hello")],
  ["chunk size garbage", post("Transfer-Encoding: chunked\r\n", `zz\r\n${SMUGGLED}\r\n0\r\n\r\n`)],
  ["chunk size 0x prefix", post("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n")],
  ["chunk size with space", post("Transfer-Encoding: chunked\r\n", "5 \r\nhello\r\n0\r\n\r\n")],
  ["chunk size negative", post("Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n")],
  ["chunk size overflow", post("Transfer-Encoding: chunked\r\n", "10000000000000005\r\nhello\r\n")],
  ["chunk data too long", post("Transfer-Encoding: chunked\r\n", `3\r\nhello\r\n0\r\n\r\n`)],
  ["chunk bare LF", post("Transfer-Encoding: chunked\r\n", "5\nhello\n0\n\n")],
  ["bare LF in head", "GET / HTTP/1.1\nHost: lab\n\n"],
  ["bare CR in head", "GET / HTTP/1.1\rHost: lab\r\n\r\n"],
  ["NUL in header value", "GET / HTTP/1.1\r\nHost: lab\r\nX-A: a\0b\r\n\r\n"],
  ["space before colon", "GET / HTTP/1.1\r\nHost : lab\r\n\r\n"],
  ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"],
  ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
  ["invalid method", "G@T / HTTP/1.1\r\nHost: lab\r\n\r\n"],
  ["relative request-target", "GET page.html HTTP/1.1\r\nHost: lab\r\n\r\n"],
  ["space in request-target", "GET /a b HTTP/1.1\r\nHost: lab\r\n\r\n"],
  ["two spaces after method", "GET  / HTTP/1.1\r\nHost: lab\r\n\r\n"],
  ["garbage version", "GET / HTTX/1.1\r\nHost: lab\r\n\r\n"],
  ["non-ASCII in target", "GET /caf\u00e9 HTTP/1.1\r\nHost: lab\r\n\r\n"],
];

Deno.test("smuggling attempts are answered 400 and never reach the backend", async () => {
  const backend = startRecordingBackend();
  const balancer = await startBalancer({ port: 0, backends: [backend.url], healthIntervalMs: 0 });
  try {
    for (const [name, request] of ATTEMPTS) {
      const answer = await sendAndHalfClose(balancer.port, encoder.encode(request));
      assert.ok(
        answer.startsWith("HTTP/1.1 400 "),
        `${name}: ${JSON.stringify(answer.slice(0, 80))}`,
      );
      assert.ok(/\r\nconnection: close\r\n/.test(answer), `${name}: connection not closed`);
      assert.deepEqual(answer.match(/HTTP\/1\.1 /g)?.length, 1, `${name}: more than one response`);
    }
    assert.deepEqual(backend.received(), "", "a refused request reached the backend");
    const ok = await sendAndHalfClose(
      balancer.port,
      encoder.encode("GET /ok HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n"),
    );
    assert.ok(ok.startsWith("HTTP/1.1 200 "), ok.slice(0, 80));
    assert.deepEqual(backend.received().match(/^GET \/ok HTTP\/1\.1\r\n/gm)?.length, 1);
    assert.deepEqual(backend.count(), 1);
  } finally {
    await balancer.shutdown();
    await backend.close();
  }
});

Deno.test("limits: 414 for a long request line, 431 for a large head, 413 for a large body, 505", async () => {
  const backend = startRecordingBackend();
  const balancer = await startBalancer({
    port: 0,
    backends: [backend.url],
    healthIntervalMs: 0,
    maxBodyBytes: 1000,
  });
  try {
    const cases: [string, string][] = [
      ["414", `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: lab\r\n\r\n`],
      ["414", `GET /${"a".repeat(40_000)}`],
      ["431", `GET / HTTP/1.1\r\nHost: lab\r\n${"X-Pad: 0123456789abcdef\r\n".repeat(1500)}\r\n`],
      ["431", `GET / HTTP/1.1\r\nHost: lab\r\n${"X-N: 1\r\n".repeat(120)}\r\n`],
      ["413", post("Content-Length: 1001\r\n", "x".repeat(1001))],
      ["413", post("Transfer-Encoding: chunked\r\n", `400\r\n${"x".repeat(1024)}\r\n0\r\n\r\n`)],
      ["505", "GET / HTTP/2.0\r\nHost: lab\r\n\r\n"],
    ];
    for (const [status, request] of cases) {
      const answer = await sendAndHalfClose(balancer.port, encoder.encode(request));
      assert.ok(answer.startsWith(`HTTP/1.1 ${status} `), `${status}: ${answer.slice(0, 80)}`);
    }
    assert.deepEqual(backend.received(), "");
  } finally {
    await balancer.shutdown();
    await backend.close();
  }
});

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  "GET /page.html HTTP/1.1\r\nHost: lab\r\nAccept: */*\r\n\r\n",
  "POST /echo HTTP/1.1\r\nHost: lab\r\nContent-Length: 5\r\n\r\nhello",
  "POST /echo HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "GET /io?ms=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
];
const PIECES = [
  "\r",
  "\n",
  "\r\n",
  "\0",
  " ",
  "\t",
  ":",
  ",",
  "chunked",
  "Content-Length: 3\r\n",
  "Transfer-Encoding: chunked\r\n",
  "\x7f",
  "\xff",
  "0\r\n\r\n",
  "HTTP/1.1",
  "\r\n\r\n",
];

/** One malformed or random request. */
function mutant(next: () => number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const kind = next();
  if (kind < 0.15) {
    return Uint8Array.from({ length: 1 + Math.floor(next() * 300) }, () => next() * 256);
  }
  let text = pick(VALID);
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (text.length + 1));
    const op = next();
    if (op < 0.4) text = text.slice(0, at) + pick(PIECES) + text.slice(at);
    else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 8));
    else if (op < 0.85) {
      text = text.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + text.slice(at + 1);
    } else text = text.slice(0, at);
  }
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

Deno.test("3000 seeded malformed requests leave the balancer serving", async () => {
  const backend = await startAsync({ port: 0 });
  const balancer = await startBalancer({
    port: 0,
    backends: [backend.url],
    healthIntervalMs: 0,
    idleTimeoutMs: 2000,
  });
  try {
    const next = random(20201110);
    const requests = Array.from({ length: 3000 }, () => mutant(next));
    const statuses = new Map<string, number>();
    let cursor = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (cursor < requests.length) {
        const answer = await sendAndHalfClose(balancer.port, requests[cursor++]!);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? (answer ? "garbage" : "closed");
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }));
    assert.deepEqual(statuses.get("garbage"), undefined, `statuses: ${[...statuses]}`);
    assert.ok((statuses.get("400") ?? 0) > 1000, `statuses: ${[...statuses]}`);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${balancer.url}/page.html`);
      assert.deepEqual(response.status, 200);
      assert.ok((await response.text()).includes("<html"));
    }
  } finally {
    await balancer.shutdown();
    await backend.shutdown();
  }
});
