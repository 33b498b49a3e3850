import assert from "node:assert/strict";
import { runsOf } from "../../tests/support/run_results.ts";
import { REPEATABLE } from "../../servers/balancer/retry.ts";
import { compareTargets, summaryRows } from "./results.ts";
import {
  claimAt,
  type FailoverFacts,
  failoverSentence,
  rotationSentence,
  roundRobinBound,
  strategySentence,
  TUGAS10_CONCLUSION,
  tugas10Comparisons,
  tugas10Sentence,
  tugas10Table,
  waitingSentence,
} from "./balancer_story.ts";
import { holmVerdicts } from "./findings.ts";

/** Runs: `rps[target][level]` lists the repeats' req/s; `p99[target]` the p99 of each run. */
function runs(rps: Record<string, Record<number, number[]>>, p99: Record<string, number> = {}) {
  return runsOf(rps, { p99 });
}

const three = (x: number) => [x * 0.99, x, x * 1.01];

Deno.test("the quoted 2020 conclusion is word for word in its source file", () => {
  const path = new URL(`../../${TUGAS10_CONCLUSION.source.split(",")[0]}`, import.meta.url);
  assert.ok(Deno.readTextFileSync(path).includes(TUGAS10_CONCLUSION.text));
});

Deno.test("tugas10Sentence: the 2020 claim holds where the balancer beats both, fails where a server beats it", () => {
  const balancerWins = runs({
    balancer: { 1: three(3000), 50: three(9000) },
    async: { 1: three(1000), 50: three(3000) },
    threads: { 1: three(900), 50: three(2000) },
  });
  const won = tugas10Sentence(summaryRows(balancerWins), tugas10Comparisons(balancerWins));
  assert.match(won, /^Tested 6 times \(3 comparisons at each of 2 levels, Holm-corrected for 6\)/);
  assert.match(won, /the 2020 conclusion holds at c=1, c=50\.$/);

  const asyncWins = runs({
    balancer: { 1: three(1000), 50: three(3000) },
    async: { 1: three(3000), 50: three(9000) },
    threads: { 1: three(900), 50: three(2000) },
  });
  const lost = tugas10Sentence(summaryRows(asyncWins), tugas10Comparisons(asyncWins));
  assert.match(
    lost,
    /does not hold at c=1, c=50, where the async server was faster than the balancer\.$/,
  );
  assert.doesNotMatch(lost, /holds at/);
  const table = tugas10Table(summaryRows(asyncWins), tugas10Comparisons(asyncWins));
  assert.deepEqual(table.map((row) => row["2020 claim"]), [
    "does not hold: async faster",
    "does not hold: async faster",
  ]);
  assert.equal(table[1]!["balancer / faster server"], "0.33x");
});

Deno.test("tugas10Sentence: noise leaves the claim open; one run says no test, and which way the medians point", () => {
  const noisy = runs({
    balancer: { 1: [900, 1500, 1100] },
    async: { 1: [1000, 1400, 950] },
    threads: { 1: [1200, 800, 1000] },
  });
  assert.match(
    tugas10Sentence(summaryRows(noisy), tugas10Comparisons(noisy)),
    /the 2020 conclusion cannot be called at c=1\.$/,
  );
  const single = runs({
    balancer: { 1: [500], 10: [3000] },
    async: { 1: [1000], 10: [2000] },
    threads: { 1: [900], 10: [1000] },
  });
  const sentence = tugas10Sentence(summaryRows(single), tugas10Comparisons(single));
  assert.match(sentence, /^With one run per cell no difference can be tested/);
  assert.match(sentence, /the balancer was ahead of both servers at 1 of 2 levels\.$/);
  assert.equal(claimAt(holmVerdicts(tugas10Comparisons(single)), 10).claim, "open");
});

Deno.test("waitingSentence: the words follow whether four backends added capacity or cost it", () => {
  const added = runs({
    "balancer-threads": { 50: three(1500) },
    "one-threads": { 50: three(390) },
    "balancer-async": { 50: three(1200) },
    "one-async": { 50: three(2400) },
  });
  const comparisons = (frame: ReturnType<typeof runs>) => [
    compareTargets(frame, "balancer-threads", "one-threads"),
    compareTargets(frame, "balancer-async", "one-async"),
  ];
  const text = waitingSentence(summaryRows(added), comparisons(added), { poolSize: 8, waitMs: 20 });
  assert.match(text, /cannot pass 8 \/ 20 ms = 400 req\/s; at c=50 it served 390 req\/s/);
  assert.match(
    text,
    /thread-pool backends behind the balancer: 3\.8x one backend's throughput, beyond the noise, so the extra backends added capacity/,
  );
  assert.match(
    text,
    /four async backends behind the balancer: 0\.50x one backend's throughput, beyond the noise, so the extra hop cost more/,
  );

  const reversed = runs({
    "balancer-threads": { 50: three(300) },
    "one-threads": { 50: three(390) },
    "balancer-async": { 50: [2300, 2600, 2450] },
    "one-async": { 50: [2400, 2200, 2500] },
  });
  const other = waitingSentence(summaryRows(reversed), comparisons(reversed), {
    poolSize: 8,
    waitMs: 20,
  });
  assert.match(
    other,
    /thread-pool backends behind the balancer: 0\.77x one backend's throughput, beyond the noise, so the extra hop cost/,
  );
  assert.match(
    other,
    /four async backends behind the balancer: 1\.0\dx one backend's throughput, no difference we can see with 3 runs/,
  );
  assert.doesNotMatch(other, /added capacity/);
});

Deno.test("strategySentence: round robin's bound, each strategy against it, and whose tail the slow backend set", () => {
  assert.equal(roundRobinBound(50, { backends: 4, waitMs: 20, factor: 5 }), 50 / 0.04);
  const options = { backends: 4, waitMs: 20, factor: 5 };
  const smarter = runs(
    {
      "round-robin": { 50: three(1000) },
      "least-connections": { 50: three(1800) },
      random: { 50: three(950) },
    },
    { "round-robin": 104, "least-connections": 60, random: 105 },
  );
  const shares = [
    { strategy: "round-robin", requests: 1000, toSlow: 250 },
    { strategy: "least-connections", requests: 1000, toSlow: 5 },
    { strategy: "random", requests: 1000, toSlow: 240 },
  ];
  const compare = (frame: ReturnType<typeof runs>) =>
    ["least-connections", "random"].map((name) => compareTargets(frame, name, "round-robin"));
  const text = strategySentence(summaryRows(smarter), compare(smarter), shares, options);
  assert.match(
    text,
    /^Round robin sent 25\.0% of its requests to the slow backend, so 50 clients could get at most 1,250 req\/s; it served 1,000 req\/s \(80% of that bound\)/,
  );
  assert.match(
    text,
    /least-connections 1\.8x round robin's throughput \(beyond the noise\), 0\.5% of its requests/,
  );
  assert.match(
    text,
    /the slow backend set the p99 \(80 ms or more\) of random, round-robin, not of the others\.$/,
  );

  const noBetter = runs(
    {
      "round-robin": { 50: three(1000) },
      "least-connections": { 50: three(700) },
      random: { 50: three(1000) },
    },
    { "round-robin": 104, "least-connections": 104, random: 105 },
  );
  const other = strategySentence(summaryRows(noBetter), compare(noBetter), shares, options);
  assert.match(other, /least-connections 0\.70x round robin's throughput \(beyond the noise\)/);
  assert.match(other, /Every strategy's p99 at c=50 is at least 80 ms/);
});

const facts: FailoverFacts = {
  completed: 800,
  failed: 0,
  non2xx: 0,
  refused: 0,
  victim: "127.0.0.1:9003",
  downAfterMs: 180,
  readmittedAfterMs: 420,
  failuresOnVictim: 2,
  p99Ms: 12.5,
  maxMs: 40,
};

Deno.test("failoverSentence: the methods retried come from the balancer's own REPEATABLE set", () => {
  const text = failoverSentence(facts, REPEATABLE);
  assert.match(text, /Failover was invisible to them/);
  assert.match(text, /repeats GET, HEAD, OPTIONS and TRACE without a body/);
  assert.match(text, /took it out 180 ms after the stop \(after 2 failed attempts on it\)/);
  assert.match(text, /again 420 ms after the restart/);
  const post = failoverSentence(
    { ...facts, non2xx: 800, refused: 3, readmittedAfterMs: null, downAfterMs: null },
    REPEATABLE,
    "POST",
  );
  assert.match(
    post,
    /3 of them saw it: the balancer repeats only GET, HEAD, OPTIONS and TRACE without a body, so a POST/,
  );
  assert.match(post, /No sample caught the backend down/);
  assert.match(post, /had not sent it requests again/);
  assert.doesNotMatch(post, /invisible/);
  assert.match(
    post,
    /0 failed and 3 got the balancer's own error \(502, 503 or 504\), 797 a backend's error/,
  );
});

Deno.test("rotationSentence: round robin, or not, as the counts say", () => {
  const even = rotationSentence({
    client: "chromium 120",
    views: 3,
    perBackend: [{ backend: "a", requests: 3 }, { backend: "b", requests: 2 }, {
      backend: "c",
      requests: 2,
    }, { backend: "d", requests: 2 }],
    even: true,
    spreadInEachView: true,
  });
  assert.match(even, /9 requests \(a 3, b 2, c 2, d 2\)\. That is round robin/);
  const stuck = rotationSentence({
    client: "fetch",
    views: 1,
    perBackend: [{ backend: "a", requests: 3 }],
    even: true,
    spreadInEachView: false,
  });
  assert.match(stuck, /That is not strict round robin/);
});
