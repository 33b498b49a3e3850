/**
 * A balancer worker: one more balancer (either engine) on the same port (SO_REUSEPORT), in a Web
 * Worker, so the kernel spreads client connections over several event loops.
 *
 * Messages in: `{ start: BalancerOptions }`, then `"stop"`. Messages out: `{ ready: port }` or
 * `{ error: message }`, then `"stopped"`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type BalancerHandle, type BalancerOptions, startBalancer } from "../balancer.ts";

let handle: BalancerHandle | undefined;

self.onmessage = async (event: MessageEvent<{ start: BalancerOptions } | "stop">) => {
  const message = event.data;
  if (message === "stop") {
    await handle?.shutdown();
    self.postMessage("stopped");
    self.close();
    return;
  }
  try {
    handle = await startBalancer({ ...message.start, workers: 1, reusePort: true });
    self.postMessage({ ready: handle.port });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
