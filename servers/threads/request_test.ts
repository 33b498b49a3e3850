import assert from "node:assert/strict";
import { HeadersNotPassedError, lazyRequest } from "./request.ts";

Deno.test("lazy request: method, URL and headers as given, and it is a Request", () => {
  const request = lazyRequest("HEAD", "http://127.0.0.1:1/a?b", [["x-one", "1"], [
    "accept",
    "*/*",
  ]]);
  assert.ok(request instanceof Request);
  assert.equal(request.method, "HEAD");
  assert.equal(request.url, "http://127.0.0.1:1/a?b");
  assert.equal(request.headers.get("x-one"), "1");
  assert.equal(request.headers, request.headers);
  assert.ok("signal" in request);
});

Deno.test("lazy request: everything else comes from a real Request", async () => {
  const request = lazyRequest("GET", "http://127.0.0.1:1/x", [["x-one", "1"]]);
  assert.equal(request.redirect, "follow");
  assert.equal(request.signal.aborted, false);
  assert.equal(request.body, null);
  assert.equal(await request.text(), "");
  const copy = request.clone();
  assert.equal(copy.url, "http://127.0.0.1:1/x");
  assert.equal(copy.headers.get("x-one"), "1");
});

Deno.test("lazy request: an invalid URL fails only when a real Request is needed", () => {
  const request = lazyRequest("GET", "http://a b/", []);
  assert.equal(request.url, "http://a b/");
  assert.throws(() => request.signal, TypeError);
});

Deno.test("lazy request: without headers, reading more than method and URL says why", async () => {
  const request = lazyRequest("GET", "http://127.0.0.1:1/x", null);
  assert.equal(request.method, "GET");
  assert.equal(request.url, "http://127.0.0.1:1/x");
  assert.equal(await Promise.resolve(request), request, "it is not a thenable");
  assert.throws(() => request.headers, HeadersNotPassedError);
  assert.throws(() => request.signal, /request\.signal: .*requestHeaders: true/);
  assert.match(Deno.inspect(request), /method: "GET", url: "http:\/\/127\.0\.0\.1:1\/x"/);
});
