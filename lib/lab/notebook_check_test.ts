import assert from "node:assert/strict";
import {
  denoNotebook,
  expectsOutput,
  findProblems,
  type NotebookOutput,
  outputText,
  readNotebook,
} from "./notebook_check.ts";

const shown: NotebookOutput = { output_type: "display_data", data: { "text/plain": "cell-1" } };

Deno.test("findProblems() finds an error output and a cell that lost its output", () => {
  const notebook = denoNotebook([
    `await show(df);`,
    `await md\`lost\`;`,
    `throw new Error("boom");`,
    `const x = 1; // no output expected`,
    `await log("maybe"); // lab: output optional`,
  ]);
  const [first, second, third] = notebook.cells;
  first!.outputs = [shown];
  third!.outputs = [{ output_type: "error", ename: "Error", evalue: "boom\nmore", traceback: [] }];
  void second;
  const problems = findProblems(notebook);
  assert.deepEqual(problems.map((p) => [p.cell, p.kind]), [[2, "missing-output"], [3, "error"]]);
  assert.ok(problems[1]!.message.includes("cell 3 failed: Error: boom"), problems[1]!.message);
  assert.ok(problems[0]!.message.includes("lib/notebook/mod.ts"), problems[0]!.message);
});

Deno.test("expectsOutput() ignores helpers named only in comments or as methods", () => {
  assert.ok(expectsOutput("await show(x)"));
  assert.ok(expectsOutput("console.log(1)"));
  assert.ok(expectsOutput("await Deno.jupyter.display(x)"));
  assert.ok(!expectsOutput("// await show(x)\nconst y = 2;"));
  assert.ok(!expectsOutput("const rows = results.table(3); server.log(1);"));
  assert.ok(!expectsOutput("/* md`x` */ let z = 3;"));
  assert.ok(!expectsOutput("await log(1) // lab: output optional"));
});

Deno.test("outputText() joins stream text, MIME strings and errors", () => {
  assert.deepEqual(
    outputText({ output_type: "stream", name: "stdout", text: ["a\n", "b\n"] }),
    "a\nb\n",
  );
  const html = outputText({ output_type: "display_data", data: { "text/html": ["<b>", "x</b>"] } });
  assert.deepEqual(html, "<b>x</b>");
  assert.deepEqual(outputText({ output_type: "error", ename: "E", evalue: "v" }), "E: v");
});

Deno.test("readNotebook() names the file and the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.ipynb`, "{not json");
    await Deno.writeTextFile(`${dir}/odd.ipynb`, "{}");
    const messages: string[] = [];
    for (const name of ["bad", "odd", "missing"]) {
      await readNotebook(`${dir}/${name}.ipynb`).catch((e) => messages.push(e.message));
    }
    assert.ok(messages[0]!.includes("bad.ipynb is not a notebook (bad JSON"), messages[0]);
    assert.ok(messages[1]!.includes(`odd.ipynb is not a notebook (no "cells" list)`), messages[1]);
    assert.ok(messages[2]!.startsWith("cannot read notebook"), messages[2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
