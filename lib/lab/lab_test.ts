import assert from "node:assert/strict";
import { describeFailure, executeNotebook, listNotebooks } from "./lab.ts";

const CELL = 'const n = 1;\nif (n < 2) throw new Error("too few");';

function nbconvertStderr(traceback: string[]): string {
  return [
    "[NbConvertApp] Converting notebook x.ipynb to notebook",
    "Traceback (most recent call last):",
    '  File "/usr/bin/jupyter-nbconvert", line 33, in <module>',
    "nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:",
    "------------------",
    CELL,
    "------------------",
    "",
    ...traceback,
    "Error: too few",
    "",
  ].join("\n");
}

Deno.test("describeFailure() keeps the cell and its error, drops Python and colours", () => {
  const report = describeFailure(
    nbconvertStderr(["\x1b[31mError: too few\x1b[0m", "    at <anonymous>:2:18"]),
    ["await md`first`;", CELL],
  );
  assert.deepEqual(report.cell, 2);
  assert.deepEqual(report.text.split("\n"), [
    "  | const n = 1;",
    '  | if (n < 2) throw new Error("too few");',
    "  Error: too few",
    "      at <anonymous>:2:18",
  ]);
});

Deno.test("describeFailure() shortens a long traceback and says when a cell timed out", () => {
  const long = Array.from({ length: 40 }, (_, i) => `    at frame${i}`);
  const report = describeFailure(nbconvertStderr(["Error: too few", ...long]));
  assert.deepEqual(report.cell, null);
  assert.ok(report.text.includes("... (21 more lines)"), report.text);
  const timeout = describeFailure("nbclient.exceptions.CellTimeoutError: A cell timed out");
  assert.ok(timeout.text.includes("raise it with --timeout"), timeout.text);
});

Deno.test("listNotebooks() sorts, and selects by name, prefix or path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["02_b.ipynb", "01_a.ipynb", "notes.txt"]) {
      await Deno.writeTextFile(`${dir}/${name}`, "{}");
    }
    assert.deepEqual(await listNotebooks(dir), [`${dir}/01_a.ipynb`, `${dir}/02_b.ipynb`]);
    assert.deepEqual(await listNotebooks(dir, ["02"]), [`${dir}/02_b.ipynb`]);
    assert.deepEqual(await listNotebooks(dir, [`${dir}/01_a.ipynb`, "01_a.ipynb"]), [
      `${dir}/01_a.ipynb`,
    ]);
    assert.deepEqual(await listNotebooks(`${dir}/absent`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("executeNotebook() refuses to overwrite the notebook it runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.ipynb`, `{"cells": [], "metadata": {}}`);
    const message = await executeNotebook(`${dir}/a.ipynb`, { outDir: dir })
      .then(() => "", (e) => e.message);
    assert.ok(message.includes("would overwrite"), message);
    assert.ok(message.includes("pick another outDir"), message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
