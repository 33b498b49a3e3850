/**
 * CPU time of processes, from Linux's `/proc/<pid>/stat`: what a load generator or a server
 * really cost, as opposed to how long it ran.
 *
 * A child's user and system time is added to its parent's `cutime` and `cstime` when the child
 * is reaped, so the CPU time of a load generator run as a child process is the growth of this
 * process's children time over the run. A server still running is read by its pid.
 *
 * @module
 */

/** CPU seconds of a process and of its reaped children. */
export interface CpuTimes {
  /** User plus system time of the process itself, seconds. */
  self: number;
  /** User plus system time of its children that have exited and been reaped, seconds. */
  children: number;
}

function clockTicksPerSecond(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    return value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

let ticks: number | undefined;

/** Clock ticks per second of `/proc/<pid>/stat` times (usually 100). */
export function cpuTicksPerSecond(): number {
  return ticks ??= clockTicksPerSecond();
}

/**
 * CPU times of process `pid` (default: this process). Throws a one-line Error when the process
 * does not exist or `/proc` is not there (Linux only).
 */
export function cpuTimes(pid: number | "self" = "self"): CpuTimes {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    throw new Error(
      `cannot read /proc/${pid}/stat: the process is gone or this is not Linux ` +
        "(CPU times need Linux's /proc)",
    );
  }
  // Fields after the command name (in parentheses, which may contain spaces): utime, stime,
  // cutime and cstime are fields 14-17 of the line, 11-14 counted from 0 after ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  const perSecond = cpuTicksPerSecond();
  return { self: (utime + stime) / perSecond, children: (cutime + cstime) / perSecond };
}
