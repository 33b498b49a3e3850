/**
 * Process and port checks for tests: which children a process has, whether a pid is alive,
 * whether a port still accepts connections or is free to bind, and waiting for a condition.
 *
 * @module
 */

/** Pids of the live (non-zombie) processes whose parent is `parent` (Linux `/proc`). */
export function childPids(parent: number = Deno.pid): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // Fields after the command name, which is in parentheses and may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] !== "Z" && Number(rest[1]) === parent) pids.push(Number(entry.name));
    } catch { /* the process ended while we looked */ }
  }
  return pids;
}

/** True when process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export async function isListening(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** True when `port` on loopback can be bound (nothing listens there, nor holds it). */
export function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits up to `timeoutMs` for `check` to turn true, checking every `intervalMs`; returns its
 * last value.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return await check();
}

/** Awaits `promise`, which must reject with an instance of `type`, and returns the error. */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got ${error}`);
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}

/** TCP ports that process `pid` listens on, from `ss -ltnpH` (Linux). */
export async function listeningPorts(pid: number): Promise<number[]> {
  const output = await new Deno.Command("ss", { args: ["-ltnpH"], stdout: "piped", stderr: "null" })
    .output();
  const ports: number[] = [];
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    const local = line.trim().split(/\s+/)[3] ?? "";
    const port = Number(local.slice(local.lastIndexOf(":") + 1));
    if (Number.isInteger(port) && port > 0) ports.push(port);
  }
  return ports;
}
