import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../experiment/experiment.ts";
import { createAbGenerator } from "./ab.ts";
import { createAutocannonGenerator } from "./autocannon.ts";
import { createLocustGenerator } from "./locust/locust.ts";
import { createOhaGenerator } from "./oha.ts";
import { planGenerators, type SectionNeeds } from "./plan.ts";
import { createWrkGenerator } from "./wrk.ts";
import { runCommand } from "../lab/system_tools.ts";

/** The real adapters, with ab, wrk and oha pointed at programs that are not there. */
const AUTOCANNON_ONLY = {
  oha: createOhaGenerator({ command: "/nonexistent/oha" }),
  wrk: createWrkGenerator({ command: "/nonexistent/wrk" }),
  ab: createAbGenerator({ command: "/nonexistent/ab" }),
  autocannon: createAutocannonGenerator(),
  locust: createLocustGenerator(),
};

/** Notebook 01's sections as the notebook runs them. */
const SECTIONS: SectionNeeds[] = [
  { section: "3. The 2020 experiment, reproduced", keepAlive: false, requests: 1000 },
  { section: "4. The workload changes the answer", keepAlive: false, requests: 1000 },
  { section: "6. Failover", keepAlive: true, durationS: 4, concurrency: 8 },
  { section: "x. timed, new connections", keepAlive: false, durationS: 2 },
];

Deno.test("with autocannon alone, the sections that need a new connection per request are named and skipped", async () => {
  const plan = await planGenerators(SECTIONS, { generators: AUTOCANNON_ONLY });
  assert.equal(plan.generator, "autocannon");
  assert.deepEqual(plan.installed, ["autocannon"]);
  assert.deepEqual(
    plan.skipped.map((s) => [s.section, s.needs]),
    [
      ["3. The 2020 experiment, reproduced", ["oha", "ab"]],
      ["4. The workload changes the answer", ["oha", "ab"]],
      ["x. timed, new connections", ["oha", "wrk"]],
    ],
  );
  assert.equal(plan.runs("6. Failover"), true);
  assert.equal(plan.runs("3. The 2020 experiment, reproduced"), false);
  assert.equal(plan.skipNote("6. Failover"), "");
  const note = plan.skipNote("3. The 2020 experiment, reproduced");
  assert.match(note, /^This section needs oha or ab: skipped \(autocannon cannot run it: /);
  assert.match(note, /cannot run it: autocannon always keeps connections alive\); install/);
  assert.match(note, /install oha: cargo install oha/);
  assert.ok(!note.includes("\n"));
  assert.match(
    plan.summary(),
    /This run uses \*\*autocannon\*\*\. autocannon cannot run 3 section/,
  );
  assert.match(plan.summary(), /"4\. The workload changes the answer" \(needs oha or ab\)/);
  assert.match(plan.summary(), /The rest runs\./);
});

Deno.test("with the tools installed here, the notebooks' order picks ab or oha and skips nothing", async () => {
  // The notebooks prefer ab, as the course did, then oha, then autocannon.
  const prefer = ["ab", "oha", "autocannon"] as const;
  const plan = await planGenerators(SECTIONS.slice(0, 2), { prefer });
  assert.ok(plan.installed.includes("autocannon"), "autocannon needs only Deno");
  if (plan.installed.includes("ab") || plan.installed.includes("oha")) {
    assert.deepEqual(plan.skipped, []);
    assert.equal(plan.generator, plan.installed[0]);
    assert.equal(plan.summary(), `This run uses **${plan.generator}**.`);
  }
  // A tie goes to the first preferred: ab and autocannon each run one of these.
  const tie = await planGenerators([SECTIONS[0]!, SECTIONS[2]!], { prefer });
  if (plan.installed.includes("ab")) assert.equal(tie.generator, "ab");
});

Deno.test("no generator installed: every section is skipped, with how to install one", async () => {
  const none = {
    ...AUTOCANNON_ONLY,
    autocannon: createAutocannonGenerator({ deno: "/nonexistent/deno" }),
  };
  const plan = await planGenerators(SECTIONS, { generators: none });
  assert.equal(plan.generator, null);
  assert.equal(plan.skipped.length, SECTIONS.length);
  assert.match(plan.summary(), /No load generator is installed.*deno task setup/);
});

Deno.test({
  name: "with autocannon alone, a keep-alive section really runs",
  sanitizeResources: false,
  async fn() {
    const plan = await planGenerators(SECTIONS, { generators: AUTOCANNON_ONLY });
    assert.ok(plan.runs("6. Failover"));
    const dir = await Deno.makeTempDir({ prefix: "lab-plan-" });
    try {
      const result = await runExperiment({
        name: "autocannon-only",
        targets: ["async"],
        concurrency: [2],
        duration: "1s",
        keepAlive: true,
        repeats: 1,
        warmup: false,
        generator: plan.generator!,
        outDir: join(dir, "run"),
      });
      assert.equal(result.records.length, 1);
      assert.equal(result.records[0]!.generator, "autocannon");
      assert.ok(result.records[0]!.completed > 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("LAB_GENERATORS=autocannon: the zero-install path on this machine, sections named, bench refused", async () => {
  const env = { LAB_GENERATORS: "autocannon" };
  const plan = new URL("./plan.ts", import.meta.url).href;
  const mod = new URL("./mod.ts", import.meta.url).href;
  const script = `
    import { planGenerators } from "${plan}";
    import { listGenerators } from "${mod}";
    const installed = (await listGenerators()).filter((g) => g.installed).map((g) => g.name);
    const p = await planGenerators(${
    JSON.stringify(SECTIONS.slice(0, 3))
  }, { prefer: ["ab", "oha", "autocannon"] });
    console.log(JSON.stringify({ installed, generator: p.generator, summary: p.summary() }));`;
  const listed = await runCommand(Deno.execPath(), ["eval", script], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const seen = JSON.parse(listed.stdout);
  assert.deepEqual(seen.installed, ["autocannon"]);
  assert.equal(seen.generator, "autocannon");
  assert.match(seen.summary, /"3\. The 2020 experiment, reproduced" \(needs oha or ab\)/);

  const dir = await Deno.makeTempDir({ prefix: "lab-plan-env-" });
  try {
    const cli = new URL("../lab/cli.ts", import.meta.url).pathname;
    const out = join(dir, "never");
    const bench = await runCommand(Deno.execPath(), [
      "run",
      "-A",
      cli,
      ...["--targets", "async", "--concurrency", "1", "--requests", "10", "--out", out],
    ], { env });
    assert.equal(bench.code, 1, bench.stderr);
    assert.equal(bench.stderr.trimEnd().split("\n").length, 1, bench.stderr);
    assert.match(bench.stderr, /no load generator can run this spec; .*ab: not installed/);
    assert.match(
      bench.stderr,
      /autocannon: autocannon always keeps connections alive.*--keep-alive/,
    );
    assert.equal(bench.stdout, "");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no results folder: nothing started");
    const bad = await runCommand(Deno.execPath(), ["run", "-A", cli, "--out", out], {
      env: { LAB_GENERATORS: "jmeter" },
    });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /LAB_GENERATORS: unknown load generator 'jmeter': use one of oha/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
