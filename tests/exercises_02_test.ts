/**
 * Notebook 02's exercises, each run at a small scale with the same library calls and the
 * parameters the exercise names, so that an exercise cannot break unnoticed. Also the notebook's
 * zero-install path: with autocannon as the only generator, the plan says which sections need
 * another tool and keeps the failover run.
 */

import assert from "node:assert/strict";
import { REPEATABLE } from "../servers/balancer/retry.ts";
import { launchCluster, modelBackends } from "../lib/experiment/cluster.ts";
import {
  LAB02_SECTIONS,
  measureStrategies,
  measureTugas10,
  planLab02,
  runFailover,
} from "../lib/notebook/balancer_scenarios.ts";
import { visitPage } from "../lib/experiment/page_visit.ts";
import { hasTaskset } from "../lib/experiment/launch.ts";
import { createGeneratorSet } from "../lib/loadgen/detect.ts";
import { profile } from "../lib/notebook/profiles.ts";
import { summaryRows } from "../lib/results/results.ts";
import {
  failoverSentence,
  roundRobinBound,
  strategyComparisons,
  strategySentence,
  tugas10Comparisons,
  tugas10Sentence,
} from "../lib/results/balancer_story.ts";

const small = { levels: [2], runs: { requests: 60, generator: "ab" as const } };

async function withResults<T>(run: (outDir: string) => Promise<T>): Promise<T> {
  const outDir = await Deno.makeTempDir({ prefix: "lab-ex02-" });
  const saved = Deno.env.get("LAB_RESULTS_DIR");
  Deno.env.set("LAB_RESULTS_DIR", outDir);
  try {
    return await run(outDir);
  } finally {
    if (saved === undefined) Deno.env.delete("LAB_RESULTS_DIR");
    else Deno.env.set("LAB_RESULTS_DIR", saved);
    await Deno.remove(outDir, { recursive: true });
  }
}

Deno.test("exercises 1, 2 and 5: Tugas 10 with repeats, with keep-alive, and with pinned backends", async () => {
  await withResults(async () => {
    const cluster = await launchCluster({
      name: "ex02-cluster",
      pinBackends: hasTaskset() ? "1" : undefined,
    });
    try {
      const repeated = await measureTugas10(cluster.url, { ...small, repeats: 2, name: "ex02-1" });
      const sentence = tugas10Sentence(
        summaryRows(repeated.frame),
        tugas10Comparisons(repeated.frame),
      );
      assert.match(sentence, /^Tested 3 times \(3 comparisons at each of 1 levels/);
      const kept = await measureTugas10(cluster.url, {
        ...small,
        repeats: 1,
        runs: { ...small.runs, keepAlive: true },
        name: "ex02-2",
      });
      assert.equal(kept.records.length, 3);
      assert.ok(kept.records.every((record) => record.completed === 60));
    } finally {
      await cluster.shutdown();
    }
  });
});

Deno.test("exercise 3: in TCP mode the page has no x-backend header, and the log shows connections", async () => {
  const log: string[] = [];
  const tcp = await launchCluster({
    mode: "tcp",
    name: "ex02-tcp",
    backends: modelBackends("async", 4),
    onLog: (line) => log.push(line),
  });
  try {
    const visit = await visitPage(`${tcp.url}/page.html`, { views: 3, chromium: null });
    assert.equal(visit.requests.length, 9);
    assert.ok(visit.requests.every((r) => r.status === 200 && r.backend === "-"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const connections = log.filter((line) => / forwarded to 127\.0\.0\.1:\d+$/.test(line));
    assert.ok(connections.length >= 1 && connections.length <= 10, log.join("\n"));
    assert.ok(log.every((line) => !line.includes("/page.html")), "TCP mode sees no requests");
  } finally {
    await tcp.shutdown();
  }
});

Deno.test("exercise 4: a slow backend 20x slower, and round robin's bound from the formula", async () => {
  await withResults(async () => {
    const result = await measureStrategies({
      levels: [8],
      repeats: 1,
      runs: { requests: 40, generator: "ab" },
      factor: 20,
      waitMs: 5,
      strategies: ["round-robin", "least-connections"],
      name: "ex02-4",
    });
    assert.equal(result.factor, 20);
    const rr = result.shares.find((s) => s.strategy === "round-robin")!;
    assert.ok(rr.toSlow > 0 && rr.toSlow < rr.requests, JSON.stringify(rr));
    const bound = roundRobinBound(8, result);
    assert.equal(bound, 8 / ((3 * 5 + 5 * 20) / 4 / 1000));
    const frame = result.experiment.frame;
    const text = strategySentence(
      summaryRows(frame),
      strategyComparisons(frame),
      result.shares,
      result,
    );
    assert.match(text, /so 8 clients could get at most 278 req\/s/);
  });
});

Deno.test("exercise 6: failover with POST: backends answer 405, and the sentence names POST", async () => {
  const cluster = await launchCluster({ name: "ex02-post", healthIntervalMs: 200 });
  try {
    const result = await runFailover(cluster, { durationS: 2, method: "POST" });
    assert.ok((result.load.statusCodes["405"] ?? 0) > 0, JSON.stringify(result.load.statusCodes));
    assert.equal(result.load.statusCodes["200"] ?? 0, 0);
    const refused = ["502", "503", "504"]
      .reduce((sum, code) => sum + (result.load.statusCodes[code] ?? 0), 0);
    assert.equal(result.facts.refused, refused);
    assert.match(failoverSentence(result.facts, REPEATABLE, "POST"), /POST requests while backend/);
    const answered = await fetch(`${cluster.backends[1]!.url}/health`);
    assert.equal(answered.status, 200, "the stopped backend runs again after the run");
    await answered.body?.cancel();
  } finally {
    await cluster.shutdown();
  }
});

Deno.test("with autocannon as the only generator, notebook 02 says which sections need ab and keeps failover", async () => {
  const saved = Deno.env.get("LAB_GENERATORS");
  Deno.env.set("LAB_GENERATORS", "autocannon");
  try {
    const { plan, failoverS } = await planLab02(profile("quick"), {
      generators: createGeneratorSet(),
    });
    assert.deepEqual(plan.installed, ["autocannon"]);
    assert.equal(plan.generatorFor(LAB02_SECTIONS.failover), "autocannon");
    assert.match(plan.summary(), /3\. Tugas 10: skipped \(needs [a-z ]*ab/);
    for (
      const section of [LAB02_SECTIONS.tugas10, LAB02_SECTIONS.waiting, LAB02_SECTIONS.strategies]
    ) {
      assert.equal(plan.runs(section), false, section);
      assert.match(plan.skipNote(section), /^This section needs .*ab.*: skipped/);
    }
    assert.equal(plan.runs(LAB02_SECTIONS.failover), true);
    assert.equal(failoverS, 4);
  } finally {
    if (saved === undefined) Deno.env.delete("LAB_GENERATORS");
    else Deno.env.set("LAB_GENERATORS", saved);
  }
});
