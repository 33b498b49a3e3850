import assert from "node:assert/strict";
import { sampleRunResult } from "../../tests/support/run_results.ts";
import pl from "nodejs-polars";
import type { RunResult } from "../loadgen/types.ts";
import type { OpenLoopSample } from "../experiment/open_loop.ts";
import { loadSeeds } from "../results/seeds.ts";
import {
  backlogRow,
  backlogSentence,
  batchesSentence,
  batchesTable,
  concurrencyOneSentences,
  errorPageSentence,
  errorPageTable,
  explanation2020Markdown,
  generatorPoints,
  generatorsSentence,
  generatorTable,
  intervalLabel,
  keepAliveSentence,
  predictedOpenP99,
  repeatsSentence,
  repeatStats,
  stallSentence,
  stallTable,
} from "./lies_story.ts";

/** A RunResult at 1000 req/s with the latencies the sentences read, from the shared sample. */
function result(parts: Partial<RunResult> & { p99?: number; max?: number } = {}): RunResult {
  const { p99 = 1, max = 2, ...rest } = parts;
  return sampleRunResult({
    wallTimeS: 1,
    requestsPerSec: 1000,
    latencyMs: { mean: 1, min: 0.1, max, p50: 0.5, p90: 0.8, p95: 0.9, p99, p999: max },
    ...rest,
  });
}

Deno.test("errorPageSentence: a 404 as fast as the real page is called fast and wrong, not slow", () => {
  const runs = [
    { label: "GET /", concurrency: 10, result: result({ requestsPerSec: 10000 }) },
    {
      label: "GET /status/404",
      concurrency: 10,
      result: result({ requestsPerSec: 10500, non2xx: 1000, warnings: ["1000 non-2xx"] }),
    },
  ];
  const text = errorPageSentence(runs, "ab");
  assert.match(text, /ab counted \*\*0 failed requests\*\*, while \*\*100%\*\*/);
  assert.match(text, /\*\*1\.05x\*\* the throughput of the real page: fast and wrong/);
  assert.doesNotMatch(text, /slow/);
  assert.equal(errorPageTable(runs)[1]!["Non-2xx responses"], 1000);
  assert.equal(errorPageTable(runs)[1]!["our flag"], "non-2xx: 1000 of 1000");
  assert.equal(errorPageTable(runs)[0]!["our flag"], "clean");
  // The opposite: the error page slower, and then an "error page" that answered 200.
  runs[1]!.result.requestsPerSec = 5000;
  assert.match(errorPageSentence(runs, "ab"), /\*\*0\.50x\*\*.*slower here/);
  runs[1]!.result.non2xx = 0;
  assert.match(errorPageSentence(runs, "ab"), /no error status: there was no error page to miss/);
});

Deno.test("keepAliveSentence: faster, slower or within the noise, as the runs say", () => {
  const points = (ka: number, nc: number) => [
    { label: "keep-alive", concurrency: 1, rps: 1 },
    { label: "keep-alive", concurrency: 10, rps: ka },
    { label: "new connection each", concurrency: 10, rps: nc },
  ];
  assert.match(keepAliveSentence(points(30000, 10000)), /keep-alive was \*\*3\.0x\*\* as fast/);
  const slower = keepAliveSentence(points(8000, 10000));
  assert.match(slower, /keep-alive was \*\*slower\*\* here \(0\.80x\)/);
  assert.doesNotMatch(slower, /as fast|handshakes/);
  assert.match(keepAliveSentence(points(10500, 10000)), /no difference we can see with one run/);
});

Deno.test("generatorsSentence: the generator named the bottleneck only when it used about a core", () => {
  const run = (generator: string, rps: number, cpuS: number) => ({
    generator,
    result: result({ requestsPerSec: rps, completed: rps * 2, wallTimeS: 2, generatorCpuS: cpuS }),
    serverCpuS: 1,
  });
  const busy = [run("ab 2.3", 15000, 1.9), run("wrk 4.1", 45000, 0.6)];
  const points = generatorPoints(busy);
  assert.equal(points[0]!.cores, 0.95);
  assert.ok(Math.abs(points[0]!.cpuUsPerRequest! - 63.33) < 0.01);
  const text = generatorsSentence(points, 2);
  assert.match(text, /a factor of \*\*3\.0x\*\* that belongs to the generators/);
  assert.match(text, /The slowest, ab 2\.3, kept \*\*0\.95 cores\*\* busy: about a whole core/);
  // The slowest generator not CPU-bound, though a busier one exists: not called the bottleneck.
  const light = generatorsSentence(
    generatorPoints([run("autocannon 8", 2000, 0.6), run("wrk 4.1", 16000, 1.9)]),
    2,
  );
  assert.match(light, /The slowest, autocannon 8, kept \*\*0\.30 cores\*\* busy: less than a core/);
  assert.doesNotMatch(light, /set the pace/);
  const idle = generatorsSentence(generatorPoints([run("ab 2.3", 15000, 0.4)]), 2);
  assert.match(idle, /Only ab 2\.3 is installed/);
  assert.match(idle, /less than a core.*not the bottleneck/);
  assert.doesNotMatch(idle, /set the pace/);
  assert.equal(generatorTable(busy)[0]!["generator cores busy"], "0.95");
});

function openSamples(latencies: number[]): OpenLoopSample[] {
  return latencies.map((latencyMs, i) => ({
    intendedMs: i * 2,
    sentMs: i * 2,
    latencyMs,
    serviceMs: latencyMs,
    status: 200,
    error: null,
  }));
}

Deno.test("stallSentence: says the closed loop hid the stalls only when its p99 was far lower", () => {
  const schedule = { stallMs: 100, stallEveryMs: 1000, rate: 500, durationS: 2 };
  assert.equal(predictedOpenP99(100, 1000), 90);
  assert.equal(predictedOpenP99(5, 1000), 0, "stalls under 1% of the time miss the p99");
  const slowTail = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 95 : 0.5));
  const hidden = {
    closed: result({ completed: 100000, p99: 0.4, max: 101 }),
    closedStalls: 3,
    open: openSamples(slowTail),
    openStalls: 2,
    oha: null,
  };
  const text = stallSentence(hidden, schedule);
  assert.match(text, /the open loop reported \*\*p99 = 95\.0 ms\*\*/);
  assert.match(text, /= \*\*90 ms\*\*/);
  assert.match(text, /so it hid the stalls: the open loop's p99 was \*\*238x\*\* as high/);
  assert.match(text, /= \*\*90 ms\*\*, and the measured p99 is close to it/);
  assert.match(text, /\(3 stalls during its run; 2 during the open loop's\), below 1%/);
  assert.equal(stallTable(hidden, schedule).length, 2);
  const shown = { ...hidden, closed: result({ completed: 1000, p99: 90, max: 101 }) };
  const honest = stallSentence(shown, schedule);
  assert.match(honest, /did not hide the stalls in this run/);
  assert.match(honest, /, above 1%, and its p99 was within 2x/);
  const late = { ...hidden, open: openSamples(slowTail.map((x) => x * 4)) };
  assert.match(stallSentence(late, schedule), /above it \(after each stall the server also works/);
  assert.doesNotMatch(honest, /it hid/);
});

function connectSamples(connects: (number | null)[]) {
  return connects.map((connectMs, i) => ({
    startMs: i,
    connectMs,
    totalMs: connectMs === null ? null : connectMs + 5,
    status: connectMs === null ? null : 200,
    error: connectMs === null ? "connect timeout" : null,
  }));
}

Deno.test("backlogRow counts SYN retries; backlogSentence credits the queue only when it differed", () => {
  const small = backlogRow(1, connectSamples([0.1, 0.2, 1003, 3010, 7020, null]));
  assert.deepEqual(
    [small.fast, small.retry1, small.retry3, small.retry7, small.noAnswer],
    [2, 1, 1, 1, 1],
  );
  const large = backlogRow(511, connectSamples([0.1, 0.1, 0.2, 0.1, 0.1, 0.1]));
  const text = backlogSentence([large, small]);
  assert.match(text, /With a backlog of 1, \*\*3 of 6\*\* requests waited for a SYN retry/);
  assert.match(text, /only the queue length differs/);
  const same = backlogSentence([backlogRow(1, connectSamples([0.1])), large]);
  assert.match(same, /dropped no more connections than the long one/);
  assert.doesNotMatch(same, /only the queue length differs/);
});

Deno.test("repeatsSentence: median with its labelled order-statistic interval, CV, shared server said", () => {
  const noisy = [900, 1000, 1100, 1200, 800, 1000, 950, 1050];
  const stats = repeatStats(noisy);
  assert.equal(stats.median.estimate, 1000);
  assert.match(intervalLabel(stats), /^median, 9\d\.\d% order-statistic interval$/);
  const text = repeatsSentence(noisy);
  assert.match(text, /one server kept running/);
  assert.match(text, /\[interval for the median\]\(#glossary-ci\)/);
  assert.match(text, /\[Coefficient of variation\]\(#glossary-cv\) \*\*12\.2%\*\*/);
  assert.match(text, /takes \*\*\d+ runs of each\*\*; two single runs/);
  const steady = repeatsSentence([1000, 1001, 999, 1000, 1002], { restarted: true });
  assert.match(steady, /each on a freshly started server/);
  assert.match(steady, /takes \*\*2 runs of each\*\*: this setup is steady enough/);
  assert.match(repeatsSentence([5, 5, 5]), /identical: no spread/);
  assert.match(repeatsSentence([1000, 1100, 900], { difference: 0.02 }), /real 2\.0% difference/);
});

Deno.test("batchesSentence: 'slowed down' only when the leaky server did and the fixed one did not", () => {
  const batches = (label: string, ms: number[]) =>
    ms.map((m, i) => ({ server: label, served: (i + 1) * 50, msPerRequest: m, rps: 5000 / m }));
  const leak = [...batches("leaky", [0.5, 2, 10]), ...batches("fixed", [0.5, 0.5, 0.45])];
  const text = batchesSentence(leak, "leaky", "fixed");
  assert.match(text, /After 150 requests the leaky server needed \*\*10\.0 ms\*\*/);
  assert.match(text, /slowed down as it served, the fixed one did not/);
  assert.equal(batchesTable(leak).length, 2);
  const both = [...batches("leaky", [0.5, 5, 50]), ...batches("fixed", [0.5, 0.5, 1.1])];
  assert.match(batchesSentence(both, "leaky", "fixed"), /the fixed one far less \(2\.2x\)/);
  const withPool = [...leak, ...batches("pool", [12, 3, 3])];
  assert.match(
    batchesSentence(withPool, "leaky", "fixed", "pool"),
    /thread pool went from 12\.0 to 3\.00 ms \(0\.25x\): threads without the leak did not slow/,
  );
  const poolSlows = [...leak, ...batches("pool", [1, 3, 9])];
  assert.match(
    batchesSentence(poolSlows, "leaky", "fixed", "pool"),
    /\(9\.0x\): it slowed down too, so look for a cause of its own/,
  );
  const none = batchesSentence(
    [...batches("leaky", [0.5, 0.55, 0.6]), ...batches("fixed", [0.5, 0.5, 0.5])],
    "leaky",
    "fixed",
  );
  assert.match(none, /did not slow down beyond the fixed one's change/);
  assert.doesNotMatch(none, /slowed down as it served/);
});

/** A seeds-shaped frame from a few rows of one report. */
function fakeSeeds(rows: [server: string, n: number, c: number, t: number][]) {
  return pl.DataFrame(rows.map(([server, n, c, t]) => ({
    source: "x.txt",
    assignment: "Tugas X",
    heading: "h",
    server,
    no_test: 1,
    requests: n,
    concurrency: c,
    time_taken_s: t,
    complete: n,
    failed: 0,
    total_transferred_bytes: 0,
    requests_per_sec: n / t,
    time_per_request_ms: (t / n) * 1000 * c,
    transfer_kbps: 0,
    finished: true,
  })));
}

Deno.test("concurrencyOneSentences: the 2020 c=1 slowness is the leak, not the backlog, from the seeds", () => {
  const sentences = concurrencyOneSentences(loadSeeds());
  const report002 = sentences.find((s) => s.startsWith("002_"))!;
  assert.match(
    report002,
    /took \*\*745 ms\*\* per request for n = 1000, the async server 4\.37 ms/,
  );
  assert.match(report002, /data\/seeds\/002_d0c32baef3e00039\.csv lines 7, 2/);
  assert.match(report002, /no backlog overflowed: the slowness at c=1 is the server's own work/);
  // The opposite: a threaded server as fast as the async one at c=1.
  const fast = concurrencyOneSentences(
    fakeSeeds([["threads", 100, 1, 0.1], ["async", 100, 1, 0.09]]),
  );
  assert.equal(fast.length, 1);
  assert.match(fast[0]!, /not slow with one request at a time/);
  assert.doesNotMatch(fast[0]!, /leak/);
});

Deno.test("explanation2020Markdown: c=1, the leak's growth and the retry steps, each cited", () => {
  const text = explanation2020Markdown(loadSeeds());
  assert.match(text, /took 3\.9, 18, 97 ms per request for n = 10, 50, 100/);
  assert.match(text, /of a multiple of 0\.505 s/);
  assert.ok(
    text.split("\n").every((line) => line.startsWith("- ") && /data\/seeds\/|\.csv/.test(line)),
  );
  assert.doesNotMatch(text, /404/);
});
