/**
 * Client-side measurements run in a process of their own, never in the caller's event loop.
 *
 * In a notebook the kernel's event loop also runs Jupyter's messaging, output flushing and
 * whatever the cells left behind; a sender running there measures that work together with the
 * server's. {@link openLoopProcess} and {@link connectTimesProcess} start
 * `lib/experiment/probe_main.ts` as a child Deno process, which sends the requests and prints its
 * samples as JSON; the kernel only waits. Jupyter's interrupt button kills the child.
 *
 * @example
 * ```ts
 * import { openLoopProcess } from "./lib/experiment/probe.ts";
 * import { openLoopSummary } from "./lib/experiment/open_loop.ts";
 * const samples = await openLoopProcess({ url: "http://127.0.0.1:8000/", rate: 200, durationS: 3 });
 * console.log(openLoopSummary(samples, 3).p99Ms);
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { labCall } from "../process/interrupt.ts";
import { checkOpenLoopSpec, type OpenLoopSample, type OpenLoopSpec } from "./open_loop.ts";
import type { ConnectionRunSpec, ConnectionSample } from "./connect_times.ts";

const SCRIPT = fileURLToPath(new URL("./probe_main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Options of the probes. */
export interface ProbeOptions {
  /** Open loop only: seconds sent on the same schedule before the measured run, not recorded. */
  warmupS?: number;
  /** CPU list to pin the sender to with `taskset` (e.g. "1"), when taskset is installed. */
  pin?: string;
}

async function runChild<T>(
  kind: string,
  spec: object,
  label: string,
  expectedS: number,
  options: ProbeOptions,
): Promise<T[]> {
  const denoArgs = ["run", "-A", "--config", CONFIG, SCRIPT, kind, JSON.stringify(spec)];
  const [program, args] = options.pin === undefined
    ? [Deno.execPath(), denoArgs]
    : ["taskset", ["-c", options.pin, Deno.execPath(), ...denoArgs]];
  let child: Deno.ChildProcess | null = null;
  const kill = () => {
    try {
      child?.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  return await labCall(label, async (signal) => {
    child = new Deno.Command(program, { args, stdout: "piped", stderr: "piped", signal })
      .spawn();
    const { code, stdout, stderr } = await child.output();
    if (code !== 0) {
      const reason = new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "";
      throw new Error(`the ${kind} probe failed (exit ${code}): ${reason}`);
    }
    return JSON.parse(new TextDecoder().decode(stdout)) as T[];
  }, { label, expectedS, stop: kill });
}

/**
 * Runs an open-loop schedule ({@link OpenLoopSpec}: `rate` requests per second for `durationS`)
 * in a child process and returns its samples, latency measured from each intended send time.
 * Throws at once, with the fix, on a spec the sender would refuse.
 */
export async function openLoopProcess(
  spec: OpenLoopSpec,
  options: ProbeOptions = {},
): Promise<OpenLoopSample[]> {
  checkOpenLoopSpec(spec);
  return await runChild<OpenLoopSample>(
    "open-loop",
    { ...spec, warmupS: options.warmupS },
    `open loop: ${spec.rate} req/s for ${spec.durationS} s`,
    spec.durationS + (options.warmupS ?? 0),
    options,
  );
}

/**
 * Sends `requests` requests, `concurrency` at a time, each on a new connection, from a child
 * process; returns each request's TCP connect time and total time.
 */
export async function connectTimesProcess(
  spec: ConnectionRunSpec,
  options: ProbeOptions = {},
): Promise<ConnectionSample[]> {
  return await runChild<ConnectionSample>(
    "connect",
    spec,
    `${spec.requests} new connections, ${spec.concurrency} at a time`,
    spec.requests / 100,
    options,
  );
}
