import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import { measureConnections } from "./connect_times.ts";

Deno.test("measureConnections makes a new connection per request and times each", async () => {
  const server = await startAsync({ port: 0 });
  try {
    const samples = await measureConnections({
      url: `${server.url}/status/404`,
      concurrency: 5,
      requests: 20,
    });
    assert.equal(samples.length, 20);
    for (const sample of samples) {
      assert.equal(sample.error, null);
      assert.equal(sample.status, 404);
      assert.ok(sample.connectMs !== null && sample.totalMs !== null);
      assert.ok(sample.totalMs >= sample.connectMs);
    }
    // Each request opened its own connection: the server saw 20 requests.
    const stats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.served, 20);
  } finally {
    await server.shutdown();
  }
});

Deno.test("measureConnections records refused connections and goes on", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const samples = await measureConnections({
    url: `http://127.0.0.1:${port}/`,
    concurrency: 2,
    requests: 4,
  });
  assert.equal(samples.length, 4);
  assert.ok(samples.every((s) => s.error === "refused" && s.connectMs === null));
});

Deno.test("measureConnections names a bad spec", async () => {
  await assert.rejects(
    measureConnections({ url: "https://127.0.0.1/", concurrency: 1, requests: 1 }),
    /only http:/,
  );
  await assert.rejects(
    measureConnections({ url: "http://example.com/", concurrency: 1, requests: 1 }),
    /loopback/,
  );
  await assert.rejects(
    measureConnections({ url: "http://127.0.0.1:1/", concurrency: 0, requests: 1 }),
    /concurrency must be/,
  );
});
