import assert from "node:assert/strict";
import { MODEL_NAMES } from "../../servers/models.ts";
import { fetchAll } from "../support/servers/http.ts";
import { startTestModel, TEST_SIZES } from "../support/servers/models.ts";
import { type HostStart, spawnModelHost } from "../support/servers/model_host.ts";
import { eventually, portFree } from "../support/procs.ts";

// The models run in a child process that counts its own worker threads: under
// `deno test --parallel` this process also holds the workers of other test modules.

function started(reply: HostStart): { port: number; url: string; threads: number } {
  assert.ok("port" in reply, `the start failed: ${JSON.stringify(reply)}`);
  return reply;
}

for (const name of MODEL_NAMES) {
  Deno.test(`${name}: shutdown frees the port and leaves no worker behind`, async () => {
    await using host = spawnModelHost();
    const threadsBefore = await host.threads();
    const server = started(await host.start(name));
    assert.equal(server.threads - threadsBefore, TEST_SIZES[name] ?? 0);
    assert.equal((await fetchAll(`${server.url}/io?ms=1`)).status, 200);
    assert.ok(!portFree(server.port));
    await host.shutdown();
    assert.ok(portFree(server.port), `port ${server.port} still taken`);
    await assert.rejects(fetch(`${server.url}/`));
    assert.ok(await eventually(async () => await host.threads() === threadsBefore, 5_000));
    // The same model can start again on the same port at once.
    const again = started(await host.start(name, server.port));
    assert.equal(again.port, server.port);
    assert.equal((await fetchAll(`${again.url}/health`)).status, 200);
    await host.shutdown();
    await host.shutdownAgain(); // a second shutdown is harmless
    assert.ok(await eventually(async () => await host.threads() === threadsBefore, 5_000));
    await host.close();
  });

  Deno.test(`${name}: a port in use rejects the start with AddrInUse, nothing left`, async () => {
    await using host = spawnModelHost();
    const threadsBefore = await host.threads();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const reply = await host.start(name, taken.addr.port);
      assert.deepEqual("error" in reply && reply.error, "AddrInUse");
    } finally {
      taken.close();
    }
    assert.ok(await eventually(async () => await host.threads() === threadsBefore, 5_000));
    await host.close();
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
