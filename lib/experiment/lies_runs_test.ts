import assert from "node:assert/strict";
import {
  errorPageRuns,
  failedRequests,
  generatorRuns,
  KEEP_ALIVE,
  keepAliveRuns,
  LIES_SECTIONS,
  liesSectionNeeds,
  NEW_CONNECTION,
  withServer,
} from "./lies_runs.ts";

const SIZES = {
  levels: [1, 10],
  requests: 200,
  keepAliveRequests: 1000,
  closedRequests: 5000,
  spreadRequests: 500,
  batch: 50,
};

Deno.test("liesSectionNeeds: new connections for 1, 2, 6 and 7 as ab made them, keep-alive for 4", () => {
  const needs = liesSectionNeeds(SIZES);
  const byName = new Map(needs.map((n) => [n.section, n]));
  assert.equal(byName.get(LIES_SECTIONS.errorPage)!.keepAlive, false);
  assert.equal(byName.get(LIES_SECTIONS.errorPage)!.concurrency, 10);
  assert.equal(byName.get(LIES_SECTIONS.keepAlive)!.requests, 1000);
  assert.equal(byName.get(LIES_SECTIONS.closedLoop)!.keepAlive, true);
  assert.equal(byName.get(LIES_SECTIONS.repeats)!.keepAlive, false);
  assert.equal(byName.get(LIES_SECTIONS.leak)!.keepAlive, false);
  assert.ok(!byName.has(LIES_SECTIONS.generators) && !byName.has(LIES_SECTIONS.backlog));
});

Deno.test("withServer stops the server when the work throws", async () => {
  let url = "";
  await assert.rejects(
    withServer("lies-test-throw", "async.ts", [], (server) => {
      url = server.url;
      throw new Error("work failed");
    }),
    /work failed/,
  );
  await assert.rejects(fetch(url + "/"), "nothing listens any more");
});

Deno.test("errorPageRuns and keepAliveRuns: one run per path or mode and level", async () => {
  const errors = await errorPageRuns({ levels: [1, 5], requests: 50, generator: "ab" });
  assert.deepEqual(errors.map((r) => [r.label, r.concurrency]), [
    ["GET /", 1],
    ["GET /status/404", 1],
    ["GET /", 5],
    ["GET /status/404", 5],
  ]);
  assert.ok(errors.every((r) => r.result.completed === 50 && failedRequests(r.result) === 0));
  assert.deepEqual(errors.map((r) => r.result.non2xx), [0, 50, 0, 50]);
  const ka = await keepAliveRuns({ levels: [5], requests: 100, generator: "ab" });
  assert.deepEqual(ka.map((r) => r.label), [NEW_CONNECTION, KEEP_ALIVE]);
  assert.deepEqual(ka.map((r) => r.result.spec.keepAlive), [false, true]);
});

Deno.test("generatorRuns: each generator measures the same server, with its own and the server's CPU", async () => {
  const runs = await generatorRuns({ generators: ["ab"], durationS: 1, abRequests: 2000 });
  assert.equal(runs.length, 1);
  assert.match(runs[0]!.generator, /^ab /);
  assert.equal(runs[0]!.result.completed, 2000);
  assert.ok((runs[0]!.result.generatorCpuS ?? -1) >= 0, "the generator's CPU was measured");
  assert.ok(
    runs[0]!.serverCpuS !== null && runs[0]!.serverCpuS > 0,
    "the server's CPU was measured",
  );
});
