/**
 * Starting every server model the same way in tests: in-process, on loopback, port 0, small.
 *
 * @module
 */

import {
  MODEL_NAMES,
  type ModelName,
  MODELS,
  type ModelStartOptions,
} from "../../../servers/models.ts";
import type { ServerHandle } from "../../../servers/server_handle.ts";

/** Sizes used in tests: a pool of 4 for threads, 2 workers; async has no size. */
export const TEST_SIZES: Readonly<Record<ModelName, number | undefined>> = {
  async: undefined,
  threads: 4,
  workers: 2,
};

/** Starts model `name` on a free loopback port with its test size. */
export function startTestModel(
  name: ModelName,
  options: ModelStartOptions = {},
): Promise<ServerHandle> {
  return MODELS[name].start({ port: 0, hostname: "127.0.0.1", size: TEST_SIZES[name], ...options });
}

/** Runs `fn` with model `name` running, and shuts it down afterwards, also on failure. */
export async function withModel<T>(
  name: ModelName,
  fn: (server: ServerHandle) => Promise<T>,
  options: ModelStartOptions = {},
): Promise<T> {
  const server = await startTestModel(name, options);
  try {
    return await fn(server);
  } finally {
    await server.shutdown();
  }
}

/** Registers one `Deno.test` per model, named `<model>: <title>`, each with its own server. */
export function testEachModel(
  title: string,
  fn: (server: ServerHandle, name: ModelName) => Promise<void>,
  options: () => ModelStartOptions | Promise<ModelStartOptions> = () => ({}),
): void {
  for (const name of MODEL_NAMES) {
    Deno.test(`${name}: ${title}`, async () => {
      await withModel(name, (server) => fn(server, name), await options());
    });
  }
}
