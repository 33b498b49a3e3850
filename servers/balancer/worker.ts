/**
 * A balancer worker: one more balancer (either engine) on the same port (SO_REUSEPORT), in a Web
 * Worker, so the kernel spreads client connections over several event loops.
 *
 * Started and stopped through `../worker_handshake.ts`: its setup is the balancer's options,
 * its ready value the port it listens on.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type BalancerHandle, type BalancerOptions, startBalancer } from "../balancer.ts";
import { answerHandshake } from "../worker_handshake.ts";

let handle: BalancerHandle | undefined;

answerHandshake<BalancerOptions, number>({
  async start(options) {
    handle = await startBalancer({ ...options, workers: 1, reusePort: true });
    return handle.port;
  },
  async stop() {
    await handle?.shutdown();
  },
});
