/**
 * One Locust process (master or worker) started in its own process group, so that stopping it
 * also stops whatever a wrapper command (`sh -c`, `ip netns exec`, `ssh`) started under it.
 *
 * Every live group is killed when this process unloads. The lab's locustfile also makes each
 * Locust process exit when its parent is gone, which covers a harness killed with SIGKILL.
 *
 * @module
 */

import { lastLines } from "../../process/output_tail.ts";

/** How many characters of a process's output are kept for messages. */
const TAIL_CHARS = 3000;

const live = new Set<LocustProcess>();
globalThis.addEventListener("unload", () => {
  for (const process of live) process.kill("SIGKILL");
});

/** A started process: its role for messages, its exit, and the end of its output. */
export class LocustProcess {
  readonly #child: Deno.ChildProcess;
  readonly #grouped: boolean;
  #output = "";
  #exited = false;
  readonly #drained: Promise<void>;
  /** Resolves with the exit status once the process has ended. */
  readonly status: Promise<Deno.CommandStatus>;

  /**
   * Starts `argv` (program first) with standard input closed. `role` names it in messages
   * (`master`, `worker 1`). Throws `Deno.errors.NotFound` when the program does not exist.
   */
  constructor(readonly role: string, argv: readonly string[], options: { cwd?: string } = {}) {
    const [program, ...args] = argv;
    if (program === undefined) throw new TypeError(`${role}: the command is empty`);
    // `setsid` makes the child the leader of a new process group (its pid is the group id) so
    // the whole group can be signalled; without it only the child itself is.
    this.#grouped = setsidPath !== null;
    const command = this.#grouped
      ? new Deno.Command(setsidPath as string, { args: [program, ...args], ...io(options) })
      : new Deno.Command(program, { args, ...io(options) });
    this.#child = command.spawn();
    live.add(this);
    this.#drained = Promise.all([this.#drain(this.#child.stdout), this.#drain(this.#child.stderr)])
      .then(() => {});
    this.status = this.#child.status.then((status) => {
      this.#exited = true;
      live.delete(this);
      return status;
    });
  }

  /** Process id (also the process group id when `setsid` is available). */
  get pid(): number {
    return this.#child.pid;
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** The last `lines` non-empty lines of standard output and error, joined with " | ". */
  tail(lines = 4): string {
    return lastLines(this.#output, lines);
  }

  /** Everything kept of the output (the last few thousand characters). */
  get output(): string {
    return this.#output;
  }

  /** Sends `signal` to the process group (or the process); ignores a group already gone. */
  kill(signal: Deno.Signal): void {
    try {
      if (this.#grouped) Deno.kill(-this.pid, signal);
      else if (!this.#exited) this.#child.kill(signal);
    } catch { /* already gone */ }
  }

  /**
   * Stops the process: SIGTERM to its group, SIGKILL after `graceMs`, then waits for the exit
   * and for its output to end. Safe to call more than once.
   */
  async stop(graceMs = 2000): Promise<Deno.CommandStatus> {
    if (!this.#exited) this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    try {
      return await this.status;
    } finally {
      clearTimeout(timer);
      // A wrapper's children may outlive it in the group: make sure none is left.
      this.kill("SIGKILL");
      await this.#settle();
    }
  }

  /** Waits for the exit and the end of the output (a grandchild may hold pipes: bounded). */
  async finished(): Promise<Deno.CommandStatus> {
    const status = await this.status;
    await this.#settle();
    return status;
  }

  async #settle(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#drained,
      new Promise<void>((resolve) => timer = setTimeout(resolve, 1000)),
    ]);
    clearTimeout(timer);
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#output = (this.#output + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS);
      }
    } catch { /* the process is gone */ }
  }
}

function io(options: { cwd?: string }): Deno.CommandOptions {
  return { cwd: options.cwd, stdin: "null", stdout: "piped", stderr: "piped" };
}

const setsidPath = findSetsid();

function findSetsid(): string | null {
  for (const candidate of ["/usr/bin/setsid", "/bin/setsid"]) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return null;
}
