/**
 * One worker of the threads model: runs the application for one request at a time, blocking.
 *
 * `/io` blocks this worker's thread with `Atomics.wait`, the way a thread blocks on a socket read,
 * so a busy worker makes no progress on anything else; the pool in `threads.ts` never hands it a
 * second request before the first is answered.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type App, createApp } from "./app.ts";
import { Counters } from "./counters.ts";
import type { ThreadInit, ThreadMessage, ThreadRequest, ThreadResponse } from "./threads_pool.ts";

/** Blocks the calling thread for `ms` milliseconds without using the CPU. */
export function blockFor(ms: number): Promise<void> {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return Promise.resolve();
}

let app: App | null = null;

self.onmessage = async (event: MessageEvent<ThreadInit | ThreadRequest>) => {
  const message = event.data;
  if (message.type === "init") {
    app = createApp({
      model: message.model,
      wwwRoot: message.wwwRoot,
      cpuUnitsPerMs: message.cpuUnitsPerMs,
      wait: blockFor,
      counters: new Counters(message.counters),
      slots: message.slots,
    });
    post({ type: "ready" });
    return;
  }
  if (app === null) throw new Error("threads worker got a request before its init message");
  const response = await answer(app, message);
  const body = response.body === null ? null : await response.arrayBuffer();
  const reply: ThreadResponse = {
    type: "response",
    status: response.status,
    headers: [...response.headers],
    body,
  };
  post(reply, body ? [body] : []);
};

/**
 * Answers one request and never throws: a request whose URL cannot be rebuilt here (Deno puts a
 * client's Host header into `request.url` unchecked, e.g. `Host: a b`) gets 400 instead of
 * ending this worker.
 */
async function answer(app: App, message: ThreadRequest): Promise<Response> {
  let request: Request;
  try {
    request = new Request(message.url, {
      method: message.method,
      headers: message.headers,
      body: message.body,
    });
  } catch {
    return new Response(`bad request: invalid Host header or URL\n`, { status: 400 });
  }
  try {
    return await app.handle(request);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new Response(`internal error: ${reason}\n`, { status: 500 });
  }
}

function post(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}
