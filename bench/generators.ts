/**
 * How fast is each load generator, and what does it cost? For the async server's `/` at c=50,
 * every installed generator's requests per second and its own CPU time per request.
 *
 * A lab that reports "server speed" must know when the generator is the bottleneck: on a small
 * machine a generator that burns a whole core per 20k requests caps what any server can show.
 *
 * The generator's CPU time is what every run measures (`RunResult.generatorCpuS`, from the
 * `sh` wrapper of `lib/loadgen/process_cpu.ts`); the server runs inside this process, so its CPU
 * time is this process's own user + system time (`lib/process/cpu_time.ts`). Linux only.
 *
 * Usage: `deno task bench:generators [--duration 5s] [--requests 50000] [--concurrency 50]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startAsync } from "../servers/async.ts";
import { getGenerator, listGenerators } from "../lib/loadgen/mod.ts";
import type { GeneratorName, RunResult, RunSpec } from "../lib/loadgen/types.ts";
import { cpuTicksPerSecond, cpuTimes } from "../lib/process/cpu_time.ts";
import { parseWholeSeconds } from "../lib/experiment/duration.ts";

interface Row {
  generator: string;
  keepAlive: boolean;
  result: RunResult;
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
let durationS = 0;
try {
  durationS = parseWholeSeconds(values.duration);
} catch (error) {
  console.error(`bench:generators: --duration: ${(error as Error).message}`);
  Deno.exit(2);
}
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
if (![requests, concurrency].every((n) => Number.isInteger(n) && n > 0)) {
  console.error("--requests and --concurrency must be whole numbers above 0");
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
    const before = cpuTimes().self;
    const result = await generator.run(spec, { quiet: true });
    rows.push({
      generator: `${name} ${result.generatorVersion}`,
      keepAlive: spec.keepAlive ?? false,
      result,
      serverCpuS: cpuTimes().self - before,
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
  "gen CPU %",
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
    r.generatorCpuS === undefined ? "-" : r.generatorCpuS.toFixed(2),
    r.generatorCpuS === undefined ? "-" : ((r.generatorCpuS * 1e6) / r.completed).toFixed(1),
    r.generatorCpuPercent === undefined ? "-" : Math.round(r.generatorCpuPercent).toString(),
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
  "gen CPU % = generator CPU seconds per wall second of its process x 100: near 100 (or 100 " +
    "times the generator's thread count) means the generator, not the server, set the pace. " +
    `CPU from /proc (${cpuTicksPerSecond()} ticks/s); - where it cannot be measured.`,
);
for (const row of rows) {
  for (const warning of row.result.warnings) console.log(`!! ${warning}`);
}
