import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import {
  autocannonArgs,
  autocannonResultParts,
  createAutocannonGenerator,
  parseAutocannonJson,
} from "./autocannon.ts";
import {
  fixture,
  responseSize,
  served,
  startConnectionCounter,
} from "../../tests/support/loadgen.ts";
import { validateSpec } from "./validate.ts";

Deno.test("autocannon parser reads a clean count run", () => {
  const result = autocannonResultParts(parseAutocannonJson(fixture("autocannon_200.json")));
  assert.equal(result.completed, 300);
  assert.equal(result.attempted, 300);
  assert.deepEqual(result.statusCodes, { "200": 300 });
  assert.equal(result.bytes, 335_400);
  assert.ok(Number.isNaN(result.latencyMs.p95));
  assert.ok(Number.isInteger(result.latencyMs.p50), "autocannon latencies are whole ms");
  assert.ok(result.notes.some((n) => n.includes("whole milliseconds")));
});

Deno.test("autocannon parser counts a 404 target as non-2xx", () => {
  const result = autocannonResultParts(parseAutocannonJson(fixture("autocannon_404.json")));
  assert.equal(result.non2xx, 300);
  assert.deepEqual(result.statusCodes, { "404": 300 });
});

Deno.test("autocannon parser: a server killed mid-run and a refused port are failures", () => {
  const killed = autocannonResultParts(parseAutocannonJson(fixture("autocannon_killed.json")));
  assert.equal(killed.completed, 3221);
  assert.equal(killed.attempted, 20000);
  assert.equal(killed.failures.other, 16769);
  const refused = autocannonResultParts(parseAutocannonJson(fixture("autocannon_refused.json")));
  assert.equal(refused.completed, 0);
  assert.equal(refused.failures.other, 100);
  assert.ok(Number.isNaN(refused.latencyMs.mean));
});

Deno.test("autocannon parser refuses garbage", () => {
  assert.throws(() => parseAutocannonJson("Running 10s test"), { name: "LoadGenError" });
  assert.throws(() => parseAutocannonJson('{"url": "x"}'), { name: "LoadGenError" });
});

Deno.test("autocannon arguments: -a for counts, -d for durations, headers as k=v", () => {
  const count = autocannonArgs(
    validateSpec({
      url: "http://127.0.0.1:1/",
      requests: 50,
      concurrency: 5,
      keepAlive: true,
      headers: { a: "b" },
    }),
  );
  assert.ok(count.join(" ").includes("-c 5 -a 50 -L 1"));
  assert.ok(count.join(" ").includes("-H a=b"));
  const timed = autocannonArgs(
    validateSpec({ url: "http://127.0.0.1:1/", durationS: 0.5, concurrency: 1 }),
  );
  assert.ok(timed.join(" ").includes("-d 0.5"));
});

Deno.test("autocannon against the async server: -a completes exactly the count asked", async () => {
  const server = await startAsync({ port: 0 });
  try {
    const autocannon = createAutocannonGenerator();
    const url = `${server.url}/bytes?n=1000`;
    const before = await served(server.url);
    const result = await autocannon.run(
      { url, requests: 300, concurrency: 10, keepAlive: true },
      { quiet: true },
    );
    const delta = (await served(server.url)) - before;
    assert.equal(result.completed, 300);
    assert.equal(delta, 300, "autocannon's -a sends exactly the amount (no overshoot)");
    assert.equal(result.bytes, 300 * await responseSize(url));
    assert.deepEqual(result.warnings, []);

    const failing = await autocannon.run(
      { url: `${server.url}/status/500`, requests: 40, concurrency: 4, keepAlive: true },
      { quiet: true },
    );
    assert.equal(failing.non2xx, 40);
    assert.ok(failing.warnings.some((w) => w.includes("not 2xx")));
  } finally {
    await server.shutdown();
  }
});

Deno.test("autocannon keeps its connections alive: one per client", async () => {
  const counter = startConnectionCounter();
  try {
    const result = await createAutocannonGenerator().run(
      { url: counter.url, requests: 200, concurrency: 4, keepAlive: true },
      { quiet: true },
    );
    assert.equal(result.completed, 200);
    assert.equal(counter.requests(), 200);
    assert.equal(counter.connections(), 4);
  } finally {
    await counter.shutdown();
  }
});
