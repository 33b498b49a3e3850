/**
 * The CPU time a load generator really used, measured on every run: a lab that reports "server
 * speed" must know when the generator, not the server, set the pace.
 *
 * How: the tool runs under a tiny `sh` wrapper started in a process group of its own
 * (`setsid`). The shell waits for the tool, then reads its own `/proc/<pid>/stat`, whose
 * `cutime` + `cstime` are the user and system time of the tool and of every process the tool
 * started and waited for, and prints them as one last line on standard error, which
 * {@link takeCpuReport} removes again. The wrapper keeps the tool's exit code, and dies from
 * the same signal when the tool did. Only the tool's own processes are counted, whatever else
 * this process runs at the same time.
 *
 * Linux only (it needs `/proc`, `sh` and `setsid`); elsewhere the tool runs unwrapped and its
 * CPU time stays unknown.
 *
 * @module
 */

import { cpuTicksPerSecond } from "../process/cpu_time.ts";

/** The marker that starts the wrapper's report line on standard error. */
export const CPU_REPORT_MARKER = "@lab-generator-cpu-ticks";

/** The CPU a load generator used during one run. */
export interface GeneratorCpu {
  /** User plus system CPU seconds of the tool and its child processes. */
  generatorCpuS: number;
  /** CPU seconds per wall second of the tool's process, times 100: 100 is one full core. */
  generatorCpuPercent: number;
}

/**
 * The wrapper: runs `"$@"`, then reports the shell's children time (fields 16 and 17 of
 * `/proc/<pid>/stat`, counted after the command name) and exits as the tool did.
 */
const WRAPPER_SCRIPT = [
  '"$@"',
  "rc=$?",
  'stat=""',
  "read -r stat < /proc/$$/stat",
  'set -- ${stat##*") "}',
  `printf '\\n${CPU_REPORT_MARKER} %s %s\\n' "\${14:-}" "\${15:-}" >&2`,
  'if [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then kill -$((rc - 128)) $$; fi',
  'exit "$rc"',
].join("\n");

/** A command line ready to spawn, and whether it measures CPU and runs in its own group. */
export interface MeasuredCommand {
  /** Program to spawn. */
  command: string;
  /** Its arguments. */
  args: string[];
  /**
   * True when the tool runs under the wrapper: its process group id is the spawned pid (signal
   * `-pid` to reach the tool too), and its standard error ends with a CPU report.
   */
  measured: boolean;
}

let wrapperFound: { sh: string; setsid: string } | null | undefined;

function firstFile(candidates: string[]): string | null {
  for (const candidate of candidates) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return null;
}

function findWrapper(): { sh: string; setsid: string } | null {
  if (wrapperFound !== undefined) return wrapperFound;
  const sh = firstFile(["/bin/sh", "/usr/bin/sh"]);
  const setsid = firstFile(["/usr/bin/setsid", "/bin/setsid"]);
  const proc = firstFile(["/proc/self/stat"]);
  wrapperFound = Deno.build.os === "linux" && sh && setsid && proc ? { sh, setsid } : null;
  return wrapperFound;
}

/** True when this machine can measure a tool's CPU time (Linux with `sh` and `setsid`). */
export function canMeasureCpu(): boolean {
  return findWrapper() !== null;
}

/**
 * The command line that runs `command args...` under the CPU-measuring wrapper, or the plain
 * command line (`measured: false`) where CPU cannot be measured.
 */
export function measuredCommand(command: string, args: readonly string[]): MeasuredCommand {
  const wrapper = findWrapper();
  if (wrapper === null) return { command, args: [...args], measured: false };
  return {
    command: wrapper.setsid,
    args: [wrapper.sh, "-c", WRAPPER_SCRIPT, "sh", command, ...args],
    measured: true,
  };
}

/** What {@link takeCpuReport} found. */
export interface CpuReport {
  /** Standard error as the tool wrote it, without the wrapper's report line. */
  stderr: string;
  /** CPU seconds of the tool and its children, or null when there was no report. */
  cpuS: number | null;
}

const REPORT = new RegExp(`\\n${CPU_REPORT_MARKER} (\\d+) (\\d+)\\n$`);

/**
 * Splits the wrapper's report line off the end of a tool's standard error. Returns the tool's
 * own standard error unchanged and `cpuS: null` when there is no report (an unwrapped or
 * killed tool).
 */
export function takeCpuReport(stderr: string, ticksPerSecond = cpuTicksPerSecond()): CpuReport {
  const match = REPORT.exec(stderr);
  if (match === null) return { stderr, cpuS: null };
  const ticks = Number(match[1]) + Number(match[2]);
  return { stderr: stderr.slice(0, match.index), cpuS: ticks / ticksPerSecond };
}

/**
 * The {@link GeneratorCpu} figures from CPU seconds and the tool's wall time in seconds.
 * Throws a one-line Error for a negative or non-finite figure, or a wall time of zero.
 */
export function generatorCpu(cpuS: number, wallS: number): GeneratorCpu {
  if (!Number.isFinite(cpuS) || cpuS < 0) {
    throw new Error(`generatorCpu: CPU seconds must be a finite number >= 0, got ${cpuS}`);
  }
  if (!Number.isFinite(wallS) || wallS <= 0) {
    throw new Error(`generatorCpu: wall seconds must be a finite number > 0, got ${wallS}`);
  }
  return { generatorCpuS: cpuS, generatorCpuPercent: (cpuS / wallS) * 100 };
}
