/**
 * The worker side of the threads model's pool: wait for a request in the slot, serve it, put
 * the response back, ring the doorbell, wait again.
 *
 * Between requests the worker's thread sleeps in `Atomics.wait` on its slot: it is a blocked
 * thread, woken by the listener's `Atomics.notify`, not an event loop waiting for a message.
 * While a request runs, the worker does nothing else; the pool never hands it a second one.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  type ThreadInit,
  type ThreadMessage,
  TIMING_FIELDS,
  WORKER_APP_US,
  WORKER_BY_MESSAGE,
  WORKER_HANDOFF_US,
} from "./threads_pool.ts";
import { lazyRequest } from "./threads_request.ts";
import { type RequestHead, Slot, type SlotMessage, SlotState } from "./threads_slot.ts";

/** Answers one request inside a pool worker. */
export type PoolHandler = (request: Request) => Response | Promise<Response>;

/**
 * Makes this Web Worker a pool worker: on the pool's init message, `setup` builds the handler,
 * the worker reports ready and serves requests from its slot until the pool closes.
 */
export function runPoolWorker(setup: (init: ThreadInit) => PoolHandler): void {
  self.onmessage = (event: MessageEvent<ThreadInit>) => {
    const init = event.data;
    const handler = setup(init);
    const mailbox = new Mailbox();
    self.onmessage = (message: MessageEvent<SlotMessage>) => mailbox.put(message.data);
    post({ type: "ready" });
    // A rejection here (a bug, not a failed request) ends the worker; the pool replaces it.
    serveSlot(init, handler, mailbox);
  };
}

async function serveSlot(init: ThreadInit, handler: PoolHandler, mailbox: Mailbox) {
  const slot = new Slot(init.slot);
  const doorbell = new Int32Array(init.doorbell);
  const timings = new Float64Array(init.timings);
  const cell = init.index * TIMING_FIELDS;
  while (true) {
    let state = slot.state;
    while (state !== SlotState.Request && state !== SlotState.Close) state = slot.waitWhile(state);
    if (state === SlotState.Close) return;
    const woke = performance.now();
    const [method, url, headerPairs] = slot.byMessage ? await mailbox.take() : slot.readRequest();
    const appStart = performance.now();
    let response = answer(handler, lazyRequest(method, url, headerPairs));
    if (response instanceof Promise) response = await response;
    const appEnd = performance.now();
    const body = await bodyBytes(method, response);
    const headers = [...response.headers];
    if (!slot.writeResponse(response.status, headers, body)) {
      const message: SlotMessage = {
        type: "response",
        status: response.status,
        headers,
        body: body?.buffer as ArrayBuffer ?? null,
      };
      post(message, body ? [body.buffer as ArrayBuffer] : []);
      timings[cell + WORKER_BY_MESSAGE]! += 1;
    }
    // Timed before the wake-up: the woken listener may take the core inside notify().
    const done = performance.now();
    timings[cell + WORKER_HANDOFF_US]! += (appStart - woke + done - appEnd) * 1000;
    timings[cell + WORKER_APP_US]! += (appEnd - appStart) * 1000;
    slot.publish(SlotState.Response);
    Atomics.add(doorbell, 0, 1);
    Atomics.notify(doorbell, 0);
  }
}

/**
 * Answers one request and never throws or rejects: a handler's error becomes a 500. A handler
 * that answers at once is not awaited (no promise per request).
 */
function answer(handler: PoolHandler, request: Request): Response | Promise<Response> {
  try {
    const result = handler(request);
    return result instanceof Response ? result : Promise.resolve(result).catch(internalError);
  } catch (error) {
    return internalError(error);
  }
}

function internalError(error: unknown): Response {
  const reason = error instanceof Error ? error.message : String(error);
  return new Response(`internal error: ${reason}\n`, { status: 500 });
}

/** Statuses whose responses never have a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The response's body as bytes, or null for none: for a null-body status, and for an empty
 * answer to HEAD (which keeps a `content-length` the handler set). `response.body` is not
 * read: in Deno that getter builds a ReadableStream, more work than the whole handoff.
 */
async function bodyBytes(method: string, response: Response): Promise<Uint8Array | null> {
  if (NULL_BODY_STATUSES.has(response.status)) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  return bytes.byteLength === 0 && method === "HEAD" ? null : bytes;
}

/** Request heads that came by message, taken in order. */
class Mailbox {
  readonly #heads: RequestHead[] = [];
  #taker: ((head: RequestHead) => void) | null = null;

  put(message: SlotMessage): void {
    if (message.type !== "request") return;
    if (this.#taker) {
      this.#taker(message.head);
      this.#taker = null;
    } else {
      this.#heads.push(message.head);
    }
  }

  take(): Promise<RequestHead> {
    const head = this.#heads.shift();
    if (head) return Promise.resolve(head);
    return new Promise((resolve) => this.#taker = resolve);
  }
}

function post(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}
