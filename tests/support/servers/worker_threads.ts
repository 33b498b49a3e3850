/**
 * Counting this process's Web Worker threads (Linux: Deno names them `worker-N`), to check that
 * a server leaves no worker behind. Deno's test sanitizers do not track workers.
 *
 * @module
 */

/** Number of live Web Worker threads in this process. */
export function workerThreadCount(): number {
  let count = 0;
  for (const task of Deno.readDirSync("/proc/self/task")) {
    try {
      const name = Deno.readTextFileSync(`/proc/self/task/${task.name}/comm`).trim();
      if (/^worker-\d+$/.test(name)) count++;
    } catch { /* the thread ended while we looked */ }
  }
  return count;
}
