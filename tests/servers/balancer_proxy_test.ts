import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { eachEngine } from "../support/servers/balancer/each_engine.ts";
import {
  type Echo,
  rawExchange,
  startEchoBackend,
  startRawBackend,
} from "../support/servers/balancer/test_servers.ts";

const { test, start } = eachEngine();

test("requests are forwarded with X-Forwarded-* and without hop-by-hop headers", async () => {
  const echo = startEchoBackend("echo");
  const balancer = await start({ port: 0, backends: [echo.url], healthIntervalMs: 0 });
  try {
    const body = "name=lab&n=1";
    const raw = await rawExchange(
      balancer.port,
      "PUT /items/7?color=red&size=2 HTTP/1.1\r\n" +
        `Host: lab.example:${balancer.port}\r\n` +
        "Connection: close, X-Secret-Hop\r\n" +
        "X-Secret-Hop: drop me\r\n" +
        "Keep-Alive: timeout=5\r\n" +
        "TE: trailers\r\n" +
        "Proxy-Authorization: Basic abc\r\n" +
        "X-Forwarded-For: 10.0.0.1\r\n" +
        "X-Custom: kept\r\n" +
        "Content-Type: application/x-www-form-urlencoded\r\n" +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.ok(raw.startsWith("HTTP/1.1 200"), raw.slice(0, 200));
    const seen: Echo = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
    assert.deepEqual(seen.method, "PUT");
    assert.deepEqual(seen.target, "/items/7?color=red&size=2");
    assert.deepEqual(seen.body, body);
    const h = seen.headers;
    assert.deepEqual(h["x-custom"], "kept");
    assert.deepEqual(h["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
    assert.deepEqual(h["x-forwarded-proto"], "http");
    assert.deepEqual(h["x-forwarded-host"], `lab.example:${balancer.port}`);
    for (const hop of ["x-secret-hop", "keep-alive", "te", "proxy-authorization"]) {
      assert.deepEqual(h[hop], undefined, `${hop} crossed the proxy`);
    }
    assert.ok(h["connection"] === undefined || h["connection"] === "keep-alive", h["connection"]);
  } finally {
    await balancer.shutdown();
    await echo.close();
  }
});

test("a request body of unknown length is streamed through (chunked)", async () => {
  const echo = startEchoBackend("echo");
  const balancer = await start({ port: 0, backends: [echo.url], healthIntervalMs: 0 });
  try {
    const parts = ["first part,", " second part,", " last part"];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    const response = await fetch(`${balancer.url}/upload`, { method: "POST", body });
    assert.deepEqual(response.status, 200);
    const seen: Echo = await response.json();
    assert.deepEqual(seen.body, parts.join(""));
    assert.deepEqual(seen.headers["transfer-encoding"], "chunked");
  } finally {
    await balancer.shutdown();
    await echo.close();
  }
});

test("response hop-by-hop headers are dropped and chunked bodies decoded", async () => {
  const raw = startRawBackend(
    "HTTP/1.1 201 Created\r\n" +
      "Connection: X-Drop-Me\r\n" +
      "X-Drop-Me: 1\r\n" +
      "Keep-Alive: timeout=5\r\n" +
      "X-Keep: yes\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n" +
      "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
  );
  const balancer = await start({ port: 0, backends: [raw.url], healthIntervalMs: 0 });
  try {
    const response = await fetch(`${balancer.url}/`);
    assert.deepEqual(response.status, 201);
    assert.deepEqual(await response.text(), "hello, world");
    assert.deepEqual(response.headers.get("x-keep"), "yes");
    assert.deepEqual(response.headers.get("x-drop-me"), null);
    assert.deepEqual(response.headers.get("keep-alive"), null);
    assert.deepEqual(response.headers.get("x-backend"), raw.url.replace("http://", ""));
  } finally {
    await balancer.shutdown();
    await raw.close();
  }
});

test("/page.html, HEAD and a large /bytes body arrive byte-identical", async () => {
  const backend = await startAsync({ port: 0 });
  const balancer = await start({ port: 0, backends: [backend.url], healthIntervalMs: 0 });
  try {
    for (const path of ["/page.html", "/logo.png", "/bytes?n=3000000"]) {
      const direct = await fetch(`${backend.url}${path}`);
      const proxied = await fetch(`${balancer.url}${path}`);
      assert.deepEqual(proxied.status, 200);
      assert.deepEqual(proxied.headers.get("content-type"), direct.headers.get("content-type"));
      const [a, b] = [await direct.bytes(), await proxied.bytes()];
      assert.deepEqual(b.length, a.length, `${path}: ${b.length} bytes, not ${a.length}`);
      assert.ok(a.every((byte, i) => byte === b[i]), `${path}: bodies differ`);
    }
    const head = await fetch(`${balancer.url}/page.html`, { method: "HEAD" });
    const direct = await fetch(`${backend.url}/page.html`, { method: "HEAD" });
    assert.deepEqual(head.status, 200);
    assert.deepEqual(head.headers.get("content-length"), direct.headers.get("content-length"));
    assert.deepEqual(await head.text(), "");
    await direct.body?.cancel();
  } finally {
    await balancer.shutdown();
    await backend.shutdown();
  }
});

test("tcp mode forwards whole connections round robin", async () => {
  const a = startEchoBackend("a");
  const b = startEchoBackend("b");
  const balancer = await start({
    port: 0,
    backends: [a.url, b.url],
    mode: "tcp",
    healthIntervalMs: 0,
  });
  try {
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const raw = await rawExchange(
        balancer.port,
        `GET /conn/${i} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`,
      );
      assert.ok(raw.startsWith("HTTP/1.1 200"), raw.slice(0, 100));
      const seen: Echo = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
      assert.deepEqual(seen.target, `/conn/${i}`);
      names.push(seen.name);
    }
    assert.deepEqual(names, ["a", "b", "a", "b"]);
    // Two requests on one connection stay on one backend: balancing is per connection.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: balancer.port });
    const request = "GET /same HTTP/1.1\r\nHost: lab\r\n\r\n";
    const twice = new TextEncoder().encode(
      request + request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
    );
    await conn.write(twice);
    let text = "";
    const buffer = new Uint8Array(8192);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    conn.close();
    assert.deepEqual(text.match(/x-echo: (\w)/g), ["x-echo: a", "x-echo: a"]);
    assert.deepEqual(balancer.stats().backends.map((x) => x.requests), [3, 2]);
  } finally {
    await balancer.shutdown();
    await a.close();
    await b.close();
  }
});

test("bad options fail with one line naming the fix", async () => {
  const cases: [Parameters<typeof start>[0], RegExp][] = [
    [{ backends: [] }, /no backends given/],
    [{ backends: ["ftp://127.0.0.1:9002"] }, /must use http:\/\//],
    [{ backends: ["http://127.0.0.1"] }, /has no port/],
    [{ backends: ["http://127.0.0.1:1"], strategy: "fastest" as never }, /use one of round-robin/],
  ];
  for (const [options, message] of cases) {
    let error: unknown;
    try {
      const handle = await start({ port: 0, ...options });
      await handle.shutdown();
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof TypeError, `no error for ${JSON.stringify(options)}`);
    assert.ok(message.test(error.message) && !error.message.includes("\n"), error.message);
  }
});
