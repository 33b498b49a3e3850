/**
 * Where the lab writes: the results root (experiments' folders, `data/results/` by default) and
 * the reports folder (`reports/`). `LAB_RESULTS_DIR` and `LAB_REPORTS_DIR` move them; being
 * environment variables, they reach the CLI and the notebook kernels a process starts.
 *
 * A test process (`deno test`) never writes into the checkout nor into folders the user's shell
 * named: importing this module points both variables at one temporary folder of the process
 * (named in `LAB_TEST_OUTPUT_DIR`, so every test module of the process shares it) before any
 * experiment, CLI or notebook kernel starts. A user's runs and reports are never touched by the
 * test suite.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Environment variable naming the results root. */
export const RESULTS_DIR_ENV = "LAB_RESULTS_DIR";
/** Environment variable naming the reports folder. */
export const REPORTS_DIR_ENV = "LAB_REPORTS_DIR";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The checkout's own results root: `data/results/`. */
export const DEFAULT_RESULTS_ROOT = join(REPO, "data", "results");
/** The checkout's own reports folder: `reports/`. */
export const DEFAULT_REPORTS_ROOT = join(REPO, "reports");

/** Reads one environment variable; a process without env permission reads nothing. */
type EnvReader = (name: string) => string | undefined;

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function fromEnv(name: string, fallback: string, env: EnvReader): string {
  const value = env(name)?.trim();
  return value ? resolve(value) : fallback;
}

/** The results root: `$LAB_RESULTS_DIR` when set, else the checkout's `data/results/`. */
export function resultsRoot(env: EnvReader = readEnv): string {
  return fromEnv(RESULTS_DIR_ENV, DEFAULT_RESULTS_ROOT, env);
}

/** The reports folder: `$LAB_REPORTS_DIR` when set, else the checkout's `reports/`. */
export function reportsRoot(env: EnvReader = readEnv): string {
  return fromEnv(REPORTS_DIR_ENV, DEFAULT_REPORTS_ROOT, env);
}

/** True when `mainModule` is a test module by Deno's naming (`x_test.ts`, `x.test.ts`, `test.ts`). */
export function isTestModule(mainModule: string): boolean {
  return /(?:^|[/_.])test\.(?:ts|tsx|mts|js|mjs|jsx)$/.test(mainModule);
}

function mainModule(): string {
  try {
    return Deno.mainModule;
  } catch {
    return "";
  }
}

/** Environment variable naming the temporary output folder of a test process. */
export const TEST_OUTPUT_ENV = "LAB_TEST_OUTPUT_DIR";

/** Name start of a test process's output folder, followed by its process id and a dash. */
export const TEST_OUTPUT_PREFIX = "concurrency-lab-test-output-";

function isRunning(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the output folders of earlier test processes that have ended (beside `current`), so
 * test runs do not pile up in the temporary folder. Only where `/proc` tells which processes
 * run; a folder whose process still runs is left alone.
 */
export function removeStaleTestOutput(current: string): string[] {
  const parent = dirname(current);
  const removed: string[] = [];
  try {
    Deno.statSync("/proc/self");
  } catch {
    return removed;
  }
  for (const entry of Deno.readDirSync(parent)) {
    const pid = Number(entry.name.slice(TEST_OUTPUT_PREFIX.length).split("-")[0]);
    if (!entry.isDirectory || !entry.name.startsWith(TEST_OUTPUT_PREFIX)) continue;
    const path = join(parent, entry.name);
    if (path === current || !Number.isInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    try {
      Deno.removeSync(path, { recursive: true });
      removed.push(path);
    } catch { /* another process removed it, or it is not ours */ }
  }
  return removed;
}

/**
 * In a test process, points {@link RESULTS_DIR_ENV} and {@link REPORTS_DIR_ENV} into the
 * process's temporary output folder (made by the first test module that asks, then shared).
 * Returns that folder, or null outside tests.
 */
export function isolateTestOutput(): string | null {
  if (!isTestModule(mainModule())) return null;
  let dir = readEnv(TEST_OUTPUT_ENV);
  if (!dir) {
    dir = Deno.makeTempDirSync({ prefix: `${TEST_OUTPUT_PREFIX}${Deno.pid}-` });
    Deno.env.set(TEST_OUTPUT_ENV, dir);
    removeStaleTestOutput(dir);
  }
  Deno.env.set(RESULTS_DIR_ENV, join(dir, "results"));
  Deno.env.set(REPORTS_DIR_ENV, join(dir, "reports"));
  return dir;
}

isolateTestOutput();
