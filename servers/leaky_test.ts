import assert from "node:assert/strict";
import { launchScript } from "../lib/experiment/launch.ts";
import { type LeakyStats, startLeaky } from "./leaky.ts";

async function stats(url: string): Promise<LeakyStats> {
  return await (await fetch(`${url}/stats`)).json();
}

async function get(url: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
}

Deno.test("leaky server: each counted request leaks one timer, up to the cap", async () => {
  const server = await startLeaky({ port: 0, maxLeaks: 5, spinUs: 10, everyMs: 50 });
  try {
    await get(`${server.url}/`, 3);
    await get(`${server.url}/health`, 2); // control routes do not leak
    assert.equal((await stats(server.url)).leaked, 3);
    await get(`${server.url}/io?ms=1`, 4);
    const after = await stats(server.url);
    assert.equal(after.leaked, 5);
    assert.equal(after.maxLeaks, 5);
    assert.equal(after.served, 7);
  } finally {
    await server.shutdown();
  }
  // The test sanitizer fails this test if a leaked interval survived shutdown.
});

Deno.test("leaky server: --max-leaks 0 is the same server without the leak", async () => {
  const server = await startLeaky({ port: 0, maxLeaks: 0 });
  try {
    await get(`${server.url}/`, 5);
    const report = await stats(server.url);
    assert.equal(report.leaked, 0);
    assert.equal(report.served, 5);
  } finally {
    await server.shutdown();
  }
});

Deno.test("leaky server: leaked work takes the event loop's time from requests", async () => {
  // 20 timers each burning 5 ms every 10 ms ask for 10x the loop's time: a request must then
  // wait behind rounds of timers. The server runs as its own process (in this one the client
  // would wait for the same timers); only a lower bound is checked, never a speed.
  const server = await launchScript(new URL("./leaky.ts", import.meta.url).pathname, {
    name: "leaky-test",
    args: ["--max-leaks", "20", "--spin-us", "5000", "--every-ms", "10"],
  });
  try {
    await get(`${server.url}/`, 20);
    await new Promise((resolve) => setTimeout(resolve, 30)); // the leaked timers are running
    const started = performance.now();
    await get(`${server.url}/`, 5);
    const perRequest = (performance.now() - started) / 5;
    assert.ok(perRequest >= 10, `a request took ${perRequest.toFixed(1)} ms with 20 leaks`);
  } finally {
    await server.stop();
  }
});

Deno.test("leaky server: bad sizes are refused with the flag named", async () => {
  await assert.rejects(startLeaky({ port: 0, maxLeaks: -1 }), /max-leaks must be a whole number/);
  await assert.rejects(startLeaky({ port: 0, spinUs: 0 }), /spin-us must be a whole number/);
});
