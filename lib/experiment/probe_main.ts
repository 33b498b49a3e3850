/**
 * The client side of a measurement as a process of its own: `open-loop` (requests on a fixed
 * schedule, {@link runOpenLoop}) or `connect` (a new connection per request with its TCP connect
 * time, {@link measureConnections}). Reads the spec as JSON from its argument and prints the
 * samples as JSON on stdout. `probe.ts` runs it, so that a notebook's kernel never shares its event
 * loop with the sender whose timings it reports.
 *
 * Usage: `deno run -A lib/experiment/probe_main.ts open-loop '{"url":"http://127.0.0.1:8000/","rate":200,"durationS":3}'`
 *
 * @module
 */

import { type OpenLoopSpec, runOpenLoop } from "./open_loop.ts";
import { measureConnections } from "./connect_times.ts";

/** The probes this script runs. */
export const PROBES = ["open-loop", "connect"] as const;

/** Runs probe `kind` with the JSON spec `json`; returns its samples. */
export async function runProbe(kind: string, json: string): Promise<unknown[]> {
  let spec: unknown;
  try {
    spec = JSON.parse(json);
  } catch {
    throw new Error(`the spec is not JSON: pass e.g. '{"url":"http://127.0.0.1:8000/"}'`);
  }
  if (kind === "open-loop") {
    const { warmupS, ...schedule } = spec as OpenLoopSpec & { warmupS?: number };
    // A fresh process pays for its first connections and a cold JIT: warm up off the record.
    if (warmupS) await runOpenLoop({ ...schedule, durationS: warmupS });
    return await runOpenLoop(schedule);
  }
  if (kind === "connect") {
    return await measureConnections(spec as Parameters<typeof measureConnections>[0]);
  }
  throw new Error(`unknown probe '${kind}': use one of ${PROBES.join(", ")}`);
}

if (import.meta.main) {
  const [kind = "", json = ""] = Deno.args;
  try {
    const samples = await runProbe(kind, json);
    await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(samples) + "\n"));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
}
