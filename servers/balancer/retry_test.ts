import assert from "node:assert/strict";
import { Backend } from "./backend.ts";
import {
  afterFailure,
  type Failure,
  forwardWithRetries,
  isRepeatable,
  noBackendLeft,
  Refusal,
  unfinishedResponse,
} from "./retry.ts";
import { createStrategy } from "./strategies.ts";

function backends(count: number): Backend[] {
  return Array.from({ length: count }, (_, i) => new Backend(`http://127.0.0.1:${9002 + i}`));
}

/** Runs the loop with attempts that give `results` in turn; returns the outcome and backends tried. */
async function run(results: (Failure | "ok")[], method = "GET", hasBody = false, count = 3) {
  const list = backends(count);
  const tried: number[] = [];
  let i = 0;
  const outcome = await forwardWithRetries({
    backends: list,
    strategy: createStrategy("round-robin"),
    method,
    repeatable: isRepeatable(method, hasBody),
    timeoutMs: 100,
    attempt: (backend) => {
      tried.push(list.indexOf(backend));
      const result = results[i++] ?? "connect";
      if (result === "connect") backend.markDown();
      return Promise.resolve(result === "ok" ? { answeredBy: backend.label } : result);
    },
  });
  return { outcome: outcome instanceof Refusal ? outcome.status : outcome, tried };
}

Deno.test("retry: only bodiless GET, HEAD, OPTIONS and TRACE may be sent again", () => {
  assert.deepEqual(["GET", "HEAD", "OPTIONS", "TRACE"].map((m) => isRepeatable(m, false)), [
    true,
    true,
    true,
    true,
  ]);
  assert.deepEqual(
    [isRepeatable("GET", true), isRepeatable("POST", false), isRepeatable("get", false)],
    [
      false,
      false,
      false,
    ],
  );
});

Deno.test("retry: a refused connection moves any request on, even a POST", async () => {
  assert.deepEqual(await run(["connect", "ok"], "POST", true), {
    outcome: { answeredBy: "127.0.0.1:9003" },
    tried: [0, 1],
  });
});

Deno.test("retry: no response moves a GET on but answers a POST 502", async () => {
  assert.deepEqual((await run(["no-response", "ok"])).tried, [0, 1]);
  assert.deepEqual(await run(["no-response", "ok"], "POST", true), { outcome: 502, tried: [0] });
  assert.deepEqual(await run(["no-response", "ok"], "DELETE"), { outcome: 502, tried: [0] });
});

Deno.test("retry: a timeout answers 504 and a broken response 502, with no second try", async () => {
  assert.deepEqual(await run(["timeout", "ok"]), { outcome: 504, tried: [0] });
  assert.deepEqual(await run(["broken", "ok"]), { outcome: 502, tried: [0] });
});

Deno.test("retry: nothing left answers 503 when nothing was sent, 502 when backends took it", async () => {
  assert.deepEqual(await run(["connect", "connect", "connect"]), {
    outcome: 503,
    tried: [0, 1, 2],
  });
  assert.deepEqual(await run(["no-response", "no-response", "no-response"]), {
    outcome: 502,
    tried: [0, 1, 2],
  });
  // One backend took the request and is still in rotation: its silence is the answer, 502.
  assert.deepEqual(await run(["no-response", "connect", "connect"]), {
    outcome: 502,
    tried: [0, 1, 2],
  });
});

Deno.test("retry: a first attempt made outside the loop counts as tried", async () => {
  const list = backends(2);
  const tried: number[] = [];
  const outcome = await forwardWithRetries({
    backends: list,
    strategy: createStrategy("round-robin"),
    method: "GET",
    repeatable: true,
    timeoutMs: 100,
    attempt: (backend) => {
      tried.push(list.indexOf(backend));
      return Promise.resolve("no-response" as const);
    },
    first: { backend: list[0]!, failure: "no-response" },
  });
  assert.deepEqual([outcome, tried], [
    new Refusal(502, "every backend tried closed the connection without a response"),
    [1],
  ]);
});

Deno.test("retry: the refusals' messages name the backend and the way out", () => {
  const [a] = backends(1);
  assert.deepEqual(
    afterFailure("timeout", a!, "GET", true, 250),
    new Refusal(504, "backend 127.0.0.1:9002 sent no response within 250 ms"),
  );
  assert.deepEqual(
    afterFailure("no-response", a!, "POST", false, 250),
    new Refusal(
      502,
      "backend 127.0.0.1:9002 closed the connection without a response; POST is not repeated on another backend",
    ),
  );
  a!.markDown();
  assert.deepEqual(
    noBackendLeft([a!], true).message,
    "no backend available: all 1 backends are down (127.0.0.1:9002); start them or wait for the health checks to bring them back",
  );
});

Deno.test("retry: a body cut off before the client saw anything is the backend's 502, or 504 after the timeout", () => {
  const [a] = backends(1);
  assert.deepEqual(
    unfinishedResponse(a!, false, 250),
    new Refusal(502, "backend 127.0.0.1:9002 closed the connection mid-response"),
  );
  assert.deepEqual(unfinishedResponse(a!, true, 250).status, 504);
});
