import assert from "node:assert/strict";
import { freePort } from "./free_port.ts";

Deno.test("freePort returns a real port that can be bound at once", () => {
  const port = freePort();
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `bad port ${port}`);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  assert.equal(listener.addr.port, port);
  listener.close();
});
