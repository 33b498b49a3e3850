/**
 * Where the lab writes: `LAB_RESULTS_DIR` and `LAB_REPORTS_DIR` are honoured by experiments, the
 * CLI and notebook kernels, and a test process writes only under its temporary folder, never into
 * the checkout's `data/results/` or `reports/`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { executeNotebook } from "../lib/lab/lab.ts";
import { denoNotebook, outputText, readNotebook } from "../lib/lab/notebook_check.ts";
import { repoPath } from "../lib/notebook/paths.ts";
import {
  DEFAULT_REPORTS_ROOT,
  DEFAULT_RESULTS_ROOT,
  isTestModule,
  removeStaleTestOutput,
  REPORTS_DIR_ENV,
  reportsRoot,
  RESULTS_DIR_ENV,
  resultsRoot,
  TEST_OUTPUT_ENV,
  TEST_OUTPUT_PREFIX,
} from "../lib/results/results_root.ts";
import { runCommand } from "../lib/lab/system_tools.ts";

const REPO = repoPath();

Deno.test("resultsRoot and reportsRoot read their variables, else the checkout's folders", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assert.equal(resultsRoot(env({})), DEFAULT_RESULTS_ROOT);
  assert.equal(reportsRoot(env({})), DEFAULT_REPORTS_ROOT);
  assert.equal(DEFAULT_RESULTS_ROOT, join(REPO, "data", "results"));
  assert.equal(DEFAULT_REPORTS_ROOT, join(REPO, "reports"));
  assert.equal(resultsRoot(env({ [RESULTS_DIR_ENV]: "/srv/runs" })), "/srv/runs");
  assert.equal(resultsRoot(env({ [RESULTS_DIR_ENV]: " " })), DEFAULT_RESULTS_ROOT);
  assert.equal(reportsRoot(env({ [REPORTS_DIR_ENV]: "out" })), join(Deno.cwd(), "out"));
});

Deno.test("isTestModule knows deno test's file names", () => {
  for (const name of ["file:///r/lib/cli_test.ts", "file:///r/x.test.mjs", "file:///r/test.ts"]) {
    assert.ok(isTestModule(name), name);
  }
  for (const name of ["file:///r/lib/lab.ts", "file:///r/latest.ts", "file:///r/test_x.ts", ""]) {
    assert.ok(!isTestModule(name), name);
  }
});

Deno.test("this test process writes results and reports under its temporary folder", () => {
  const dir = Deno.env.get(TEST_OUTPUT_ENV);
  assert.ok(dir, `${TEST_OUTPUT_ENV} is not set`);
  assert.ok(!dir.startsWith(REPO), dir);
  assert.equal(resultsRoot(), join(dir, "results"));
  assert.equal(reportsRoot(), join(dir, "reports"));
});

Deno.test("the CLI puts a run without --out under LAB_RESULTS_DIR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-results-root-" });
  try {
    const { code, stderr } = await runCommand(Deno.execPath(), [
      "run",
      "-A",
      repoPath("lib", "lab", "cli.ts"),
      ...["--targets", "async", "--concurrency", "1", "--requests", "5", "--repeats", "1"],
      ...["--no-warmup", "--generator", "ab", "--name", "from-env", "--quiet"],
    ], { env: { [RESULTS_DIR_ENV]: dir } });
    assert.equal(code, 0, stderr);
    const runs = Deno.readTextFileSync(join(dir, "from-env", "runs.ndjson")).trim().split("\n");
    assert.equal(runs.length, 1);
    assert.equal(JSON.parse(runs[0]!).completed, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a notebook run by a test writes its experiments under the test's results root", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-results-root-nb-" });
  const experiment = pathToFileURL(repoPath("lib", "experiment", "experiment.ts")).href;
  const name = `kernel-root-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const notebook = denoNotebook([
      `import { runExperiment } from "${experiment}";\n` +
      `const r = await runExperiment({ name: "${name}", targets: ["async"], concurrency: [1], ` +
      `requests: 5, repeats: 1, warmup: false, generator: "ab", logErrors: false });\n` +
      `console.log("results in " + r.dir);\n` +
      `await new Promise((resolve) => setTimeout(resolve, 50));`,
    ]);
    // The kernel runs in the notebook's folder: give it the lab's import map.
    await Deno.copyFile(repoPath("deno.json"), join(dir, "deno.json"));
    const path = join(dir, "root.ipynb");
    await Deno.writeTextFile(path, JSON.stringify(notebook));
    // No env passed: the kernel inherits this process's LAB_RESULTS_DIR.
    const run = await executeNotebook(path, { outDir: join(dir, "out"), html: false });
    const printed = (await readNotebook(run.notebook)).cells.flatMap((c) => c.outputs ?? [])
      .map(outputText).join("\n");
    assert.ok(printed.includes(`results in ${join(resultsRoot(), name)}`), printed);
    assert.ok(Deno.statSync(join(resultsRoot(), name, "runs.ndjson")).isFile);
    let inCheckout = true;
    try {
      Deno.statSync(join(DEFAULT_RESULTS_ROOT, name));
    } catch {
      inCheckout = false;
    }
    assert.equal(inCheckout, false, "the kernel wrote into the checkout's data/results/");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(join(resultsRoot(), name), { recursive: true }).catch(() => {});
  }
});

Deno.test("an ended test process's output folder is removed, a running one's is kept", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "lab-stale-" });
  try {
    const ended = new Deno.Command("true").spawn();
    const endedPid = (await ended.status, ended.pid);
    const stale = join(tmp, `${TEST_OUTPUT_PREFIX}${endedPid}-abc`);
    const running = join(tmp, `${TEST_OUTPUT_PREFIX}${Deno.pid}-def`);
    const current = join(tmp, `${TEST_OUTPUT_PREFIX}${Deno.pid}-ghi`);
    const other = join(tmp, "someone-elses-folder");
    for (const dir of [stale, running, current, other]) {
      Deno.mkdirSync(join(dir, "results"), { recursive: true });
    }
    assert.deepEqual(removeStaleTestOutput(current), [stale]);
    const left = [...Deno.readDirSync(tmp)].map((e) => join(tmp, e.name)).sort();
    assert.deepEqual(left, [running, current, other].sort());
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
