/**
 * What notebook 04's cells call: find the class's hand-ins and show one experiment across every
 * machine (tables, a chart per model, computed findings).
 *
 * @module
 */

import pl from "nodejs-polars";
import { throughputChart } from "../results/charts.ts";
import { resultsRoot } from "../results/results_root.ts";
import { frameFromRows, frameRows } from "../results/frame.ts";
import { formatRate } from "../results/results.ts";
import { md, show, showMarkdown, table } from "../notebook/display.ts";
import {
  classFindings,
  experimentTargets,
  formatCv,
  machineRows,
  spreadRows,
  verdictTable,
} from "./analysis.ts";
import { type ClassData, loadClass } from "./load.ts";
import { machineLabel } from "./manifest.ts";
import { packHandIn } from "./pack.ts";

/** Where the class's hand-ins are: `CLASS_DIR`, or null when it is not set. */
export function classDirFromEnv(): string | null {
  return Deno.env.get("CLASS_DIR")?.trim() || null;
}

/**
 * Loads the class named by `CLASS_DIR`; without it, this machine's own results as a class of
 * one (packed into a temporary folder, as `deno task pack` would). Says in one line which.
 */
export async function loadClassForNotebook(): Promise<ClassData> {
  const dir = classDirFromEnv();
  if (dir !== null) {
    const data = loadClass(dir);
    await md`Loaded **${data.handIns.length}** hand-in(s) from \`${dir}\`.`;
    return data;
  }
  const temporary = Deno.makeTempDirSync({ prefix: "class-of-one-" });
  try {
    packHandIn({ student: "this machine", resultsDir: resultsRoot(), outDir: temporary });
    await md`\`CLASS_DIR\` is not set, so this is a class of one: this machine's own results. Put the students' archives in one folder and start Jupyter with \`CLASS_DIR=folder\`.`;
    return loadClass(temporary);
  } catch (error) {
    await md`Nothing to show yet: ${(error as Error).message}.`;
    return { handIns: [], runs: pl.DataFrame(), problems: [] };
  } finally {
    Deno.removeSync(temporary, { recursive: true });
  }
}

/**
 * Shows the class's hand-ins (student, where each was read from, machine, profile, number of
 * experiments), then {@link showClassProblems}.
 */
export async function showHandIns(data: ClassData): Promise<void> {
  await table(data.handIns.map((handIn) => ({
    student: handIn.student,
    "read from": handIn.source,
    machine: machineLabel(handIn.machine),
    profile: handIn.manifest?.profile ?? "-",
    experiments: handIn.experiments.length,
  })));
  await showClassProblems(data);
}

/** Lists every archive that was skipped or kept apart, one line each, or says there was none. */
export async function showClassProblems(data: ClassData): Promise<void> {
  await showMarkdown(
    data.problems.length === 0
      ? "Every hand-in was read, and every experiment was run with the class's setup."
      : data.problems.map((line) => `- ${line}`).join("\n"),
  );
}

function machineChart(runs: pl.DataFrame, experiment: string, target: string) {
  const rows = machineRows(runs, experiment).filter((row) => row.target === target)
    .map((row) => ({
      target: row.student,
      concurrency: row.concurrency,
      medianRps: row.medianRps,
      rpsCiLow: null,
      rpsCiHigh: null,
    }));
  const frame = frameFromRows(rows, {
    target: "str",
    concurrency: "i64",
    medianRps: "f64",
    rpsCiLow: "f64",
    rpsCiHigh: "f64",
  });
  return throughputChart(frame, {
    title: `${experiment}, ${target}: every machine's median`,
    yLabel: "requests per second (median of each machine's repeats)",
  });
}

/**
 * One experiment across the class: the computed findings, each machine's median req/s and p99,
 * the spread across machines beside the spread within one, a chart per model with a line per
 * machine, and the verdict of every pair of models with who disagrees and why.
 *
 * @example
 * ```ts
 * for (const experiment of classExperiments(data.runs)) await showClassExperiment(data.runs, experiment);
 * ```
 */
export async function showClassExperiment(runs: pl.DataFrame, experiment: string): Promise<void> {
  await showMarkdown(
    `### ${experiment}\n\n${classFindings(runs, experiment).map((f) => `- ${f}`).join("\n")}`,
  );
  await table(
    machineRows(runs, experiment).map((row) => ({
      student: row.student,
      model: row.target,
      c: row.concurrency,
      runs: row.runs,
      "median req/s": formatRate(row.medianRps),
      "CV of repeats": formatCv(row.withinCv),
      "p99 ms": row.p99Ms === null ? "-" : row.p99Ms.toFixed(1),
      failed: row.failed,
      "non-2xx": row.non2xx,
    })),
  );
  await table(
    spreadRows(runs, experiment).map((row) => ({
      model: row.target,
      c: row.concurrency,
      machines: row.machines,
      "lowest req/s": formatRate(row.minRps),
      "median req/s": formatRate(row.medianRps),
      "highest req/s": formatRate(row.maxRps),
      "CV across machines": formatCv(row.acrossCv),
      "CV within a machine": formatCv(row.withinCv),
    })),
  );
  const targets = experimentTargets(runs, experiment);
  for (const target of targets) await show(machineChart(runs, experiment, target));
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const verdicts = verdictTable(runs, experiment, targets[i]!, targets[j]!);
      if (frameRows(verdicts).length > 0) await table(verdicts);
    }
  }
}
