/**
 * A fixed pool of Web Workers that each run one request at a time, with a FIFO queue in front.
 *
 * The listener posts requests, in arrival order, into free shared-memory {@link Slot}s (K plus
 * {@link RING_EXTRA}) and keeps the rest in a queue until a slot is free. Ticket n is the n-th
 * request posted: the listener writes which slot holds it into the ticket's cell of a shared
 * table, then counts it posted. A worker claims the next ticket (`Atomics.compareExchange` on
 * a shared counter), so requests start in FIFO order, and since a worker serves one request at
 * a time at most K run at once. A worker with nothing to claim sleeps in `Atomics.wait` until a
 * request is posted (a blocked thread); a busy worker claims the next request without sleeping.
 *
 * Waking a thread is the costly part of a handoff, above all when the listener and the workers
 * share one core: a woken worker takes the core from the listener, serves one request and
 * sleeps again. So the listener wakes workers once per batch, when it has read every request
 * that arrived together (`setImmediate`, after the event loop's I/O), and wakes at most as many
 * as there are cores it may run on: they serve the batch one after the other. More are woken
 * when a worker is about to block (`/io` calls the worker's `beforeBlocking` hook) and when no
 * request was claimed for {@link STALL_MS} while some wait (a handler that blocks without
 * saying so): so a blocked worker never holds back the requests behind it for long.
 *
 * A worker that has answered rings a doorbell shared by the pool (`Atomics.notify`), which the
 * listener awaits with `Atomics.waitAsync`, then collects every answered slot: a busy listener
 * collects answers in batches. No structured clone and no message event is involved, except
 * for a response too large for its slot, whose body goes by `postMessage` (transferred, not
 * copied).
 *
 * The worker side of this protocol is `worker_loop.ts`; what both sides share is in `messages.ts`.
 *
 * @module
 */

import {
  DEFAULT_SLOT_BYTES,
  headerPairs,
  type RequestHead,
  Slot,
  type SlotMessage,
  type SlotResponse,
  SlotState,
} from "./slot.ts";
import {
  Dispatch,
  type ThreadInit,
  type ThreadSetup,
  TICKET_CELLS,
  TIMING_FIELDS,
  wakeSleepers,
  WORKER_APP_US,
  WORKER_BY_MESSAGE,
  WORKER_HANDOFF_US,
} from "./messages.ts";
import { type SpawnedWorker, spawnWorker } from "../worker_handshake.ts";
import { setImmediate } from "node:timers";

/** What the pool measured of its handoffs, since it started (the threads model's `/stats`). */
export interface HandoffStats {
  /** Requests handed to a worker and answered (or failed). */
  requests: number;
  /** Responses that did not fit a slot and went by `postMessage`. */
  byMessage: number;
  /**
   * µs the listener spent in handoff code: copying request heads into slots, reading responses
   * back. Waking a thread is not included: the woken thread may take the core at that moment.
   */
  listenerUs: number;
  /** µs the workers spent in handoff code: reading heads, copying responses into slots. */
  workerUs: number;
  /** µs the workers spent inside the application (blocked `/io` waits included). */
  appUs: number;
  /** Times the listener was woken to collect answers (fewer than requests when batched). */
  wakeUps: number;
  /**
   * Workers the listener woke from `Atomics.wait` (about one per batch of requests on one core;
   * more when requests block). Workers about to block in `/io` wake others too, uncounted.
   */
  workersWoken: number;
  /** Bytes of one slot's data area: larger responses go by message. */
  slotBytes: number;
}

/** How to create a pool. */
export interface ThreadPoolOptions {
  /** Number of workers, K. */
  size: number;
  /** The worker module (it calls `runPoolWorker` of `worker_loop.ts`). */
  moduleUrl: URL;
  /** The setup of worker `index` (0-based). */
  setup(index: number): ThreadSetup;
  /** Bytes of each slot's data area (default {@link DEFAULT_SLOT_BYTES}). */
  slotBytes?: number;
  /**
   * Pass each request's headers on to the workers (default true). False hands them only the
   * method and URL, and a handler that reads more gets an error saying so: reading a request's
   * headers costs `Deno.serve`'s listener about as much as the rest of the handoff together.
   */
  requestHeaders?: boolean;
}

/** A request head (method, URL and any headers passed on) too large for a slot. */
export class HeadTooLargeError extends Error {
  override name = "HeadTooLargeError";
}

interface Job {
  head: RequestHead;
  resolve(response: Response): void;
  reject(error: Error): void;
}

interface PoolWorker {
  index: number;
  child: SpawnedWorker<void>;
}

/**
 * Slots in the ring beyond K: requests posted ahead of the workers. A woken worker serves the
 * posted requests one after the other, so the more a batch can post, the more requests share one
 * wake-up (with 16 slots instead of 64, a pinned server used a quarter more CPU per request).
 */
const RING_EXTRA = 56;

/**
 * Milliseconds without a claim, while requests wait to be claimed, after which the listener
 * wakes every sleeping worker it needs: a running request may be blocking its thread.
 */
export const STALL_MS = 2;

/** K workers and a FIFO queue of requests waiting for one of them. */
export class ThreadPool {
  readonly #options: ThreadPoolOptions;
  readonly #slotBytes: number;
  readonly #ring: Slot[];
  /** The job whose request is in each ring slot, or null when the slot is free. */
  readonly #jobs: (Job | null)[];
  readonly #dispatch: Int32Array;
  readonly #timings: Float64Array;
  readonly #workers: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  /** Free slots (indexes into the ring). */
  readonly #free: number[];
  /** Large responses received by message, by ticket, and the tickets waiting for one. */
  readonly #mail = new Map<number, SlotMessage>();
  readonly #mailWaiters = new Map<number, (message: SlotMessage) => void>();
  /** Workers woken per batch: the cores this process may run on. */
  readonly #parallelism = Math.max(1, navigator.hardwareConcurrency || 1);
  #posted = 0;
  #inRing = 0;
  #watching = false;
  #wakePending = false;
  #stallTimer: ReturnType<typeof setTimeout> | null = null;
  #claimedBefore = 0;
  #closed = false;
  #requests = 0;
  #listenerUs = 0;
  #wakeUps = 0;
  #workersWoken = 0;

  private constructor(options: ThreadPoolOptions) {
    this.#options = options;
    this.#slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
    const ringSize = options.size + RING_EXTRA;
    this.#ring = Array.from({ length: ringSize }, () => Slot.create(this.#slotBytes));
    this.#jobs = Array.from({ length: ringSize }, () => null);
    this.#free = Array.from({ length: ringSize }, (_, i) => ringSize - 1 - i);
    this.#dispatch = new Int32Array(
      new SharedArrayBuffer(
        (Dispatch.Serving + options.size + TICKET_CELLS) * Int32Array.BYTES_PER_ELEMENT,
      ),
    );
    this.#timings = new Float64Array(
      new SharedArrayBuffer(options.size * TIMING_FIELDS * Float64Array.BYTES_PER_ELEMENT),
    );
  }

  /** Starts `size` workers and resolves when every one is ready; rejects if one fails. */
  static async create(options: ThreadPoolOptions): Promise<ThreadPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`pool size must be a whole number of at least 1, got ${options.size}`);
    }
    Slot.create(options.slotBytes ?? DEFAULT_SLOT_BYTES); // a bad slot size fails here
    const pool = new ThreadPool(options);
    try {
      await Promise.all(
        Array.from({ length: options.size }, (_, index) => pool.#spawn(index)),
      );
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.#options.size;
  }

  /** Requests waiting for a worker: queued here or posted and not yet claimed. */
  get queued(): number {
    return this.#queue.length + this.#unclaimed();
  }

  /** What the handoffs cost so far. */
  handoffStats(): HandoffStats {
    const stats: HandoffStats = {
      requests: this.#requests,
      byMessage: 0,
      listenerUs: this.#listenerUs,
      workerUs: 0,
      appUs: 0,
      wakeUps: this.#wakeUps,
      workersWoken: this.#workersWoken,
      slotBytes: this.#slotBytes,
    };
    for (let i = 0; i < this.size; i++) {
      stats.workerUs += this.#timings[i * TIMING_FIELDS + WORKER_HANDOFF_US]!;
      stats.appUs += this.#timings[i * TIMING_FIELDS + WORKER_APP_US]!;
      stats.byMessage += this.#timings[i * TIMING_FIELDS + WORKER_BY_MESSAGE]!;
    }
    return stats;
  }

  /**
   * Runs `request` on the next free worker and resolves with its response. The request's body
   * is not passed on: the threads model hands workers GET and HEAD requests only. Rejects with
   * {@link HeadTooLargeError} when its method, URL and headers do not fit a slot.
   */
  run(request: Request): Promise<Response> {
    if (this.#closed) return Promise.reject(new Error("the thread pool is closed"));
    let headers: [string, string][] = [];
    if (this.#options.requestHeaders !== false) {
      const start = performance.now();
      headers = headerPairs(request.headers);
      this.#listenerUs += (performance.now() - start) * 1000;
    }
    const head: RequestHead = [request.method, request.url, headers];
    return new Promise((resolve, reject) => {
      this.#queue.push({ head, resolve, reject });
      this.#feed();
    });
  }

  /** Stops every worker; queued and running requests are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error("the thread pool was closed");
    for (const job of this.#queue.splice(0)) job.reject(error);
    Atomics.store(this.#dispatch, Dispatch.Closed, 1);
    Atomics.notify(this.#dispatch, Dispatch.Posted);
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer);
    // A worker blocked in Atomics.wait reads no messages: it is terminated, not asked to stop.
    for (const entry of this.#workers) entry.child.terminate();
    this.#jobs.forEach((job, i) => {
      job?.reject(error);
      this.#jobs[i] = null;
    });
    this.#inRing = 0;
    Atomics.notify(this.#dispatch, Dispatch.Doorbell); // ends the watch loop
    this.#workers.length = 0;
  }

  #spawn(index: number): Promise<void> {
    const init: ThreadInit = {
      ...this.#options.setup(index),
      index,
      size: this.size,
      ring: this.#ring.map((slot) => slot.buffer),
      dispatch: this.#dispatch.buffer as SharedArrayBuffer,
      timings: this.#timings.buffer as SharedArrayBuffer,
      requestHeaders: this.#options.requestHeaders !== false,
    };
    const entry: PoolWorker = {
      index,
      child: spawnWorker<ThreadInit, void>(this.#options.moduleUrl, init, {
        name: `thread pool worker ${index}`,
        onMessage: (data) => this.#receive(data as SlotMessage),
        onFailure: (error) => this.#replace(entry, error),
      }),
    };
    this.#workers[index] = entry;
    return entry.child.ready;
  }

  /** A response too large for its slot arrived by message. */
  #receive(message: SlotMessage): void {
    const waiter = this.#mailWaiters.get(message.ticket);
    if (waiter) {
      this.#mailWaiters.delete(message.ticket);
      waiter(message);
    } else {
      this.#mail.set(message.ticket, message);
    }
  }

  /**
   * A worker died. If it was serving a request, that request fails; requests it had not claimed
   * are claimed by the others and by its replacement, so no other request is lost.
   */
  #replace(entry: PoolWorker, error: Error): void {
    if (this.#closed || this.#workers[entry.index] !== entry) return;
    const serving = Dispatch.Serving + entry.index;
    const at = Atomics.exchange(this.#dispatch, serving, 0) - 1;
    if (at >= 0 && this.#jobs[at] !== null && this.#ring[at]!.state !== SlotState.Response) {
      this.#settle(at, error);
    }
    this.#spawn(entry.index).catch(() => {
      // The replacement failed too: the pool runs with one worker fewer.
    });
    this.#feed();
  }

  /** Index in the dispatch array of the ticket table's cell for `ticket`. */
  #cell(ticket: number): number {
    return Dispatch.Serving + this.size + (ticket & (TICKET_CELLS - 1));
  }

  /** Requests posted and not yet claimed by a worker. */
  #unclaimed(): number {
    return (this.#posted - Atomics.load(this.#dispatch, Dispatch.Claimed)) | 0;
  }

  /** Posts queued requests into free ring slots, in order; wakes workers after the batch. */
  #feed(): void {
    let posted = false;
    const start = performance.now();
    while (this.#queue.length > 0 && this.#free.length > 0 && !this.#closed) {
      const cell = this.#cell(this.#posted);
      if (Atomics.load(this.#dispatch, cell) !== 0) break; // not yet claimed: wait for it
      const job = this.#queue.shift()!;
      const at = this.#free.pop()!;
      const slot = this.#ring[at]!;
      if (!slot.writeRequest(job.head)) {
        this.#free.push(at);
        job.reject(new HeadTooLargeError(`request head larger than ${this.#slotBytes} bytes`));
        continue;
      }
      slot.ticket = this.#posted;
      slot.set(SlotState.Request);
      this.#jobs[at] = job;
      this.#inRing++;
      Atomics.store(this.#dispatch, cell, at + 1);
      this.#posted++;
      Atomics.store(this.#dispatch, Dispatch.Posted, this.#posted);
      posted = true;
    }
    this.#listenerUs += (performance.now() - start) * 1000;
    if (posted && !this.#wakePending) {
      this.#wakePending = true;
      setImmediate(this.#wakeForBatch);
    }
    if (this.#inRing > 0 && !this.#watching) this.#watch();
  }

  /** After a batch of posts: wakes as many sleeping workers as requests wait, up to the cores. */
  readonly #wakeForBatch = (): void => {
    this.#wakePending = false;
    if (this.#closed) return;
    const waiting = this.#unclaimed();
    if (waiting <= 0) return;
    this.#wake(Math.min(waiting, this.#parallelism));
    this.#watchForStall();
  };

  /** Wakes up to `count` workers sleeping until a request is posted. */
  #wake(count: number): void {
    this.#workersWoken += wakeSleepers(this.#dispatch, count);
  }

  /**
   * While requests wait to be claimed, checks every {@link STALL_MS} that workers still claim
   * them; when none was claimed, wakes a sleeping worker for each (a running request blocks).
   */
  #watchForStall(): void {
    if (this.#stallTimer !== null) return;
    this.#claimedBefore = Atomics.load(this.#dispatch, Dispatch.Claimed);
    const timer = setTimeout(() => {
      this.#stallTimer = null;
      if (this.#closed) return;
      const waiting = this.#unclaimed();
      if (waiting <= 0) return;
      if (Atomics.load(this.#dispatch, Dispatch.Claimed) === this.#claimedBefore) {
        this.#wake(waiting);
      }
      this.#watchForStall();
    }, STALL_MS);
    Deno.unrefTimer(timer);
    this.#stallTimer = timer;
  }

  /** Collects answered slots until none is in use, sleeping on the doorbell in between. */
  async #watch(): Promise<void> {
    this.#watching = true;
    try {
      while (this.#inRing > 0) {
        const rung = Atomics.load(this.#dispatch, Dispatch.Doorbell);
        this.#collect();
        if (this.#inRing === 0) break;
        const wait = Atomics.waitAsync(this.#dispatch, Dispatch.Doorbell, rung);
        if (wait.async) await wait.value;
        this.#wakeUps++;
      }
    } finally {
      this.#watching = false;
    }
  }

  #collect(): void {
    let freed = false;
    const start = performance.now();
    for (let at = 0; at < this.#ring.length; at++) {
      const slot = this.#ring[at]!;
      if (this.#jobs[at] === null || slot.state !== SlotState.Response) continue;
      if (slot.byMessage) {
        this.#awaitMail(at, slot.ticket);
        continue;
      }
      this.#settle(at, toResponse(slot.readResponse()));
      freed = true;
    }
    // Settling only queues the continuations (promise jobs run later): nothing else is timed.
    this.#listenerUs += (performance.now() - start) * 1000;
    if (freed) this.#feed();
  }

  /** The response did not fit the slot: it comes (or came) by message. */
  #awaitMail(at: number, ticket: number): void {
    if (this.#mailWaiters.has(ticket)) return;
    const take = (message: SlotMessage) => {
      if (this.#jobs[at] === null || this.#ring[at]!.ticket !== ticket) return;
      const body = message.body === null ? null : new Uint8Array(message.body);
      this.#settle(at, toResponse({ ...message, body }));
      this.#feed();
    };
    const arrived = this.#mail.get(ticket);
    if (arrived) {
      this.#mail.delete(ticket);
      take(arrived);
    } else {
      this.#mailWaiters.set(ticket, take);
    }
  }

  /** Ends the job in ring slot `at` with a response or an error, and frees the slot. */
  #settle(at: number, outcome: Response | Error): void {
    const job = this.#jobs[at]!;
    this.#jobs[at] = null;
    this.#inRing--;
    this.#requests++;
    this.#ring[at]!.set(SlotState.Idle);
    this.#free.push(at);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }
}

/**
 * Builds the listener's response. Header pairs become a plain object unless a name repeats
 * (`set-cookie`): `Headers` takes an object several times faster than a list of pairs.
 */
function toResponse({ status, headers, body }: SlotResponse): Response {
  if (headers.length === 0) {
    return status === 200 ? new Response(body) : new Response(body, { status });
  }
  const record: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name in record) return new Response(body, { status, headers });
    record[name] = value;
  }
  return new Response(body, { status, headers: record });
}
