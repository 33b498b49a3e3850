import assert from "node:assert/strict";
import { startAsync } from "../servers/async.ts";
import { runLocust } from "../lib/loadgen/locust/locust.ts";
import { getGenerator, runLoad } from "../lib/loadgen/mod.ts";
import { served } from "./support/loadgen.ts";
import { assertNoneLeft, recorder } from "./support/locust.ts";

const installed = (await new Deno.Command("sh", { args: ["-c", "command -v locust"] }).output())
  .success;
const ignore = !installed;
if (ignore) console.warn("locust is not installed: skipping (sudo apt-get install python3-locust)");

Deno.test({
  name: "a count-based run with 2 workers sends exactly the count the server sees",
  ignore,
  async fn() {
    const server = await startAsync({ port: 0 });
    const record = recorder();
    try {
      const before = await served(server.url);
      const result = await runLocust(
        { url: `${server.url}/io?ms=1`, requests: 1001, concurrency: 6, keepAlive: true },
        { workers: 2, quiet: true, workerCommand: record.workerCommand() },
      );
      assert.equal((await served(server.url)) - before, 1001);
      assert.equal(result.generator, "locust");
      assert.equal(result.completed, 1001);
      assert.deepEqual(result.statusCodes, { "200": 1001 });
      assert.equal(result.locust.workers.length, 2);
      assert.equal(result.locust.workers.reduce((sum, w) => sum + w.requests, 0), 1001);
      assert.ok(result.locust.workers.every((w) => w.requests >= 500), "both workers sent load");
      assert.equal(result.locust.history.at(-1)?.totalRequests, 1001);
      assert.ok(result.latencyMs.p50 >= 1, "an /io?ms=1 request takes at least 1 ms");
      assert.deepEqual(result.warnings, []);
    } finally {
      await server.shutdown();
    }
    await assertNoneLeft(record.locustfiles);
  },
});

Deno.test({
  name: "a 404 target is reported as non-2xx responses with their status",
  ignore,
  async fn() {
    const server = await startAsync({ port: 0 });
    const record = recorder();
    try {
      const result = await runLocust(
        { url: `${server.url}/status/404`, requests: 60, concurrency: 2 },
        { quiet: true, workerCommand: record.workerCommand() },
      );
      assert.equal(result.completed, 60);
      assert.equal(result.non2xx, 60);
      assert.deepEqual(result.statusCodes, { "404": 60 });
      assert.equal(result.failures.connect + result.failures.other, 0);
      assert.ok(result.warnings.some((w) => w.includes("not 2xx")));
    } finally {
      await server.shutdown();
    }
    await assertNoneLeft(record.locustfiles);
  },
});

Deno.test({
  name: "an unreachable target gives connection failures, not a hang",
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const record = recorder();
    const result = await runLocust(
      { url: `http://127.0.0.1:${port}/`, requests: 40, concurrency: 2, timeoutS: 5 },
      { quiet: true, workerCommand: record.workerCommand() },
    );
    assert.equal(result.attempted, 40);
    assert.equal(result.completed, 0);
    assert.equal(result.failures.connect, 40);
    assert.ok(result.warnings.some((w) => w.includes("no request completed")));
    await assertNoneLeft(record.locustfiles);
  },
});

Deno.test({
  name: "locust is reachable by name through runLoad, never picked by preference",
  ignore,
  async fn() {
    const generator = await getGenerator("locust");
    assert.equal(generator.name, "locust");
    assert.match((await generator.version()) ?? "", /^\d+\.\d+/);
    const server = await startAsync({ port: 0 });
    try {
      const result = await runLoad(
        { url: `${server.url}/`, requests: 20, concurrency: 2, keepAlive: true },
        { generator: "locust", quiet: true },
      );
      assert.equal(result.generator, "locust");
      assert.equal(result.completed, 20);
      const picked = await runLoad(
        { url: `${server.url}/`, requests: 20, concurrency: 2, keepAlive: true },
        { quiet: true },
      );
      assert.notEqual(picked.generator, "locust");
    } finally {
      await server.shutdown();
    }
  },
});
