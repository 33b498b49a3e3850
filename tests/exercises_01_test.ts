/**
 * Notebook 01's exercises, each run as the exercise asks (the same library calls with the
 * exercise's parameters) at a small scale: real servers, a real load generator, results in a
 * temporary folder. An exercise whose call no longer works, or whose computed answer no longer
 * follows its parameters (a pool of 2 predicted as 8), fails here before a student meets it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../lib/experiment/experiment.ts";
import { verdictTable } from "../lib/results/findings.ts";
import { profile } from "../lib/notebook/profiles.ts";
import { sectionGenerators } from "../lib/notebook/section_generators.ts";
import { compareTargets, summaryRows } from "../lib/results/results.ts";
import { ceilingMarkdown, experimentShape, workloadOf } from "../lib/results/ceilings.ts";
import { repeatsNeeded } from "../lib/results/stats.ts";

const lab = profile("quick");
const gens = await sectionGenerators(lab, { root: "3", slow: ["4. io", "4. cpu"] });
const outRoot = await Deno.makeTempDir({ prefix: "exercises-01-" });
const common = { warmup: false, logErrors: false };
const skipRoot = gens.root === null;
const skipSlow = gens.slow === null;

Deno.test({
  name: "exercise 1: five repeats give every comparison a p-value, and a CV for repeatsNeeded",
  ignore: skipRoot,
  fn: async () => {
    const ex1 = await runExperiment({
      targets: ["async", "threads"],
      name: "01-ex1",
      path: "/",
      concurrency: [1, 10],
      repeats: 5,
      requests: 100,
      generator: gens.root!,
      outDir: join(outRoot, "ex1"),
      ...common,
    });
    const verdicts = verdictTable([compareTargets(ex1.frame, "async", "threads")]).toRecords();
    assert.equal(verdicts.length, 2);
    assert.ok(verdicts.every((row) => row["p (Holm)"] !== "-"), JSON.stringify(verdicts));
    for (const row of summaryRows(ex1.frame)) {
      assert.equal(row.runs, 5);
      assert.ok(row.rpsCv !== null && row.rpsCv > 0, `${row.target} c=${row.concurrency}`);
      assert.ok(Number.isInteger(repeatsNeeded(row.rpsCv, 0.1)));
    }
  },
});

Deno.test({
  name:
    "exercise 2: the threads model alone with a pool of 2 and of 16, predicted from the experiment",
  ignore: skipSlow,
  fn: async () => {
    for (const size of [2, 16]) {
      const ex2 = await runExperiment({
        targets: ["threads"],
        name: "01-ex2",
        path: "/io?ms=20",
        concurrency: [10],
        size,
        ...gens.slow!,
        outDir: join(outRoot, `ex2-${size}`),
        // Each pool worker is a V8 isolate: a pool of 16 takes seconds to start on a busy machine.
        readyTimeoutMs: 60_000,
        ...common,
      });
      assert.equal(experimentShape(ex2).poolSize, size);
      const text = ceilingMarkdown(
        summaryRows(ex2.frame),
        workloadOf("/io?ms=20"),
        experimentShape(ex2),
      );
      assert.match(text, new RegExp(`a pool of \\*\\*${size}\\*\\* workers`));
      const bound = Math.min(10, size) / 0.02;
      assert.match(text, new RegExp(`threads at most \\*\\*${bound} req/s\\*\\*`));
      assert.doesNotMatch(text, /workers model/, "the workers model was left out");
      // A pool of 2 that each wait 20 ms cannot finish more than 100 requests a second.
      if (size === 2) assert.ok(summaryRows(ex2.frame)[0]!.medianRps <= bound * 1.1);
    }
  },
});

Deno.test({
  name: "exercise 3: servers pinned to one core, and the prediction counts one core",
  ignore: skipSlow || navigator.hardwareConcurrency < 2,
  fn: async () => {
    const ex3 = await runExperiment({
      targets: ["workers", "async"],
      name: "01-ex3",
      path: "/cpu?ms=5",
      concurrency: [10],
      pin: "0",
      ...gens.slow!,
      outDir: join(outRoot, "ex3"),
      ...common,
    });
    const shape = experimentShape(ex3);
    assert.equal(shape.serverCores, 1);
    const text = ceilingMarkdown(summaryRows(ex3.frame), workloadOf("/cpu?ms=5"), shape);
    assert.match(text, /1 of \d+ cores for the servers/);
    assert.match(text, /workers at most \*\*200 req\/s\*\* \(min\(c=10, N=1, 1 core\)/);
    assert.match(text, /workers (reached|did not reach) 1 core x 200 = 200 req\/s/);
  },
});

Deno.test({
  name: "exercise 4: the GET / experiment with keep-alive",
  ignore: skipRoot,
  fn: async () => {
    const ex4 = await runExperiment({
      name: "01-ex4",
      targets: ["async", "threads"],
      path: "/",
      concurrency: [10],
      requests: 500,
      repeats: 1,
      keepAlive: true,
      generator: gens.root!,
      outDir: join(outRoot, "ex4"),
      ...common,
    });
    const runs = ex4.frame.toRecords();
    assert.equal(runs.length, 2);
    assert.ok(runs.every((run) => run.keepAlive === true && run.completed === 500));
    assert.equal(verdictTable([compareTargets(ex4.frame, "async", "threads")]).height, 1);
  },
});

Deno.test("exercises: results stay in the test's temporary folder", async () => {
  await Deno.remove(outRoot, { recursive: true });
});
