import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { startBalancer } from "../../servers/balancer.ts";
import type { ServerHandle } from "../../servers/server_handle.ts";

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when the server closes `conn` (a read ends or resets) within `limitMs`. */
async function closedByServer(conn: Deno.Conn, limitMs: number): Promise<boolean> {
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed already */ }
  }, limitMs);
  const buffer = new Uint8Array(1024);
  try {
    for (;;) {
      if ((await conn.read(buffer)) === null) return true;
    }
  } catch (error) {
    return error instanceof Deno.errors.ConnectionReset;
  } finally {
    clearTimeout(timer);
  }
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* closed already */ }
  }
}

Deno.test("idle connections are closed after the idle timeout", async () => {
  const backend = await startAsync({ port: 0 });
  const balancer = await startBalancer({
    port: 0,
    backends: [backend.url],
    healthIntervalMs: 0,
    idleTimeoutMs: 300,
  });
  const conns: Deno.Conn[] = [];
  try {
    // One connection says nothing; one sends half a head; one finishes a request and stays idle.
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: balancer.port });
    const partial = await Deno.connect({ hostname: "127.0.0.1", port: balancer.port });
    const kept = await Deno.connect({ hostname: "127.0.0.1", port: balancer.port });
    conns.push(silent, partial, kept);
    await partial.write(encoder.encode("GET / HTTP/1.1\r\nHost: la"));
    await kept.write(encoder.encode("GET / HTTP/1.1\r\nHost: lab\r\n\r\n"));
    const buffer = new Uint8Array(4096);
    const n = await kept.read(buffer);
    assert.ok(new TextDecoder().decode(buffer.subarray(0, n ?? 0)).startsWith("HTTP/1.1 200 "));
    const closed = await Promise.all([silent, partial, kept].map((c) => closedByServer(c, 5000)));
    assert.deepEqual(closed, [true, true, true]);
    const response = await fetch(`${balancer.url}/`);
    assert.deepEqual(response.status, 200);
    await response.body?.cancel();
  } finally {
    closeAll(conns);
    await balancer.shutdown();
    await backend.shutdown();
  }
});

Deno.test("300 clients sending a header byte per second do not stop normal requests", async () => {
  const backend = await startAsync({ port: 0 });
  const balancer = await startBalancer({
    port: 0,
    backends: [backend.url],
    healthIntervalMs: 0,
    idleTimeoutMs: 2500,
  });
  const slow: Deno.Conn[] = [];
  let dripping = true;
  try {
    for (let i = 0; i < 300; i++) {
      slow.push(await Deno.connect({ hostname: "127.0.0.1", port: balancer.port }));
    }
    const head = encoder.encode("GET /page.html HTTP/1.1\r\nHost: lab\r\nX-Slow: yes\r\n\r\n");
    const drip = (async () => {
      for (let i = 0; dripping && i < head.length; i++) {
        await Promise.all(slow.map((conn) => conn.write(head.subarray(i, i + 1)).catch(() => 0)));
        await sleep(1000);
      }
    })();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${balancer.url}/page.html`);
      statuses.push(response.status);
      await response.body?.cancel();
      await sleep(50);
    }
    assert.deepEqual(statuses, Array(20).fill(200));
    // Their heads cannot complete within the idle timeout: the balancer closes them all.
    const closed = await Promise.all(slow.map((conn) => closedByServer(conn, 8000)));
    dripping = false;
    await drip;
    assert.deepEqual(closed.filter((x) => !x).length, 0, "some slow connections were left open");
  } finally {
    dripping = false;
    closeAll(slow);
    await balancer.shutdown();
    await backend.shutdown();
  }
});

Deno.test("concurrency 1000 (ab -n 5000 -c 1000) completes and the balancer keeps serving", async () => {
  const backends: ServerHandle[] = await Promise.all(
    [1, 2, 3, 4].map(() => startAsync({ port: 0 })),
  );
  const balancer = await startBalancer({
    port: 0,
    backends: backends.map((b) => b.url),
    healthIntervalMs: 0,
  });
  try {
    const output = await new Deno.Command("ab", {
      args: ["-q", "-r", "-s", "20", "-n", "5000", "-c", "1000", `${balancer.url}/`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.deepEqual(output.code, 0, new TextDecoder().decode(output.stderr));
    const complete = Number(/Complete requests:\s+(\d+)/.exec(text)?.[1]);
    const failed = Number(/Failed requests:\s+(\d+)/.exec(text)?.[1]);
    const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
    console.log(`ab -c 1000: ${complete} complete, ${failed} failed, ${non2xx} non-2xx`);
    assert.deepEqual(complete, 5000);
    assert.ok(failed + non2xx < 5000, text);
    const served = balancer.stats().backends.reduce((sum, b) => sum + b.requests, 0);
    assert.deepEqual(served, 5000 - failed - non2xx);
    const response = await fetch(`${balancer.url}/`);
    assert.deepEqual(response.status, 200);
    await response.text();
  } finally {
    await balancer.shutdown();
    await Promise.all(backends.map((b) => b.shutdown()));
  }
});
