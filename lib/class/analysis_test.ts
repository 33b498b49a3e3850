import assert from "node:assert/strict";
import { frameFromRows } from "../results/frame.ts";
import { classFindings, machineRows, spreadRows, verdictRows } from "./analysis.ts";

const SCHEMA = {
  experimentKey: "str",
  student: "str",
  machine: "str",
  cores: "i64",
  cpuModel: "str",
  generator: "str",
  size: "i64",
  pin: "str",
  target: "str",
  concurrency: "i64",
  requestsPerSec: "f64",
  p50Ms: "f64",
  p90Ms: "f64",
  p99Ms: "f64",
  failed: "i64",
  non2xx: "i64",
  completed: "i64",
  wallTimeS: "f64",
} as const;

interface Machine {
  student: string;
  cores?: number;
  generator?: string;
  /** req/s of the three repeats per target. */
  rps: Record<string, number[]>;
}

function classRuns(machines: Machine[], c = 50) {
  const rows = machines.flatMap((m) =>
    Object.entries(m.rps).flatMap(([target, values]) =>
      values.map((rps) => ({
        experimentKey: "01-root",
        student: m.student,
        machine: `${m.cores ?? 2} cores`,
        cores: m.cores ?? 2,
        cpuModel: "Xeon",
        generator: m.generator ?? "ab",
        size: null,
        pin: null,
        target,
        concurrency: c,
        requestsPerSec: rps,
        p50Ms: 1,
        p90Ms: 2,
        p99Ms: 3,
        failed: 0,
        non2xx: 0,
        completed: 1000,
        wallTimeS: 1,
      }))
    )
  );
  return frameFromRows(rows, SCHEMA);
}

Deno.test("verdictRows() finds the majority and names what a disagreeing machine differs in", () => {
  const runs = classRuns([
    { student: "Ani", rps: { async: [1000, 1010, 990], threads: [500, 505, 495] } },
    { student: "Budi", rps: { async: [2000, 2020, 1980], threads: [900, 905, 895] } },
    {
      student: "Citra",
      cores: 8,
      generator: "wrk",
      rps: { async: [1000, 1010, 990], threads: [3000, 3030, 2970] },
    },
  ]);
  const [row] = verdictRows(runs, "01-root", "async", "threads");
  assert.ok(row);
  assert.equal(row.majority, "async faster");
  assert.equal(row.agree, 2);
  assert.equal(row.machines, 3);
  assert.equal(row.disagree, "Citra: threads faster (cores 8 vs 2, generator wrk vs ab)");
});

Deno.test("verdictRows() follows the data: a class where threads win says so, unanimously", () => {
  const runs = classRuns([
    { student: "Ani", rps: { async: [500, 505, 495], threads: [1000, 1010, 990] } },
    { student: "Budi", rps: { async: [900, 905, 895], threads: [2000, 2020, 1980] } },
  ]);
  const [row] = verdictRows(runs, "01-root", "async", "threads");
  assert.equal(row?.majority, "threads faster");
  assert.equal(row?.agree, 2);
  assert.equal(row?.disagree, "");
  assert.match(classFindings(runs, "01-root").join("\n"), /all machines agree at 1 of 1 levels\./);
});

Deno.test("verdictRows() does not call a difference hidden in the noise", () => {
  const runs = classRuns([
    { student: "Ani", rps: { async: [1000, 1400, 700], threads: [1050, 800, 1300] } },
    { student: "Budi", rps: { async: [900, 1300, 600], threads: [950, 700, 1200] } },
  ]);
  assert.equal(
    verdictRows(runs, "01-root", "async", "threads")[0]?.majority,
    "no difference beyond the noise",
  );
});

Deno.test("spreadRows() sets the spread across machines beside the spread within one", () => {
  const runs = classRuns([
    { student: "Ani", rps: { async: [1000, 1010, 990] } },
    { student: "Budi", rps: { async: [2000, 2020, 1980] } },
    { student: "Citra", rps: { async: [4000, 4040, 3960] } },
  ]);
  const [row] = spreadRows(runs, "01-root");
  assert.equal(row?.machines, 3);
  assert.equal(row?.minRps, 1000);
  assert.equal(row?.medianRps, 2000);
  assert.equal(row?.maxRps, 4000);
  assert.ok(row!.acrossCv! > 0.5);
  assert.ok(Math.abs(row!.withinCv! - 0.01) < 1e-9);
  assert.equal(machineRows(runs, "01-root").length, 3);
  assert.match(
    classFindings(runs, "01-root")[0]!,
    /machines differ \d+(\.\d)?x more than the noise/,
  );
});

Deno.test("classFindings() says when the machines differ no more than the noise", () => {
  const runs = classRuns([
    { student: "Ani", rps: { async: [1000, 1300, 700] } },
    { student: "Budi", rps: { async: [1100, 1400, 800] } },
  ]);
  assert.match(classFindings(runs, "01-root")[0]!, /differ no more than the noise/);
});

Deno.test("class analysis names the experiments there are when asked for another", () => {
  const runs = classRuns([{ student: "Ani", rps: { async: [1000] } }]);
  assert.throws(
    () => spreadRows(runs, "02-lb"),
    /no runs of experiment '02-lb' in the class data \(it has: 01-root\)/,
  );
  assert.match(classFindings(runs, "01-root")[0]!, /Only 1 machine ran 01-root/);
});
