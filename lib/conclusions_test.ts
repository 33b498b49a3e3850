import assert from "node:assert/strict";
import { conclusions, conclusionsMarkdown } from "./conclusions.ts";
import { compareTargets, summarize } from "./results.ts";
import { runsFrame } from "./results_store.ts";
import { sampleRecord, type SampleRun } from "./testdata/run_results.ts";

function frame(runs: SampleRun[]) {
  return runsFrame(runs.map(sampleRecord));
}

function sweep(target: string, rpsByLevel: Record<number, number>, extra: Partial<SampleRun> = {}) {
  return Object.entries(rpsByLevel).flatMap(([c, rps]) =>
    [1, 2, 3].map((repeat) => ({
      target,
      concurrency: Number(c),
      repeat,
      rps: rps * (1 + (repeat - 2) * 0.01),
      wallTimeS: 2,
      ...extra,
    }))
  );
}

// async saturates at c=10 and is 2x threads there; threads' tail explodes at c=100.
const FASTER: SampleRun[] = [
  ...sweep("async", { 1: 1000, 10: 4000, 100: 4100 }, { p50: 2, p90: 4, p99: 6 }),
  ...sweep("threads", { 1: 900, 10: 2000, 100: 1500 }),
].map((run) =>
  run.target === "threads" && run.concurrency === 100 ? { ...run, p50: 10, p99: 400 } : run
);

Deno.test("conclusions name the faster target, saturation and exploding tails with numbers", () => {
  const df = frame(FASTER);
  const sentences = conclusions(summarize(df));
  assert.ok(
    sentences.includes(
      "At c=10 async is fastest: 4,000 req/s (95% CI 3,901-4,099), 2.0x threads (2,000).",
    ),
    sentences.join("\n"),
  );
  assert.ok(
    sentences.includes(
      "async: throughput stops growing at c=10 (4,000 req/s, 90%+ of its peak 4,100 at c=100).",
    ),
  );
  assert.ok(
    sentences.includes(
      "threads: throughput peaks at c=10 (2,000 req/s); it falls to 1,500 at c=100 (-25%).",
    ),
    sentences.join("\n"),
  );
  assert.ok(
    sentences.includes(
      "threads: latency tails explode at c=100: p99 is 40.0x p50 (p99 400 ms vs p50 10 ms).",
    ),
  );
  assert.ok(
    sentences.includes(
      "async: latency tails stay bounded: p99 at most 3.0x p50 (c=1, p99 6 ms vs p50 2 ms).",
    ),
  );
  assert.equal(sentences.filter((s) => s.startsWith("Warning")).length, 0);
  // a large ratio on sub-millisecond figures is not an exploding tail
  const fast = conclusions(
    summarize(frame(sweep("nginx", { 1: 9000, 10: 9500 }, { p50: 0.03, p90: 0.1, p99: 0.6 }))),
  );
  assert.ok(
    fast.includes(
      "nginx: p99 reaches 20.0x p50 at c=1, but stays under 10 ms (p99 0.6 ms vs p50 0.03 ms): no tail that matters.",
    ),
    fast.join("\n"),
  );

  const withVerdicts = conclusions(summarize(df), compareTargets(df, "async", "threads"));
  assert.match(withVerdicts[1]!, /^async is 2\.0x faster than threads at c=10 \(p<0\.001\)\.$/);
});

Deno.test("a tie is said to be within the noise", () => {
  const df = frame([...sweep("async", { 10: 1000 }), ...sweep("threads", { 10: 1005 })]
    .map((run, i) => ({ ...run, rps: run.rps * (1 + ((i % 3) - 1) * 0.05) })));
  const sentences = conclusions(summarize(df));
  assert.match(
    sentences[0]!,
    /^At c=10 threads is fastest: .*, but the intervals overlap: not beyond the noise\.$/,
  );
  const verdict = conclusions(summarize(df), compareTargets(df, "async", "threads"))[0]!;
  assert.match(
    verdict,
    /^No difference beyond the noise at c=10 \(async 1,000 vs threads 1,005 req\/s, p=0\.\d+\)\.$/,
  );
});

Deno.test("warnings: non-2xx, failures, short runs, one repeat, generator as bottleneck", () => {
  const df = frame([
    {
      target: "py",
      concurrency: 1,
      repeat: 1,
      rps: 300,
      non2xx: 1000,
      completed: 1000,
      wallTimeS: 3,
    },
    { target: "py", concurrency: 5, repeat: 1, rps: 300, failed: 12, completed: 200 },
  ]);
  const sentences = conclusions(summarize(df), undefined, { generatorCpuPercent: 97 });
  const warnings = sentences.filter((s) => s.startsWith("Warning: "));
  assert.deepEqual(warnings, [
    "Warning: py answered 1,000 non-2xx responses (c=1): those figures measure an error page, not the application; check the path.",
    "Warning: py had 12 transport failures (c=5): connections refused, reset or timed out; req/s counts only completed requests.",
    "Warning: runs of py at c=5 completed fewer than 500 requests (fewest 200): too few for a stable figure; ask for more requests.",
    "Warning: runs of py at c=5 lasted under 1 s (shortest 0.67 s): too short for a stable figure; ask for more requests or a duration.",
    "Warning: only one run per level for py: no spread and no interval, so no difference can be called real; repeat each run 3 times or more.",
    "Warning: the load generator used 97% of a core: it may be the bottleneck, so these figures are a lower bound for the servers.",
  ]);
  assert.equal(
    conclusions(summarize(df), undefined, { generatorCpuPercent: 40 }).some((s) =>
      s.includes("load generator")
    ),
    false,
  );
});

Deno.test("conclusionsMarkdown lists the sentences under a heading", () => {
  const markdown = conclusionsMarkdown(summarize(frame(FASTER)));
  assert.match(markdown, /^### Conclusions\n\n- At c=1 /);
  assert.equal(
    markdown.split("\n").filter((line) => line.startsWith("- ")).length,
    conclusions(summarize(frame(FASTER))).length,
  );
  assert.deepEqual(conclusions(summarize(frame([]))), ["No runs to conclude from."]);
});
