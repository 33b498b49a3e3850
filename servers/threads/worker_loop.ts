/**
 * The worker side of the threads model's pool: draw a ticket, wait for its request in the
 * ring, serve it, put the response back, ring the doorbell, draw again.
 *
 * A worker with no request to serve sleeps in `Atomics.wait` on its ticket's slot: it is a
 * blocked thread, woken by the listener's `Atomics.notify`, not an event loop waiting for a
 * message. While a request runs, the worker does nothing else. See `pool.ts` for the protocol.
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
  WORKER_APP_US,
  WORKER_BY_MESSAGE,
  WORKER_HANDOFF_US,
} from "./messages.ts";
import { answerHandshake } from "../worker_handshake.ts";
import { lazyRequest } from "./request.ts";
import { headerPairs, Slot, type SlotMessage, SlotState } from "./slot.ts";

/** Answers one request inside a pool worker. */
export type PoolHandler = (request: Request) => Response | Promise<Response>;

/**
 * Makes this Web Worker a pool worker: on the pool's init message, `setup` builds the handler,
 * the worker reports ready (`../worker_handshake.ts`) and serves requests from the ring until
 * the pool closes.
 */
export function runPoolWorker(setup: (init: ThreadInit) => PoolHandler): void {
  let init: ThreadInit;
  let handler: PoolHandler;
  answerHandshake<ThreadInit>({
    start(message) {
      init = message;
      handler = setup(init);
    },
    // A rejection here (a bug, not a failed request) ends the worker; the pool replaces it.
    serve: () => void serveRing(init, handler),
  });
}

async function serveRing(init: ThreadInit, handler: PoolHandler): Promise<void> {
  const ring = init.ring.map((buffer) => new Slot(buffer));
  const dispatch = new Int32Array(init.dispatch);
  const timings = new Float64Array(init.timings);
  const timing = init.index * TIMING_FIELDS;
  const tickets = Dispatch.Held + init.size; // the ticket table follows the held fields
  let ticket = init.adoptTicket ?? Atomics.add(dispatch, Dispatch.Drawn, 1);
  while (true) {
    Atomics.store(dispatch, Dispatch.Held + init.index, ticket);
    const cell = tickets + ticket % TICKET_CELLS;
    let posted = Atomics.load(dispatch, cell);
    while (posted === 0) {
      if (Atomics.load(dispatch, Dispatch.Closed) === 1) return;
      // The model: a worker blocks its thread until the listener posts its ticket's request.
      Atomics.wait(dispatch, cell, 0);
      posted = Atomics.load(dispatch, cell);
    }
    Atomics.store(dispatch, cell, 0); // taken: the cell is free for ticket + TICKET_CELLS
    const slot = ring[posted - 1]!;
    slot.set(SlotState.Running);
    const woke = performance.now();
    const [method, url, requestHeaders] = slot.readRequest();
    const appStart = performance.now();
    let response = answer(handler, lazyRequest(method, url, requestHeaders));
    if (response instanceof Promise) response = await response;
    const appEnd = performance.now();
    const body = await bodyBytes(method, response);
    const headers = headerPairs(response.headers);
    if (!slot.writeResponse(response.status, headers, body)) {
      const message: SlotMessage = {
        type: "response",
        ticket,
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
    slot.set(SlotState.Response);
    // Ring, then wake: the listener sleeps only while the doorbell still shows the count it read
    // before collecting, so this answer is either collected or ends its sleep. (Skipping the
    // notify when another worker had rung already lost wake-ups: that ring could have been
    // counted before the listener went to sleep, leaving it asleep with answers waiting.)
    Atomics.add(dispatch, Dispatch.Doorbell, 1);
    Atomics.notify(dispatch, Dispatch.Doorbell);
    ticket = Atomics.add(dispatch, Dispatch.Drawn, 1);
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

function post(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}
