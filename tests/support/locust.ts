/**
 * Helpers for the Locust tests: finding processes left behind by the command line of a run (its
 * locustfile path is unique to the run).
 *
 * @module
 */

import type { LocustOptions, LocustWorkerLaunch } from "../../lib/loadgen/locust/locust.ts";

/** Process ids whose command line contains `text` (none: an empty list). */
export async function pidsMatching(text: string): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-f", "--", text], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((line) => line).map(Number);
}

/** Wrappers that record the locustfile of a run, so a test can look for leftover processes. */
export interface Recorder {
  /** Locustfile paths seen (one per run). */
  locustfiles: Set<string>;
  /** A `workerCommand` that records and then applies `wrap` (default: run as is). */
  workerCommand(wrap?: (worker: LocustWorkerLaunch) => string[]): LocustOptions["workerCommand"];
}

/** Creates a {@link Recorder}. */
export function recorder(): Recorder {
  const locustfiles = new Set<string>();
  return {
    locustfiles,
    workerCommand: (wrap) => (worker) => {
      locustfiles.add(worker.locustfile);
      return wrap ? wrap(worker) : worker.argv;
    },
  };
}

/** Asserts-style check: throws when any process still runs with one of the recorded files. */
export async function assertNoneLeft(files: Iterable<string>): Promise<void> {
  for (const file of files) {
    const left = await pidsMatching(file);
    if (left.length > 0) throw new Error(`locust processes left behind: ${left.join(", ")}`);
  }
}
