/**
 * `deno task lab` on the committed fixture notebooks, as a user runs it: the terminal says which
 * cell runs and shows the experiment's progress, `--pdf` and `--no-code` write their files, and
 * the exported HTML opens offline from another folder with no console error and no "Loading"
 * box (it loads nothing from outside itself). Needs Jupyter, the Deno kernel and chromium
 * (`deno task setup --for-tests` installs them).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { checkOffline, externalReferences } from "../lib/lab/html_check.ts";
import { findChromium } from "../lib/process/chromium.ts";
import { executeNotebook } from "../lib/lab/lab.ts";
import type { RunEvent } from "../lib/lab/lab_status.ts";
import { repoPath } from "../lib/notebook/paths.ts";
import { findJupyter, runCommand } from "../lib/lab/system_tools.ts";

const FIXTURES = repoPath("tests", "support", "notebooks");

Deno.test("a real run reports each cell and the progress its experiment draws", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-reports-test-" });
  try {
    const events: RunEvent[] = [];
    const done = await executeNotebook(join(FIXTURES, "progress.ipynb"), {
      outDir: dir,
      profile: "quick",
      html: false,
      onEvent: (event) => events.push(event),
    });
    assert.deepEqual(done.codeCells, 2);
    assert.deepEqual(events[0], { event: "start", cells: 3, codeCells: 2 });
    const cells = events.filter((e) => e.event === "cell");
    assert.deepEqual(cells.map((e) => [e.cell, e.code, e.heading]), [[2, 1, "Progress"], [
      3,
      2,
      "Progress",
    ]]);
    const progress = events.filter((e) => e.event === "progress");
    assert.ok(progress.every((e) => e.cell === 2), "progress comes from the cell that draws it");
    assert.ok(
      progress.some((e) => /^░+ 0\/3 \(0%\) · step 1 of the fixture/.test(e.text)),
      JSON.stringify(progress),
    );
    assert.ok(/3\/3 \(100%\) · step 3 of the fixture · done in \d+ s$/.test(progress.at(-1)!.text));
    // The order: a cell starts, draws its progress, ends; then the next cell; then the end.
    const order = events.map((e) =>
      e.event === "cell" || e.event === "cellDone" ? `${e.event}${e.cell}` : e.event
    );
    assert.deepEqual(order.filter((e, i) => e !== order[i - 1]), [
      "start",
      "cell2",
      "progress",
      "cellDone2",
      "cell3",
      "cellDone3",
      "done",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task lab --pdf --no-code: progress in the terminal, and reports that open offline", async () => {
  const chromium = await findChromium();
  assert.ok(chromium !== null, "chromium is missing: run `deno task setup --for-tests`");
  const dir = await Deno.makeTempDir({ prefix: "lab-reports-test-" });
  try {
    const { code, stdout, stderr } = await runCommand(
      Deno.execPath(),
      [
        "run",
        "-A",
        repoPath("lib", "lab", "lab.ts"),
        "progress",
        "--notebooks",
        FIXTURES,
        "--out-dir",
        dir,
        "--pdf",
        "--no-code",
      ],
      { env: { LAB_PROFILE: "quick" } },
    );
    assert.deepEqual(code, 0, stdout + stderr);
    // What the terminal showed (not a terminal here: one line per cell, progress lines).
    const lines = stdout.split("\n");
    assert.ok(
      lines.includes(
        '  cell 2/3 (code 1/2) · Progress · import { md, progressDisplay } from "../../../lib/notebook/mod.ts";',
      ),
      stdout,
    );
    assert.ok(
      lines.includes(
        "  cell 3/3 (code 2/2) · Progress · await md`All ${progress.total} steps done.`;",
      ),
      stdout,
    );
    assert.ok(
      lines.some((line) =>
        /^ {6}█+ 3\/3 \(100%\) · step 3 of the fixture · done in \d+ s$/.test(line)
      ),
      stdout,
    );
    for (
      const file of [
        "progress.html",
        "progress.no-code.html",
        "progress.pdf",
        "progress.no-code.pdf",
      ]
    ) {
      assert.ok(stdout.includes(join(dir, file)), `${file} is named: ${stdout}`);
    }
    for (const pdf of ["progress.pdf", "progress.no-code.pdf"]) {
      const bytes = await Deno.readFile(join(dir, pdf));
      assert.deepEqual(new TextDecoder().decode(bytes.subarray(0, 5)), "%PDF-", pdf);
    }
    const full = await Deno.readTextFile(join(dir, "progress.html"));
    const noCode = await Deno.readTextFile(join(dir, "progress.no-code.html"));
    // `progressDisplay` is in the fixture's code, not in its outputs.
    assert.ok(full.includes("progressDisplay"), "the full report shows the code");
    assert.ok(!noCode.includes("progressDisplay"), "the report without code has no code cell");
    assert.ok(noCode.includes("All 3 steps done."), "but it keeps the outputs");
    assert.ok(
      /\.jp-Cell pre[^{]*\{[^}]*white-space: pre-wrap/.test(full),
      "code wraps when printed",
    );

    for (const report of [join(dir, "progress.html"), join(dir, "progress.no-code.html")]) {
      assert.deepEqual(externalReferences(await Deno.readTextFile(report)), [], report);
      const opened = await checkOffline(report, { chromium });
      assert.deepEqual(opened, { problems: [], loadingBox: false }, report);
    }

    // The same notebook exported with nbconvert's defaults loads MathJax and RequireJS from the
    // exporting machine: the checks above must see that.
    const jupyter = await findJupyter();
    assert.ok(jupyter !== null);
    const exported = await runCommand(jupyter, [
      "nbconvert",
      "--to",
      "html",
      "--output-dir",
      dir,
      "--output",
      "default.html",
      join(dir, "progress.ipynb"),
    ]);
    assert.deepEqual(exported.code, 0, exported.stderr);
    const plain = join(dir, "default.html");
    const outside = externalReferences(await Deno.readTextFile(plain));
    assert.ok(outside.some((ref) => ref.includes("require")), outside.join(", "));
    assert.ok(outside.some((ref) => ref.includes("MathJax")), outside.join(", "));
    const elsewhere = await checkOffline(plain, { chromium });
    assert.ok(elsewhere.problems.some((p) => p.includes("require")), elsewhere.problems.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
