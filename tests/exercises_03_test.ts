/**
 * Notebook 03's exercises, each run as the notebook's exercise cell runs it (the same library
 * calls), at a small scale: the variant must run and its computed sentence must answer the
 * question asked. Also the zero-install path: with autocannon as the only generator, the
 * notebook's plan skips the sections that need a new connection per request, names what they
 * need, and the other sections run.
 */

import assert from "node:assert/strict";
import { planGenerators } from "../lib/loadgen/plan.ts";
import * as runs from "../lib/experiment/lies_runs.ts";
import * as story from "../lib/notebook/lies_story.ts";
import { repeatsNeeded } from "../lib/results/stats.ts";

const NEEDS_SIZES = {
  levels: [1, 10],
  requests: 200,
  keepAliveRequests: 1000,
  closedRequests: 5000,
  spreadRequests: 500,
  batch: 50,
};
const NEEDS = runs.liesSectionNeeds(NEEDS_SIZES);
const plan = await planGenerators(NEEDS, { prefer: ["ab", "oha", "wrk", "autocannon"] });
const tool = plan.generator ?? "ab";

Deno.test("exercise 1: a 300 ms stall every 2 s, predicted and measured", async () => {
  assert.equal(story.predictedOpenP99(300, 2000), 280);
  const schedule = { stallMs: 300, stallEveryMs: 2000, rate: 200, durationS: 2.5 };
  const result = await runs.stallRuns({ ...schedule, generator: tool, closedRequests: 5000 });
  assert.ok(result.openStalls >= 1, "the open loop met a stall");
  assert.equal(result.open.length, 500);
  const text = story.stallSentence(result, schedule);
  assert.match(text, /= \*\*280 ms\*\*/);
  const open = story.stallPercentiles(result, schedule)[1]!;
  assert.ok(open.p99 > 100, `the open loop's p99 shows the 300 ms stall: ${open.p99} ms`);
});

Deno.test("exercise 2: the backlog under a fast handler", async () => {
  const result = await runs.backlogRuns({
    backlogs: [1, 511],
    path: "/",
    concurrency: 50,
    requests: 100,
  });
  const rows = result.map((r) => story.backlogRow(r.backlog, r.samples));
  assert.deepEqual(rows.map((r) => [r.backlog, r.requests]), [[1, 100], [511, 100]]);
  assert.equal(rows[1]!.noAnswer, 0);
  assert.match(story.backlogSentence(rows), /^With a backlog of 1, \*\*\d+ of 100\*\* requests/);
});

Deno.test("exercises 3 and 5: repeats on a fresh server each, and the runs 5% and 2% need", async () => {
  const fresh = await runs.repeatRuns({ runs: 3, requests: 500, generator: tool, restart: true });
  assert.deepEqual(fresh.map((r) => r.run), [1, 2, 3]);
  assert.ok(fresh.every((r) => r.rps > 0));
  const values = fresh.map((r) => r.rps);
  assert.match(
    story.repeatsSentence(values, { restarted: true }),
    /each on a freshly started server/,
  );
  const five = story.repeatsSentence(values, { difference: 0.05 });
  const two = story.repeatsSentence(values, { difference: 0.02 });
  assert.match(five, /a real 5\.0% difference/);
  assert.match(two, /a real 2\.0% difference/);
  const cv = story.repeatStats(values).cv;
  if (cv > 0) assert.ok(repeatsNeeded(cv, 0.02) >= repeatsNeeded(cv, 0.05));
});

Deno.test("exercise 4: a faster leak (--spin-us 200) and when it falls under 100 req/s", async () => {
  const label = "leaky, 200 µs";
  const targets = [{ label, script: "leaky.ts", args: ["--spin-us", "200"] }];
  const batches = await runs.batchRuns({ targets, batches: 4, batch: 50, generator: tool });
  assert.deepEqual(batches.map((b) => b.served), [50, 100, 150, 200]);
  assert.ok(
    batches.at(-1)!.msPerRequest > batches[0]!.msPerRequest,
    `the leak slows it: ${batches.map((b) => b.msPerRequest).join(", ")} ms`,
  );
  const below = story.servedWhenBelow(batches, label, 100);
  assert.ok(below === null || [50, 100, 150, 200].includes(below));
});

Deno.test("LAB_GENERATORS=autocannon: sections needing new connections skipped with what they need, the rest runs", async () => {
  const plan = new URL("../lib/loadgen/plan.ts", import.meta.url).href;
  const lies = new URL("../lib/experiment/lies_runs.ts", import.meta.url).href;
  const script = `
    import { planGenerators } from "${plan}";
    import * as runs from "${lies}";
    const p = await planGenerators(runs.liesSectionNeeds(${JSON.stringify(NEEDS_SIZES)}),
      { prefer: ["ab", "oha", "wrk", "autocannon"] });
    const stall = await runs.stallRuns({ stallMs: 100, stallEveryMs: 1000, rate: 100, durationS: 1,
      generator: p.generator, closedRequests: 2000 });
    console.log(JSON.stringify({
      generator: p.generator,
      skipped: p.skipped.map((s) => s.section),
      note: p.skipNote(runs.LIES_SECTIONS.keepAlive),
      runsClosedLoop: p.runs(runs.LIES_SECTIONS.closedLoop),
      closed: stall.closed.generator,
      open: stall.open.length,
    }));`;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, script],
    env: { LAB_GENERATORS: "autocannon" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, stderr);
  const seen = JSON.parse(new TextDecoder().decode(child.stdout).trim().split("\n").at(-1)!);
  assert.equal(seen.generator, "autocannon");
  const S = runs.LIES_SECTIONS;
  assert.deepEqual(seen.skipped, [S.errorPage, S.keepAlive, S.repeats, S.leak]);
  assert.match(seen.note, /^This section needs .*ab.*: skipped \(autocannon cannot run it/);
  assert.equal(seen.runsClosedLoop, true);
  assert.equal(seen.closed, "autocannon", "section 4 ran with autocannon");
  assert.equal(seen.open, 100);
});
