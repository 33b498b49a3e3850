/**
 * The worker side of the threads model's pool: claim the next posted request, serve it, put the
 * response back, ring the doorbell, claim again.
 *
 * A worker with no request to claim sleeps in `Atomics.wait` until the listener posts one: it
 * is a blocked thread, woken by the listener's `Atomics.notify`, not an event loop waiting for a
 * message. While a request runs, the worker does nothing else. A busy worker goes from one
 * request to the next without sleeping. See `pool.ts` for the protocol.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  Dispatch,
  type ThreadInit,
  type ThreadMessage,
  TICKET_CELLS,
  TIMING_FIELDS,
  wakeSleepers,
  WORKER_APP_US,
  WORKER_BY_MESSAGE,
  WORKER_HANDOFF_US,
} from "./messages.ts";
import { answerHandshake } from "../worker_handshake.ts";
import { lazyRequest } from "./request.ts";
import { headerPairs, Slot, type SlotMessage, SlotState } from "./slot.ts";

/** Answers one request inside a pool worker. */
export type PoolHandler = (request: Request) => Response | Promise<Response>;

/** What a pool worker's handler may call on the pool. */
export interface PoolWorkerHooks {
  /**
   * Call before blocking this thread (a sleep, a blocking read): wakes a sleeping worker when
   * requests wait to be claimed, so they need not wait for this one. A thread pool hands its
   * waiting work on before a blocking call the same way.
   */
  beforeBlocking(): void;
}

/**
 * Makes this Web Worker a pool worker: on the pool's init message, `setup` builds the handler,
 * the worker reports ready (`../worker_handshake.ts`) and serves requests from the ring until
 * the pool closes.
 */
export function runPoolWorker(
  setup: (init: ThreadInit, hooks: PoolWorkerHooks) => PoolHandler,
): void {
  let init: ThreadInit;
  let handler: PoolHandler;
  answerHandshake<ThreadInit>({
    start(message) {
      init = message;
      const dispatch = new Int32Array(init.dispatch);
      handler = setup(init, { beforeBlocking: () => wakeAnother(dispatch) });
    },
    // A rejection here (a bug, not a failed request) ends the worker; the pool replaces it.
    serve: () => void serveRing(init, handler),
  });
}

/** Wakes one sleeping worker when a posted request is not claimed yet. */
function wakeAnother(dispatch: Int32Array): void {
  if (Atomics.load(dispatch, Dispatch.Posted) !== Atomics.load(dispatch, Dispatch.Claimed)) {
    wakeSleepers(dispatch, 1);
  }
}

/**
 * Claims the next posted request (ticket order: FIFO), or sleeps until one is posted. Returns
 * its ring slot, or -1 once the pool is closed.
 */
function claim(dispatch: Int32Array): number {
  const tickets = dispatch.length - TICKET_CELLS;
  while (Atomics.load(dispatch, Dispatch.Closed) === 0) {
    const claimed = Atomics.load(dispatch, Dispatch.Claimed);
    const posted = Atomics.load(dispatch, Dispatch.Posted);
    if (claimed === posted) {
      Atomics.add(dispatch, Dispatch.Sleepers, 1);
      // The model: a worker blocks its thread until the listener posts a request. The wait
      // ends at once if a request was posted since `posted` was read; one posted later is
      // followed by the listener's notify, which finds this sleeper counted.
      if (Atomics.load(dispatch, Dispatch.Closed) === 0) {
        Atomics.wait(dispatch, Dispatch.Posted, posted);
      }
      Atomics.sub(dispatch, Dispatch.Sleepers, 1);
      continue;
    }
    if (Atomics.compareExchange(dispatch, Dispatch.Claimed, claimed, claimed + 1) !== claimed) {
      continue; // another worker claimed it first
    }
    // The listener writes the cell before it counts the ticket as posted: it is there.
    return Atomics.exchange(dispatch, tickets + (claimed & (TICKET_CELLS - 1)), 0) - 1;
  }
  return -1;
}

async function serveRing(init: ThreadInit, handler: PoolHandler): Promise<void> {
  const ring = init.ring.map((buffer) => new Slot(buffer));
  const dispatch = new Int32Array(init.dispatch);
  const timings = new Float64Array(init.timings);
  const timing = init.index * TIMING_FIELDS;
  const serving = Dispatch.Serving + init.index;
  while (true) {
    const at = claim(dispatch);
    if (at < 0) return;
    Atomics.store(dispatch, serving, at + 1);
    const slot = ring[at]!;
    slot.set(SlotState.Running);
    const woke = performance.now();
    const [method, url, requestHeaders] = slot.readRequest();
    const appStart = performance.now();
    const request = lazyRequest(method, url, init.requestHeaders ? requestHeaders : null);
    let response = answer(handler, request);
    if (response instanceof Promise) response = await response;
    const appEnd = performance.now();
    const body = await bodyBytes(method, response);
    const headers = headerPairs(response.headers);
    if (!slot.writeResponse(response.status, headers, body)) {
      const message: SlotMessage = {
        type: "response",
        ticket: slot.ticket,
        status: response.status,
        headers,
        body: body?.buffer as ArrayBuffer ?? null,
      };
      post(message, body ? [body.buffer as ArrayBuffer] : []);
      timings[timing + WORKER_BY_MESSAGE]! += 1;
    }
    // Timed before the wake-up: the woken listener may take the core inside notify().
    const done = performance.now();
    timings[timing + WORKER_HANDOFF_US]! += (appStart - woke + done - appEnd) * 1000;
    timings[timing + WORKER_APP_US]! += (appEnd - appStart) * 1000;
    Atomics.store(dispatch, serving, 0);
    slot.set(SlotState.Response);
    // Ring, then wake: the listener sleeps only while the doorbell still shows the count it read
    // before collecting, so this answer is either collected or ends its sleep.
    Atomics.add(dispatch, Dispatch.Doorbell, 1);
    Atomics.notify(dispatch, Dispatch.Doorbell);
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
  const bytes = await response.bytes();
  return bytes.byteLength === 0 && method === "HEAD" ? null : bytes;
}

function post(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}
