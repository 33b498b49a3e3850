import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { loadSeeds } from "./seeds.ts";
import {
  leakEvidence,
  leakSentence,
  peaksSentence,
  retrySteps,
  retryStepsSentence,
  seedRows,
  seedStoryMarkdown,
  timePerRequestReadings,
  unfinishedRuns,
} from "./seed_story.ts";

const seeds = loadSeeds();

/** A seeds-shaped frame from a few rows (one report, file `x.txt`). */
function fakeSeeds(rows: [server: string, n: number, c: number, t: number | null][]) {
  return pl.DataFrame(rows.map(([server, n, c, t]) => ({
    source: "x.txt",
    assignment: "Tugas X",
    heading: "h",
    server,
    no_test: 1,
    requests: n,
    concurrency: c,
    time_taken_s: t,
    complete: t === null ? null : n,
    failed: 0,
    total_transferred_bytes: 0,
    requests_per_sec: t === null ? null : n / t,
    time_per_request_ms: t === null ? null : (t / n) * 1000 * c,
    transfer_kbps: 0,
    finished: t !== null,
  })));
}

Deno.test("seedRows() cites each row by its CSV file and line", () => {
  const rows = seedRows(seeds);
  const first = rows.find((row) => row.source === "002_d0c32baef3e00039.txt")!;
  assert.equal(first.file, "002_d0c32baef3e00039.csv");
  assert.equal(first.line, 2);
  const csv = Deno.readTextFileSync(
    new URL("../../data/seeds/002_d0c32baef3e00039.csv", import.meta.url),
  )
    .split("\n");
  const threadsAtC1 = rows.find((row) =>
    row.source === "002_d0c32baef3e00039.txt" && row.server === "threads" && row.concurrency === 1
  )!;
  assert.match(csv[threadsAtC1.line - 1]!, /threads,1,1000,1,744\.548/);
});

Deno.test("leakEvidence() finds Tugas 7's growing time per request at c=1 and cites it", () => {
  const [tugas7] = leakEvidence(seeds);
  assert.ok(tugas7);
  assert.equal(tugas7.assignment, "Tugas 7");
  assert.deepEqual(tugas7.points.map((p) => p.timePerRequestMs), [3.89, 17.635, 97.175]);
  assert.ok(tugas7.grows);
  const sentence = leakSentence(tugas7);
  assert.match(sentence, /took 3\.9, 18, 97 ms per request for n = 10, 50, 100/);
  assert.match(sentence, /data\/seeds\/001_1e36f06738eeb250\.csv lines \d+, \d+, \d+/);
  assert.match(sentence, /a leak/);
});

Deno.test("leakSentence() says there is no leak where time per request does not grow", () => {
  const flat = fakeSeeds([["threads", 10, 1, 0.04], ["threads", 100, 1, 0.39]]);
  const [evidence] = leakEvidence(flat);
  assert.ok(evidence && !evidence.grows);
  assert.match(leakSentence(evidence), /did not grow steadily with n, so these runs show no leak/);
  assert.doesNotMatch(leakSentence(evidence), /a leak\./);
});

Deno.test("retrySteps() finds the reports' run times on multiples of 0.505 s, far above chance", () => {
  const result = retrySteps(seeds);
  assert.ok(result.runs.length >= 10);
  assert.ok(result.onStep.length / result.runs.length > 3 * result.chance);
  const async2s = result.onStep.find((run) => run.timeTakenS === 2.528);
  assert.equal(async2s?.steps, 5);
  assert.match(
    retryStepsSentence(result),
    /of a multiple of 0\.505 s; by chance about 4% would \(001_1e36f06738eeb250\.csv: 10 of 14; /,
  );
  assert.match(retryStepsSentence(result), /\. Examples: 2\.021 s = 4 x 0\.505/);
});

Deno.test("retryStepsSentence() finds no steps in run times that have none", () => {
  const spread = fakeSeeds([
    ["async", 1000, 5, 0.77],
    ["async", 1000, 10, 1.33],
    ["async", 1000, 50, 1.71],
    ["async", 1000, 100, 2.27],
  ]);
  const result = retrySteps(spread);
  assert.equal(result.onStep.length, 0);
  assert.match(retryStepsSentence(result), /show no sign of retry steps/);
});

Deno.test("unfinishedRuns() lists report 004's unfinished levels per server", () => {
  const rows = unfinishedRuns(seeds);
  const async004 = rows.find((row) =>
    row.source === "004_ddfdaf1affddb1ac.txt" && row.server === "async"
  );
  assert.deepEqual(async004?.levels, [10, 30, 50, 75, 100]);
  assert.deepEqual(async004?.finishedLevels, [1, 5]);
  const threads004 = rows.find((row) =>
    row.source === "004_ddfdaf1affddb1ac.txt" && row.server === "threads"
  );
  assert.deepEqual(threads004?.levels, [5, 10, 30, 50, 75, 100]);
});

Deno.test("timePerRequestReadings() tells which of ab's two figures each report copied", () => {
  const readings = timePerRequestReadings(seeds);
  const tugas7 = readings.filter((row) =>
    row.source === "001_1e36f06738eeb250.txt" && row.concurrency > 1
  );
  assert.ok(tugas7.length > 0 && tugas7.every((row) => row.reading === "across all (1 / X)"));
  const c4 = readings.find((row) =>
    row.source === "002_d0c32baef3e00039.txt" && row.server === "threads" && row.concurrency === 4
  );
  assert.equal(c4?.reading, "across all (1 / X)");
  const c5 = readings.find((row) =>
    row.source === "002_d0c32baef3e00039.txt" && row.server === "threads" && row.concurrency === 5
  );
  assert.equal(c5?.reading, "per request (c / X)");
});

Deno.test("seedStoryMarkdown() lists the leak, the retry steps, the unfinished runs and the mixed-up figures", () => {
  const text = seedStoryMarkdown(seeds);
  assert.match(text, /^- Tugas 7's threaded server at concurrency 1 took/m);
  assert.match(text, /^- 10 of 23 finished runs at concurrency > 1 end within 10 ms/m);
  assert.match(
    text,
    /^- 004_ddfdaf1affddb1ac: the async server's runs at c = 10, 30, 50, 75, 100 never finished \(only c = 1, 5 finished; data\/seeds\/004_ddfdaf1affddb1ac\.csv lines 4, 5, 6, 7, 8\)\.$/m,
  );
  assert.match(
    text,
    /^- 002_d0c32baef3e00039\.csv: at c > 1, its "Time per request" is ab's per-request mean \(c \/ X\) in 7 of 8 rows and the mean across all concurrent requests \(1 \/ X\) in 1: the two figures are mixed in one table\.$/m,
  );
});

Deno.test("peaksSentence() compares this run's threaded peak with 2020's, whichever way it goes", () => {
  const faster = peaksSentence([
    { target: "threads", medianRps: 5000 },
    { target: "threads", medianRps: 8000 },
    { target: "async", medianRps: 20000 },
  ], seeds);
  assert.equal(
    faster,
    "Our threaded server peaks at **8000 req/s**, the 2020 threaded servers at **257.08 req/s**: " +
      "31.1 times as many. Our async server peaks at **20000 req/s**.",
  );
  const slower = peaksSentence([{ target: "threads", medianRps: 128 }, {
    target: "async",
    medianRps: 1,
  }], seeds);
  assert.match(slower, /: only 0\.50 of theirs\./);
});
