/**
 * Driving {@link MODEL_HOST_SCRIPT} from a test: a child process that starts and stops server
 * models and reports its own Web Worker thread count, untouched by other test modules.
 *
 * @example
 * ```ts
 * await using host = spawnModelHost();
 * const before = await host.threads();
 * const started = await host.start("workers");
 * await host.shutdown();
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ModelName } from "../../../servers/models.ts";

/** The script that hosts models in a child process. */
export const MODEL_HOST_SCRIPT = fileURLToPath(
  new URL("./model_host_script.ts", import.meta.url),
);

/** What `start` answered: the bound port and URL, or the name of the error that refused it. */
export type HostStart =
  | { port: number; url: string; threads: number }
  | { error: string; threads: number };

/** A running model host child process. */
export interface ModelHost extends AsyncDisposable {
  /** The child's Web Worker thread count now. */
  threads(): Promise<number>;
  /** Starts model `name` in the child, on `port` (0: a free one). */
  start(name: ModelName, port?: number): Promise<HostStart>;
  /** Shuts the child's model down and waits until it has finished; the thread count after. */
  shutdown(): Promise<number>;
  /** Calls `shutdown()` once more on the model already stopped; the thread count after. */
  shutdownAgain(): Promise<number>;
  /** Closes the child's stdin and waits for it to exit; throws when it failed. */
  close(): Promise<void>;
}

/** Starts a model host child (`deno run -A`), stderr passed through. */
export function spawnModelHost(): ModelHost {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MODEL_HOST_SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const encoder = new TextEncoder();
  let buffered = "";
  let closed = false;

  async function nextLine(): Promise<string> {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the model host exited; it printed: ${buffered}`);
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  }

  async function ask(command: string): Promise<Record<string, unknown>> {
    await writer.write(encoder.encode(`${command}\n`));
    const reply = JSON.parse(await nextLine());
    if (typeof reply !== "object" || reply === null) throw new Error(`bad reply: ${reply}`);
    return reply;
  }

  async function threadsOf(command: string): Promise<number> {
    const reply = await ask(command);
    if (typeof reply.threads !== "number") {
      throw new Error(`"${command}" got ${JSON.stringify(reply)}`);
    }
    return reply.threads;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await writer.close().catch(() => {});
    await reader.cancel().catch(() => {});
    const status = await child.status;
    if (!status.success) throw new Error(`the model host exited with code ${status.code}`);
  }

  return {
    threads: () => threadsOf("threads"),
    start: async (name, port = 0) => (await ask(`start ${name} ${port}`)) as HostStart,
    shutdown: () => threadsOf("shutdown"),
    shutdownAgain: () => threadsOf("shutdown-again"),
    close,
    [Symbol.asyncDispose]: close,
  };
}
