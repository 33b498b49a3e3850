/**
 * Benchmark: requests per second of each server model on `GET /`, next to a bare `Deno.serve`
 * hello world started the same way (a child process launched by `lib/experiment/launch.ts`).
 *
 * `deno task bench:servers [--duration 5s] [--connections 50] [--rounds 3] [--path /] [--ab N]`
 *
 * Besides wrk (keep-alive), each round runs `ab -n N -c C` (a new connection per request, the
 * 2020 course's setup) against async and threads when ab is installed (`--ab 0` skips it). The
 * summary prints threads / async for both and the threads model's handoff per request from its
 * `/stats`, beside each server's CPU per request.
 *
 * Every server runs pinned to CPU 0 and wrk to CPU 1 when `taskset` exists, so the load
 * generator does not compete with the server. Each server gets a warm-up run first
 * ({@link WARM_UP_S}), long enough for the threads model's K workers, each compiling its own
 * code on a K-th of the requests, to reach the steady state the rounds measure. Rounds
 * alternate the servers, so drift on a shared machine hits them alike; the best round counts.
 * Speed is printed, never asserted: this is a benchmark, not a test.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { hasTaskset, launchScript, stopAll, type Target } from "../lib/experiment/launch.ts";
import { type HandoffPerRequest, handoffPerRequest } from "../lib/experiment/handoff.ts";
import type { ThreadsStatsReport } from "../servers/threads.ts";
import { MODEL_NAMES, MODELS } from "../servers/models.ts";
import { parseWholeSeconds } from "../lib/experiment/duration.ts";

const HELLO = fileURLToPath(new URL("./hello_server.ts", import.meta.url));
const WRK = ["/usr/bin/wrk", "/usr/local/bin/wrk"];
const AB = ["/usr/bin/ab", "/usr/local/bin/ab"];
/** Seconds of wrk load each server gets before the counted rounds. */
const WARM_UP_S = 3;

/** What one wrk run measured. */
interface WrkFigures {
  rps: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
}

/** CPU time a process has used so far, in seconds (Linux `/proc`), or NaN elsewhere. */
function cpuSeconds(pid: number | null): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, 100 ticks/s
  } catch {
    return NaN;
  }
}

/** Two runs' handoffs as one, weighted by their requests. */
function mergeHandoff(a: HandoffPerRequest, b: HandoffPerRequest): HandoffPerRequest {
  const requests = a.requests + b.requests;
  const mean = (
    key: "listenerUs" | "workerUs" | "handoffUs" | "appUs" | "wakeUps" | "workersWoken",
  ) => (a[key] * a.requests + b[key] * b.requests) / requests;
  return {
    requests,
    listenerUs: mean("listenerUs"),
    workerUs: mean("workerUs"),
    handoffUs: mean("handoffUs"),
    appUs: mean("appUs"),
    wakeUps: mean("wakeUps"),
    workersWoken: mean("workersWoken"),
    byMessage: a.byMessage + b.byMessage,
  };
}

function fail(message: string): never {
  console.error(`bench:servers: ${message}`);
  Deno.exit(2);
}

function wholeNumber(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw ?? "") || value < min || value > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function findTool(paths: string[]): string | null {
  for (const path of paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}

async function runWrk(
  wrk: string,
  url: string,
  durationS: number,
  connections: number,
  pin: boolean,
): Promise<WrkFigures> {
  const wrkArgs = ["-t1", `-c${connections}`, `-d${durationS}s`, url];
  const [program, args] = pin ? ["taskset", ["-c", "1", wrk, ...wrkArgs]] : [wrk, wrkArgs];
  const output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (!output.success || !Number.isFinite(rps)) {
    throw new Error(`wrk failed on ${url}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps,
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** Runs `ab -n requests -c connections` (no keep-alive) and returns its requests per second. */
async function runAb(
  ab: string,
  url: string,
  requests: number,
  connections: number,
  pin: boolean,
): Promise<number> {
  const abArgs = ["-q", "-n", String(requests), "-c", String(connections), url];
  const [program, args] = pin ? ["taskset", ["-c", "1", ab, ...abArgs]] : [ab, abArgs];
  const output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(text)?.[1]);
  if (!output.success || !Number.isFinite(rps)) {
    throw new Error(`ab failed on ${url}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return rps;
}

async function threadsHandoff(url: string): Promise<ThreadsStatsReport["handoff"]> {
  const response = await fetch(`${url}/stats`);
  return (await response.json() as ThreadsStatsReport).handoff;
}

const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        duration: { type: "string", default: "5" },
        connections: { type: "string", default: "50" },
        rounds: { type: "string", default: "3" },
        path: { type: "string", default: "/" },
        ab: { type: "string", default: "20000" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message} (see --help)`);
  }
})();
if (values.help) {
  console.log(
    "Usage: deno task bench:servers [--duration 5s] [--connections C] [--rounds N] [--path P]\n" +
      "                               [--ab N]\n\n" +
      "Runs wrk -t1 -cC -dSs against a bare Deno.serve hello world and each server model,\n" +
      "in alternating rounds, and prints req/s and the ratio to the bare server. With ab\n" +
      "installed, each round also runs ab -n N -cC (no keep-alive) on async and threads\n" +
      "(--ab 0 skips it) and the summary prints threads / async for both.",
  );
  Deno.exit(0);
}
const durationS = (() => {
  try {
    return parseWholeSeconds(values.duration ?? "5", 600);
  } catch (error) {
    fail(`--duration: ${(error as Error).message}`);
  }
})();
const connections = wholeNumber("connections", values.connections, 1, 10_000);
const rounds = wholeNumber("rounds", values.rounds, 1, 20);
const abRequests = wholeNumber("ab", values.ab, 0, 10_000_000);
const path = values.path ?? "/";
if (!path.startsWith("/")) fail(`--path must start with /, got '${path}'`);

const wrk = findTool(WRK);
const ab = abRequests > 0 ? findTool(AB) : null;
if (wrk === null) {
  console.log("bench:servers: wrk is not installed, nothing to measure (apt-get install wrk)");
  Deno.exit(0);
}
const pin = hasTaskset();
console.log(
  pin
    ? "Pinning: servers on CPU 0 (taskset -c 0), wrk on CPU 1 (taskset -c 1)."
    : "taskset not found: servers and wrk share every CPU (numbers are noisier).",
);
console.log(
  `wrk -t1 -c${connections} -d${durationS}s on ${path}, ${rounds} round(s), best round counts.`,
);
console.log(
  ab
    ? `ab -n ${abRequests} -c${connections} (no keep-alive) on async and threads too.\n`
    : `ab ${abRequests > 0 ? "is not installed" : "skipped (--ab 0)"}: wrk only.\n`,
);

const names = ["bare", ...MODEL_NAMES];
const best = new Map<string, WrkFigures>();
/** Server CPU seconds and requests over every counted run, per server. */
const cpu = new Map<string, { seconds: number; requests: number }>();
/** ab's best round, per server (async and threads only). */
const bestAb = new Map<string, number>();
/** The threads model's handoff over every counted wrk run. */
let handoff: HandoffPerRequest | null = null;
const targets: Target[] = [];
try {
  for (const name of names) {
    const script = name === "bare" ? HELLO : MODELS[name as keyof typeof MODELS].scriptPath;
    const target = await launchScript(script, { name, pin: pin ? "0" : undefined });
    targets.push(target);
    await runWrk(wrk, target.url + path, WARM_UP_S, connections, pin); // not counted
  }
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const handoffBefore = target.name === "threads" ? await threadsHandoff(target.url) : null;
      const cpuBefore = cpuSeconds(target.pid);
      const figures = await runWrk(wrk, target.url + path, durationS, connections, pin);
      const used = cpu.get(target.name) ?? { seconds: 0, requests: 0 };
      used.seconds += cpuSeconds(target.pid) - cpuBefore;
      used.requests += figures.requests;
      cpu.set(target.name, used);
      const note = figures.non2xx || figures.socketErrors
        ? ` (non-2xx ${figures.non2xx}, socket errors ${figures.socketErrors})`
        : "";
      console.log(
        `round ${round}  ${target.name.padEnd(8)} ${figures.rps.toFixed(0)} req/s${note}`,
      );
      if ((best.get(target.name)?.rps ?? 0) < figures.rps) best.set(target.name, figures);
      if (handoffBefore) {
        const run = handoffPerRequest(handoffBefore, await threadsHandoff(target.url));
        handoff = handoff === null ? run : mergeHandoff(handoff, run);
      }
      if (ab && (target.name === "async" || target.name === "threads")) {
        const rps = await runAb(ab, target.url + path, abRequests, connections, pin);
        console.log(`round ${round}  ${target.name.padEnd(8)} ${rps.toFixed(0)} req/s with ab`);
        bestAb.set(target.name, Math.max(bestAb.get(target.name) ?? 0, rps));
      }
    }
  }
} finally {
  await stopAll();
}

const bare = best.get("bare")?.rps ?? NaN;
const cpuPerRequest = (name: string) => {
  const used = cpu.get(name);
  return used && used.requests > 0 ? (used.seconds / used.requests) * 1e6 : NaN;
};
const bareCpu = cpuPerRequest("bare");
console.log(
  `\n${"server".padEnd(10)}${"req/s".padStart(10)}${"vs bare".padStart(10)}` +
    `${"CPU µs/req".padStart(13)}${"bare/this".padStart(11)}`,
);
for (const name of names) {
  const rps = best.get(name)?.rps ?? NaN;
  const cpuUs = cpuPerRequest(name);
  console.log(
    `${name.padEnd(10)}${rps.toFixed(0).padStart(10)}${(rps / bare).toFixed(2).padStart(10)}` +
      `${cpuUs.toFixed(1).padStart(13)}${(bareCpu / cpuUs).toFixed(2).padStart(11)}`,
  );
}
console.log(
  "\nreq/s: the best round. CPU µs/req: the server's CPU time over all counted runs divided by\n" +
    "the requests it served; other load on the machine disturbs it less than req/s.",
);
const threadsRatio = (best.get("threads")?.rps ?? NaN) / (best.get("async")?.rps ?? NaN);
console.log(
  `\nthreads / async with wrk (keep-alive): ${threadsRatio.toFixed(2)} (goal: at least 0.50)`,
);
if (bestAb.size > 0) {
  const abRatio = (bestAb.get("threads") ?? NaN) / (bestAb.get("async") ?? NaN);
  console.log(
    `threads / async with ab (no keep-alive): ${abRatio.toFixed(2)} (goal: at least 0.90; ` +
      `async ${bestAb.get("async")?.toFixed(0)}, threads ${bestAb.get("threads")?.toFixed(0)} ` +
      "req/s, best rounds)",
  );
}
if (handoff) {
  const extra = cpuPerRequest("threads") - cpuPerRequest("async");
  console.log(
    `threads handoff code: ${handoff.handoffUs.toFixed(1)} µs/req ` +
      `(listener ${handoff.listenerUs.toFixed(1)}, worker ${handoff.workerUs.toFixed(1)}; ` +
      `application ${handoff.appUs.toFixed(1)})\nof the ${extra.toFixed(1)} µs/req of CPU ` +
      "threads uses beyond async. The rest is untimed: waking threads (per request,\na worker " +
      `${handoff.workersWoken.toFixed(2)} times, the listener ${handoff.wakeUps.toFixed(2)} ` +
      "times) and running K + 1 JavaScript engines instead of one.\nThe handoff code is " +
      "timed by the clock, so it grows when other processes take the core.",
  );
}
const asyncRatio = (best.get("async")?.rps ?? NaN) / bare;
console.log(
  asyncRatio >= 0.9
    ? `\nasync reaches ${asyncRatio.toFixed(2)} of the bare server (goal: at least 0.90).`
    : `\nasync reaches only ${asyncRatio.toFixed(2)} of the bare server (goal: at least 0.90).`,
);
