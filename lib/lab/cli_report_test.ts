import assert from "node:assert/strict";
import { reportLines } from "./cli_report.ts";
import type { ExperimentRecord, ExperimentResult } from "../experiment/definition.ts";
import { runsFrame } from "../results/results_store.ts";
import { sampleRecord } from "../../tests/support/run_results.ts";

function experiment(percents: (number | null)[]): ExperimentResult {
  const records: ExperimentRecord[] = percents.map((percent, i) => ({
    ...sampleRecord({ target: "async", concurrency: 50, repeat: i + 1, rps: 5000, wallTimeS: 2 }),
    generatorCpuS: percent === null ? null : percent / 50,
    generatorCpuPercent: percent,
    serverServed: null,
  }));
  return {
    name: "cpu",
    dir: "/nonexistent",
    frame: runsFrame(records),
    records,
    errors: [],
    environment: null,
  };
}

function summaryLine(report: string[]): string {
  const lines = report.join("\n").split("\n");
  const header = lines.findIndex((line) => line.startsWith("target") && line.includes("genCpu%"));
  assert.ok(header >= 0, `no summary header with genCpu%:\n${lines.join("\n")}`);
  return lines[header + 2]!;
}

Deno.test("the terminal summary shows the generator's median CPU and the conclusions warn", () => {
  const lines = reportLines(experiment([96, 97, 98]));
  assert.match(summaryLine(lines), /\s97$/);
  assert.ok(
    lines.some((line) =>
      line.startsWith(
        "  - Warning: ab used 97% of one core at c=50 against async: the load " +
          "generator, not the server, may be what limits req/s here",
      )
    ),
    lines.join("\n"),
  );
});

Deno.test("the terminal summary says '-' for a generator whose CPU was not measured", () => {
  const lines = reportLines(experiment([null, null, null]));
  assert.match(summaryLine(lines), /\s-$/);
  assert.equal(lines.some((line) => line.includes("Warning: ab used")), false);
});
