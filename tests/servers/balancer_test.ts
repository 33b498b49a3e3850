import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import type { BalancerHandle } from "../../servers/balancer.ts";
import { eachEngine } from "../support/servers/balancer/each_engine.ts";
import { type StrategyName } from "../../servers/balancer/strategies.ts";
import {
  startEchoBackend,
  startRawBackend,
  type TestServer,
} from "../support/servers/balancer/test_servers.ts";
import type { ServerHandle } from "../../servers/server_handle.ts";

const { test, start } = eachEngine();

const label = (url: string) => url.replace("http://", "");

async function get(url: string): Promise<{ status: number; backend: string | null; body: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    backend: response.headers.get("x-backend"),
    body: await response.text(),
  };
}

async function stopAll(
  balancer: BalancerHandle,
  servers: (ServerHandle | TestServer)[],
): Promise<void> {
  await balancer.shutdown();
  await Promise.all(
    servers.map((server) => "shutdown" in server ? server.shutdown() : server.close()),
  );
}

test("round robin is exact: 4 backends, 8 requests, each twice in order", async () => {
  const backends = await Promise.all([1, 2, 3, 4].map(() => startAsync({ port: 0 })));
  const balancer = await start({ port: 0, backends: backends.map((b) => b.url) });
  try {
    const seen: (string | null)[] = [];
    for (let i = 0; i < 8; i++) {
      const { status, backend } = await get(`${balancer.url}/`);
      assert.deepEqual(status, 200);
      seen.push(backend);
    }
    const labels = backends.map((b) => label(b.url));
    assert.deepEqual(seen, [...labels, ...labels]);
    assert.deepEqual(balancer.stats().backends.map((b) => b.requests), [2, 2, 2, 2]);
    for (const backend of backends) {
      const stats = await (await fetch(`${backend.url}/stats`)).json();
      assert.deepEqual(stats.served, 2, `${backend.url} served ${stats.served}, not 2`);
    }
  } finally {
    await stopAll(balancer, backends);
  }
});

test("GET /lb/stats reports requests, in flight, failures and health per backend", async () => {
  const backend = await startAsync({ port: 0 });
  const balancer = await start({ port: 0, backends: [backend.url], log: () => {} });
  try {
    await get(`${balancer.url}/page.html`);
    const stats = await (await fetch(`${balancer.url}/lb/stats`)).json();
    assert.deepEqual(stats.strategy, "round-robin");
    assert.deepEqual(stats.backends, [{
      url: backend.url,
      label: label(backend.url),
      requests: 1,
      inFlight: 0,
      failures: 0,
      healthy: true,
    }]);
  } finally {
    await stopAll(balancer, [backend]);
  }
});

test("--log lines name the client, the request and the backend", async () => {
  const backend = await startAsync({ port: 0 });
  const lines: string[] = [];
  const balancer = await start({
    port: 0,
    backends: [backend.url],
    log: (line) => lines.push(line),
  });
  try {
    await get(`${balancer.url}/page.html?x=1`);
    assert.deepEqual(lines.length, 1);
    assert.ok(
      new RegExp(
        `^request from 127\\.0\\.0\\.1:\\d+ GET /page\\.html\\?x=1 -> ${label(backend.url)}$`,
      )
        .test(lines[0]!),
      lines[0],
    );
  } finally {
    await stopAll(balancer, [backend]);
  }
});

for (const strategy of ["least-connections", "two-choices"] as StrategyName[]) {
  test(`${strategy} sends fewer requests to a backend that answers slowly`, async () => {
    const fast = await Promise.all([1, 2, 3].map(() => startAsync({ port: 0 })));
    const slowServer = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return new Response("slow\n");
      },
    );
    const slowUrl = `http://127.0.0.1:${slowServer.addr.port}`;
    const balancer = await start({
      port: 0,
      backends: [slowUrl, ...fast.map((b) => b.url)],
      strategy,
      healthIntervalMs: 0,
    });
    try {
      const counts = new Map<string | null, number>();
      const clients = 8;
      const perClient = 8;
      await Promise.all(Array.from({ length: clients }, async () => {
        for (let i = 0; i < perClient; i++) {
          const { status, backend } = await get(`${balancer.url}/io?ms=5`);
          assert.deepEqual(status, 200);
          counts.set(backend, (counts.get(backend) ?? 0) + 1);
        }
      }));
      const slow = counts.get(label(slowUrl)) ?? 0;
      const total = clients * perClient;
      // Round robin would send exactly a quarter (16) to the slow backend.
      assert.ok(slow < total / 4, `slow backend got ${slow} of ${total} requests`);
      for (const backend of fast) {
        assert.ok((counts.get(label(backend.url)) ?? 0) > slow, `counts: ${[...counts]}`);
      }
    } finally {
      await balancer.shutdown();
      await slowServer.shutdown();
      await Promise.all(fast.map((b) => b.shutdown()));
    }
  });
}

test("a killed backend fails no GET and is re-admitted after a restart", async () => {
  const backends = await Promise.all([1, 2, 3].map(() => startAsync({ port: 0 })));
  const victimPort = backends[1]!.port;
  const balancer = await start({
    port: 0,
    backends: backends.map((b) => b.url),
    healthIntervalMs: 50,
    healthRise: 2,
  });
  const statuses: number[] = [];
  let restarted: ServerHandle | undefined;
  try {
    let running = true;
    const load = Promise.all([1, 2, 3, 4].map(async () => {
      while (running) statuses.push((await get(`${balancer.url}/io?ms=2`)).status);
    }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await backends[1]!.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await load;
    assert.ok(statuses.length > 20, `only ${statuses.length} requests ran`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      `a GET failed while a backend died: ${JSON.stringify(statuses.filter((s) => s !== 200))}`,
    );
    const afterKill = await get(`${balancer.url}/`);
    assert.deepEqual(afterKill.status, 200);
    const victim = balancer.stats().backends[1]!;
    assert.deepEqual(victim.healthy, false);
    assert.ok(victim.failures >= 1);

    restarted = await startAsync({ port: victimPort });
    for (let i = 0; i < 100 && !balancer.stats().backends[1]!.healthy; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(balancer.stats().backends[1]!.healthy, true, "not re-admitted within 2 s");
    const seen = new Set<string | null>();
    for (let i = 0; i < 6; i++) seen.add((await get(`${balancer.url}/`)).backend);
    assert.ok(seen.has(`127.0.0.1:${victimPort}`), `restarted backend got nothing: ${[...seen]}`);
  } finally {
    await balancer.shutdown();
    await Promise.all(
      [backends[0]!, backends[2]!, ...(restarted ? [restarted] : [])].map((b) => b.shutdown()),
    );
  }
});

test("a POST that reached a backend which then closed gets 502 and is not sent again", async () => {
  const closing = startRawBackend("close");
  const echo = startEchoBackend("echo");
  const balancer = await start({
    port: 0,
    backends: [closing.url, echo.url],
    healthIntervalMs: 0,
  });
  try {
    const response = await fetch(`${balancer.url}/orders`, { method: "POST", body: "hello" });
    assert.deepEqual(response.status, 502);
    assert.ok((await response.text()).includes("POST is not repeated"));
    assert.deepEqual(closing.count(), 1, "the closing backend should have seen the POST once");
    assert.deepEqual(echo.count(), 0, "the POST must not be sent to a second backend");

    // GETs that meet the same closing backend are moved to the next one: the client sees 200.
    for (let i = 0; i < 2; i++) {
      const again = await fetch(`${balancer.url}/items`);
      assert.deepEqual(again.status, 200);
      assert.deepEqual((await again.json()).name, "echo");
    }
    assert.deepEqual(closing.count(), 2, "the second GET should have met the closing backend");
    assert.deepEqual(echo.count(), 2);
  } finally {
    await balancer.shutdown();
    await closing.close();
    await echo.close();
  }
});

test("a POST to a backend that refuses connections goes to the next one, once", async () => {
  const dead = startRawBackend("close");
  await dead.close();
  const echo = startEchoBackend("echo");
  const balancer = await start({
    port: 0,
    backends: [dead.url, echo.url],
    healthIntervalMs: 0,
  });
  try {
    const response = await fetch(`${balancer.url}/orders`, { method: "POST", body: "hello" });
    assert.deepEqual(response.status, 200);
    const seen = await response.json();
    assert.deepEqual([seen.method, seen.body], ["POST", "hello"]);
    assert.deepEqual(echo.count(), 1);
    assert.deepEqual(
      balancer.stats().backends[0]!.healthy,
      false,
      "refused: out of rotation at once",
    );
  } finally {
    await balancer.shutdown();
    await echo.close();
  }
});

test("all backends down gives 503 with a clear body", async () => {
  const a = startRawBackend("close");
  const b = startRawBackend("close");
  await a.close();
  await b.close();
  const balancer = await start({ port: 0, backends: [a.url, b.url], healthIntervalMs: 0 });
  try {
    for (const method of ["GET", "POST"]) {
      const response = await fetch(`${balancer.url}/`, { method });
      assert.deepEqual(response.status, 503);
      const body = await response.text();
      assert.ok(body.includes("all 2 backends are down"), body);
    }
    assert.deepEqual(balancer.stats().backends.map((x) => x.healthy), [false, false]);
  } finally {
    await balancer.shutdown();
  }
});

test("a backend that does not answer in time gives 504", async () => {
  const silent = startRawBackend(null);
  const balancer = await start({
    port: 0,
    backends: [silent.url],
    timeoutMs: 150,
    healthIntervalMs: 0,
  });
  try {
    const response = await fetch(`${balancer.url}/slow`);
    assert.deepEqual(response.status, 504);
    assert.ok((await response.text()).includes("no response within 150 ms"));
  } finally {
    await balancer.shutdown();
    await silent.close();
  }
});

test("two balancer workers share one port and stop cleanly", async () => {
  const backends = await Promise.all([1, 2].map(() => startAsync({ port: 0 })));
  const balancer = await start({
    port: 0,
    backends: backends.map((b) => b.url),
    workers: 2,
    healthIntervalMs: 0,
  });
  try {
    const results = await Promise.all(Array.from({ length: 20 }, () => get(`${balancer.url}/`)));
    assert.deepEqual(results.filter((r) => r.status !== 200), []);
    const labels = new Set(backends.map((b) => label(b.url)));
    assert.ok(results.every((r) => labels.has(r.backend ?? "")));
  } finally {
    await stopAll(balancer, backends);
  }
});
