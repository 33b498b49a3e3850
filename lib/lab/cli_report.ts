/**
 * What `deno task bench` prints and writes after an experiment: the 2020-style table per target,
 * the summary, comparisons and conclusions as aligned text, and `runs.csv`, `summary.csv` and the
 * charts in the results folder.
 *
 * @module
 */

import { join } from "node:path";
import type pl from "nodejs-polars";
import type { ExperimentResult } from "../experiment/definition.ts";
import { frameRows } from "../results/frame.ts";
import { latencyChart, throughputChart, writeChart } from "../results/charts.ts";
import { conclusions } from "../results/conclusions.ts";
import { compareTargets, reportTable, summarize } from "../results/results.ts";

/** File names written next to the runs file. */
export const REPORT_FILES = {
  runs: "runs.csv",
  summary: "summary.csv",
  throughput: "throughput.svg",
  latency: "latency.svg",
} as const;

/** Header of the generator CPU column in the terminal summary. */
const GENERATOR_CPU_HEADER = "genCpu%";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4).replace(/\.?0+$/, "");
  }
  return String(value);
}

/** A DataFrame (or some of its columns) as an aligned text table, numbers right-aligned. */
export function textTable(df: pl.DataFrame, columns: readonly string[] = df.columns): string {
  const rows = frameRows(df);
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]!.length))
  );
  const numeric = columns.map((column) => rows.every((row) => typeof row[column] !== "string"));
  const pad = (text: string, i: number) =>
    numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (parts: string[]) => parts.map(pad).join("  ").trimEnd();
  return [
    line([...columns]),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map(line),
  ].join("\n");
}

/** The terminal report: a 2020-style table per target, the summary, and comparisons. */
export function reportLines(result: ExperimentResult): string[] {
  const df = result.frame;
  const targets = [...new Set(result.records.map((record) => record.target))];
  const lines: string[] = [];
  for (const target of targets) {
    lines.push("", `Tabel Hasil (results table): ${target}`, textTable(reportTable(df, target)));
  }
  if (targets.length > 0) {
    lines.push(
      "",
      "Summary (median req/s over repeats, 95% interval of the mean, latency medians in ms, " +
        "genCpu% = the load generator's median CPU in % of one core, - when not measured)",
      textTable(summarize(df).rename({ generatorCpuPercent: GENERATOR_CPU_HEADER }), [
        "target",
        "concurrency",
        "runs",
        "medianRps",
        "rpsCiLow",
        "rpsCiHigh",
        "p50Ms",
        "p90Ms",
        "p99Ms",
        "failed",
        "non2xx",
        GENERATOR_CPU_HEADER,
      ]),
    );
  }
  const [first, ...others] = targets;
  const comparisons = others.map((other) => compareTargets(df, first!, other));
  comparisons.forEach((comparison, i) => {
    lines.push("", `Comparison: ${first} vs ${others[i]}`);
    for (const row of frameRows(comparison)) lines.push(`  ${row.verdict}`);
  });
  if (targets.length > 0) {
    lines.push("", "Conclusions");
    const generators = [...new Set(result.records.map((record) => record.generator))];
    const options = generators.length === 1 ? { generator: generators[0] } : {};
    for (const sentence of conclusions(summarize(df), comparisons, options)) {
      lines.push(`  - ${sentence}`);
    }
  }
  const warned = result.records.filter((record) => record.warnings !== "");
  if (warned.length > 0) {
    lines.push("", `${warned.length} run(s) with warnings:`);
    for (const record of warned) {
      lines.push(
        `  ${record.target} c=${record.concurrency} r${record.repeat}: ${record.warnings}`,
      );
    }
  }
  if (result.errors.length > 0) {
    lines.push("", `${result.errors.length} run(s) failed:`);
    for (const error of result.errors) {
      lines.push(`  ${error.target} c=${error.concurrency} r${error.repeat}: ${error.error}`);
    }
  }
  return lines;
}

/** Prints the report with `print` and writes the CSV files and charts into the results folder. */
export function writeReports(result: ExperimentResult, print: (line: string) => void): void {
  for (const line of reportLines(result)) print(line);
  const written: string[] = [];
  const runsPath = join(result.dir, REPORT_FILES.runs);
  result.frame.writeCSV(runsPath);
  written.push(runsPath);
  if (result.records.length > 0) {
    const summary = summarize(result.frame);
    const summaryPath = join(result.dir, REPORT_FILES.summary);
    summary.writeCSV(summaryPath);
    written.push(summaryPath);
    const title = `${result.name}: ${result.records[0]!.path}`;
    const charts = [
      [REPORT_FILES.throughput, throughputChart(summary, { title: `Throughput, ${title}` })],
      [REPORT_FILES.latency, latencyChart(summary, { title: `Latency, ${title}` })],
    ] as const;
    for (const [file, chart] of charts) {
      const path = join(result.dir, file);
      writeChart(chart, path);
      written.push(path);
    }
  }
  print("");
  print(`Wrote ${written.join(", ")}`);
}
