/**
 * The notebook helpers end to end: a generated notebook executed by `jupyter nbconvert
 * --execute` on the registered Deno kernel. Needs Jupyter and the kernel (`deno task setup`
 * provides both); without them these tests fail and say so.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { countSvgCharts, screenshotHtml } from "../lib/lab/html_check.ts";
import { findChromium } from "../lib/process/chromium.ts";
import { executeNotebook } from "../lib/lab/lab.ts";
import { outputText, readNotebook } from "../lib/lab/notebook_check.ts";
import {
  chartCells,
  manyCellNotebook,
  missingMarkers,
  writeNotebook,
} from "./support/many_cell_notebook.ts";

const CELLS = 25;
const RUNS = 3;
const PROGRESS_STEPS = 12;

Deno.test("a 25-cell notebook keeps every output in every run, and its HTML shows the charts", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "lab-notebook-test-" });
  try {
    const source = await writeNotebook(
      dir,
      "many_cells",
      manyCellNotebook({ cells: CELLS, progressSteps: PROGRESS_STEPS }),
    );
    let html: string | null = null;
    let executedPath = "";
    for (let run = 1; run <= RUNS; run++) {
      const done = await executeNotebook(source, {
        outDir: join(dir, `run${run}`),
        profile: "quick",
        html: run === 1,
      });
      executedPath = done.notebook;
      if (run === 1) html = done.html;
      const executed = await readNotebook(done.notebook);
      assert.deepEqual(missingMarkers(executed, CELLS), [], `run ${run} lost outputs`);
      // One output per cell: nothing duplicated, nothing lost (setup + cells + progress).
      assert.deepEqual(done.codeCells, CELLS + 2);
      assert.deepEqual(done.outputs, CELLS + 2, `run ${run}: outputs per cell`);
    }

    await t.step("the progress display leaves one output with the final state", async () => {
      const executed = await readNotebook(executedPath);
      const outputs = executed.cells[CELLS + 1]?.outputs ?? [];
      assert.deepEqual(outputs.length, 1);
      const text = outputText(outputs[0]!);
      assert.ok(text.includes(`${PROGRESS_STEPS}/${PROGRESS_STEPS} (100%)`), text);
      assert.ok(text.includes("done in"), text);
      assert.ok(text.includes("<progress"), "the HTML form is a progress bar");
    });

    await t.step("the HTML export holds every chart", async () => {
      assert.ok(html !== null);
      const page = await Deno.readTextFile(html);
      assert.deepEqual(countSvgCharts(page), chartCells(CELLS));
      for (let n = 1; n <= CELLS; n++) {
        assert.ok(page.includes(`cell-${n}`), `cell-${n} in the HTML`);
      }
    });

    const chromium = await findChromium();
    await t.step({
      name: "chromium renders the HTML, not a blank page",
      ignore: chromium === null && Deno.env.get("CI") === undefined,
      fn: async () => {
        assert.ok(chromium !== null, "chromium is missing: run `deno task setup`");
        const shot = await screenshotHtml(html!, { chromium });
        assert.deepEqual([shot.width, shot.height], [1280, 2000]);
        assert.ok(
          shot.nonWhiteFraction > 0.01,
          `only ${shot.nonWhiteFraction} of the page is drawn`,
        );
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
