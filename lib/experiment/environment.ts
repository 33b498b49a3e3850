/**
 * The machine and software a benchmark ran on, recorded beside its results so the figures can be
 * judged and compared later: CPU, memory, OS, kernel, Deno, the load generator, the lab's commit,
 * and the servers measured (launched here, or already running on this or another host).
 *
 * @module
 */

import { hostname as osHostname } from "node:os";

/** Everything recorded about where an experiment ran. Unknown values are `null`. */
export interface Environment {
  /** When the record was made, ISO 8601. */
  date: string;
  /** Host name. */
  hostname: string;
  /** CPU model name, e.g. from `/proc/cpuinfo`. */
  cpuModel: string | null;
  /** Logical CPUs this process may use. */
  cpuCount: number;
  /** Total memory in bytes. */
  memoryTotalBytes: number | null;
  /** Available memory in bytes when recorded. */
  memoryAvailableBytes: number | null;
  /** OS family as Deno reports it, e.g. `linux`. */
  os: string;
  /** Distribution name from `/etc/os-release`, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  osName: string | null;
  /** Kernel release, e.g. `6.1.0-18-amd64`. */
  kernel: string;
  /** CPU architecture, e.g. `x86_64`. */
  arch: string;
  /** Deno version. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** TypeScript version. */
  typescript: string;
  /** Load generator name, when known. */
  generator: string | null;
  /** Load generator version, when known. */
  generatorVersion: string | null;
  /** Short git commit of the lab, or null outside a git checkout. */
  gitCommit: string | null;
  /** True when the lab's checkout had uncommitted changes. */
  gitDirty: boolean | null;
  /** The servers measured, filled by the experiment (empty until then). */
  targets: EnvironmentTarget[];
}

/** One server an experiment measured. */
export interface EnvironmentTarget {
  /** Target name. */
  name: string;
  /** Its base URL, e.g. `http://127.0.0.1:45000`. */
  url: string;
  /** True when the experiment started it; false for a server that was already running. */
  launched: boolean;
  /** True when it is not on loopback (it was allowed by `allowHosts`). */
  remote: boolean;
  /** The uncounted warm-up it got before the measured runs, when it got one. */
  warmup?: Warmup;
}

/** What a target's warm-up sent: uncounted runs before the measured ones. */
export interface Warmup {
  /** Runs of the experiment's top level. */
  runs: number;
  /** Requests they completed. */
  requests: number;
  /** Seconds they took. */
  seconds: number;
}

/** One row of {@link environmentTable}. */
export interface EnvironmentRow {
  /** Field name. */
  key: string;
  /** Field value as text (`""` when unknown). */
  value: string;
}

/** Options for {@link collectEnvironment}. */
export interface EnvironmentOptions {
  /** Load generator name. */
  generator?: string;
  /** Load generator version. */
  generatorVersion?: string;
  /** Folder of the git checkout to describe; defaults to the lab's own folder. */
  repoDir?: string;
}

const LAB_DIR = new URL("../..", import.meta.url).pathname;

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** The CPU model from `/proc/cpuinfo` (Linux), or null. */
function cpuModel(): string | null {
  const info = readText("/proc/cpuinfo");
  const match = info?.match(/^model name\s*:\s*(.+)$/m) ?? info?.match(/^Hardware\s*:\s*(.+)$/m);
  return match?.[1]?.trim() ?? null;
}

/** `PRETTY_NAME` from `/etc/os-release`, or null. */
function osName(): string | null {
  const text = readText("/etc/os-release");
  const match = text?.match(/^PRETTY_NAME=(.*)$/m);
  return match?.[1]?.replace(/^"(.*)"$/, "$1") ?? null;
}

async function git(dir: string, args: string[]): Promise<string | null> {
  try {
    const output = await new Deno.Command("git", {
      args: ["-C", dir, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Collects the {@link Environment} of this machine and process. */
export async function collectEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const repoDir = options.repoDir ?? LAB_DIR;
  const [commit, status] = await Promise.all([
    git(repoDir, ["rev-parse", "--short", "HEAD"]),
    git(repoDir, ["status", "--porcelain", "--untracked-files=no"]),
  ]);
  let memory: Deno.SystemMemoryInfo | null = null;
  try {
    memory = Deno.systemMemoryInfo();
  } catch { /* not available on this platform */ }
  return {
    date: new Date().toISOString(),
    hostname: osHostname(),
    cpuModel: cpuModel(),
    cpuCount: navigator.hardwareConcurrency,
    memoryTotalBytes: memory?.total ?? null,
    memoryAvailableBytes: memory?.available ?? null,
    os: Deno.build.os,
    osName: osName(),
    kernel: Deno.osRelease(),
    arch: Deno.build.arch,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    generator: options.generator ?? null,
    generatorVersion: options.generatorVersion ?? null,
    gitCommit: commit,
    gitDirty: commit === null || status === null ? null : status !== "",
    targets: [],
  };
}

/**
 * The environment as `{key, value}` rows, ready for `pl.DataFrame(rows)` or a table: one row per
 * field, then one per target (key `target NAME`, value its URL and where it runs).
 */
export function environmentTable(environment: Environment): EnvironmentRow[] {
  const { targets, ...fields } = environment;
  const rows = Object.entries(fields).map(([key, value]) => ({
    key,
    value: value === null ? "" : String(value),
  }));
  // Records written before targets were kept have none.
  for (const target of targets ?? []) {
    rows.push({
      key: `target ${target.name}`,
      value: `${target.url} (${whereTargetRuns(target)})`,
    });
  }
  return rows;
}

/** Where a target runs, in words: `launched here`, `remote, allowed by allowHosts`... */
export function whereTargetRuns(target: EnvironmentTarget): string {
  if (target.remote) {
    return target.launched ? "launched, remote" : "remote, allowed by allowHosts";
  }
  return target.launched ? "launched here" : "already running here";
}

/** A one-line description, e.g. for the top of a report: CPU, cores, memory, OS, Deno, tool. */
export function describeEnvironment(environment: Environment): string {
  const gib = environment.memoryTotalBytes === null
    ? "? GiB"
    : `${(environment.memoryTotalBytes / 2 ** 30).toFixed(1)} GiB`;
  const tool = environment.generator
    ? `, ${environment.generator} ${environment.generatorVersion ?? ""}`.trimEnd()
    : "";
  const commit = environment.gitCommit
    ? `, lab ${environment.gitCommit}${environment.gitDirty ? "+dirty" : ""}`
    : "";
  return `${environment.cpuModel ?? "unknown CPU"} x${environment.cpuCount}, ${gib}, ` +
    `${environment.osName ?? environment.os} (kernel ${environment.kernel}), ` +
    `Deno ${environment.deno}${tool}${commit}`;
}
