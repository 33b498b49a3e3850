/**
 * What the threads model's listener and its pool workers share: the setup message a worker
 * starts with, the messages it posts, and the layout of the shared `Int32` and `Float64` arrays
 * both sides read and write (see `pool.ts` for the protocol).
 *
 * @module
 */

import type { SlotMessage } from "./slot.ts";

/** What a worker needs to serve (made by the caller of {@link ThreadPool.create}). */
export interface ThreadSetup {
  /** Model name shown by the application. */
  model: string;
  /** The shared counters' buffer. */
  counters: SharedArrayBuffer;
  /** Counter slots the worker counts its requests in. */
  slots: number[];
  /** Folder for static files, when not the default. */
  wwwRoot?: string;
  /** `/cpu` work units per ms, calibrated once on the main thread. */
  cpuUnitsPerMs: number;
}

/** A worker's setup message (see `../worker_handshake.ts`): its setup plus the pool's shared memory. */
export interface ThreadInit extends ThreadSetup {
  /** This worker's position in the pool (0-based). */
  index: number;
  /** Workers in the pool, K. */
  size: number;
  /** The slots, in order. */
  ring: SharedArrayBuffer[];
  /** Pool-wide `Int32` fields (see {@link Dispatch}). */
  dispatch: SharedArrayBuffer;
  /** Whether requests come with their headers (see `ThreadPoolOptions.requestHeaders`). */
  requestHeaders: boolean;
  /** Handoff timings: {@link TIMING_FIELDS} `Float64` cells per worker (see {@link HandoffStats}). */
  timings: SharedArrayBuffer;
}

/** Messages a worker posts once ready: responses too large for their slot. */
export type ThreadMessage = SlotMessage;

/** Pool-wide `Int32` fields shared by the listener and the workers. */
export const Dispatch = {
  /** Counts answers; the listener waits on it. */
  Doorbell: 0,
  /** Requests posted into the ring so far (the next ticket to post); idle workers wait on it. */
  Posted: 1,
  /** Tickets claimed by workers so far (the next ticket to claim). */
  Claimed: 2,
  /** 1 once the pool closes. */
  Closed: 3,
  /** Workers asleep in `Atomics.wait`, waiting for a request to be posted. */
  Sleepers: 4,
  /** First of K fields: 1 + the ring slot each worker serves now, 0 between requests. */
  Serving: 8,
} as const;

/**
 * Wakes up to `count` workers sleeping until a request is posted, when any sleeps; returns how
 * many woke. Both sides call it: the listener after a batch, a worker about to block.
 */
export function wakeSleepers(dispatch: Int32Array, count: number): number {
  if (Atomics.load(dispatch, Dispatch.Sleepers) === 0) return 0;
  return Atomics.notify(dispatch, Dispatch.Posted, count);
}

/**
 * Cells in the ticket table (after the K serving fields): cell `n & (TICKET_CELLS - 1)` holds
 * 1 + the slot of ticket n once posted, and 0 again once a worker claimed it. A cell still
 * unread when its next ticket comes up holds the listener back. A power of two, so the cell of
 * a ticket is the same on both sides when the shared counters wrap around.
 */
export const TICKET_CELLS = 1024;

/** `Float64` cells per worker in {@link ThreadInit.timings}. */
export const TIMING_FIELDS = 3;
/** Timing cell: µs the worker spent on the handoff (decoding, encoding, waking the listener). */
export const WORKER_HANDOFF_US = 0;
/** Timing cell: µs the worker spent inside the application. */
export const WORKER_APP_US = 1;
/** Timing cell: responses the worker sent by message because they did not fit its slot. */
export const WORKER_BY_MESSAGE = 2;
