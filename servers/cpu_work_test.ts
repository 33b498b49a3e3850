import assert from "node:assert/strict";
import { burnCpu, calibrateCpuWork, cpuUnitsPerMs, cpuWork } from "./cpu_work.ts";
import { withModel } from "../tests/support/servers/models.ts";
import { fetchAll } from "../tests/support/servers/http.ts";

Deno.test("cpuWork is a fixed computation: the same units give the same value", () => {
  assert.equal(cpuWork(50), cpuWork(50));
  assert.notEqual(cpuWork(50), cpuWork(51));
});

Deno.test("calibration gives a positive rate, kept for the isolate", () => {
  const rate = calibrateCpuWork(2, 2);
  assert.ok(Number.isFinite(rate) && rate > 0, `rate ${rate}`);
  assert.equal(cpuUnitsPerMs(), cpuUnitsPerMs());
});

Deno.test("burnCpu holds the thread for at least the time asked", () => {
  const start = performance.now();
  burnCpu(15);
  assert.ok(performance.now() - start >= 15);
});

// /cpu is work, not time: K blocking workers on fewer cores cannot each finish N ms of work in
// N ms. The old wall-clock loop let 4 threads on 2 cores answer 40 x 20 ms in ~200 ms, twice
// what two cores can compute. The bound below is half the physical minimum, so noise (which
// only slows things down) cannot make it fail, while the wall-clock loop would.
Deno.test("threads: /cpu work on more threads than cores takes at least the cores' time", async () => {
  const cores = navigator.hardwareConcurrency;
  if (cores >= 4) return; // a pool of 4 fits in the cores: nothing to show
  const requests = 40;
  const ms = 20;
  await withModel("threads", async (server) => {
    await Promise.all(Array.from({ length: 4 }, () => fetchAll(`${server.url}/cpu?ms=1`)));
    const start = performance.now();
    const responses = await Promise.all(
      Array.from({ length: requests }, () => fetchAll(`${server.url}/cpu?ms=${ms}`)),
    );
    const elapsed = performance.now() - start;
    assert.ok(responses.every((r) => r.status === 200));
    // The in-process server did requests x ms x its calibrated units; on a busy machine that
    // calibration can come out low, so the work is measured against this thread's best rate
    // over many short samples, not assumed to take `ms` each.
    const units = requests * ms * cpuUnitsPerMs();
    const bestRate = Math.max(cpuUnitsPerMs(), calibrateCpuWork(50, 2));
    const minimum = units / bestRate / cores;
    assert.ok(
      elapsed >= 0.5 * minimum,
      `${requests} x ${ms} ms of work on ${cores} cores took ${elapsed.toFixed(0)} ms`,
    );
  });
});
