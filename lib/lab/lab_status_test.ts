import assert from "node:assert/strict";
import { parseRunEvent, type RunEvent, StatusPrinter, type StatusSink } from "./lab_status.ts";

function sink(terminal: boolean): StatusSink & { text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    writeSync(bytes) {
      chunks.push(bytes.slice());
      return bytes.length;
    },
    isTerminal: () => terminal,
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
  };
}

const RUN: RunEvent[] = [
  { event: "start", cells: 4, codeCells: 2 },
  { event: "cell", cell: 2, code: 1, heading: "3. The experiment", source: "const x = 1;" },
  { event: "progress", cell: 2, text: "░░ 0/2 (0%) · a c=1 · 0 s elapsed · ETA unknown" },
  { event: "progress", cell: 2, text: "█░ 1/2 (50%) · a c=1 · 1 s elapsed · ETA 1 s" },
  { event: "progress", cell: 2, text: "██ 2/2 (100%) · a c=5 · done in 2 s" },
  { event: "cellDone", cell: 2, code: 1, seconds: 7.2 },
  { event: "cell", cell: 4, code: 2, heading: "4. More", source: "await md`x`;" },
  { event: "cellDone", cell: 4, code: 2, seconds: 0.1 },
  { event: "done", seconds: 8, ok: true },
];

Deno.test("parseRunEvent() reads the runner's lines and ignores anything else", () => {
  assert.deepEqual(parseRunEvent('{"event": "start", "cells": 3, "codeCells": 2}'), {
    event: "start",
    cells: 3,
    codeCells: 2,
  });
  assert.deepEqual(
    parseRunEvent('{"cell": 2, "text": "1/3", "event": "progress"}\n'),
    { cell: 2, text: "1/3", event: "progress" },
  );
  assert.deepEqual(parseRunEvent("Warning: deno jupyter is unstable"), null);
  assert.deepEqual(parseRunEvent('{"event": "cell", "cell": "two"}'), null);
  assert.deepEqual(parseRunEvent('{"event": "other"}'), null);
  assert.deepEqual(parseRunEvent("{not json"), null);
});

Deno.test("StatusPrinter in a log: a line per cell, progress lines, slow cells timed", () => {
  const out = sink(false);
  const printer = new StatusPrinter({ sink: out, columns: 200, now: () => 0 });
  for (const event of RUN) printer.show(event);
  assert.deepEqual(out.text().split("\n"), [
    "  cell 2/4 (code 1/2) · 3. The experiment · const x = 1;",
    "      ░░ 0/2 (0%) · a c=1 · 0 s elapsed · ETA unknown",
    // The middle state comes within 10 s of the first: left out; the final one is shown.
    "      ██ 2/2 (100%) · a c=5 · done in 2 s",
    "  cell 2/4 took 7 s (3. The experiment)",
    "  cell 4/4 (code 2/2) · 4. More · await md`x`;",
    "",
  ]);
});

Deno.test("StatusPrinter on a terminal: one line redrawn, cut to the width, cleared at the end", () => {
  const out = sink(true);
  const printer = new StatusPrinter({ sink: out, columns: 40, now: () => 65_000 });
  for (const event of RUN.slice(0, 4)) printer.show(event);
  const redraws = out.text().split("\r\x1b[2K").filter((part) => part !== "");
  assert.deepEqual(redraws[0], "  [0 s] · cell 2/4 3. The experiment");
  assert.deepEqual(redraws[1], "  [0 s] · cell 2/4 3. The experiment ·…"); // cut to 40 columns
  const wide = sink(true);
  const wider = new StatusPrinter({ sink: wide, columns: 120, now: () => 0 });
  for (const event of RUN.slice(0, 4)) wider.show(event);
  assert.deepEqual(
    wide.text().split("\r\x1b[2K").at(-1),
    "  [0 s] · cell 2/4 3. The experiment · 1/2 (50%) · a c=1 · 1 s elapsed · ETA 1 s",
  );
  for (const event of RUN.slice(4)) printer.show(event);
  assert.ok(out.text().includes("  cell 2/4 took 7 s (3. The experiment)\n"), out.text());
  assert.ok(out.text().endsWith("\r\x1b[2K"), "the status line is cleared when the run is done");
});
