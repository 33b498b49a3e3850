/**
 * Overload against every model: `ab -n 5000 -c 1000 -r` through the lab's own generator layer
 * completes without crashing the server; every request is accounted for (completed or counted
 * as a failure), failures and short counts appear in the result's warnings, and the server
 * answers afterwards. Nothing here is about speed.
 */

import assert from "node:assert/strict";
import { runLoad } from "../../lib/loadgen/mod.ts";
import { fetchAll, readStats } from "../support/servers/http.ts";
import { testEachModel } from "../support/servers/models.ts";

const REQUESTS = 5_000;
const CONCURRENCY = 1_000;

/**
 * Raises this process's open-file limit (ab, its child, inherits it) to `wanted` when the soft
 * limit is lower, with `prlimit`; fails with the fix when the hard limit is lower still.
 */
async function ensureOpenFiles(wanted: number): Promise<void> {
  const limits = await Deno.readTextFile("/proc/self/limits");
  const match = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
  const soft = match?.[1] === "unlimited" ? Infinity : Number(match?.[1] ?? 0);
  const hard = match?.[2] === "unlimited" ? Infinity : Number(match?.[2] ?? 0);
  if (soft >= wanted) return;
  assert.ok(hard >= wanted, `open-file hard limit ${hard} < ${wanted}: run 'ulimit -n ${wanted}'`);
  const raised = await new Deno.Command("prlimit", {
    args: ["--pid", String(Deno.pid), `--nofile=${wanted}:${match?.[2]}`],
  }).output();
  assert.ok(raised.success, `prlimit failed: ${new TextDecoder().decode(raised.stderr)}`);
}

testEachModel(`survives ab -c ${CONCURRENCY} and every request is accounted for`, async (s) => {
  await ensureOpenFiles(2 * CONCURRENCY + 256);
  const before = (await readStats(s.url)).served;
  const result = await runLoad(
    { url: `${s.url}/`, requests: REQUESTS, concurrency: CONCURRENCY, timeoutS: 30 },
    { generator: "ab", quiet: true, runTimeoutS: 120 },
  );
  const f = result.failures;
  const failed = f.connect + f.timeout + f.reset + f.other;
  // Every request asked for either completed or is counted as a failure: nothing hidden.
  assert.equal(result.attempted, result.completed + failed, JSON.stringify(result.failures));
  assert.ok(result.completed + failed >= REQUESTS, `${result.completed} + ${failed} < ${REQUESTS}`);
  if (failed > 0 || result.completed < REQUESTS || result.non2xx > 0) {
    assert.ok(result.warnings.length > 0, "failures happened but no warning says so");
  }
  // The server served at least every 200 the generator counted (its own count agrees).
  const served = (await readStats(s.url)).served - before;
  assert.ok(served >= (result.statusCodes["200"] ?? 0), `served ${served}`);
  console.log(
    `${s.model}: ${result.completed} completed, ${failed} failed, ` +
      `${result.requestsPerSec.toFixed(0)} req/s, warnings: ${result.warnings.length}`,
  );
  const hello = await fetchAll(`${s.url}/`);
  assert.equal(hello.status, 200);
});
