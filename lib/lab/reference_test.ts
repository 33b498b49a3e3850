import assert from "node:assert/strict";
import { join } from "node:path";
import { repoPath } from "../notebook/paths.ts";
import { TEMPORARY_FOLDER, withoutFolder, writeReference } from "./reference.ts";

const FIXTURES = repoPath("tests", "support", "notebooks");

Deno.test("writeReference keeps the no-code report, the machine record and an index", async () => {
  const out = await Deno.makeTempDir({ prefix: "reference-" });
  try {
    const run = await writeReference({
      notebooks: ["hello"],
      notebooksDir: FIXTURES,
      outDir: out,
      profile: "quick",
    });
    const names = [...Deno.readDirSync(out)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["README.md", "environment.json", "hello.no-code.html"]);
    assert.deepEqual(run.reports, [join(out, "hello.no-code.html")]);
    const html = Deno.readTextFileSync(join(out, "hello.no-code.html"));
    assert.ok(!html.includes("lab-reference-"), "the report names no temporary folder");
    assert.ok(!html.includes("lib/notebook/mod.ts"), "the report has no code cells");
    const environment = JSON.parse(Deno.readTextFileSync(join(out, "environment.json")));
    assert.ok(environment.cpuCount >= 1);
    const index = Deno.readTextFileSync(join(out, "README.md"));
    assert.match(index, /\[hello\.no-code\.html\]\(hello\.no-code\.html\)/);
    assert.match(index, /profile `quick`/);
    assert.match(index, /deno task reference/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a failing notebook leaves the reference folder as it was", async () => {
  const out = await Deno.makeTempDir({ prefix: "reference-" });
  try {
    await Deno.writeTextFile(join(out, "README.md"), "earlier run\n");
    await assert.rejects(
      () => writeReference({ notebooks: ["failing"], notebooksDir: FIXTURES, outDir: out }),
      /the lab failed .* is unchanged/,
    );
    assert.deepEqual([...Deno.readDirSync(out)].map((entry) => entry.name), ["README.md"]);
    assert.equal(Deno.readTextFileSync(join(out, "README.md")), "earlier run\n");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("withoutFolder replaces every mention of the run's temporary folder", () => {
  const html = "<p>36 runs kept in <code>/tmp/lab-reference-ab12/results/01-root</code></p>" +
    "<p>/tmp/lab-reference-ab12/results/01-io</p>";
  const clean = withoutFolder(html, "/tmp/lab-reference-ab12/");
  assert.ok(!clean.includes("/tmp/"), clean);
  assert.equal(clean.split(TEMPORARY_FOLDER).length - 1, 2);
  assert.match(clean, /\(a temporary folder\)\/results\/01-root/);
});
