/**
 * `deno task pack --student NAME` (a student's hand-in) and `deno task class DIR` (the class
 * view in the terminal).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { reportsRoot, resultsRoot } from "../results/results_root.ts";
import { textTable } from "../lab/cli_report.ts";
import {
  classExperiments,
  classFindings,
  experimentTargets,
  machineTable,
  spreadTable,
  verdictTable,
} from "./analysis.ts";
import { loadClass } from "./load.ts";
import { packHandIn } from "./pack.ts";

/** Usage of both commands. */
export const USAGE = `Usage:
  deno task pack --student NAME [--results DIR] [--reports DIR] [--out DIR]
      Packs your experiments (data/results/) and code-free reports (reports/*no-code*.html)
      into <out>/<name>-<date>.zip for handing in (out defaults to reports/).
  deno task class DIR
      Loads every hand-in (.zip, or results folder) directly under DIR and prints, per
      experiment, each machine's figures, the spread across and within machines, and which
      verdicts the class agrees on. Nothing under DIR is changed.`;

function pack(args: string[], print: (line: string) => void): number {
  const { values } = parseArgs({
    args,
    options: {
      student: { type: "string" },
      results: { type: "string" },
      reports: { type: "string" },
      out: { type: "string" },
    },
  });
  const packed = packHandIn({
    student: values.student ?? "",
    resultsDir: values.results ?? resultsRoot(),
    reportsDir: values.reports ?? reportsRoot(),
    outDir: values.out,
  });
  for (const note of packed.notes) print(`note: ${note}`);
  print(
    `packed ${packed.manifest.experiments.length} experiment(s) and ` +
      `${packed.manifest.reports.length} report(s) for ${packed.manifest.student}: ${packed.path}`,
  );
  return 0;
}

function classView(args: string[], print: (line: string) => void): number {
  const [dir, ...rest] = args;
  if (dir === undefined || rest.length > 0) throw new Error("give one folder: deno task class DIR");
  const data = loadClass(dir);
  for (const problem of data.problems) print(`note: ${problem}`);
  print(`${data.handIns.length} hand-in(s): ${data.handIns.map((h) => h.student).join(", ")}`);
  for (const experiment of classExperiments(data.runs)) {
    print(`\n== ${experiment}`);
    print(textTable(machineTable(data.runs, experiment)));
    print("\nSpread across machines (acrossCv) beside the spread within one (withinCv):");
    print(textTable(spreadTable(data.runs, experiment)));
    const targets = experimentTargets(data.runs, experiment);
    for (let i = 0; i < targets.length; i++) {
      for (let j = i + 1; j < targets.length; j++) {
        print(`\nVerdicts, ${targets[i]} vs ${targets[j]}:`);
        print(textTable(verdictTable(data.runs, experiment, targets[i]!, targets[j]!)));
      }
    }
    for (const finding of classFindings(data.runs, experiment)) print(`- ${finding}`);
  }
  return 0;
}

/** Runs `pack` or `class` with its arguments; returns the exit status (2: bad input). */
export function main(args: string[], print: (line: string) => void = console.log): number {
  const [command, ...rest] = args;
  if (rest.includes("--help") || rest.includes("-h") || command === undefined) {
    print(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command === "pack") return pack(rest, print);
    if (command === "class") return classView(rest, print);
    throw new Error(`unknown command '${command}': use pack or class`);
  } catch (error) {
    console.error(`${command}: ${(error as Error).message}`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(main(Deno.args));
