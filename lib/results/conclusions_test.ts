import assert from "node:assert/strict";
import { conclusions, conclusionsMarkdown } from "./conclusions.ts";
import { compareTargets, summarize, type SummaryRow } from "./results.ts";
import { runsFrame } from "./results_store.ts";
import { sampleRecord, type SampleRun } from "../../tests/support/run_results.ts";

function frame(runs: SampleRun[]) {
  return runsFrame(runs.map(sampleRecord));
}

/** A summary row of 3 clean runs with the given generator CPU. */
function cell(
  target: string,
  concurrency: number,
  generatorCpuPercent: number | null,
): SummaryRow {
  return {
    target,
    concurrency,
    runs: 3,
    medianRps: 5000,
    meanRps: 5000,
    rpsCiLow: 4900,
    rpsCiHigh: 5100,
    rpsCv: 0.01,
    p50Ms: 2,
    p90Ms: 3,
    p99Ms: 5,
    failed: 0,
    non2xx: 0,
    completed: 30000,
    minCompleted: 10000,
    minWallTimeS: 2,
    generatorCpuPercent,
  };
}

function generatorWarnings(sentences: string[]): string[] {
  return sentences.filter((s) => s.startsWith("Warning: ") && /generator|\bab\b/.test(s));
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
      "At c=10 async is fastest: 4,000 req/s (median; the mean's 95% CI 3,901-4,099), 2.0x threads (2,000).",
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
    "Warning: The load generator used up to 97% of one core at c=1, c=5 against py: it, not the server, may be what limits req/s here; try wrk or oha, more threads, or pin the server and the generator to separate cores (taskset -c).",
  ]);
  assert.equal(
    conclusions(summarize(df), undefined, { generatorCpuPercent: 40 }).some((s) =>
      s.includes("load generator")
    ),
    false,
  );
});

Deno.test("the summary's generator CPU warns at 97% of a core and not at 20%", () => {
  const busy = [cell("async", 10, 20), cell("async", 50, 97)];
  assert.deepEqual(generatorWarnings(conclusions(busy, undefined, { generator: "ab", cores: 2 })), [
    "Warning: ab used 97% of one core at c=50 against async: the load generator, not the server, may be what limits req/s here; try wrk or oha, more threads, or pin the server and the generator to separate cores (taskset -c).",
  ]);
  const calm = [cell("async", 10, 20), cell("async", 50, 20)];
  assert.deepEqual(generatorWarnings(conclusions(calm, undefined, { cores: 2 })), []);
  // Not measured (old results, Locust): nothing to say either way.
  const unknown = [cell("async", 10, null), { ...cell("async", 50, null) }];
  delete unknown[1]!.generatorCpuPercent;
  assert.deepEqual(generatorWarnings(conclusions(unknown, undefined, { cores: 2 })), []);
});

Deno.test("conclusions take the generator CPU from a summarized DataFrame by themselves", () => {
  const runs = sweep("async", { 10: 4000, 50: 4100 }).map((run) => {
    const record = sampleRecord(run);
    const percent = run.concurrency === 50 ? 97 : 20;
    return { ...record, generatorCpuS: percent / 100 * 2, generatorCpuPercent: percent };
  });
  const sentences = conclusions(summarize(runsFrame(runs)), undefined, { cores: 2 });
  assert.deepEqual(generatorWarnings(sentences).map((s) => s.slice(0, 70)), [
    "Warning: The load generator used 97% of one core at c=50 against async",
  ]);
});

Deno.test("a generator taking over half of a small machine's cores is called out", () => {
  // 160% of one core is 80% of a 2-core machine: the server had at most 40% of the CPU.
  const rows = [cell("workers", 100, 160)];
  const warnings = generatorWarnings(
    conclusions(rows, undefined, { generator: "wrk", cores: 2, generatorCpuLimit: 200 }),
  );
  assert.deepEqual(warnings, [
    "Warning: wrk took 80% of all 2 cores of this machine at c=100 against workers: generator and server compete for the same CPUs, so the server had less than half of them; pin them to separate cores or run the generator on another machine.",
  ]);
  // On 8 cores the same 160% is a fifth of the machine: no crowding warning.
  assert.deepEqual(
    generatorWarnings(
      conclusions(rows, undefined, { generator: "wrk", cores: 8, generatorCpuLimit: 200 }),
    ),
    [],
  );
});

Deno.test("the explicit generatorCpuPercent option overrides the summary's figures", () => {
  const rows = [cell("async", 10, 97)];
  assert.deepEqual(
    generatorWarnings(conclusions(rows, undefined, { generatorCpuPercent: 20, cores: 2 })),
    [],
  );
  assert.equal(
    generatorWarnings(conclusions([cell("async", 10, 5)], undefined, { generatorCpuPercent: 95 }))
      .length,
    1,
  );
  assert.throws(() => conclusions(rows, undefined, { cores: 0 }), /options.cores must be a whole/);
  assert.throws(
    () => conclusions(rows, undefined, { generatorCpuLimit: -1 }),
    /generatorCpuLimit is a percent of one core above 0/,
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
