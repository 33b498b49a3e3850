import assert from "node:assert/strict";
import { runsOf } from "../../tests/support/run_results.ts";
import { findingsMarkdown, headlineFindings, holmVerdicts, verdictTable } from "./findings.ts";
import { compareTargets, summarize } from "./results.ts";

/** Runs of two targets over levels: `rps[target][level]` lists the repeats' req/s. */
function runs(
  rps: Record<string, Record<number, number[]>>,
  extra: { failed?: number; genCpu?: number } = {},
) {
  return runsOf(rps, { failed: extra.failed, generatorCpu: extra.genCpu });
}

Deno.test("holmVerdicts() corrects for every comparison at once: p=0.04 alone is a finding, among ten it is not", () => {
  // Two targets whose means differ a little, with a spread that puts Welch's p near 0.04.
  const level = { a: [100, 101, 102], b: [97, 98, 99] };
  const one = runs({ a: { 1: level.a }, b: { 1: level.b } });
  const [alone] = holmVerdicts(compareTargets(one, "a", "b"));
  assert.ok(alone!.p! < 0.05 && alone!.significant, `p=${alone!.p}`);
  const ten = runs({
    a: Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((c) => [c, level.a])),
    b: Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((c) => [c, level.b])),
  });
  const verdicts = holmVerdicts(compareTargets(ten, "a", "b"));
  assert.equal(verdicts.length, 10);
  assert.ok(verdicts.every((v) => !v.significant && v.pHolm! >= 0.05));
  assert.ok(verdicts.every((v) => v.words === "no difference we can see with 3 runs"));
});

Deno.test("headlineFindings() names the winner the data give, whichever it is", () => {
  const asyncWins = runs({
    async: { 1: [1000, 1010, 990], 50: [5000, 5050, 4950] },
    threads: { 1: [500, 505, 495], 50: [1000, 1010, 990] },
  });
  const threadsWin = runs({
    async: { 1: [500, 505, 495], 50: [1000, 1010, 990] },
    threads: { 1: [1000, 1010, 990], 50: [5000, 5050, 4950] },
  });
  const a = headlineFindings(summarize(asyncWins), compareTargets(asyncWins, "async", "threads"));
  assert.equal(
    a[0],
    "2 comparisons were made; after Holm's correction for 2, 2 differences are beyond the noise.",
  );
  assert.match(
    a[1]!,
    /^The largest effect: async is 5\.0x faster than threads at c=50 \(Holm p[<=]/,
  );
  const t = headlineFindings(summarize(threadsWin), compareTargets(threadsWin, "async", "threads"));
  assert.match(t[1]!, /^The largest effect: threads is 5\.0x faster than async at c=50/);
  assert.match(t[2]!, /^Where throughput stops growing: async: throughput still grows at c=50/);
  assert.equal(
    t[3],
    "Nothing flagged: no failures, no error responses, and the load generator stayed below 90% of a core.",
  );
});

Deno.test("headlineFindings() says a large gap is within the noise, and what limits the figures", () => {
  const noisy = runs({
    async: { 10: [3000, 900, 2400] },
    threads: { 10: [1000, 1600, 400] },
  }, { genCpu: 99 });
  const findings = headlineFindings(summarize(noisy), compareTargets(noisy, "async", "threads"));
  assert.match(findings[0]!, /after Holm's correction for 1, 0 differences are beyond the noise/);
  assert.match(
    findings[1]!,
    /^The largest gap, async 2\.4x ahead of threads at c=10, is not beyond the noise with 3 runs each\.$/,
  );
  assert.match(
    findings.at(-1)!,
    /^What limits these figures: The load generator used 99% of one core/,
  );
});

Deno.test("verdictTable() is one compact row per comparison and level", () => {
  const df = runs({
    a: { 1: [10, 11, 12], 5: [50, 51, 52] },
    b: { 1: [20, 21, 22], 5: [50, 52, 51] },
  });
  const table = verdictTable(compareTargets(df, "a", "b"));
  assert.deepEqual(table.columns, ["comparison", "c", "ratio", "p", "p (Holm)", "verdict"]);
  assert.deepEqual(table.getColumn("verdict").toArray(), [
    "b 1.9x faster",
    "no difference we can see with 3 runs",
  ]);
});

Deno.test("findingsMarkdown() puts the findings in a list under the section's heading", () => {
  const df = runs({ a: { 1: [10, 11, 12] }, b: { 1: [20, 21, 22] } });
  const text = findingsMarkdown("`GET /`", summarize(df), compareTargets(df, "a", "b"));
  assert.match(
    text,
    /^### `GET \/`\n\n- 1 comparison was made; after Holm's correction for 1, 1 difference is/,
  );
  assert.match(text, /\n- The largest effect: b is 1\.9x faster than a at c=1/);
});
