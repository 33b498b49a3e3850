/**
 * How fast is each load generator, and what does it cost? For the async server's `/` at c=50,
 * every installed generator's requests per second and its own CPU time per request.
 *
 * A lab that reports "server speed" must know when the generator is the bottleneck: on a small
 * machine a generator that burns a whole core per 20k requests caps what any server can show.
 *
 * The generator's CPU time is read from this process's `cutime` + `cstime` (/proc/self/stat),
 * which the kernel adds a child's user and system time to when the child is reaped; the server
 * runs inside this process, so its CPU time is this process's own `utime` + `stime`. Linux only.
 *
 * Usage: `deno task bench:generators [--duration 5] [--requests 50000] [--concurrency 50]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startAsync } from "../servers/async.ts";
import { getGenerator, listGenerators } from "../lib/loadgen/mod.ts";
import type { GeneratorName, RunResult, RunSpec } from "../lib/loadgen/types.ts";

/** CPU seconds of this process and of its reaped children. */
interface CpuTimes {
  self: number;
  children: number;
}

function clockTicksPerSecond(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    return value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicksPerSecond();

function cpuTimes(): CpuTimes {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  // Fields after the command name (which is in parentheses and may contain spaces).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  // utime, stime, cutime, cstime are fields 14-17 of the whole line: 12-15 here (0-based 11-14).
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return { self: (utime + stime) / TICKS, children: (cutime + cstime) / TICKS };
}

interface Row {
  generator: string;
  keepAlive: boolean;
  result: RunResult;
  generatorCpuS: number;
  serverCpuS: number;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "5" },
    requests: { type: "string", default: "50000" },
    concurrency: { type: "string", default: "50" },
  },
});
const durationS = Number(values.duration);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
if (![durationS, requests, concurrency].every((n) => Number.isInteger(n) && n > 0)) {
  console.error("--duration, --requests and --concurrency must be whole numbers above 0");
  Deno.exit(2);
}

const server = await startAsync({ port: 0 });
const url = `${server.url}/`;
const rows: Row[] = [];
try {
  const installed = (await listGenerators()).filter((g) => g.installed);
  console.log(
    `Generators: ${installed.map((g) => `${g.name} ${g.version}`).join(", ")}; ` +
      `target ${url} (async server, in this process), c=${concurrency}, ` +
      `${navigator.hardwareConcurrency} cores`,
  );
  const plan: { name: GeneratorName; spec: RunSpec }[] = [];
  for (const { name } of installed) {
    const timed = name !== "ab";
    const base = timed
      ? { url, durationS, concurrency }
      : { url, requests: Math.max(requests, concurrency), concurrency };
    plan.push({ name, spec: { ...base, keepAlive: true } });
    if (name === "ab" || name === "wrk") plan.push({ name, spec: { ...base, keepAlive: false } });
  }
  // Warm-up: the server's code paths and autocannon's npm download, not measured.
  for (const name of new Set(plan.map((p) => p.name))) {
    const generator = await getGenerator(name);
    const warm: RunSpec = name === "wrk"
      ? { url, durationS: 1, concurrency, keepAlive: true }
      : { url, requests: 1000, concurrency, keepAlive: true };
    await generator.run(warm, { quiet: true });
  }
  for (const { name, spec } of plan) {
    const generator = await getGenerator(name);
    const before = cpuTimes();
    const result = await generator.run(spec, { quiet: true });
    const after = cpuTimes();
    rows.push({
      generator: `${name} ${result.generatorVersion}`,
      keepAlive: spec.keepAlive ?? false,
      result,
      generatorCpuS: after.children - before.children,
      serverCpuS: after.self - before.self,
    });
    console.log(`  ran ${name} (keep-alive ${spec.keepAlive ? "on" : "off"})`);
  }
} finally {
  await server.shutdown();
}

const header = [
  "generator",
  "keep-alive",
  "completed",
  "wall s",
  "req/s",
  "gen CPU s",
  "gen CPU µs/req",
  "gen cores",
  "server CPU µs/req",
  "warnings",
];
const table = rows.map((row) => {
  const r = row.result;
  return [
    row.generator,
    row.keepAlive ? "on" : "off",
    String(r.completed),
    r.wallTimeS.toFixed(2),
    Math.round(r.requestsPerSec).toString(),
    row.generatorCpuS.toFixed(2),
    ((row.generatorCpuS * 1e6) / r.completed).toFixed(1),
    (row.generatorCpuS / r.wallTimeS).toFixed(2),
    ((row.serverCpuS * 1e6) / r.completed).toFixed(1),
    String(r.warnings.length),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
const line = (cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join("  ");
console.log();
console.log(line(header));
for (const row of table) console.log(line(row));
console.log();
console.log(
  "gen cores = generator CPU seconds per wall second: near 1.0 (or the generator's thread " +
    "count) means the generator, not the server, set the pace. CPU from /proc/self/stat " +
    `(${TICKS} ticks/s).`,
);
for (const row of rows) {
  for (const warning of row.result.warnings) console.log(`!! ${warning}`);
}
