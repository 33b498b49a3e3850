import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import {
  fixture,
  responseSize,
  served,
  startConnectionCounter,
} from "../../tests/support/loadgen.ts";
import { validateSpec } from "./validate.ts";
import { createWrkGenerator, parseWrkSummary, wrkArgs, wrkResultParts } from "./wrk.ts";

Deno.test("wrk parser reads the script's summary of a clean run", () => {
  const summary = parseWrkSummary(fixture("wrk_200.txt"));
  const result = wrkResultParts(summary, 10);
  assert.equal(result.completed, 3195);
  assert.deepEqual(result.statusCodes, { "200": 3195 });
  assert.equal(result.non2xx, 0);
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
  assert.equal(result.wallTimeS, summary.durationUs / 1e6);
  assert.equal(result.requestsPerSec, 3195 / result.wallTimeS);
  assert.equal(result.timePerRequestMs, (10 * result.wallTimeS * 1000) / 3195);
  const l = result.latencyMs;
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999);
  assert.ok(l.p999 <= l.max);
  assert.ok(l.min >= 2, "every /io?ms=2 request waited at least 2 ms");
  const histogram = result.histogram ?? [];
  assert.equal(histogram.reduce((sum, b) => sum + b.count, 0), 3195);
  assert.equal(histogram[0]?.fromMs, l.min);
});

Deno.test("wrk parser counts a 404 target as non-2xx, not as failures", () => {
  const result = wrkResultParts(parseWrkSummary(fixture("wrk_404.txt")), 10);
  assert.equal(result.non2xx, result.completed);
  assert.deepEqual(Object.keys(result.statusCodes), ["404"]);
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
  assert.ok(result.notes.some((n) => n.includes("latency samples")));
});

Deno.test("wrk parser maps socket errors of a server killed mid-run", () => {
  const result = wrkResultParts(parseWrkSummary(fixture("wrk_killed.txt")), 10);
  assert.equal(result.completed, 2130);
  assert.equal(result.failures.reset, 10);
  assert.equal(result.failures.other, 412166);
});

Deno.test("wrk parser refuses output without the JSON line", () => {
  assert.throws(() => parseWrkSummary("Running 1s test\n"), {
    name: "LoadGenError",
    message: /no JSON summary/,
  });
  assert.throws(() => parseWrkSummary("LAB_WRK_JSON {broken"), { name: "LoadGenError" });
});

Deno.test("wrk arguments: keep-alive off adds Connection: close; threads never exceed connections", () => {
  const spec = validateSpec({ url: "http://127.0.0.1:9/x", durationS: 2, concurrency: 1 }, "wrk");
  const args = wrkArgs(spec, 4, "/s.lua");
  assert.deepEqual(args.slice(0, 6), ["-t", "1", "-c", "1", "-d", "2s"]);
  assert.ok(args.includes("Connection: close"));
  const alive = wrkArgs({ ...spec, keepAlive: true }, 4, "/s.lua");
  assert.ok(!alive.includes("Connection: close"));
});

Deno.test("wrk against the async server: counts, sizes, a 500 target and a closed port", async () => {
  const server = await startAsync({ port: 0 });
  const wrk = createWrkGenerator({ threads: 2 });
  try {
    const url = `${server.url}/bytes?n=1000`;
    const before = await served(server.url);
    const result = await wrk.run(
      { url, durationS: 1, concurrency: 10, keepAlive: true },
      { quiet: true },
    );
    const delta = (await served(server.url)) - before;
    assert.ok(result.completed > 0);
    // wrk stops with up to one request per connection in flight: the server may count those.
    assert.ok(
      delta >= result.completed && delta <= result.completed + 10,
      `${delta} vs ${result.completed}`,
    );
    assert.deepEqual(result.statusCodes, { "200": result.completed });
    const size = await responseSize(url);
    assert.ok(result.bytes >= result.completed * size);
    assert.ok(result.bytes < (result.completed + 10) * size);
    assert.deepEqual(result.warnings, []);

    const failing = await wrk.run(
      { url: `${server.url}/status/500`, durationS: 1, concurrency: 2, keepAlive: true },
      { quiet: true },
    );
    assert.equal(failing.non2xx, failing.completed);
    assert.deepEqual(Object.keys(failing.statusCodes), ["500"]);
    assert.ok(failing.warnings.some((w) => w.includes("not 2xx")));
  } finally {
    await server.shutdown();
  }
  await assert.rejects(
    () => wrk.run({ url: server.url, durationS: 1, concurrency: 1 }, { quiet: true }),
    { name: "LoadGenError", message: /Connection refused/ },
  );
});

Deno.test("wrk with keep-alive off opens a connection per request", async () => {
  const counter = startConnectionCounter(5);
  try {
    const wrk = createWrkGenerator({ threads: 1 });
    const on = await wrk.run({ url: counter.url, durationS: 1, concurrency: 4, keepAlive: true }, {
      quiet: true,
    });
    const connectionsOn = counter.connections();
    assert.ok(on.completed > 50);
    assert.ok(connectionsOn <= 4, `keep-alive used ${connectionsOn} connections`);
    const requestsBefore = counter.requests();
    await wrk.run({ url: counter.url, durationS: 1, concurrency: 4, keepAlive: false }, {
      quiet: true,
    });
    const newConnections = counter.connections() - connectionsOn;
    const newRequests = counter.requests() - requestsBefore;
    assert.ok(newConnections > 50, `keep-alive off used ${newConnections} connections`);
    assert.ok(newConnections >= newRequests * 0.9, `${newConnections} for ${newRequests}`);
  } finally {
    await counter.shutdown();
  }
});
