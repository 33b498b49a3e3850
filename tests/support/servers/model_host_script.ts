/**
 * A process that starts and stops server models on request and counts its own Web Worker
 * threads, so a test can check that a model leaves no worker behind without counting the
 * workers of other test modules that `deno test --parallel` runs in the test process.
 *
 * Reads one command per line on stdin and answers each with one JSON line on stdout:
 * - `threads` → `{"threads": N}`
 * - `start MODEL [PORT]` → `{"port": P, "url": U, "threads": N}`, or `{"error": NAME}` when
 *   the start was refused (e.g. `AddrInUse`), with the worker count after the refusal
 * - `shutdown` → shuts the running model down (`shutdown()` then `finished`), `{"threads": N}`
 * - `shutdown-again` → calls `shutdown()` once more on the model already stopped
 *
 * Exits when stdin closes, shutting down a model still running.
 *
 * Usage: `deno run -A tests/support/servers/model_host_script.ts`
 *
 * @module
 */

import { createInterface } from "node:readline";
import process from "node:process";
import { MODEL_NAMES, type ModelName } from "../../../servers/models.ts";
import type { ServerHandle } from "../../../servers/server_handle.ts";
import { startTestModel } from "./models.ts";
import { workerThreadCount } from "./worker_threads.ts";

let server = null as ServerHandle | null;

function isModelName(name: string | undefined): name is ModelName {
  return (MODEL_NAMES as readonly (string | undefined)[]).includes(name);
}

async function answer(command: string): Promise<Record<string, unknown>> {
  const [verb, name, port] = command.trim().split(/\s+/);
  switch (verb) {
    case "threads":
      return { threads: workerThreadCount() };
    case "start": {
      if (!isModelName(name)) return { error: `unknown model "${name}"` };
      try {
        server = await startTestModel(name, { port: Number(port ?? 0) });
        return { port: server.port, url: server.url, threads: workerThreadCount() };
      } catch (error) {
        const errorName = error instanceof Error ? error.name : String(error);
        return { error: errorName, threads: workerThreadCount() };
      }
    }
    case "shutdown":
      await server?.shutdown();
      await server?.finished;
      return { threads: workerThreadCount() };
    case "shutdown-again":
      await server?.shutdown();
      return { threads: workerThreadCount() };
    default:
      return { error: `unknown command "${command}"` };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify(await answer(line)));
}
await server?.shutdown();
