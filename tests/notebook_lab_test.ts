/**
 * `deno task lab` and `executeNotebook` on the committed fixture notebooks: a good one gives
 * reports, a failing cell fails with its error. Needs Jupyter and the Deno kernel (`deno task
 * setup`); without them these tests fail and say so.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { executeNotebook, NotebookError } from "../lib/lab/lab.ts";
import { outputText, readNotebook } from "../lib/lab/notebook_check.ts";
import { repoPath } from "../lib/notebook/paths.ts";
import { runCommand } from "../lib/lab/system_tools.ts";

const FIXTURES = repoPath("tests", "support", "notebooks");

Deno.test("a failing cell fails executeNotebook with the cell and its error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-notebook-test-" });
  try {
    const error = await executeNotebook(join(FIXTURES, "failing.ipynb"), {
      outDir: dir,
      profile: "quick",
    }).then(() => null, (e) => e);
    assert.ok(error instanceof NotebookError, `expected a NotebookError, got ${error}`);
    assert.deepEqual(error.cell, 2);
    const message: string = error.message;
    assert.ok(message.includes("failing.ipynb failed in cell 2"), message);
    assert.ok(message.includes("deliberate failure: need 2 servers, got 1"), message);
    assert.ok(message.includes("checkServers(1);"), "the failing cell's source is shown");
    assert.ok(!message.includes("Traceback"), "no Python traceback");
    assert.ok(!message.includes("\x1b["), "no terminal colours");
    // The cells run before the failure are kept, outputs included.
    assert.ok(
      message.includes(`the cells run until then, with their outputs: ${dir}/failing.ipynb`),
    );
    const kept = await readNotebook(join(dir, "failing.ipynb"));
    assert.deepEqual(kept.cells[0]?.execution_count, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task lab: reports for a good notebook, exit 1 and the error for a failing one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-notebook-test-" });
  try {
    const { code, stdout, stderr } = await runCommand(
      Deno.execPath(),
      ["run", "-A", repoPath("lib", "lab", "lab.ts"), "--notebooks", FIXTURES, "--out-dir", dir],
      { env: { LAB_PROFILE: "quick" } },
    );
    assert.deepEqual(code, 1, stdout + stderr);
    assert.ok(stdout.includes("profile quick"), stdout);
    assert.ok(stdout.includes(`${dir}/hello.html`), stdout);
    assert.ok(stderr.includes("deliberate failure: need 2 servers, got 1"), stderr);
    assert.ok(stderr.includes("1 notebook(s) failed"), stderr);
    const hello = await readNotebook(join(dir, "hello.ipynb"));
    const text = hello.cells.flatMap((cell) => cell.outputs ?? []).map(outputText).join("\n");
    assert.ok(text.includes("Profile **quick**: 200 requests"), "LAB_PROFILE reached the kernel");
    assert.ok(text.includes("Repository root found: true"), text);
    assert.ok((await Deno.stat(join(dir, "hello.html"))).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task lab: clear one-line answers for no notebooks, a bad profile, a bad name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-notebook-test-" });
  const lab = async (args: string[], profile?: string) => {
    const output = await runCommand(Deno.execPath(), [
      "run",
      "-A",
      repoPath("lib", "lab", "lab.ts"),
      ...args,
    ], {
      env: profile === undefined ? {} : { LAB_PROFILE: profile },
    });
    return { code: output.code, text: (output.stdout + output.stderr).trim() };
  };
  try {
    const empty = await lab(["--notebooks", dir, "--out-dir", join(dir, "out")], "quick");
    assert.deepEqual(empty.code, 0);
    assert.ok(empty.text.startsWith(`No notebooks under ${dir}/ yet`), empty.text);
    const badProfile = await lab(["--notebooks", dir], "fast");
    assert.deepEqual(badProfile.code, 1);
    assert.deepEqual(badProfile.text.split("\n").length, 1, badProfile.text);
    assert.ok(badProfile.text.includes(`LAB_PROFILE must be "quick" or "full", got "fast"`));
    const badName = await lab(["--notebooks", FIXTURES, "nope"], "quick");
    assert.deepEqual(badName.code, 1);
    assert.ok(badName.text.includes("no notebook matches 'nope'"), badName.text);
    assert.ok(badName.text.includes("failing.ipynb, hello.ipynb"), badName.text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
