import assert from "node:assert/strict";
import { HttpError } from "../http_error.ts";
import { DEFAULT_LIMITS, type RequestLimits } from "./limits.ts";
import { findHeadEnd, forwardedHeadText, parseRequestHead } from "./request_head.ts";

const encoder = new TextEncoder();

/** The status and message of the HttpError `fn` throws. */
function refusal(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    return [error.status, error.message];
  }
  throw new Error("accepted");
}

/** Parses `lines` joined into one head. */
function parse(lines: string[], limits: RequestLimits = DEFAULT_LIMITS) {
  return parseRequestHead(`${lines.join("\r\n")}\r\n\r\n`, limits);
}

/** The status `lines` are refused with. */
function status(lines: string[], limits: RequestLimits = DEFAULT_LIMITS): number {
  return refusal(() => parse(lines, limits))[0];
}

Deno.test("request head: a plain GET keeps its end-to-end headers as sent, Host set aside", () => {
  const head = parse(["GET /a?b=1 HTTP/1.1", "Host: lab", "Accept:  */* ", "X-Tab: a\tb"]);
  assert.deepEqual(head, {
    method: "GET",
    target: "/a?b=1",
    minor: 1,
    headers: "Accept: */*\r\nX-Tab: a\tb\r\n",
    host: "lab",
    forwardedFor: null,
    contentLength: null,
    chunked: false,
    close: false,
    expectContinue: false,
  });
  assert.deepEqual(
    forwardedHeadText(head, "10.0.0.9"),
    "GET /a?b=1 HTTP/1.1\r\nAccept: */*\r\nX-Tab: a\tb\r\nx-forwarded-for: 10.0.0.9\r\n" +
      "x-forwarded-proto: http\r\nx-forwarded-host: lab\r\n",
  );
});

Deno.test("request head: Connection decides closing and drops the headers it names", () => {
  const head = parse([
    "GET / HTTP/1.1",
    "Host: lab",
    "Connection: close, X-Hop",
    "X-Hop: 1",
    "X-End: 2",
  ]);
  assert.deepEqual([head.close, head.headers], [true, "X-End: 2\r\n"]);
  assert.deepEqual(parse(["GET / HTTP/1.0"]).close, true);
  assert.deepEqual(parse(["GET / HTTP/1.0", "Connection: keep-alive"]).close, false);
  assert.deepEqual(
    parse(["GET / HTTP/1.1", "Host: a", "Keep-Alive: 5", "TE: trailers"]).headers,
    "",
  );
});

Deno.test("request head: X-Forwarded-For lines are joined and extended", () => {
  const head = parse([
    "GET / HTTP/1.1",
    "Host: lab",
    "X-Forwarded-For: 1.1.1.1",
    "x-forwarded-for: 2.2.2.2",
  ]);
  assert.ok(
    forwardedHeadText(head, "3.3.3.3").includes("x-forwarded-for: 1.1.1.1, 2.2.2.2, 3.3.3.3\r\n"),
  );
});

Deno.test("request head: an absolute-form target becomes origin form, its authority the host", () => {
  const head = parse(["GET http://example.test:8080?q=1 HTTP/1.1", "Host: other"]);
  assert.deepEqual([head.target, head.host], ["/?q=1", "example.test:8080"]);
  assert.deepEqual(parse(["OPTIONS * HTTP/1.1", "Host: lab"]).target, "*");
});

Deno.test("request head: body framing (Content-Length, chunked, Expect)", () => {
  assert.deepEqual(parse(["POST / HTTP/1.1", "Host: a", "Content-Length: 0012"]).contentLength, 12);
  const chunked = parse(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: Chunked"]);
  assert.deepEqual([chunked.chunked, chunked.contentLength], [true, null]);
  const expecting = parse([
    "PUT / HTTP/1.1",
    "Host: a",
    "Expect: 100-Continue",
    "Content-Length: 1",
  ]);
  assert.deepEqual(expecting.expectContinue, true);
});

Deno.test("request head: ambiguous framing is refused with 400 (request smuggling)", () => {
  const base = ["POST / HTTP/1.1", "Host: a"];
  for (
    const lines of [
      ["Content-Length: 5", "Content-Length: 5"],
      ["Content-Length: 5", "Content-Length: 6"],
      ["Content-Length: 5", "Transfer-Encoding: chunked"],
      ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
      ["Transfer-Encoding: gzip, chunked"],
      ["Transfer-Encoding: chunked, identity"],
      ["Content-Length: +5"],
      ["Content-Length: 5, 5"],
      ["Content-Length: 0x5"],
      ["Content-Length: "],
      ["Content-Length: 1234567890123456"],
    ]
  ) {
    assert.deepEqual(status([...base, ...lines]), 400, JSON.stringify(lines));
  }
  assert.deepEqual(status(["POST / HTTP/1.0", "Transfer-Encoding: chunked"]), 400);
});

Deno.test("request head: folded lines, whitespace before a colon and bad names are refused", () => {
  const base = ["GET / HTTP/1.1", "Host: a"];
  const cases: [string[], RegExp][] = [
    [["X-A: 1", " folded"], /obsolete line folding/],
    [["X-A: 1", "\tfolded"], /obsolete line folding/],
    [["X-A : 1"], /whitespace before the colon/],
    [["X(A): 1"], /invalid header field name/],
    [[": empty"], /invalid header field name/],
    [["No-Colon"], /without a colon/],
  ];
  for (const [lines, message] of cases) {
    const [code, text] = refusal(() => parse([...base, ...lines]));
    assert.deepEqual(code, 400);
    assert.ok(message.test(text), `${JSON.stringify(lines)}: ${text}`);
  }
});

Deno.test("request head: Host must appear exactly once in HTTP/1.1", () => {
  assert.deepEqual(refusal(() => parse(["GET / HTTP/1.1"])), [400, "no Host header"]);
  assert.deepEqual(status(["GET / HTTP/1.1", "Host: a", "host: a"]), 400);
  assert.deepEqual(status(["GET / HTTP/1.0", "Host: a", "Host: b"]), 400);
  assert.deepEqual(parse(["GET / HTTP/1.0"]).host, null);
});

Deno.test("request head: request line, version and method errors get their own statuses", () => {
  assert.deepEqual(status(["GET / HTTP/2.0", "Host: a"]), 505);
  assert.deepEqual(status(["GET / HTTX/1.1", "Host: a"]), 400);
  assert.deepEqual(status(["GET /a b HTTP/1.1", "Host: a"]), 400);
  assert.deepEqual(status(["GET page HTTP/1.1", "Host: a"]), 400);
  assert.deepEqual(status(["G@T / HTTP/1.1", "Host: a"]), 400);
  assert.deepEqual(status(["CONNECT a:443 HTTP/1.1", "Host: a"]), 400);
  assert.deepEqual(status(["CONNECT /a HTTP/1.1", "Host: a"]), 405);
  assert.deepEqual(status(["GET / HTTP/1.1", "Host: a", "Expect: magic"]), 417);
});

Deno.test("request head: limits give 414, 431 and 413", () => {
  const limits = {
    ...DEFAULT_LIMITS,
    maxRequestLineBytes: 20,
    maxHeaderFields: 2,
    maxBodyBytes: 10,
  };
  assert.deepEqual(status([`GET /${"a".repeat(20)} HTTP/1.1`, "Host: a"], limits), 414);
  assert.deepEqual(status(["GET / HTTP/1.1", "Host: a", "A: 1", "B: 2"], limits), 431);
  assert.deepEqual(status(["POST / HTTP/1.1", "Host: a", "Content-Length: 11"], limits), 413);
});

Deno.test("findHeadEnd finds the blank line and refuses bare LF, bare CR and odd bytes", () => {
  const find = (text: string) => {
    const bytes = encoder.encode(text);
    return findHeadEnd(bytes, 0, 0, bytes.length, DEFAULT_LIMITS);
  };
  assert.deepEqual(find("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY"), 27);
  assert.deepEqual(find("GET / HTTP/1.1\r\nHost: a\r\n"), -1);
  assert.deepEqual(refusal(() => find("GET / HTTP/1.1\nHost: a\r\n\r\n"))[0], 400);
  assert.deepEqual(refusal(() => find("GET / HTTP/1.1\rHost: a\r\n\r\n"))[0], 400);
  assert.deepEqual(refusal(() => find("GET / HTTP/1.1\r\nX: \x00\r\n\r\n"))[0], 400);
  assert.deepEqual(refusal(() => find("GET / HTTP/1.1\r\nX: caf\u00e9\r\n\r\n"))[0], 400);
  const limits = { ...DEFAULT_LIMITS, maxHeaderBytes: 30 };
  const big = encoder.encode(`GET / HTTP/1.1\r\nX: ${"v".repeat(40)}`);
  assert.deepEqual(refusal(() => findHeadEnd(big, 0, 0, big.length, limits))[0], 431);
});
