/**
 * The results folder of an experiment: `runs.ndjson` (one {@link RunRecord} a line, appended as
 * each run finishes, so a crash keeps every finished run), JSON side files written atomically,
 * the runs as a polars DataFrame, and earlier runs kept whole under `archive/<time>/`.
 *
 * @module
 */

import { join } from "node:path";
import type pl from "nodejs-polars";
import { type ColumnKind, frameFromRows } from "./frame.ts";
import {
  LATER_RUN_RECORD_COLUMNS,
  RUN_RECORD_COLUMNS,
  RUN_RECORD_SCHEMA,
  type RunRecord,
} from "./run_record.ts";

/** File name of the runs file inside a results folder. */
export const RUNS_FILE = "runs.ndjson";

/** Column kinds of the runs DataFrame, in {@link RUN_RECORD_COLUMNS} order. */
export const RUNS_SCHEMA: Readonly<Record<keyof RunRecord, ColumnKind>> = RUN_RECORD_SCHEMA;

function lastByte(path: string): number | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const size = file.statSync().size;
    if (size === 0) return null;
    file.seekSync(size - 1, Deno.SeekMode.Start);
    const buffer = new Uint8Array(1);
    return file.readSync(buffer) === 1 ? buffer[0]! : null;
  } finally {
    file.close();
  }
}

/**
 * Appends one record as a line of `<dir>/runs.ndjson` with a single append-mode write, creating
 * the folder and file when needed. If a crash left a torn last line, the new record starts on a
 * line of its own so only the torn line is lost.
 */
export function appendRun(dir: string, record: RunRecord): void {
  Deno.mkdirSync(dir, { recursive: true });
  const path = join(dir, RUNS_FILE);
  const last = lastByte(path);
  const prefix = last === null || last === 0x0a ? "" : "\n";
  Deno.writeTextFileSync(path, `${prefix}${JSON.stringify(record)}\n`, {
    append: true,
    create: true,
  });
}

/** What {@link readRuns} found. */
export interface ReadRuns {
  /** The records, in file order. */
  records: RunRecord[];
  /** 1-based numbers of the lines that were skipped (torn or not a run record). */
  skippedLines: number[];
}

function isRunRecord(value: unknown): value is RunRecord {
  if (typeof value !== "object" || value === null) return false;
  const row = value as Record<string, unknown>;
  return RUN_RECORD_COLUMNS.every((column) =>
    column === "histogram" || (LATER_RUN_RECORD_COLUMNS.includes(column) && !(column in row)) ||
    (column in row && (row[column] === null || typeof row[column] !== "object"))
  );
}

/**
 * Reads `<dir>/runs.ndjson`, keeping every whole record and listing the lines it skipped (a
 * torn last line after a crash). A missing file gives no records; a missing folder throws.
 */
export function readRuns(dir: string): ReadRuns {
  try {
    if (!Deno.statSync(dir).isDirectory) {
      throw new Error(`results folder '${dir}' is a file: pass the folder that holds ${RUNS_FILE}`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`results folder '${dir}' does not exist: pass the --out folder of a run`);
    }
    throw error;
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dir, RUNS_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { records: [], skippedLines: [] };
    throw error;
  }
  const records: RunRecord[] = [];
  const skippedLines: number[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      const value: unknown = JSON.parse(line);
      if (isRunRecord(value)) {
        const later = Object.fromEntries(
          LATER_RUN_RECORD_COLUMNS.map((c) => [c, value[c] ?? null]),
        );
        records.push({ ...value, ...later, histogram: value.histogram ?? "[]" });
        return;
      }
    } catch {
      // a torn or foreign line: counted below
    }
    skippedLines.push(index + 1);
  });
  return { records, skippedLines };
}

/**
 * Loads the records of `<dir>/runs.ndjson`. Lines that are not whole records (a torn last line
 * after a crash) are skipped with one warning on the console naming how many.
 */
export function loadRuns(dir: string): RunRecord[] {
  const { records, skippedLines } = readRuns(dir);
  if (skippedLines.length > 0) {
    console.warn(
      `${join(dir, RUNS_FILE)}: skipped ${skippedLines.length} unreadable line(s) ` +
        `(${skippedLines.join(", ")}), most likely a run cut short; kept ${records.length}`,
    );
  }
  return records;
}

function checkFileName(name: string): void {
  if (name === "" || name.includes("/") || name.includes("\\") || name.startsWith(".")) {
    throw new Error(`file name '${name}' must be a plain name like 'environment.json'`);
  }
}

/**
 * Writes `value` as pretty JSON to `<dir>/<name>` atomically: a temporary file in the same
 * folder, then a rename, so readers see the old or the new file, never half of one.
 */
export function saveJson(dir: string, name: string, value: unknown): void {
  checkFileName(name);
  Deno.mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  const temporary = join(dir, `.${name}.${Deno.pid}.${crypto.randomUUID()}.tmp`);
  try {
    Deno.writeTextFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
    Deno.renameSync(temporary, target);
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // already gone
    }
    throw error;
  }
}

/** Reads `<dir>/<name>` written by {@link saveJson}, or returns null when it does not exist. */
export function loadJson(dir: string, name: string): unknown {
  checkFileName(name);
  try {
    return JSON.parse(Deno.readTextFileSync(join(dir, name)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** The runs as a DataFrame: one row per run, columns in {@link RUN_RECORD_COLUMNS} order. */
export function runsFrame(records: readonly RunRecord[]): pl.DataFrame {
  return frameFromRows(records as unknown as Record<string, unknown>[], RUNS_SCHEMA);
}

/** Sub-folder of a results folder that keeps earlier runs, one timestamped folder each. */
export const ARCHIVE_DIR = "archive";

/** Runs files an older lab renamed aside (`runs.<time>.ndjson`): left where they are. */
const LEGACY_ARCHIVE = /^(?:runs|errors)\.\d{4}-.+\.ndjson$/;

function nonEmpty(path: string): boolean {
  try {
    return Deno.statSync(path).size > 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** When the run in `dir` started: its first record's `startedAt`, else the runs file's time. */
function runStartedAt(dir: string): Date {
  try {
    const first = Deno.readTextFileSync(join(dir, RUNS_FILE)).split("\n", 1)[0] ?? "";
    const startedAt = (JSON.parse(first) as { startedAt?: unknown }).startedAt;
    if (typeof startedAt === "string" && !Number.isNaN(Date.parse(startedAt))) {
      return new Date(startedAt);
    }
  } catch { /* no runs file, or a torn first line */ }
  for (const name of [RUNS_FILE, "errors.ndjson"]) {
    try {
      const mtime = Deno.statSync(join(dir, name)).mtime;
      if (mtime) return mtime;
    } catch { /* not there */ }
  }
  return new Date();
}

/**
 * Moves the run kept in `dir` (its runs, failed runs, `config.json`, `environment.json` and
 * whatever else was written beside them) into `dir/archive/<time it started>/`, a results
 * folder of its own that {@link readRuns} and `loadExperiment` read like any other. Does
 * nothing when `dir` holds no runs and no failed runs. Returns the archive folder, or null.
 */
export function archiveRun(dir: string): string | null {
  if (!nonEmpty(join(dir, RUNS_FILE)) && !nonEmpty(join(dir, "errors.ndjson"))) return null;
  const stamp = runStartedAt(dir).toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
  let target = join(dir, ARCHIVE_DIR, stamp);
  for (let n = 2; existsSync(target); n++) target = join(dir, ARCHIVE_DIR, `${stamp}-${n}`);
  Deno.mkdirSync(target, { recursive: true });
  for (const entry of [...Deno.readDirSync(dir)]) {
    const { name } = entry;
    if (name === ARCHIVE_DIR || name.startsWith(".") || LEGACY_ARCHIVE.test(name)) continue;
    Deno.renameSync(join(dir, name), join(target, name));
  }
  return target;
}

/** The archived runs of `dir` (see {@link archiveRun}), oldest first; none when there are none. */
export function archivedRuns(dir: string): string[] {
  try {
    return [...Deno.readDirSync(join(dir, ARCHIVE_DIR))]
      .filter((entry) => entry.isDirectory)
      .map((entry) => join(dir, ARCHIVE_DIR, entry.name))
      .sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
