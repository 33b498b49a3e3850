/**
 * A small class made on this machine for the class-view tests and notebook 04: three "students"
 * who ran the same experiment with different thread-pool sizes or pinning, each packed with
 * `packHandIn` as a student would, plus one who ran it with a different setup.
 *
 * @module
 */

import { join } from "node:path";
import { runExperiment } from "../../lib/experiment/experiment.ts";
import { packHandIn } from "../../lib/class/pack.ts";

/** One student of the sample class and how their run differs. */
export interface SampleStudent {
  /** Name given to `--student`. */
  student: string;
  /** Pool size of the threads model, when set. */
  size?: number;
  /** CPU list for the servers, when set. */
  pin?: string;
  /** Requests per run (the class uses 300). */
  requests?: number;
}

/** The sample class: three comparable machines and one with another setup. */
export const SAMPLE_CLASS: readonly SampleStudent[] = [
  { student: "Ani" },
  { student: "Budi", size: 2 },
  { student: "Citra", pin: "0" },
  { student: "Dewi", requests: 150 },
];

/** The experiment every sample student ran. */
export const SAMPLE_EXPERIMENT = "c-root";

/**
 * Runs the sample experiment for each student into `<workDir>/<student>/results/` and packs it
 * into `classDir`, returning the archives' paths. Real servers, the best installed generator.
 */
export async function makeSampleClass(
  workDir: string,
  classDir: string,
  students: readonly SampleStudent[] = SAMPLE_CLASS,
): Promise<string[]> {
  const paths: string[] = [];
  for (const s of students) {
    const resultsDir = join(workDir, s.student, "results");
    await runExperiment({
      name: SAMPLE_EXPERIMENT,
      targets: ["async", "threads"],
      path: "/",
      concurrency: [1, 8],
      requests: s.requests ?? 300,
      repeats: 2,
      size: s.size,
      pin: s.pin,
      outDir: join(resultsDir, SAMPLE_EXPERIMENT),
      logErrors: false,
    });
    paths.push(
      packHandIn({ student: s.student, resultsDir, outDir: classDir, profile: "quick" }).path,
    );
  }
  return paths;
}
