/**
 * The harness loses nothing: a process SIGKILLed while it appends runs leaves every whole row
 * readable; a load generator that crashes mid-run, or a run over its time bound, becomes one
 * error line naming the cause and the fix while the experiment goes on and its finished runs
 * stay on disk; no generator process is left behind.
 *
 * (A port in use and a target that never becomes ready are tested in `lib/experiment/launch_test.ts`, a
 * missing generator in `lib/experiment/experiment_test.ts`.)
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ERRORS_FILE } from "../lib/experiment/definition.ts";
import { loadExperiment, runExperiment } from "../lib/experiment/experiment.ts";
import { appendRun, readRuns, RUNS_FILE } from "../lib/results/results_store.ts";
import { sampleRecord } from "./support/run_results.ts";
import { childPids, eventually } from "./support/procs.ts";

const STORE = new URL("../lib/results/results_store.ts", import.meta.url).href;
const SAMPLES = new URL("./support/run_results.ts", import.meta.url).href;

/** Every process below `pid`, children first. */
function descendants(pid: number = Deno.pid): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/** The command line of process `pid` (arguments joined by spaces), or "" when it is gone. */
function commandLine(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/**
 * The ab processes below this one that load `url`: under `deno test --parallel` other test
 * modules run their own ab in this process too.
 */
function abProcessesFor(url: string): number[] {
  return descendants().filter((pid) => {
    const [program, ...args] = commandLine(pid).split(" ");
    return program?.split("/").at(-1) === "ab" && args.some((arg) => arg.startsWith(`${url}/`));
  });
}

/** The URL of the experiment's only target, from the environment it saved in `dir`. */
function targetUrl(dir: string): string | undefined {
  return loadExperiment(dir).environment?.targets?.[0]?.url;
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function lineCount(path: string): number {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((line) => line.trim()).length;
  } catch {
    return 0;
  }
}

/** Size of the writer's rows: a row this large takes several pages, so a kill can tear it. */
const ROW_BYTES = 40_000;
/** A row's other columns take under 1 KB beside its ROW_BYTES. */
const ROW_BYTES_MAX = ROW_BYTES + 1_000;
/** The writer stops there (80 MB), so the file stays readable even when the kill comes late. */
const WRITER_MAX_ROWS = 2_000;
/** The writer is killed once this many rows are on disk. */
const KILL_AFTER_ROWS = 50;

Deno.test("a writer SIGKILLed while it appends runs leaves every whole row readable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-robust-store-" });
  try {
    // Large rows written as fast as possible until the kill, up to a bound; then it waits.
    const writer = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { appendRun } from "${STORE}";
         import { sampleRecord } from "${SAMPLES}";
         for (let i = 1; i <= ${WRITER_MAX_ROWS}; i++) {
           const row = sampleRecord({ target: "async", concurrency: 1, repeat: i, rps: i });
           appendRun(${JSON.stringify(dir)}, { ...row, histogram: "x".repeat(${ROW_BYTES}) });
         }
         setInterval(() => {}, 60_000);`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const path = join(dir, RUNS_FILE);
    // Watch the size, not the text: reading a growing file on every poll slowed the watch down
    // until the file was too large to read. Past this size, KILL_AFTER_ROWS rows are whole.
    const written = await eventually(
      () => fileSize(path) >= KILL_AFTER_ROWS * ROW_BYTES_MAX,
      30_000,
      2,
    );
    writer.kill("SIGKILL");
    await writer.status;
    assert.ok(written, "the writer wrote rows");
    const { records, skippedLines } = readRuns(dir);
    assert.ok(records.length >= KILL_AFTER_ROWS, `${records.length} rows`);
    assert.ok(records.length < WRITER_MAX_ROWS, "the kill came while the writer was appending");
    // At most the very last line can be torn; every row read is whole and in order.
    assert.ok(skippedLines.length <= 1, `skipped ${skippedLines}`);
    records.forEach((record, index) => {
      assert.equal(record.repeat, index + 1);
      assert.equal(record.histogram.length, ROW_BYTES);
    });
    // Appending after the crash starts a fresh line: one more whole row.
    appendRun(dir, sampleRecord({ target: "threads", concurrency: 1, repeat: 1, rps: 1 }));
    const after = readRuns(dir);
    assert.equal(after.records.length, records.length + 1);
    assert.equal(after.records.at(-1)?.target, "threads");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a generator killed mid-run is one error line; the experiment goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-robust-crash-" });
  let crashed = 0;
  try {
    const result = await runExperiment({
      name: "crash",
      targets: ["async"],
      path: "/io?ms=50",
      concurrency: [1],
      requests: 40,
      repeats: 2,
      warmup: false,
      generator: "ab",
      outDir: dir,
      logErrors: false,
      progress: (state) => {
        if (state.done !== 0 || crashed) return;
        // The first run has begun: crash its ab as a real fault would.
        const url = targetUrl(dir);
        if (url === undefined) return;
        const find = setInterval(() => {
          const ab = abProcessesFor(url)[0];
          if (ab === undefined) return;
          clearInterval(find);
          crashed = ab;
          Deno.kill(ab, "SIGSEGV");
        }, 20);
        setTimeout(() => clearInterval(find), 5_000);
      },
    });
    assert.ok(crashed > 0, "ab was found and crashed");
    assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
    const error = result.errors[0]!.error;
    assert.ok(!error.includes("\n"), error);
    assert.match(error, /\bab\b/);
    assert.match(error, /(signal|exit code).*: run the generator by hand .*--generator/);
    // The second run finished and is on disk, beside the error line.
    assert.equal(result.records.length, 1);
    assert.equal(result.records[0]!.completed, 40);
    assert.equal(lineCount(join(dir, RUNS_FILE)), 1);
    assert.equal(lineCount(join(dir, ERRORS_FILE)), 1);
    assert.equal(loadExperiment(dir).errors[0]?.error, error);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run over its time bound is killed and logged with the fix; finished runs stay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-robust-bound-" });
  try {
    // 20 requests of 300 ms: at c=20 they take about 0.3 s, at c=1 about 6 s, over the bound.
    const result = await runExperiment({
      name: "bound",
      targets: ["async"],
      path: "/io?ms=300",
      concurrency: [20, 1],
      requests: 20,
      repeats: 1,
      warmup: false,
      generator: "ab",
      runTimeoutS: 2,
      outDir: dir,
      logErrors: false,
    });
    assert.deepEqual(result.records.map((r) => r.concurrency), [20]);
    assert.equal(result.errors.length, 1);
    const error = result.errors[0]!.error;
    assert.ok(!error.includes("\n"), error);
    assert.match(error, /ab did not finish within 2 s and was killed: .*raise the run timeout/);
    assert.equal(lineCount(join(dir, RUNS_FILE)), 1);
    assert.equal(lineCount(join(dir, ERRORS_FILE)), 1);
    const url = targetUrl(dir);
    assert.ok(url, "the experiment saved its target");
    assert.deepEqual(abProcessesFor(url), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
