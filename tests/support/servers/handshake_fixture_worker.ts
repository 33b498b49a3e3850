/**
 * A worker for tests of `servers/worker_handshake.ts`, behaving as its setup says.
 *
 * - `ready`: answers ready with `value`; echoes other messages back as `{ echo }`.
 * - `throws`: its start throws a `RangeError`.
 * - `hangs`: its start never ends.
 * - `crashes`: answers ready, then ends with an uncaught error.
 * - `stubborn`: answers ready, and its stop never ends.
 *
 * Cell {@link SERVED} of `log` is set once `serve` ran, cell {@link STOPPED} once `stop` ran.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { answerHandshake } from "../../../servers/worker_handshake.ts";

/** The fixture's setup. */
export interface FixtureInit {
  behaviour: "ready" | "throws" | "hangs" | "crashes" | "stubborn";
  value: number;
  log: SharedArrayBuffer;
}

/** Log cell: 1 once `serve` ran. */
export const SERVED = 0;
/** Log cell: 1 once `stop` ran. */
export const STOPPED = 1;

let log: Int32Array;
let behaviour: FixtureInit["behaviour"];

self.addEventListener("message", (event: MessageEvent) => {
  if (typeof event.data === "object" && "handshake" in event.data) return;
  self.postMessage({ echo: event.data });
});

answerHandshake<FixtureInit, number>({
  start(init) {
    log = new Int32Array(init.log);
    behaviour = init.behaviour;
    if (behaviour === "throws") throw new RangeError("no such setup");
    if (behaviour === "hangs") return new Promise<number>(() => {});
    return init.value;
  },
  serve() {
    Atomics.store(log, SERVED, 1);
    if (behaviour === "crashes") {
      setTimeout(() => {
        throw new Error("the fixture crashed on purpose");
      });
    }
  },
  stop() {
    Atomics.store(log, STOPPED, 1);
    return behaviour === "stubborn" ? new Promise<void>(() => {}) : undefined;
  },
});
