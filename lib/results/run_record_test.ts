import assert from "node:assert/strict";
import { RUN_RECORD_COLUMNS, toRunRecord } from "./run_record.ts";
import { sampleRunResult } from "../../tests/support/run_results.ts";

const meta = {
  experiment: "e1",
  target: "async",
  path: "/",
  repeat: 2,
  startedAt: "2024-05-01T10:00:00Z",
};

Deno.test("toRunRecord flattens a result into one row with every column", () => {
  const record = toRunRecord(
    sampleRunResult({
      failures: { connect: 1, timeout: 2, reset: 3, other: 4 },
      warnings: ["10 failed", "2 non-2xx"],
      statusCodes: { "200": 988, "404": 2 },
    }),
    meta,
  );
  assert.deepEqual(Object.keys(record).sort(), [...RUN_RECORD_COLUMNS].sort());
  assert.equal(record.failed, 10);
  assert.equal(record.failReset, 3);
  assert.equal(record.concurrency, 10);
  assert.equal(record.repeat, 2);
  assert.equal(record.requestsAsked, 1000);
  assert.equal(record.durationS, null);
  assert.equal(record.keepAlive, false);
  assert.equal(record.warnings, "10 failed; 2 non-2xx");
  assert.deepEqual(JSON.parse(record.statusCodes), { "200": 988, "404": 2 });
  assert.deepEqual(JSON.parse(record.histogram), [[0, 5, 700], [5, 40, 300]]);
  assert.equal(record.p99Ms, 20);
  assert.equal(record.startedAt, "2024-05-01T10:00:00Z");
});

Deno.test("toRunRecord keeps duration runs and nulls the latency of runs with no response", () => {
  const record = toRunRecord(
    sampleRunResult({
      spec: { url: "http://127.0.0.1:1/", durationS: 5, concurrency: 50, keepAlive: true },
      completed: 0,
      requestsPerSec: NaN,
      latencyMs: { mean: NaN, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 },
      histogram: undefined,
    }),
    meta,
  );
  assert.equal(record.requestsAsked, null);
  assert.equal(record.durationS, 5);
  assert.equal(record.keepAlive, true);
  assert.equal(record.p50Ms, null);
  assert.equal(record.latMeanMs, null);
  assert.equal(record.requestsPerSec, 0);
  assert.equal(record.histogram, "[]");
  // CPU not measured: null, not 0
  assert.equal(record.generatorCpuS, null);
  assert.equal(record.generatorCpuPercent, null);
});

Deno.test("toRunRecord carries the generator's measured CPU", () => {
  const record = toRunRecord(
    sampleRunResult({ generatorCpuS: 0.485, generatorCpuPercent: 97 }),
    meta,
  );
  assert.equal(record.generatorCpuS, 0.485);
  assert.equal(record.generatorCpuPercent, 97);
});

Deno.test("toRunRecord rejects bad meta with a one-line message", () => {
  assert.throws(() => toRunRecord(sampleRunResult(), { ...meta, repeat: 0 }), /1-based/);
  assert.throws(() => toRunRecord(sampleRunResult(), { ...meta, target: " " }), /meta\.target/);
  assert.throws(
    () => toRunRecord(sampleRunResult(), { ...meta, startedAt: "yesterday" }),
    /ISO date/,
  );
});
