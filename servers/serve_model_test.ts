import assert from "node:assert/strict";
import { serveModel } from "./serve_model.ts";
import { fetchAll } from "./testing/http.ts";

Deno.test("serveModel: serves the handler, runs the hooks in order, and frees the port", async () => {
  const events: string[] = [];
  const server = await serveModel(() => new Response("hi\n"), {
    model: "demo",
    defaultPort: 1, // never used: port 0 is given
    port: 0,
    beforeShutdown: () => events.push("before"),
    afterFinished: () => events.push("after"),
  });
  assert.equal(server.model, "demo");
  assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  assert.equal((await fetchAll(`${server.url}/`)).text, "hi\n");
  assert.deepEqual(events, []);
  await server.shutdown();
  assert.deepEqual(events, ["before", "after"]);
  await assert.rejects(fetch(`${server.url}/`));
});

Deno.test("serveModel: onError answers a handler that throws", async () => {
  const server = await serveModel(() => {
    throw new Error("boom");
  }, {
    model: "demo",
    defaultPort: 0,
    onError: (error) => new Response(`caught ${(error as Error).message}\n`, { status: 500 }),
  });
  try {
    const response = await fetchAll(`${server.url}/`);
    assert.equal(response.status, 500);
    assert.equal(response.text, "caught boom\n");
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveModel: a port in use rejects with AddrInUse", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      serveModel(() => new Response("hi\n"), { model: "demo", defaultPort: taken.addr.port }),
      Deno.errors.AddrInUse,
    );
  } finally {
    taken.close();
  }
});
