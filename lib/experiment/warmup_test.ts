import assert from "node:assert/strict";
import type { RunResult } from "../loadgen/types.ts";
import { warmUp, WARMUP_REQUESTS } from "./warmup.ts";

/** A run that completed `completed` requests (the only field a warm-up reads). */
function run(completed: number): () => Promise<RunResult> {
  return () => Promise.resolve({ completed } as RunResult);
}

Deno.test("warm-up: runs until enough requests, and says what it sent", async () => {
  const warmup = await warmUp(run(3000));
  assert.equal(warmup.runs, Math.ceil(WARMUP_REQUESTS / 3000));
  assert.equal(warmup.requests, warmup.runs * 3000);
  assert.ok(warmup.seconds >= 0 && warmup.seconds < 1);
});

Deno.test("warm-up: stops after a run that completed nothing, and passes a run's error on", async () => {
  assert.deepEqual((await warmUp(run(0))).runs, 1);
  await assert.rejects(warmUp(() => Promise.reject(new Error("ab is missing"))), /ab is missing/);
});
