import assert from "node:assert/strict";
import { fetchAll, rawRequest, readStats } from "../support/servers/http.ts";
import { TEST_SIZES, testEachModel, withModel } from "../support/servers/models.ts";

testEachModel("answers 200 concurrent requests, all of them", async (s) => {
  const before = (await readStats(s.url)).served;
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, i) => fetchAll(`${s.url}/${i % 2 ? "" : "page.html"}`)),
  );
  assert.deepEqual(responses.filter((r) => r.status !== 200).map((r) => r.status), []);
  const stats = await readStats(s.url);
  assert.equal(stats.served - before, 200);
  assert.equal(stats.inFlight, 0);
});

const K = TEST_SIZES.threads ?? 4;
const IO_LOAD = 40;

async function ioLoad(url: string): Promise<void> {
  const responses = await Promise.all(
    Array.from({ length: IO_LOAD }, () => fetchAll(`${url}/io?ms=100`)),
  );
  assert.deepEqual(responses.filter((r) => r.status !== 200).map((r) => r.status), []);
}

Deno.test("threads: at most K requests execute at once under /io load", async () => {
  await withModel("threads", async (s) => {
    await ioLoad(s.url);
    const stats = await readStats(s.url);
    assert.equal(stats.poolSize, K);
    assert.equal(stats.executing?.served, IO_LOAD);
    // Blocked workers never take a second request: the executing peak is exactly K.
    assert.equal(stats.executing?.peakInFlight, K);
    for (const worker of stats.workers ?? []) assert.ok(worker.peakInFlight <= 1);
    // The listener still accepted more than K: the rest waited in the queue.
    assert.ok(stats.peakInFlight > K, `listener peak ${stats.peakInFlight}`);
  });
});

Deno.test("async: far more than K requests wait on /io at once", async () => {
  await withModel("async", async (s) => {
    await ioLoad(s.url);
    const stats = await readStats(s.url);
    assert.equal(stats.served, IO_LOAD);
    assert.ok(stats.peakInFlight >= 2 * K, `async peak ${stats.peakInFlight} vs K=${K}`);
  });
});

Deno.test("workers: /stats from any worker sums every worker's counts", async () => {
  await withModel("workers", async (s) => {
    await ioLoad(s.url);
    const stats = await readStats(s.url);
    assert.equal(stats.served, IO_LOAD);
    assert.equal(stats.workers?.length, TEST_SIZES.workers);
    assert.equal(stats.workers?.reduce((sum, w) => sum + w.served, 0), IO_LOAD);
    // The kernel spread the connections: every worker served some of them.
    for (const worker of stats.workers ?? []) assert.ok(worker.served > 0, JSON.stringify(stats));
    // Fresh connections land on any worker; each reports the same totals.
    for (let i = 0; i < 6; i++) {
      const raw = await rawRequest(s.port, "/stats");
      assert.equal(raw.status, 200);
      assert.equal(JSON.parse(raw.body).served, IO_LOAD);
    }
  });
});
