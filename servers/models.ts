/**
 * The server models the lab compares, by name: where their script is, their default port, what
 * they are, how to start them in-process and how to size them.
 *
 * @example Start every model in this process
 * ```ts
 * import { MODEL_NAMES, MODELS } from "./servers/models.ts";
 * for (const name of MODEL_NAMES) {
 *   const server = await MODELS[name].start({ port: 0, size: 2 });
 *   console.log(name, server.url);
 *   await server.shutdown();
 * }
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ASYNC_PORT, startAsync } from "./async.ts";
import type { ListenOptions, ServerHandle } from "./server_handle.ts";
import { DEFAULT_POOL_SIZE, startThreads, THREADS_PORT } from "./threads.ts";
import { defaultWorkerCount, startWorkers, WORKERS_PORT } from "./workers.ts";

/** Names of the server models, in the order the lab shows them. */
export const MODEL_NAMES = ["async", "threads", "workers"] as const;

/** A server model's name. */
export type ModelName = typeof MODEL_NAMES[number];

/** Options for starting a model in-process. */
export interface ModelStartOptions extends ListenOptions {
  /** The model's size (pool size K, worker count N); ignored by models without one. */
  size?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

/** One server model. */
export interface ServerModel {
  /** The model's name. */
  name: ModelName;
  /** Its script, relative to the repository root (e.g. `servers/async.ts`). */
  script: string;
  /** Its script as an absolute file path. */
  scriptPath: string;
  /** The port it listens on when none is given. */
  defaultPort: number;
  /** One line saying what it is. */
  description: string;
  /** The size flag of its script (`--pool`, `--workers`), or null when it has no size. */
  sizeFlag: string | null;
  /** The size used when none is given, or null when it has no size. */
  defaultSize: number | null;
  /** Script arguments that set the size (empty for a model without one). */
  sizeArgs(size: number): string[];
  /** Starts the model in this process. */
  start(options?: ModelStartOptions): Promise<ServerHandle>;
}

function model(
  fields: Omit<ServerModel, "scriptPath" | "sizeArgs">,
): ServerModel {
  return {
    ...fields,
    scriptPath: fileURLToPath(new URL(`../${fields.script}`, import.meta.url)),
    sizeArgs: (size) => fields.sizeFlag === null ? [] : [fields.sizeFlag, String(size)],
  };
}

/** Every server model, by name. */
export const MODELS: Readonly<Record<ModelName, ServerModel>> = {
  async: model({
    name: "async",
    script: "servers/async.ts",
    defaultPort: ASYNC_PORT,
    description: "one event loop and one Deno.serve; /io waits without blocking anything",
    sizeFlag: null,
    defaultSize: null,
    start: (options = {}) => startAsync(options),
  }),
  threads: model({
    name: "threads",
    script: "servers/threads.ts",
    defaultPort: THREADS_PORT,
    description: "one listener and a pool of K blocking workers; at most K requests run at once",
    sizeFlag: "--pool",
    defaultSize: DEFAULT_POOL_SIZE,
    start: ({ size, ...options } = {}) => startThreads({ ...options, pool: size }),
  }),
  workers: model({
    name: "workers",
    script: "servers/workers.ts",
    defaultPort: WORKERS_PORT,
    description: "N workers, each an event loop with its own Deno.serve on one port (reusePort)",
    sizeFlag: "--workers",
    defaultSize: defaultWorkerCount(),
    start: ({ size, ...options } = {}) => startWorkers({ ...options, workers: size }),
  }),
};

/** True when `name` is a server model's name. */
export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}
