import assert from "node:assert/strict";
import { join } from "node:path";
import {
  againstBound,
  ceiling,
  ceilingMarkdown,
  ceilingTable,
  cpuListSize,
  experimentShape,
  serverShape,
  workloadOf,
} from "./ceilings.ts";
import type { SummaryRow } from "./results.ts";

function row(target: string, concurrency: number, medianRps: number, genCpu = 0): SummaryRow {
  return {
    target,
    concurrency,
    runs: 3,
    medianRps,
    meanRps: medianRps,
    rpsCiLow: null,
    rpsCiHigh: null,
    rpsCv: null,
    p50Ms: 1,
    p90Ms: 2,
    p99Ms: 3,
    failed: 0,
    non2xx: 0,
    completed: 1000,
    minCompleted: 1000,
    minWallTimeS: 1,
    generatorCpuPercent: genCpu,
  };
}

const IO = workloadOf("/io?ms=20");
const CPU = workloadOf("/cpu?ms=5");
const TWO_CORES = serverShape({}, 2);

Deno.test("workloadOf reads /io and /cpu paths and refuses others", () => {
  assert.deepEqual(IO, { kind: "io", ms: 20 });
  assert.deepEqual(workloadOf("/cpu?x=1&ms=2.5"), { kind: "cpu", ms: 2.5 });
  assert.throws(() => workloadOf("/"), /not \/io\?ms=N/);
  assert.throws(() => workloadOf("/io?ms=0"), /N > 0/);
});

Deno.test("serverShape: size and pin come from the experiment, defaults otherwise", () => {
  assert.deepEqual(TWO_CORES, { poolSize: 8, workers: 2, serverCores: 2, cores: 2, pinned: false });
  assert.deepEqual(serverShape({ size: 2 }, 4), {
    poolSize: 2,
    workers: 2,
    serverCores: 4,
    cores: 4,
    pinned: false,
  });
  assert.deepEqual(serverShape({ pin: "0" }, 2), {
    poolSize: 8,
    workers: 1,
    serverCores: 1,
    cores: 2,
    pinned: true,
  });
  assert.equal(cpuListSize("0,2-3"), 3);
});

Deno.test("experimentShape reads the pool size an experiment was run with, not the default", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(join(dir, "config.json"), JSON.stringify({ size: 64, pin: null }));
    assert.equal(experimentShape({ dir, environment: { cpuCount: 2 } }).poolSize, 64);
    Deno.writeTextFileSync(join(dir, "config.json"), JSON.stringify({ size: null, pin: null }));
    assert.equal(experimentShape({ dir, environment: { cpuCount: 2 } }).poolSize, 8);
    assert.throws(
      () => experimentShape({ dir: join(dir, "none"), environment: null }),
      /cannot read .*config\.json.*pass the result of runExperiment/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ceiling: K / W for the pool, c / W for an event loop, N / S for cores", () => {
  assert.equal(ceiling("threads", 50, IO, TWO_CORES)!.bound, 400);
  assert.equal(ceiling("threads", 5, IO, TWO_CORES)!.bound, 250);
  assert.equal(ceiling("threads", 50, IO, serverShape({ size: 2 }, 2))!.bound, 100);
  assert.equal(ceiling("async", 50, IO, TWO_CORES)!.bound, 2500);
  assert.equal(ceiling("async", 50, CPU, TWO_CORES)!.bound, 200);
  assert.equal(ceiling("workers", 50, CPU, TWO_CORES)!.bound, 400);
  assert.equal(ceiling("workers", 1, CPU, TWO_CORES)!.bound, 200);
  // The generator's 0.6 of a core comes off the servers' cores, unless they are pinned apart.
  assert.equal(Math.round(ceiling("workers", 50, CPU, TWO_CORES, 0.6)!.boundLessGenerator), 280);
  const pinned = serverShape({ pin: "0" }, 2);
  assert.equal(ceiling("workers", 50, CPU, pinned, 0.6)!.boundLessGenerator, 200);
  assert.equal(ceiling("nginx", 50, CPU, TWO_CORES), null);
});

Deno.test("againstBound: words follow the share of the bound", () => {
  assert.equal(againstBound(390, 400), "at its bound");
  assert.match(againstBound(100, 400), /below its bound/);
  assert.match(againstBound(500, 400), /above its bound/);
});

Deno.test("ceilingMarkdown /io: the pool's bound from the experiment's size, and the words follow the data", () => {
  const held = [row("threads", 50, 392), row("async", 50, 2300), row("threads", 1, 49)];
  const text = ceilingMarkdown(held, IO, TWO_CORES);
  assert.match(text, /a pool of \*\*8\*\* workers/);
  assert.match(text, /at c=50: async at most \*\*2,500 req\/s\*\* \(c=50 \/ 0\.020 s\)/);
  assert.match(text, /threads at most \*\*400 req\/s\*\* \(min\(c=50, K=8\) \/ 0\.020 s\)/);
  assert.match(text, /threads \*\*392 req\/s\*\*, at its bound \(98%\)/);
  // A pool of 64: the same 392 req/s is now far below the bound.
  const big = ceilingMarkdown(held, IO, serverShape({ size: 64 }, 2));
  assert.match(big, /a pool of \*\*64\*\* workers/);
  assert.match(
    big,
    /threads \*\*392 req\/s\*\*, below its bound: something else limited it \(16%\)/,
  );
});

Deno.test("ceilingMarkdown /cpu: 'neither reached cores x 200' is checked, not asserted", () => {
  const short = [
    row("async", 50, 190, 60),
    row("workers", 50, 300, 60),
    row("threads", 50, 290, 60),
  ];
  const text = ceilingMarkdown(short, CPU, TWO_CORES);
  assert.match(text, /Neither threads nor workers reached 2 cores x 200 = 400 req\/s\./);
  assert.match(text, /used up to 60% of a core .* leaves about 280 req\/s/);
  const reached = [row("async", 50, 195), row("workers", 50, 396), row("threads", 50, 300)];
  const other = ceilingMarkdown(reached, CPU, TWO_CORES);
  assert.match(
    other,
    /workers reached 2 cores x 200 = 400 req\/s \(within 5%\); threads did not\./,
  );
  assert.doesNotMatch(other, /Neither/);
  const one = ceilingMarkdown([row("workers", 10, 250)], CPU, TWO_CORES);
  assert.match(one, /workers did not reach 2 cores/);
});

Deno.test("ceilingTable: one row per model and level with its formula and share", () => {
  const table = ceilingTable([row("threads", 10, 396), row("nginx", 10, 9)], IO, TWO_CORES);
  assert.deepEqual(table, [{
    model: "threads",
    c: 10,
    "at most (req/s)": 400,
    "computed as": "min(c=10, K=8) / 0.020 s",
    "measured median (req/s)": 396,
    "measured / bound": "99%",
  }]);
  const [cpu] = ceilingTable([row("workers", 10, 250, 60)], CPU, TWO_CORES);
  assert.equal(cpu!["less the generator (req/s)"], 280);
});
