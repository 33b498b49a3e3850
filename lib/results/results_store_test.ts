import assert from "node:assert/strict";
import { join } from "node:path";
import { RUN_RECORD_COLUMNS } from "./run_record.ts";
import {
  appendRun,
  loadJson,
  loadRuns,
  readRuns,
  RUNS_FILE,
  runsFrame,
  saveJson,
} from "./results_store.ts";
import { sampleRecord } from "../../tests/support/run_results.ts";

Deno.test("appendRun writes one line per run and loadRuns reads them back", () => {
  const dir = join(Deno.makeTempDirSync(), "nested", "exp");
  try {
    const first = sampleRecord({ target: "async", concurrency: 1, repeat: 1, rps: 900 });
    const second = sampleRecord({ target: "threads", concurrency: 1, repeat: 1, rps: 300 });
    appendRun(dir, first);
    appendRun(dir, second);
    const lines = Deno.readTextFileSync(join(dir, RUNS_FILE)).split("\n");
    assert.equal(lines.length, 3);
    assert.equal(lines[2], "");
    assert.deepEqual(loadRuns(dir), [first, second]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a torn last line is skipped and counted, and the next append starts a new line", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const first = sampleRecord({ target: "async", concurrency: 5, repeat: 1, rps: 900 });
    appendRun(dir, first);
    const whole = JSON.stringify(
      sampleRecord({ target: "async", concurrency: 5, repeat: 2, rps: 950 }),
    );
    Deno.writeTextFileSync(join(dir, RUNS_FILE), whole.slice(0, 40), { append: true });
    const torn = readRuns(dir);
    assert.deepEqual(torn.records, [first]);
    assert.deepEqual(torn.skippedLines, [2]);

    const third = sampleRecord({ target: "async", concurrency: 5, repeat: 3, rps: 990 });
    appendRun(dir, third);
    const after = readRuns(dir);
    assert.deepEqual(after.records, [first, third]);
    assert.deepEqual(after.skippedLines, [2]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadRuns: empty folder gives no runs, a missing folder a clear error", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.deepEqual(loadRuns(dir), []);
    assert.throws(() => loadRuns(join(dir, "nope")), /does not exist: pass the --out folder/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("saveJson replaces the file atomically and leaves no temporary file", () => {
  const dir = Deno.makeTempDirSync();
  try {
    saveJson(dir, "environment.json", { cpus: 2 });
    saveJson(dir, "environment.json", { cpus: 4, os: "linux" });
    assert.deepEqual(loadJson(dir, "environment.json"), { cpus: 4, os: "linux" });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["environment.json"]);
    assert.equal(loadJson(dir, "missing.json"), null);
    assert.throws(() => saveJson(dir, "../x.json", 1), /plain name/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runs written before the generator CPU columns existed still load, with nulls", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const record = sampleRecord({ target: "async", concurrency: 1, repeat: 1, rps: 900 });
    const old: Record<string, unknown> = { ...record };
    delete old.generatorCpuS;
    delete old.generatorCpuPercent;
    Deno.writeTextFileSync(join(dir, RUNS_FILE), `${JSON.stringify(old)}\n`);
    appendRun(dir, { ...record, repeat: 2, generatorCpuS: 0.4, generatorCpuPercent: 80 });
    const { records, skippedLines } = readRuns(dir);
    assert.deepEqual(skippedLines, []);
    assert.equal(records.length, 2);
    assert.equal(records[0]!.generatorCpuS, null);
    assert.equal(records[0]!.generatorCpuPercent, null);
    assert.equal(records[1]!.generatorCpuPercent, 80);
    const df = runsFrame(records);
    assert.deepEqual(df.getColumn("generatorCpuPercent").toArray(), [null, 80]);
    assert.match(String(df.getColumn("generatorCpuS").dtype), /Float64/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runsFrame has one row per run and a stable column order, also for zero runs", () => {
  const records = [
    sampleRecord({ target: "async", concurrency: 1, repeat: 1, rps: 900 }),
    sampleRecord({ target: "threads", concurrency: 10, repeat: 2, rps: 300, non2xx: 3 }),
  ];
  const df = runsFrame(records);
  assert.deepEqual(df.columns, [...RUN_RECORD_COLUMNS]);
  assert.equal(df.height, 2);
  assert.deepEqual(df.getColumn("non2xx").toArray(), [0, 3]);
  assert.deepEqual(df.getColumn("target").toArray(), ["async", "threads"]);
  const empty = runsFrame([]);
  assert.equal(empty.height, 0);
  assert.deepEqual(empty.columns, [...RUN_RECORD_COLUMNS]);
  assert.match(String(empty.getColumn("requestsPerSec").dtype), /Float64/);
});
