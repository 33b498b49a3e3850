/**
 * Loads a class's hand-ins: every `.zip` archive from `deno task pack`, unpacked hand-in folder or
 * plain results folder directly under one directory, into one runs DataFrame with `student` and
 * `machine` columns. Bad input is reported in one line each and skipped or kept apart, never
 * mixed in silently; nothing under the directory is modified (archives are unpacked into a
 * temporary folder that is removed afterwards).
 *
 * @module
 */

import { unzipSync } from "fflate";
import { join } from "node:path";
import pl from "nodejs-polars";
import type { Environment } from "../experiment/environment.ts";
import { CONFIG_FILE, ENVIRONMENT_FILE } from "../experiment/definition.ts";
import { loadJson, readRuns, RUNS_FILE, runsFrame } from "../results/results_store.ts";
import type { RunRecord } from "../results/run_record.ts";
import {
  machineLabel,
  type MachineSummary,
  machineSummary,
  type Manifest,
  MANIFEST_FILE,
  parseManifest,
} from "./manifest.ts";

/** One experiment of one hand-in. */
export interface HandInExperiment {
  /** The experiment's folder name, e.g. `01-root`. */
  name: string;
  /** Its saved configuration, or null. */
  config: Record<string, unknown> | null;
  /** Its environment record, or null. */
  environment: Partial<Environment> | null;
  /** Its measured runs. */
  records: RunRecord[];
}

/** One student's hand-in. */
export interface HandIn {
  /** The student, from the manifest (or the folder's name for a plain results folder). */
  student: string;
  /** The archive or folder it was read from, relative to the class directory. */
  source: string;
  /** The manifest, or null for a plain results folder. */
  manifest: Manifest | null;
  /** The machine the runs were made on. */
  machine: MachineSummary;
  /** Its experiments. */
  experiments: HandInExperiment[];
}

/** What {@link loadClass} found. */
export interface ClassData {
  /** The hand-ins kept, one per student, sorted by student. */
  handIns: HandIn[];
  /**
   * Every kept run: the run-record columns plus `student`, `machine` (a short label), `cores`,
   * `cpuModel`, `size` and `pin` (the experiment's pool size and CPU pinning, or null) and
   * `experimentKey` (the experiment's name, with the setup that differs from the class's in
   * brackets when a hand-in ran it differently).
   */
  runs: pl.DataFrame;
  /** One line per archive or experiment skipped or kept apart, with the reason. */
  problems: string[];
}

/** The settings that make two runs of an experiment comparable (a profile's choices). */
export const SETUP_KEYS = ["path", "concurrency", "requests", "durationS", "repeats", "keepAlive"];

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function experimentsIn(resultsDir: string): HandInExperiment[] {
  const out: HandInExperiment[] = [];
  for (
    const entry of [...Deno.readDirSync(resultsDir)].sort((a, b) => a.name.localeCompare(b.name))
  ) {
    const dir = join(resultsDir, entry.name);
    if (!entry.isDirectory || !isFile(join(dir, RUNS_FILE))) continue;
    out.push({
      name: entry.name,
      config: loadJson(dir, CONFIG_FILE) as Record<string, unknown> | null,
      environment: loadJson(dir, ENVIRONMENT_FILE) as Partial<Environment> | null,
      records: readRuns(dir).records,
    });
  }
  return out;
}

function readArchive(
  path: string,
  name: string,
): { manifest: Manifest; experiments: HandInExperiment[] } {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(Deno.readFileSync(path));
  } catch (error) {
    throw new Error(`not a readable zip archive (${(error as Error).message})`);
  }
  const manifestBytes = entries[MANIFEST_FILE];
  if (manifestBytes === undefined) {
    throw new Error("no manifest.json: not a hand-in made by 'deno task pack'");
  }
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch {
    throw new Error("manifest.json is not valid JSON: the archive is damaged, pack it again");
  }
  const manifest = parseManifest(manifestJson);
  const temporary = Deno.makeTempDirSync({ prefix: `class-${name.replace(/\W+/g, "_")}-` });
  try {
    for (const [file, bytes] of Object.entries(entries)) {
      const parts = file.split("/");
      if (
        parts[0] !== "results" || parts.length !== 3 || parts.some((p) => p === ".." || p === "")
      ) {
        continue;
      }
      Deno.mkdirSync(join(temporary, parts[1]!), { recursive: true });
      Deno.writeFileSync(join(temporary, parts[1]!, parts[2]!), bytes);
    }
    return { manifest, experiments: experimentsIn(temporary) };
  } finally {
    Deno.removeSync(temporary, { recursive: true });
  }
}

function packed(source: string, manifest: Manifest, experiments: HandInExperiment[]): HandIn {
  return {
    student: manifest.student.trim(),
    source,
    manifest,
    machine: manifest.machine,
    experiments,
  };
}

function readEntry(classDir: string, entry: Deno.DirEntry): HandIn | string {
  const path = join(classDir, entry.name);
  if (entry.isFile && entry.name.toLowerCase().endsWith(".zip")) {
    const { manifest, experiments } = readArchive(path, entry.name);
    return packed(entry.name, manifest, experiments);
  }
  if (entry.isDirectory && isFile(join(path, MANIFEST_FILE))) {
    const manifest = parseManifest(JSON.parse(Deno.readTextFileSync(join(path, MANIFEST_FILE))));
    return packed(entry.name, manifest, experimentsIn(join(path, "results")));
  }
  if (entry.isDirectory) {
    const experiments = experimentsIn(path);
    if (experiments.length > 0) {
      return {
        student: entry.name,
        source: entry.name,
        manifest: null,
        machine: machineSummary(experiments[0]!.environment),
        experiments,
      };
    }
    return "neither a hand-in nor a results folder (no experiment folder with runs.ndjson in it)";
  }
  return "not a .zip hand-in: pack results with 'deno task pack --student NAME'";
}

function setupOf(config: Record<string, unknown> | null): Record<string, unknown> {
  return Object.fromEntries(SETUP_KEYS.map((key) => [key, config?.[key] ?? null]));
}

function describeSetup(setup: Record<string, unknown>, majority: Record<string, unknown>): string {
  return SETUP_KEYS.filter((key) => JSON.stringify(setup[key]) !== JSON.stringify(majority[key]))
    .map((key) => `${key} ${JSON.stringify(setup[key])} vs ${JSON.stringify(majority[key])}`)
    .join(", ");
}

/** The most common setup per experiment name, over all hand-ins (ties: the first seen). */
function majoritySetups(handIns: readonly HandIn[]): Map<string, Record<string, unknown>> {
  const counts = new Map<string, Map<string, number>>();
  for (const handIn of handIns) {
    for (const experiment of handIn.experiments) {
      const key = JSON.stringify(setupOf(experiment.config));
      const byKey = counts.get(experiment.name) ?? new Map<string, number>();
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      counts.set(experiment.name, byKey);
    }
  }
  return new Map([...counts].map(([name, byKey]) => {
    const [best] = [...byKey].reduce((a, b) => (b[1] > a[1] ? b : a));
    return [name, JSON.parse(best)];
  }));
}

function experimentFrame(handIn: HandIn, experiment: HandInExperiment, key: string): pl.DataFrame {
  const frame = runsFrame(experiment.records);
  const config = experiment.config;
  const machine = handIn.machine.cores === null && experiment.environment
    ? machineSummary(experiment.environment)
    : handIn.machine;
  return frame.withColumns(
    pl.lit(handIn.student).alias("student"),
    pl.lit(machineLabel(machine)).alias("machine"),
    pl.lit(machine.cores ?? null).cast(pl.Int64).alias("cores"),
    pl.lit(machine.cpuModel ?? null).cast(pl.Utf8).alias("cpuModel"),
    pl.lit(typeof config?.size === "number" ? config.size : null).cast(pl.Int64).alias("size"),
    pl.lit(typeof config?.pin === "string" ? config.pin : null).cast(pl.Utf8).alias("pin"),
    pl.lit(key).alias("experimentKey"),
  );
}

/**
 * Loads every hand-in directly under `classDir`. Skipped, with one line in `problems` each: a file
 * that is not a zip, a damaged or foreign archive, one packed by another lab version, an
 * experiment whose runs this lab cannot read, and all but the newest of two hand-ins by the same
 * student. Kept apart (under their own `experimentKey`): experiments run with another setup
 * (requests, duration, repeats, levels, path, keep-alive) than most of the class.
 *
 * @example
 * ```ts
 * const { runs, problems } = loadClass("hand-ins/");
 * ```
 */
export function loadClass(classDir: string): ClassData {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(classDir)].sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `class folder '${classDir}' does not exist: put the students' .zip files in one folder`,
      );
    }
    throw error;
  }
  const problems: string[] = [];
  const byStudent = new Map<string, HandIn>();
  for (const entry of entries.filter((e) => !e.name.startsWith("."))) {
    let read: HandIn | string;
    try {
      read = readEntry(classDir, entry);
    } catch (error) {
      read = (error as Error).message;
    }
    if (typeof read === "string") {
      problems.push(`skipped ${entry.name}: ${read}`);
      continue;
    }
    const usable = read.experiments.filter((experiment) => {
      if (experiment.records.length > 0) return true;
      problems.push(
        `skipped ${entry.name} ${experiment.name}: no run this lab can read (another lab version?)`,
      );
      return false;
    });
    const handIn = { ...read, experiments: usable };
    const key = handIn.student.toLowerCase();
    const earlier = byStudent.get(key);
    if (earlier !== undefined) {
      const newer = (handIn.manifest?.createdAt ?? "") > (earlier.manifest?.createdAt ?? "");
      const [kept, dropped] = newer ? [handIn, earlier] : [earlier, handIn];
      problems.push(
        `two hand-ins by ${handIn.student}: kept ${kept.source} (the newer), skipped ${dropped.source}`,
      );
      byStudent.set(key, kept);
    } else {
      byStudent.set(key, handIn);
    }
  }
  const handIns = [...byStudent.values()].sort((a, b) => a.student.localeCompare(b.student));
  const majority = majoritySetups(handIns);
  const frames: pl.DataFrame[] = [];
  for (const handIn of handIns) {
    for (const experiment of handIn.experiments) {
      const usual = majority.get(experiment.name)!;
      const differs = describeSetup(setupOf(experiment.config), usual);
      const key = differs === "" ? experiment.name : `${experiment.name} [${differs}]`;
      if (differs !== "") {
        problems.push(
          `kept ${handIn.student}'s ${experiment.name} apart: another setup than the class (${differs})`,
        );
      }
      frames.push(experimentFrame(handIn, experiment, key));
    }
  }
  const runs = frames.length === 0 ? pl.DataFrame() : pl.concat(frames, { how: "diagonal" });
  return { handIns, runs, problems };
}
