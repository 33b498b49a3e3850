import assert from "node:assert/strict";
import { LAB02_EXPERIMENTS } from "./balancer_scenarios.ts";
import {
  COSTS,
  describeRuns,
  estimateLab,
  experimentSeconds,
  labPlan,
  numbersLieSizes,
  timedRuns,
} from "./lab_plan.ts";
import { cellSource, readNotebook } from "../lab/notebook_check.ts";
import { repoPath } from "./paths.ts";
import { profile } from "./profiles.ts";

/** The budget for `deno task lab` on a 2-core machine. */
const FULL_LAB_BUDGET_S = 12 * 60;

Deno.test("timedRuns() times the slow runs with oha or wrk, else counts requests", () => {
  const full = profile("full");
  assert.deepEqual(timedRuns(full, ["ab", "wrk"], "ab"), { generator: "wrk", durationS: 1 });
  assert.deepEqual(timedRuns(full, ["oha", "wrk"], "ab"), { generator: "oha", durationS: 1 });
  assert.deepEqual(timedRuns(full, ["ab", "autocannon"], "ab"), {
    generator: "ab",
    requests: 1000,
  });
  assert.deepEqual(describeRuns({ generator: "wrk", durationS: 1 }), "1 s with wrk");
  assert.deepEqual(describeRuns({ generator: "ab", requests: 200 }), "200 requests with ab");
});

Deno.test("the full lab's estimate fits the 12-minute budget, and the course experiment is intact", () => {
  const full = profile("full");
  // The 2020 experiment stays as the course ran it: GET /, n = 1000, six levels, three runs.
  assert.deepEqual([full.requests, full.repeats, full.levels], [1000, 3, [1, 5, 10, 15, 50, 100]]);
  const estimate = estimateLab(full);
  assert.deepEqual([...estimate.perNotebook.keys()], [
    "01_async_vs_threads.ipynb",
    "02_load_balancer.ipynb",
    "03_why_numbers_lie.ipynb",
  ]);
  assert.ok(estimate.totalS <= FULL_LAB_BUDGET_S, `full lab estimated at ${estimate.totalS} s`);
  assert.ok(estimateLab(profile("quick")).totalS < estimate.totalS / 2, "quick is much shorter");
  // Without a timed generator the slow sections count requests again, and take much longer.
  assert.ok(estimateLab(full, { timed: false }).totalS > 2 * estimate.totalS);
  // PDFs and reports without code add to it; a notebook not asked for is left out.
  const one = estimateLab(full, { notebooks: ["01_async_vs_threads.ipynb"] });
  const withPdf = estimateLab(full, {
    notebooks: ["01_async_vs_threads.ipynb"],
    pdfs: 2,
    extraReports: 1,
  });
  assert.deepEqual(one.perNotebook.size, 1);
  assert.ok(withPdf.totalS > one.totalS);
});

Deno.test("experimentSeconds() adds server starts, a warm-up per target and the runs", () => {
  const shape = {
    name: "x",
    targets: 2,
    starts: 0,
    levels: [1, 10],
    repeats: 3,
    durationS: 1,
    requests: 1000,
    rate: 1000,
  };
  const timed = experimentSeconds(shape);
  const counted = experimentSeconds({ ...shape, durationS: null, requests: 2000 });
  const many = experimentSeconds({ ...shape, durationS: null, requests: 100, rate: 10_000 });
  const run = (s: number) => COSTS.runOverheadS + s;
  // 2 targets x (2 levels x 3 repeats + the warm-up's runs). Timed runs of 1 s: the warm-up
  // stops after 2 runs (2 s passed); runs of 2000 requests at 1000 req/s: after 1 (2 s); runs of
  // 100 requests at 10,000 req/s: after 2 s of 0.46 s runs (5), long before 10,000 requests.
  assert.ok(Math.abs(timed - 2 * (6 + 2) * run(1)) < 1e-9, `${timed}`);
  assert.ok(Math.abs(counted - 2 * (6 + 1) * run(2)) < 1e-9, `${counted}`);
  assert.ok(Math.abs(many - 2 * (6 + 5) * run(0.01)) < 1e-9, `${many}`);
});

Deno.test("every experiment a notebook runs is in the plan, and the plan names no other", async () => {
  for (const plan of labPlan(profile("full"))) {
    const notebook = await readNotebook(repoPath("notebooks", plan.notebook));
    const sources = notebook.cells.map(cellSource).join("\n");
    const direct = /runExperiment\(\{\s*name:\s*"([^"]+)"/g;
    const scenario = new RegExp(`\\bawait (${Object.keys(LAB02_EXPERIMENTS).join("|")})\\(`, "g");
    const run = [...sources.matchAll(new RegExp(`${direct.source}|${scenario.source}`, "g"))]
      .map((m) => m[1] ?? LAB02_EXPERIMENTS[m[2] as keyof typeof LAB02_EXPERIMENTS]);
    const planned = plan.steps.map((step) => step.name).filter((name) => /^\d\d-/.test(name));
    assert.deepEqual(planned, run, plan.notebook);
  }
});

Deno.test("notebook 03 reads its sizes from the plan", async () => {
  const notebook = await readNotebook(repoPath("notebooks", "03_why_numbers_lie.ipynb"));
  const sources = notebook.cells.map(cellSource).join("\n");
  assert.ok(sources.includes("const size = numbersLieSizes(lab);"));
  assert.ok(
    numbersLieSizes(profile("quick")).closedRequests <
      numbersLieSizes(profile("full")).closedRequests,
  );
});
