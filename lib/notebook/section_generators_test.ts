import assert from "node:assert/strict";
import { sectionGenerators } from "./section_generators.ts";
import { profile } from "./profiles.ts";
import type { GeneratorSet } from "../loadgen/detect.ts";
import type { GeneratorName, LoadGenerator } from "../loadgen/types.ts";

/** A set in which only `names` answer a version query (nothing is run). */
function only(...names: GeneratorName[]): GeneratorSet {
  const one = (name: GeneratorName): LoadGenerator => ({
    name,
    version: () => Promise.resolve(names.includes(name) ? "1.0" : null),
    run: () => Promise.reject(new Error("not run in this test")),
  });
  return {
    oha: one("oha"),
    wrk: one("wrk"),
    ab: one("ab"),
    autocannon: one("autocannon"),
    locust: one("locust"),
  };
}

const NAMES = { root: "3. The 2020 experiment", slow: ["4. Waiting", "4. Computing"] };
const FULL = profile("full");

Deno.test("sectionGenerators: ab for GET / as in 2020, wrk timed for the slow sections", async () => {
  const gens = await sectionGenerators(FULL, NAMES, only("ab", "wrk", "autocannon"));
  assert.equal(gens.root, "ab");
  assert.deepEqual(gens.slow, { generator: "wrk", durationS: FULL.timedRunS });
  assert.equal(gens.skipNote("4. Waiting"), "");
  assert.equal(
    gens.summary,
    `This run uses **ab** for \`GET /\` and **wrk** for the \`/io\` and \`/cpu\` runs ` +
      `(${FULL.timedRunS} s per run).`,
  );
});

Deno.test("sectionGenerators: with ab alone the slow sections run a request count with ab", async () => {
  const gens = await sectionGenerators(FULL, NAMES, only("ab"));
  assert.equal(gens.root, "ab");
  assert.deepEqual(gens.slow, { generator: "ab", requests: FULL.requests });
  assert.ok(gens.runs("4. Computing"));
});

Deno.test("sectionGenerators: autocannon alone skips every measured section and says what each needs", async () => {
  const gens = await sectionGenerators(FULL, NAMES, only("autocannon"));
  assert.equal(gens.root, null);
  assert.equal(gens.slow, null);
  assert.equal(gens.runs("3. The 2020 experiment"), false);
  assert.match(gens.skipNote("3. The 2020 experiment"), /^This section needs oha or ab: skipped/);
  assert.match(gens.skipNote("4. Waiting"), /needs oha or ab: skipped \(autocannon cannot/);
  assert.match(gens.summary, /^Installed here: autocannon; these sections are skipped: /);
  assert.match(gens.summary, /"3\. The 2020 experiment" \(needs oha or ab\)/);
  assert.match(gens.summary, /The rest runs\./);
});

Deno.test("sectionGenerators: wrk alone runs the slow sections and skips the request count", async () => {
  const gens = await sectionGenerators(FULL, NAMES, only("wrk"));
  assert.equal(gens.root, null);
  assert.deepEqual(gens.slow, { generator: "wrk", durationS: FULL.timedRunS });
  assert.match(gens.summary, /^This run uses \*\*wrk\*\* for the `\/io`.*this section is skipped/);
});

Deno.test("sectionGenerators: nothing installed says so and never throws", async () => {
  const gens = await sectionGenerators(FULL, NAMES, only());
  assert.equal(gens.root, null);
  assert.equal(gens.slow, null);
  assert.match(gens.summary, /No load generator is installed/);
});

Deno.test("notebook 01: every cell that measures asks the plan first", async () => {
  const path = new URL("../../notebooks/01_async_vs_threads.ipynb", import.meta.url);
  const notebook = JSON.parse(await Deno.readTextFile(path)) as {
    cells: { cell_type: string; source: string[] }[];
  };
  const measuring = notebook.cells
    .filter((cell) => cell.cell_type === "code")
    .map((cell) => cell.source.join(""))
    .filter((source) => /\b(runExperiment|measureHandoff)\(/.test(source));
  assert.ok(measuring.length >= 4, `found ${measuring.length} measuring cells`);
  for (const source of measuring) {
    assert.match(source, /gens\.(root|slow) === null\s*\?\s*null\s*:/, source.split("\n")[0]);
  }
});
