import assert from "node:assert/strict";
import { serveModel } from "./serve_model.ts";
import { fetchAll } from "../tests/support/servers/http.ts";

Deno.test("serveModel: listens where asked, runs the hooks in order, and frees the port", async () => {
  const events: string[] = [];
  const server = await serveModel({
    model: "demo",
    defaultPort: 1, // never used: port 0 is given
    port: 0,
    tcpBacklog: 7,
    beforeShutdown: () => events.push("before"),
    afterFinished: () => events.push("after"),
  }, (listen) => {
    assert.deepEqual({ ...listen, onListen: undefined }, {
      port: 0,
      hostname: "127.0.0.1",
      tcpBacklog: 7,
      onListen: undefined,
    });
    return Deno.serve(listen, () => new Response("hi\n"));
  });
  assert.equal(server.model, "demo");
  assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  assert.equal((await fetchAll(`${server.url}/`)).text, "hi\n");
  assert.deepEqual(events, []);
  await server.shutdown();
  assert.deepEqual(events, ["before", "after"]);
  await assert.rejects(fetch(`${server.url}/`));
});

Deno.test("serveModel: uses the default port when none is given", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const free = taken.addr.port;
  taken.close();
  const server = await serveModel(
    { model: "demo", defaultPort: free },
    (listen) => Deno.serve(listen, () => new Response("hi\n")),
  );
  try {
    assert.equal(server.port, free);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveModel: a port in use rejects with AddrInUse", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      serveModel(
        { model: "demo", defaultPort: taken.addr.port },
        (listen) => Deno.serve(listen, () => new Response("hi\n")),
      ),
      Deno.errors.AddrInUse,
    );
  } finally {
    taken.close();
  }
});
