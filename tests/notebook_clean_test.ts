/**
 * The notebooks under `notebooks/` are committed runnable and clean: Deno kernel, no outputs
 * left from a run (`deno task lab` writes executed copies to `reports/`), and the helpers of
 * lib/notebook/mod.ts imported where cells show things.
 */

import assert from "node:assert/strict";
import { basename } from "node:path";
import { listNotebooks } from "../lib/lab/lab.ts";
import { cellSource, expectsOutput, readNotebook } from "../lib/lab/notebook_check.ts";
import { repoPath } from "../lib/notebook/paths.ts";

const notebooks = await listNotebooks(repoPath("notebooks"));

for (const path of notebooks) {
  Deno.test(`${basename(path)} is committed clean, on the Deno kernel`, async () => {
    const notebook = await readNotebook(path);
    const kernel = (notebook.metadata.kernelspec as { name?: string } | undefined)?.name;
    assert.deepEqual(kernel, "deno", `${path}: set the notebook's kernel to Deno`);
    const code = notebook.cells.filter((cell) => cell.cell_type === "code");
    const withOutputs = code.flatMap((cell, i) => (cell.outputs ?? []).length > 0 ? [i + 1] : []);
    assert.deepEqual(
      withOutputs,
      [],
      `${path}: code cells ${withOutputs.join(", ")} keep outputs: clear them ` +
        "(Jupyter: Edit > Clear All Outputs) before committing",
    );
    const sources = code.map(cellSource);
    if (sources.some(expectsOutput)) {
      assert.ok(
        sources.some((source) => /lib\/notebook\/(mod|notebook)\.ts/.test(source)),
        `${path}: import the output helpers from ../lib/notebook/mod.ts so no output is lost`,
      );
    }
  });
}
