import {
  deepEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { ChunkedDecoder } from "./chunked_decoder.ts";
import { HttpError } from "./http_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decodes `text` fed in pieces of `step` bytes; returns the body, completion and bytes left. */
function decodeAll(text: string, step = Infinity, maxBytes = 1024) {
  const bytes = encoder.encode(text);
  const chunks = new ChunkedDecoder(maxBytes);
  let body = "";
  let start = 0;
  for (let end = Math.min(step, bytes.length);; end = Math.min(end + step, bytes.length)) {
    start = chunks.decode(bytes, start, end, (piece) => body += decoder.decode(piece));
    if (chunks.done || end === bytes.length) break;
  }
  return {
    body,
    done: chunks.done,
    rest: decoder.decode(bytes.subarray(start)),
    total: chunks.total,
  };
}

/** The status of the HttpError `text` raises. */
function refusal(text: string, maxBytes = 1024): number {
  try {
    decodeAll(text, Infinity, maxBytes);
  } catch (error) {
    assert(error instanceof HttpError, String(error));
    return error.status;
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
}

Deno.test("chunked decoder joins the chunks and stops after the last chunk's blank line", () => {
  const result = decodeAll("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nGET /next");
  assertEquals(result, { body: "Wikipedia", done: true, rest: "GET /next", total: 9 });
});

Deno.test("chunked decoder gives the same body when fed one byte at a time", () => {
  const text = "a;name=value\r\n0123456789\r\nF\r\nabcdefghijklmno\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const whole = decodeAll(text);
  assertEquals(decodeAll(text, 1), whole);
  assertEquals(whole.body, "0123456789abcdefghijklmno");
  assertEquals(whole.done, true);
});

Deno.test("chunked decoder drops chunk extensions and trailer fields", () => {
  const result = decodeAll('3;a=1;b="x y"\r\nabc\r\n0;last\r\nExpires: never\r\nX-B: 2\r\n\r\n');
  assertEquals([result.body, result.done, result.rest], ["abc", true, ""]);
});

Deno.test("chunked decoder waits at an incomplete size line and leaves it unconsumed", () => {
  const result = decodeAll("3\r\nabc\r\n1");
  assertEquals([result.body, result.done, result.rest], ["abc", false, "1"]);
});

Deno.test("chunked decoder refuses sizes that are not plain hex with 400", () => {
  for (const size of ["", "0x5", "+5", "-1", " 5", "5 ", "g", "1234567890abc"]) {
    assertEquals(refusal(`${size}\r\nhello\r\n0\r\n\r\n`), 400, JSON.stringify(size));
  }
});

Deno.test("chunked decoder refuses chunk data not followed by exactly CRLF", () => {
  assertEquals(refusal("3\r\nabcd\r\n0\r\n\r\n"), 400);
  assertEquals(refusal("3\r\nabc\n0\r\n\r\n"), 400);
});

Deno.test("chunked decoder refuses bare LF, bare CR and control bytes in its lines", () => {
  assertEquals(refusal("3\nabc\r\n0\r\n\r\n"), 400);
  assertEquals(refusal("3\rabc\r\n0\r\n\r\n"), 400);
  assertEquals(refusal("3;x=\x01\r\nabc\r\n0\r\n\r\n"), 400);
});

Deno.test("chunked decoder refuses a trailer line that is not a header field", () => {
  assertEquals(refusal("0\r\nnot a field\r\n\r\n"), 400);
  assertEquals(refusal("0\r\n: empty-name\r\n\r\n"), 400);
});

Deno.test("chunked decoder refuses a body over its limit with 413, counting decoded bytes", () => {
  assertEquals(decodeAll("8\r\n12345678\r\n0\r\n\r\n", Infinity, 8).body, "12345678");
  assertEquals(refusal("8\r\n12345678\r\n1\r\n9\r\n0\r\n\r\n", 8), 413);
});

Deno.test("chunked decoder refuses an endless size line", () => {
  assertThrows(() => decodeAll(`1;${"x".repeat(5000)}`), HttpError);
});
