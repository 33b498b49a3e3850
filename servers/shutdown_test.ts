import assert from "node:assert/strict";
import { MODEL_NAMES } from "./models.ts";
import { fetchAll } from "./testing/http.ts";
import { startTestModel, TEST_SIZES } from "./testing/models.ts";
import { eventually, portFree } from "../tests/harness_procs.ts";
import { workerThreadCount } from "./testing/worker_threads.ts";

for (const name of MODEL_NAMES) {
  Deno.test(`${name}: shutdown frees the port and leaves no worker behind`, async () => {
    const threadsBefore = workerThreadCount();
    const server = await startTestModel(name);
    assert.equal(workerThreadCount() - threadsBefore, TEST_SIZES[name] ?? 0);
    assert.equal((await fetchAll(`${server.url}/io?ms=1`)).status, 200);
    assert.ok(!portFree(server.port));
    await server.shutdown();
    await server.finished;
    assert.ok(portFree(server.port), `port ${server.port} still taken`);
    await assert.rejects(fetch(`${server.url}/`));
    assert.ok(await eventually(() => workerThreadCount() === threadsBefore, 5_000));
    // The same model can start again on the same port at once.
    const again = await startTestModel(name, { port: server.port });
    assert.equal(again.port, server.port);
    assert.equal((await fetchAll(`${again.url}/health`)).status, 200);
    await again.shutdown();
    await again.shutdown(); // a second shutdown is harmless
    assert.ok(await eventually(() => workerThreadCount() === threadsBefore, 5_000));
  });

  Deno.test(`${name}: a port in use rejects the start with AddrInUse, nothing left`, async () => {
    const threadsBefore = workerThreadCount();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(startTestModel(name, { port: taken.addr.port }), Deno.errors.AddrInUse);
    } finally {
      taken.close();
    }
    assert.ok(await eventually(() => workerThreadCount() === threadsBefore, 5_000));
  });
}

Deno.test("workers: a second instance on the same port is refused, not silently shared", async () => {
  const first = await startTestModel("workers");
  try {
    await assert.rejects(startTestModel("workers", { port: first.port }), Deno.errors.AddrInUse);
    assert.equal((await fetchAll(`${first.url}/health`)).status, 200);
  } finally {
    await first.shutdown();
  }
});
