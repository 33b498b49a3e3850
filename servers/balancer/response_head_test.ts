import {
  deepEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { headerFields, parseResponseHead, type ResponseHead } from "./response_head.ts";

const encoder = new TextEncoder();

/** Parses `text` (a whole head, blank line included) placed after some other bytes. */
function parse(text: string): { head: ResponseHead; bytes: Uint8Array } {
  const bytes = encoder.encode(`NOISE${text}BODY`);
  return { head: parseResponseHead(bytes, 5, 5 + encoder.encode(text).length), bytes };
}

/** The forwarded fields of `text` as `[name, value]` pairs. */
function fields(text: string): [string, string][] {
  const { head, bytes } = parse(text);
  return headerFields(bytes, head);
}

/** The framing and connection facts of `text`. */
function framing(text: string) {
  const { head } = parse(text);
  return {
    status: head.status,
    contentLength: head.contentLength,
    chunked: head.chunked,
    close: head.close,
  };
}

Deno.test("response head: status, version and the status line's end", () => {
  const { head, bytes } = parse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  assertEquals([head.status, head.minor, head.start], [404, 1, 5]);
  assertEquals(
    new TextDecoder().decode(bytes.subarray(head.start + 12, head.statusEnd)),
    " Not Found",
  );
  assertEquals(parse("HTTP/1.1 200\r\n\r\n").head.status, 200);
  assertEquals(parse("HTTP/1.0 500 Oops\r\n\r\n").head.minor, 0);
});

Deno.test("response head: forwarded fields keep their order and value bytes, trimmed", () => {
  assertEquals(
    fields(
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/plain\r\nset-cookie: b=2\r\n" +
        "X-Space:   v  \r\nX-Tab:\tin\tside\t\r\nX-Empty:\r\n\r\n",
    ),
    [
      ["set-cookie", "a=1"],
      ["content-type", "text/plain"],
      ["set-cookie", "b=2"],
      ["x-space", "v"],
      ["x-tab", "in\tside"],
      ["x-empty", ""],
    ],
  );
});

Deno.test("response head: bytes beyond ASCII in a value pass as one character per byte", () => {
  const text = "HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\n\r\n";
  assertEquals(fields(text), [["x-name", "caf\u00c3\u00a9"]]); // the two UTF-8 bytes of é
});

Deno.test("response head: hop-by-hop fields, Content-Length and the fields Connection names are not forwarded", () => {
  assertEquals(
    fields(
      "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\n" +
        "Content-Length: 2\r\nTrailer: X-T\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\n" +
        "TE: trailers\r\nX-End: 2\r\n\r\n",
    ),
    [["x-end", "2"]],
  );
});

Deno.test("response head: body framing and whether the backend closes", () => {
  const base = { status: 200, contentLength: null, chunked: false, close: false };
  assertEquals(framing("HTTP/1.1 200 OK\r\ncontent-length:  007 \r\n\r\n"), {
    ...base,
    contentLength: 7,
  });
  assertEquals(framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), {
    ...base,
    contentLength: 5,
  });
  assertEquals(
    framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
    { ...base, chunked: true },
  );
  assertEquals(
    framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").chunked,
    true,
  );
  assertEquals(framing("HTTP/1.1 200 OK\r\n\r\n"), base);
  assertEquals(framing("HTTP/1.0 200 OK\r\n\r\n").close, true);
  assertEquals(framing("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n").close, false);
  assertEquals(framing("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").close, true);
  assertEquals(
    framing("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n").close,
    true,
  );
});

Deno.test("response head: heads that cannot be forwarded faithfully are refused with a one-line error", () => {
  const cases: [string, RegExp][] = [
    ["HTTP/2.0 200 OK\r\n\r\n", /bad status line from backend: 'HTTP\/2.0 200 OK'/],
    ["HTTP/1.1 2x0 OK\r\n\r\n", /bad status line/],
    ["HTTP/1.1 200OK\r\n\r\n", /bad status line/],
    ["HTTP/1.1 099 Low\r\n\r\n", /bad status line/],
    ["HTTP/1.1 200 O\x01K\r\n\r\n", /bad status line/],
    ["ICY 200 OK\r\n\r\n", /bad status line/],
    ["HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n", /folded header line from backend/],
    ["HTTP/1.1 200 OK\r\n\tX-A: 1\r\n\r\n", /folded header line/],
    ["HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", /bad header line from backend: 'X-A : 1'/],
    ["HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n", /bad header line/],
    ["HTTP/1.1 200 OK\r\n: v\r\n\r\n", /bad header line/],
    ["HTTP/1.1 200 OK\r\nX-A: a\nb\r\n\r\n", /control byte/],
    ["HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", /bare CR/],
    ["HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n", /control byte/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\n", /bad content-length from backend: '0x2'/],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /bad content-length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", /bad content-length/],
    ["HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", /bad content-length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n", /bad content-length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", /bad content-length/],
    [
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      /transfer-encoding 'gzip' from backend is not chunked/,
    ],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", /not chunked/],
  ];
  for (const [text, message] of cases) {
    assertThrows(() => parse(text), (error: Error) => {
      assert(message.test(error.message), `${JSON.stringify(text)}: ${error.message}`);
      assert(!error.message.includes("\n"), error.message);
      return true;
    });
  }
});

Deno.test("response head: parsing into a reused head clears what the last one left", () => {
  const first = parse("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 4\r\n\r\n");
  const bytes = encoder.encode("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  const again = parseResponseHead(bytes, 0, bytes.length, first.head);
  assert(again === first.head);
  assertEquals([again.status, again.fieldsEnd, again.contentLength, again.close], [
    204,
    0,
    null,
    true,
  ]);
  assertEquals(headerFields(bytes, again), []);
});
