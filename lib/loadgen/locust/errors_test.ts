import assert from "node:assert/strict";
import { classifyLocustError } from "./errors.ts";

Deno.test("status codes are read from the lab's, HttpUser's and FastHttpUser's messages", () => {
  assert.deepStrictEqual(classifyLocustError("CatchResponseError('HTTP 404')"), {
    kind: "status",
    status: 404,
  });
  assert.deepStrictEqual(
    classifyLocustError("HTTPError('500 Server Error: Internal Server Error for url: /x')"),
    { kind: "status", status: 500 },
  );
  assert.deepStrictEqual(classifyLocustError("HTTPError('503 Service Unavailable')"), {
    kind: "status",
    status: 503,
  });
});

Deno.test("transport failures are sorted by kind", () => {
  assert.deepStrictEqual(
    classifyLocustError("ConnectionRefusedError(111, 'Connection refused')").kind,
    "connect",
  );
  assert.deepStrictEqual(
    classifyLocustError('ConnectionError(MaxRetryError("... NewConnectionError(...)"))').kind,
    "connect",
  );
  assert.deepStrictEqual(classifyLocustError("OSError(113, 'No route to host')").kind, "connect");
  assert.deepStrictEqual(classifyLocustError("TimeoutError('timed out')").kind, "timeout");
  assert.deepStrictEqual(
    classifyLocustError("ConnectionResetError(104, 'Connection reset by peer')").kind,
    "reset",
  );
  assert.deepStrictEqual(classifyLocustError("HTTPParseError('invalid header')").kind, "other");
});
