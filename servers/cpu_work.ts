/**
 * The work behind `/cpu?ms=N`: a fixed amount of computation, calibrated so that it takes N ms on
 * one idle core of this machine.
 *
 * A loop that computes "until N ms of wall time have passed" would do less work whenever the
 * thread is descheduled, so eight threads on two cores would each still answer in N ms and seem
 * to beat the cores' limit. A fixed amount of work behaves like real computation: under
 * contention it takes longer, and one core can do at most 1000 / N of these per second.
 *
 * @module
 */

import process from "node:process";

/** xorshift rounds in one unit of work. */
const ROUNDS_PER_UNIT = 1000;

/** Does `units` units of work and returns a value derived from it (so it cannot be skipped). */
export function cpuWork(units: number): number {
  let x = 0x9e3779b9;
  for (let unit = 0; unit < units; unit++) {
    for (let i = 0; i < ROUNDS_PER_UNIT; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
  }
  return x >>> 0;
}

/**
 * Measures how many units one millisecond of this thread does: the best of `samples` short
 * samples. Each sample is timed both by the wall clock and by the process's CPU time, and the
 * shorter of the two counts: a sample that lost the core to another process took longer by the
 * wall clock but not in CPU time, so a calibration on a busy machine does not make `/cpu` work
 * smaller than it should be. (Both times can only be too long for this thread, never too short:
 * the process's CPU time also counts its other threads.)
 */
export function calibrateCpuWork(samples = 8, sampleMs = 4): number {
  cpuWork(200); // let the JIT compile the loop first
  let best = 0;
  for (let sample = 0; sample < samples; sample++) {
    let units = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let elapsed = 0;
    do {
      cpuWork(10);
      units += 10;
      elapsed = performance.now() - start;
    } while (elapsed < sampleMs);
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    best = Math.max(best, units / elapsed, cpuMs > 0 ? units / Math.max(cpuMs, elapsed / 50) : 0);
  }
  return best;
}

let calibrated: number | null = null;

/** Units per millisecond for this isolate, calibrated on first use and then kept. */
export function cpuUnitsPerMs(): number {
  return calibrated ??= calibrateCpuWork();
}

/**
 * Computes until `ms` milliseconds of wall time have passed (however much work that is) and
 * returns a value derived from the work. For busy loops that must hold a thread for a time.
 */
export function burnCpu(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  do {
    x = (x + cpuWork(1)) >>> 0;
  } while (performance.now() < end);
  return x;
}
