/**
 * The manifest of a student's hand-in archive: who handed it in, which lab and profile made the
 * runs, and a short summary of the machine, so a teacher can tell the archives apart before
 * opening any run.
 *
 * @module
 */

import type { Environment } from "../experiment/environment.ts";

/** The `format` every hand-in manifest carries; a different one is another program's archive. */
export const HANDIN_FORMAT = "concurrency-lab-handin";

/** The layout version of hand-ins this lab writes and reads. */
export const HANDIN_VERSION = 1;

/** File name of the manifest at the archive's top. */
export const MANIFEST_FILE = "manifest.json";

/** A machine in a few fields, from an experiment's environment record. */
export interface MachineSummary {
  /** Logical CPUs. */
  cores: number | null;
  /** CPU model name. */
  cpuModel: string | null;
  /** Total memory, GiB (one decimal). */
  memoryGiB: number | null;
  /** OS name, or the OS family. */
  os: string | null;
  /** Load generator and version, e.g. `ab 2.3`. */
  generator: string | null;
}

/** The manifest of a hand-in archive. */
export interface Manifest {
  /** Always {@link HANDIN_FORMAT}. */
  format: typeof HANDIN_FORMAT;
  /** {@link HANDIN_VERSION} of the lab that packed it. */
  version: number;
  /** The student's name or id, as given with `--student`. */
  student: string;
  /** When the archive was made, ISO 8601. */
  createdAt: string;
  /** The lab's git commit that made the runs (from their environment record), or null. */
  labCommit: string | null;
  /** `LAB_PROFILE` when packing (quick or full), or null when unset. */
  profile: string | null;
  /** The machine the runs were made on. */
  machine: MachineSummary;
  /** The experiments in the archive (folder names under `results/`). */
  experiments: string[];
  /** The report files under `reports/`. */
  reports: string[];
}

/** The machine summary of an environment record (all null for a missing record). */
export function machineSummary(environment: Partial<Environment> | null): MachineSummary {
  const memory = environment?.memoryTotalBytes;
  const generator = environment?.generator ?? null;
  return {
    cores: environment?.cpuCount ?? null,
    cpuModel: environment?.cpuModel ?? null,
    memoryGiB: typeof memory === "number" ? Math.round(memory / 2 ** 30 * 10) / 10 : null,
    os: environment?.osName ?? environment?.os ?? null,
    generator: generator === null
      ? null
      : [generator, environment?.generatorVersion].filter(Boolean).join(" "),
  };
}

/** A machine in one short label, e.g. `2 cores, Intel Xeon E5-2690, ab 2.3`. */
export function machineLabel(machine: MachineSummary): string {
  const cpu = machine.cpuModel?.replace(/\((R|TM)\)/g, "").replace(/\s+CPU\b.*$/, "")
    .replace(/\s+/g, " ").trim();
  return [
    machine.cores === null ? null : `${machine.cores} cores`,
    cpu || null,
    machine.generator,
  ].filter((part) => part !== null).join(", ") || "unknown machine";
}

/**
 * Checks that `value` is a manifest this lab can read and returns it; otherwise throws an error
 * whose message says, in one line, what is wrong with it.
 */
export function parseManifest(value: unknown): Manifest {
  if (typeof value !== "object" || value === null) {
    throw new Error("manifest.json is not a JSON object");
  }
  const manifest = value as Partial<Manifest>;
  if (manifest.format !== HANDIN_FORMAT) {
    throw new Error(
      `manifest.json is not a Concurrency Lab hand-in (format ${JSON.stringify(manifest.format)})`,
    );
  }
  if (manifest.version !== HANDIN_VERSION) {
    throw new Error(
      `packed by another lab version (hand-in version ${manifest.version}, this lab reads ` +
        `${HANDIN_VERSION}): pack it again with this lab`,
    );
  }
  if (typeof manifest.student !== "string" || manifest.student.trim() === "") {
    throw new Error("manifest.json names no student");
  }
  if (!Array.isArray(manifest.experiments)) {
    throw new Error("manifest.json lists no experiments");
  }
  return manifest as Manifest;
}
