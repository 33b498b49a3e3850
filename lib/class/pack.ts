/**
 * `deno task pack --student NAME`: one zip archive with a student's experiments (runs, config,
 * environment, errors), their code-free reports and a manifest, for handing in. Zip because a
 * teacher can open it anywhere; the runs stay the lab's own files, so the class view reads them
 * as the lab wrote them.
 *
 * @module
 */

import { zipSync } from "fflate";
import { basename, join } from "node:path";
import type { Environment } from "../experiment/environment.ts";
import { CONFIG_FILE, ENVIRONMENT_FILE, ERRORS_FILE } from "../experiment/definition.ts";
import { loadJson, readRuns, RUNS_FILE } from "../results/results_store.ts";
import { PROFILES } from "../notebook/profiles.ts";
import {
  HANDIN_FORMAT,
  HANDIN_VERSION,
  machineSummary,
  type Manifest,
  MANIFEST_FILE,
} from "./manifest.ts";

/** The files of an experiment's folder that a hand-in carries. */
export const EXPERIMENT_FILES = [RUNS_FILE, CONFIG_FILE, ENVIRONMENT_FILE, ERRORS_FILE] as const;

/** Options of {@link packHandIn}. */
export interface PackOptions {
  /** The student's name or id: required, never guessed. */
  student: string;
  /** The results root whose experiment folders are packed. */
  resultsDir: string;
  /** Folder of exported reports; its code-free HTML reports are packed. Omit for none. */
  reportsDir?: string;
  /** Where the archive is written (default: `reportsDir`, else `resultsDir`). */
  outDir?: string;
  /** The lab profile the runs were made with (default: read from the runs' settings). */
  profile?: string | null;
  /** The time of packing (default: now). */
  now?: Date;
}

/** What {@link packHandIn} wrote. */
export interface Packed {
  /** The archive's path. */
  path: string;
  /** Its manifest. */
  manifest: Manifest;
  /** One line per thing left out, with the reason. */
  notes: string[];
}

/** A file-name-safe form of a student's name: `Siti Rahma` gives `siti-rahma`. */
export function studentSlug(student: string): string {
  const slug = student.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug === "") {
    throw new Error(
      `--student '${student}' has no letters or digits: give a name or student id, e.g. --student 1811001`,
    );
  }
  return slug;
}

/**
 * The lab profile whose settings the runs were made with: the first experiment whose repeats and
 * concurrency levels are a profile's (its `levels` or its `timedLevels`); null when none is.
 */
export function profileOfRuns(configs: readonly unknown[]): string | null {
  for (const config of configs) {
    if (typeof config !== "object" || config === null) continue;
    const { repeats, concurrency } = config as { repeats?: unknown; concurrency?: unknown };
    const levels = JSON.stringify(concurrency);
    const match = Object.values(PROFILES).find((p) =>
      p.repeats === repeats &&
      (levels === JSON.stringify(p.levels) || levels === JSON.stringify(p.timedLevels))
    );
    if (match) return match.name;
  }
  return null;
}

function isCodeFreeReport(name: string): boolean {
  return /\.html$/i.test(name) && /no[-_.]?code/i.test(name);
}

function readIfExists(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function listDir(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * Packs every experiment folder under `resultsDir` that holds at least one measured run, and the
 * code-free reports under `reportsDir`, into `<outDir>/<student>-<date>.zip`. Throws, naming the
 * fix, when the student is missing or there is nothing to pack; nothing is written then.
 *
 * @example
 * ```ts
 * const { path } = packHandIn({ student: "Siti Rahma", resultsDir: "data/results", reportsDir: "reports" });
 * ```
 */
export function packHandIn(options: PackOptions): Packed {
  if (!options.student?.trim()) {
    throw new Error("say who hands in: --student NAME (a name or student id)");
  }
  const slug = studentSlug(options.student);
  const files: Record<string, Uint8Array> = {};
  const notes: string[] = [];
  const experiments: string[] = [];
  let environment: Partial<Environment> | null = null;
  const configs: unknown[] = [];
  for (const entry of listDir(options.resultsDir)) {
    if (!entry.isDirectory) continue;
    const dir = join(options.resultsDir, entry.name);
    const { records } = readRuns(dir);
    if (records.length === 0) {
      if (readIfExists(join(dir, CONFIG_FILE)) !== null) {
        notes.push(`left out ${entry.name}: it has no measured run`);
      }
      continue;
    }
    experiments.push(entry.name);
    configs.push(loadJson(dir, CONFIG_FILE));
    for (const name of EXPERIMENT_FILES) {
      const bytes = readIfExists(join(dir, name));
      if (bytes !== null) files[`results/${entry.name}/${name}`] = bytes;
    }
    environment ??= JSON.parse(
      new TextDecoder().decode(readIfExists(join(dir, ENVIRONMENT_FILE)) ?? new Uint8Array()) ||
        "null",
    );
  }
  if (experiments.length === 0) {
    throw new Error(
      `no measured runs under '${options.resultsDir}': run the lab first (deno task lab)`,
    );
  }
  const reports = options.reportsDir === undefined
    ? []
    : listDir(options.reportsDir).filter((e) => e.isFile && isCodeFreeReport(e.name));
  for (const report of reports) {
    files[`reports/${report.name}`] = Deno.readFileSync(join(options.reportsDir!, report.name));
  }
  if (options.reportsDir !== undefined && reports.length === 0) {
    notes.push(
      `no code-free report in '${options.reportsDir}': run 'deno task lab --no-code' to include one`,
    );
  }
  const now = options.now ?? new Date();
  const manifest: Manifest = {
    format: HANDIN_FORMAT,
    version: HANDIN_VERSION,
    student: options.student.trim(),
    createdAt: now.toISOString(),
    labCommit: environment?.gitCommit ?? null,
    profile: options.profile === undefined ? profileOfRuns(configs) : options.profile,
    machine: machineSummary(environment),
    experiments,
    reports: reports.map((report) => report.name),
  };
  files[MANIFEST_FILE] = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const outDir = options.outDir ?? options.reportsDir ?? options.resultsDir;
  Deno.mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${slug}-${now.toISOString().slice(0, 10)}.zip`);
  const temporary = join(outDir, `.${basename(path)}.${Deno.pid}.tmp`);
  Deno.writeFileSync(temporary, zipSync(files, { level: 6, mtime: now }));
  Deno.renameSync(temporary, path);
  return { path, manifest, notes };
}
