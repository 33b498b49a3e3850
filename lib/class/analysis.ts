/**
 * One experiment across a class: each machine's figures, the spread across machines beside the
 * spread within one machine (its repeats), and whether each machine's verdicts agree with the
 * class majority, with what the disagreeing machines' records differ in.
 *
 * @module
 */

import pl from "nodejs-polars";
import { frameFromRows, frameRows, requireColumns } from "../results/frame.ts";
import { compareTargets, formatRate } from "../results/results.ts";
import { coefficientOfVariation, median } from "../results/stats.ts";

type Row = Record<string, unknown>;

const CLASS_COLUMNS = [
  "experimentKey",
  "student",
  "machine",
  "target",
  "concurrency",
  "requestsPerSec",
];

function runsOf(runs: pl.DataFrame, experiment: string): Row[] {
  requireColumns(runs, CLASS_COLUMNS, "class analysis");
  const rows = frameRows(runs).filter((row) => row.experimentKey === experiment);
  if (rows.length === 0) {
    const known = [...new Set(frameRows(runs).map((row) => row.experimentKey))].join(", ");
    throw new Error(`no runs of experiment '${experiment}' in the class data (it has: ${known})`);
  }
  return rows;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...groups.get(key(row)) ?? [], row]);
  return groups;
}

/** The experiments in the class data, in name order. */
export function classExperiments(runs: pl.DataFrame): string[] {
  if (runs.height === 0) return [];
  return [...new Set(frameRows(runs).map((row) => row.experimentKey as string))].sort();
}

/** Columns of {@link machineTable}. */
export const MACHINE_SCHEMA = {
  student: "str",
  machine: "str",
  target: "str",
  concurrency: "i64",
  runs: "i64",
  medianRps: "f64",
  withinCv: "f64",
  p99Ms: "f64",
  failed: "i64",
  non2xx: "i64",
} as const;

/** One row of {@link machineRows}. */
export interface MachineRow {
  /** The student. */
  student: string;
  /** The machine label. */
  machine: string;
  /** Target (model). */
  target: string;
  /** Concurrency level. */
  concurrency: number;
  /** Repeats on that machine. */
  runs: number;
  /** Median req/s over the repeats. */
  medianRps: number;
  /** Coefficient of variation of req/s over the repeats (null with one run). */
  withinCv: number | null;
  /** Median p99 latency over the repeats, ms. */
  p99Ms: number | null;
  /** Failed requests, all repeats. */
  failed: number;
  /** Non-2xx responses, all repeats. */
  non2xx: number;
}

/** Each machine's median req/s, spread over its repeats, and p99, per target and level. */
export function machineRows(runs: pl.DataFrame, experiment: string): MachineRow[] {
  const groups = groupBy(
    runsOf(runs, experiment),
    (r) => `${r.student}\u0000${r.target}\u0000${String(r.concurrency).padStart(6, "0")}`,
  );
  return [...groups.keys()].sort().map((key) => {
    const rows = groups.get(key)!;
    const rps = rows.map((r) => r.requestsPerSec as number);
    const p99 = rows.map((r) => r.p99Ms).filter((v): v is number => typeof v === "number");
    return {
      student: rows[0]!.student as string,
      machine: rows[0]!.machine as string,
      target: rows[0]!.target as string,
      concurrency: rows[0]!.concurrency as number,
      runs: rows.length,
      medianRps: median(rps),
      withinCv: rps.length > 1 ? coefficientOfVariation(rps) : null,
      p99Ms: p99.length > 0 ? median(p99) : null,
      failed: rows.reduce((sum, r) => sum + ((r.failed as number | null) ?? 0), 0),
      non2xx: rows.reduce((sum, r) => sum + ((r.non2xx as number | null) ?? 0), 0),
    };
  });
}

/** {@link machineRows} as a DataFrame. */
export function machineTable(runs: pl.DataFrame, experiment: string): pl.DataFrame {
  return frameFromRows(machineRows(runs, experiment) as unknown as Row[], MACHINE_SCHEMA);
}

/** Columns of {@link spreadTable}. */
export const SPREAD_SCHEMA = {
  target: "str",
  concurrency: "i64",
  machines: "i64",
  minRps: "f64",
  medianRps: "f64",
  maxRps: "f64",
  acrossCv: "f64",
  withinCv: "f64",
} as const;

/** One row of {@link spreadRows}. */
export interface SpreadRow {
  /** Target (model). */
  target: string;
  /** Concurrency level. */
  concurrency: number;
  /** Machines that ran it. */
  machines: number;
  /** Lowest machine median, req/s. */
  minRps: number;
  /** Median of the machine medians. */
  medianRps: number;
  /** Highest machine median. */
  maxRps: number;
  /** CV of the machine medians: the spread across machines (null with one machine). */
  acrossCv: number | null;
  /** Median over machines of their own repeats' CV: the spread within a machine. */
  withinCv: number | null;
}

/** The spread across machines beside the spread within a machine, per target and level. */
export function spreadRows(runs: pl.DataFrame, experiment: string): SpreadRow[] {
  const groups = groupBy(machineRows(runs, experiment), (r) => `${r.target}\u0000${r.concurrency}`);
  return [...groups.values()].map((rows) => {
    const medians = rows.map((r) => r.medianRps);
    const within = rows.map((r) => r.withinCv).filter((v): v is number => v !== null);
    return {
      target: rows[0]!.target,
      concurrency: rows[0]!.concurrency,
      machines: rows.length,
      minRps: Math.min(...medians),
      medianRps: median(medians),
      maxRps: Math.max(...medians),
      acrossCv: medians.length > 1 ? coefficientOfVariation(medians) : null,
      withinCv: within.length > 0 ? median(within) : null,
    };
  }).sort((a, b) => a.target.localeCompare(b.target) || a.concurrency - b.concurrency);
}

/** {@link spreadRows} as a DataFrame. */
export function spreadTable(runs: pl.DataFrame, experiment: string): pl.DataFrame {
  return frameFromRows(spreadRows(runs, experiment) as unknown as Row[], SPREAD_SCHEMA);
}

/** One machine's verdict at one level: which target is faster beyond its own noise. */
export type Verdict = string;

/** One row of {@link verdictRows}. */
export interface VerdictRow {
  /** The comparison, e.g. `async vs threads at c=50`. */
  question: string;
  /** Concurrency level. */
  concurrency: number;
  /** The class majority's verdict. */
  majority: Verdict;
  /** Machines whose verdict is the majority's. */
  agree: number;
  /** Machines that compared these targets at this level. */
  machines: number;
  /** The machines that disagree, each with its verdict and what its record differs in. */
  disagree: string;
}

function verdictOf(row: Row, a: string, b: string): Verdict {
  if (row.significant === true) return (row.ratio as number) >= 1 ? `${a} faster` : `${b} faster`;
  if (row.significant === false) return "no difference beyond the noise";
  return "cannot tell (one run)";
}

const DIFFERENCE_KEYS = ["cores", "cpuModel", "generator", "size", "pin"] as const;

function typical(rows: readonly Row[], key: string): unknown {
  const counts = groupBy(rows, (r) => JSON.stringify(r[key] ?? null));
  const [best] = [...counts].reduce((x, y) => (y[1].length > x[1].length ? y : x));
  return JSON.parse(best);
}

function differences(machine: Row, majority: readonly Row[]): string {
  const parts = DIFFERENCE_KEYS.flatMap((key) => {
    const usual = typical(majority, key);
    const own = machine[key] ?? null;
    return JSON.stringify(own) === JSON.stringify(usual)
      ? []
      : [`${key} ${own ?? "-"} vs ${usual ?? "-"}`];
  });
  return parts.length === 0 ? "its record differs in nothing recorded" : parts.join(", ");
}

/**
 * For targets `a` and `b`: each machine's verdict per level (Welch's test over its own repeats,
 * as {@link compareTargets} gives it), the class majority, how many machines agree, and for each
 * machine that disagrees, what its record differs in from the majority's usual (cores, CPU,
 * generator, pool size, pinning).
 */
export function verdictRows(
  runs: pl.DataFrame,
  experiment: string,
  a: string,
  b: string,
): VerdictRow[] {
  const rows = runsOf(runs, experiment);
  const perMachine = new Map<string, { info: Row; verdicts: Map<number, Verdict> }>();
  for (const [student, own] of groupBy(rows, (r) => r.student as string)) {
    const targets = new Set(own.map((r) => r.target));
    if (!targets.has(a) || !targets.has(b)) continue;
    const compared = frameRows(compareTargets(runsFrameOf(runs, experiment, student), a, b));
    perMachine.set(student, {
      info: own[0]!,
      verdicts: new Map(compared.map((c) => [c.concurrency as number, verdictOf(c, a, b)])),
    });
  }
  const levels = [...new Set([...perMachine.values()].flatMap((m) => [...m.verdicts.keys()]))]
    .sort((x, y) => x - y);
  return levels.map((c) => {
    const votes = [...perMachine].filter(([, m]) => m.verdicts.has(c))
      .map(([student, m]) => ({ student, info: m.info, verdict: m.verdicts.get(c)! }));
    const tally = groupBy(votes, (v) => v.verdict);
    const [majority, winners] = [...tally].reduce((x, y) => (y[1].length > x[1].length ? y : x));
    const others = votes.filter((v) => v.verdict !== majority);
    return {
      question: `${a} vs ${b} at c=${c}`,
      concurrency: c,
      majority,
      agree: winners.length,
      machines: votes.length,
      disagree: others.map((v) =>
        `${v.student}: ${v.verdict} (${differences(v.info, winners.map((w) => w.info))})`
      ).join("; "),
    };
  });
}

function runsFrameOf(runs: pl.DataFrame, experiment: string, student: string): pl.DataFrame {
  return runs.filter(
    pl.col("experimentKey").eq(pl.lit(experiment)).and(pl.col("student").eq(pl.lit(student))),
  );
}

/** Columns of {@link verdictTable}. */
export const VERDICT_SCHEMA = {
  question: "str",
  concurrency: "i64",
  majority: "str",
  agree: "i64",
  machines: "i64",
  disagree: "str",
} as const;

/** {@link verdictRows} as a DataFrame. */
export function verdictTable(
  runs: pl.DataFrame,
  experiment: string,
  a: string,
  b: string,
): pl.DataFrame {
  return frameFromRows(verdictRows(runs, experiment, a, b) as unknown as Row[], VERDICT_SCHEMA);
}

/** The targets of one experiment, in name order. */
export function experimentTargets(runs: pl.DataFrame, experiment: string): string[] {
  return [...new Set(runsOf(runs, experiment).map((r) => r.target as string))].sort();
}

/**
 * Sentences on one experiment across the class, computed: how far apart the machines are
 * compared with one machine's own repeats (at the level where that ratio is largest), and how
 * many of the verdicts the whole class agrees on.
 */
export function classFindings(runs: pl.DataFrame, experiment: string): string[] {
  const spread = spreadRows(runs, experiment).filter((r) => r.machines > 1);
  const machines = new Set(runsOf(runs, experiment).map((r) => r.student)).size;
  const findings: string[] = [];
  if (spread.length === 0) {
    findings.push(
      `Only ${machines} machine ran ${experiment}: the class view needs two or more to compare.`,
    );
  } else {
    const scored = spread.filter((r) => r.acrossCv !== null);
    const widest = scored.reduce((x, y) => ((y.acrossCv ?? 0) > (x.acrossCv ?? 0) ? y : x));
    const within = widest.withinCv;
    const head =
      `${experiment}, ${widest.target} at c=${widest.concurrency}: the ${widest.machines} ` +
      `machines' medians range from ${formatRate(widest.minRps)} to ${formatRate(widest.maxRps)} ` +
      `req/s (${pct(widest.acrossCv!)} across machines)`;
    findings.push(
      within === null
        ? `${head}; each machine ran it once, so the spread within a machine is unknown.`
        : within === 0 || widest.acrossCv! / within >= 2
        ? `${head}, while one machine's repeats vary by ${pct(within)}: the machines differ ` +
          `${within === 0 ? "far" : `${(widest.acrossCv! / within).toFixed(1)}x`} more than the ` +
          "noise of one machine, so compare verdicts, not raw numbers."
        : `${head}, about as much as one machine's repeats vary (${pct(within)}): the machines ` +
          "differ no more than the noise.",
    );
  }
  const targets = experimentTargets(runs, experiment);
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const verdicts = verdictRows(runs, experiment, targets[i]!, targets[j]!);
      if (verdicts.length === 0 || verdicts[0]!.machines < 2) continue;
      const unanimous = verdicts.filter((v) => v.agree === v.machines).length;
      findings.push(
        `${targets[i]} vs ${
          targets[j]
        }: all machines agree at ${unanimous} of ${verdicts.length} ` +
          `levels` +
          (unanimous === verdicts.length
            ? "."
            : `; where they disagree, see the verdict table for what those machines differ in.`),
      );
    }
  }
  return findings;
}

/** A coefficient of variation as a percentage, e.g. `4.5%` or `23%`; `-` for none. */
export function formatCv(cv: number | null): string {
  return cv === null ? "-" : `${(cv * 100).toFixed(cv < 0.1 ? 1 : 0)}%`;
}

function pct(cv: number): string {
  return `CV ${formatCv(cv)}`;
}
