import assert from "node:assert/strict";
import { startBalancer } from "../../servers/balancer.ts";
import {
  rawExchange,
  startEchoBackend,
  startOneAnswerBackend,
  startRawBackend,
  startRecordingBackend,
} from "../support/servers/balancer/test_servers.ts";

Deno.test("a simple request reaches the backend as exactly the expected bytes", async () => {
  const backend = startRecordingBackend();
  const balancer = await startBalancer({ port: 0, backends: [backend.url], healthIntervalMs: 0 });
  try {
    const answer = await rawExchange(
      balancer.port,
      "GET /a?b=1 HTTP/1.1\r\nHost: lab\r\nAccept: */*\r\n\r\n" +
        "GET /last HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n",
    );
    assert.deepEqual(answer.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 2, answer);
    const label = backend.url.replace("http://", "");
    assert.deepEqual(
      backend.received(),
      "GET /a?b=1 HTTP/1.1\r\nAccept: */*\r\nx-forwarded-for: 127.0.0.1\r\n" +
        `x-forwarded-proto: http\r\nx-forwarded-host: lab\r\nhost: ${label}\r\n\r\n` +
        "GET /last HTTP/1.1\r\nx-forwarded-for: 127.0.0.1\r\n" +
        `x-forwarded-proto: http\r\nx-forwarded-host: lab\r\nhost: ${label}\r\n\r\n`,
    );
    assert.ok(answer.includes(`\r\nx-backend: ${label}\r\ncontent-length: 3\r\n\r\nok\n`), answer);
  } finally {
    await balancer.shutdown();
    await backend.close();
  }
});

Deno.test("a pooled connection the backend closed while idle is noticed: a later POST is sent once and answered", async () => {
  // Answers every request with keep-alive framing, then closes the connection anyway.
  const backend = startRawBackend("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
  const balancer = await startBalancer({ port: 0, backends: [backend.url], healthIntervalMs: 0 });
  try {
    const first = await fetch(`${balancer.url}/warm`);
    assert.deepEqual([first.status, await first.text()], [200, "ok"]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const post = await fetch(`${balancer.url}/orders`, { method: "POST", body: "hello" });
    assert.deepEqual([post.status, await post.text()], [200, "ok"]);
    assert.deepEqual(backend.count(), 2);
  } finally {
    await balancer.shutdown();
    await backend.close();
  }
});

Deno.test("a GET whose reused backend connection breaks before any answer is retried on the next backend", async () => {
  // Breaks a pooled connection on reuse, whether or not the pool watched it yet
  // (WATCH_DELAY_MS): the failure a backend closing an idle connection causes inside that window.
  const breaking = startOneAnswerBackend();
  const echo = startEchoBackend("echo");
  const balancer = await startBalancer({
    port: 0,
    backends: [breaking.url, echo.url],
    healthIntervalMs: 0,
  });
  try {
    const statuses: number[] = [];
    const served: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${balancer.url}/item/${i}`);
      statuses.push(response.status);
      served.push(response.headers.get("x-backend"));
      await response.body?.cancel();
    }
    const breakingLabel = breaking.url.replace("http://", "");
    const echoLabel = echo.url.replace("http://", "");
    assert.deepEqual(statuses, [200, 200, 200]);
    assert.deepEqual(served, [breakingLabel, echoLabel, echoLabel]);
    assert.deepEqual(breaking.count(), 2);
  } finally {
    await balancer.shutdown();
    await breaking.close();
    await echo.close();
  }
});
