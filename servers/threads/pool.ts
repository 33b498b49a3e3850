/**
 * A fixed pool of Web Workers that each run one request at a time, with a FIFO queue in front.
 *
 * The listener posts requests, in arrival order, into free shared-memory {@link Slot}s (a few
 * more than K) and keeps the rest in a queue until a slot is free. Each worker takes the next
 * request by drawing a ticket (`Atomics.add` on a shared counter): ticket n is the n-th request
 * posted, and the listener writes which slot holds it into the ticket's cell of a shared table.
 * So requests start in FIFO order, and since a worker serves one request at a time at most K
 * run at once. A worker with no request to serve sleeps in `Atomics.wait` on its ticket's cell
 * until the listener posts there (a blocked thread); a busy pool's workers go from one request
 * to the next without sleeping.
 *
 * A worker that has answered rings a doorbell shared by the pool (`Atomics.notify`), which the
 * listener awaits with `Atomics.waitAsync`, then collects every answered slot. A worker does
 * not ring when the listener was rung already and has not started collecting: a busy
 * listener collects answers in batches instead of being woken for every request. No
 * structured clone and no message event is involved, except for a response too large for its
 * slot, whose body goes by `postMessage` (transferred, not copied).
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
  WORKER_APP_US,
  WORKER_BY_MESSAGE,
  WORKER_HANDOFF_US,
} from "./messages.ts";
import { type SpawnedWorker, spawnWorker } from "../worker_handshake.ts";

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
}

/** A request head too large for a slot (the listener answers 431). */
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

/** Slots in the ring beyond K: requests posted ahead, so a worker rarely waits for the listener. */
const RING_EXTRA = 8;

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
  #posted = 0;
  #inRing = 0;
  #watching = false;
  #closed = false;
  #requests = 0;
  #listenerUs = 0;
  #wakeUps = 0;

  private constructor(options: ThreadPoolOptions) {
    this.#options = options;
    this.#slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
    const ringSize = options.size + RING_EXTRA;
    this.#ring = Array.from({ length: ringSize }, () => Slot.create(this.#slotBytes));
    this.#jobs = Array.from({ length: ringSize }, () => null);
    this.#free = Array.from({ length: ringSize }, (_, i) => ringSize - 1 - i);
    this.#dispatch = new Int32Array(
      new SharedArrayBuffer(
        (Dispatch.Held + options.size + TICKET_CELLS) * Int32Array.BYTES_PER_ELEMENT,
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
        Array.from({ length: options.size }, (_, index) => pool.#spawn(index, null)),
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

  /** Requests waiting for a worker: queued here or posted and not yet drawn. */
  get queued(): number {
    const drawn = Atomics.load(this.#dispatch, Dispatch.Drawn);
    return this.#queue.length + Math.max(0, this.#posted - drawn);
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
    const start = performance.now();
    const head: RequestHead = [request.method, request.url, headerPairs(request.headers)];
    this.#listenerUs += (performance.now() - start) * 1000;
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
    for (let cell = 0; cell < TICKET_CELLS; cell++) {
      Atomics.notify(this.#dispatch, this.#cell(cell));
    }
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

  #spawn(index: number, adoptTicket: number | null): Promise<void> {
    const init: ThreadInit = {
      ...this.#options.setup(index),
      index,
      size: this.size,
      ring: this.#ring.map((slot) => slot.buffer),
      dispatch: this.#dispatch.buffer as SharedArrayBuffer,
      timings: this.#timings.buffer as SharedArrayBuffer,
      adoptTicket,
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
   * A worker died. If it was serving a request, that request fails; if it held a ticket whose
   * request it had not started, its replacement takes the ticket over, so no request is lost.
   */
  #replace(entry: PoolWorker, error: Error): void {
    if (this.#closed || this.#workers[entry.index] !== entry) return;
    const ticket = Atomics.load(this.#dispatch, Dispatch.Held + entry.index);
    const taken = ticket < this.#posted &&
      Atomics.load(this.#dispatch, this.#cell(ticket)) === 0;
    if (taken) {
      const at = this.#ring.findIndex((slot, i) =>
        slot.ticket === ticket && this.#jobs[i] !== null && slot.state !== SlotState.Response
      );
      if (at >= 0) this.#settle(at, error);
    }
    this.#spawn(entry.index, taken ? null : ticket).catch(() => {
      // The replacement failed too: the pool runs with one worker fewer.
    });
    this.#feed();
  }

  /** Index in the dispatch array of the ticket table's cell for `ticket`. */
  #cell(ticket: number): number {
    return Dispatch.Held + this.size + ticket % TICKET_CELLS;
  }

  /** Posts queued requests into free ring slots, in order, and wakes a worker waiting there. */
  #feed(): void {
    while (this.#queue.length > 0 && this.#free.length > 0 && !this.#closed) {
      const cell = this.#cell(this.#posted);
      if (Atomics.load(this.#dispatch, cell) !== 0) break; // not yet taken: wait for it
      const job = this.#queue.shift()!;
      const at = this.#free.pop()!;
      const start = performance.now();
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
      this.#posted++;
      Atomics.store(this.#dispatch, Dispatch.Posted, this.#posted);
      Atomics.store(this.#dispatch, cell, at + 1);
      // Timed before the wake-up: the woken worker may take the core inside notify().
      this.#listenerUs += (performance.now() - start) * 1000;
      Atomics.notify(this.#dispatch, cell);
    }
    if (this.#inRing > 0 && !this.#watching) this.#watch();
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
    for (let at = 0; at < this.#ring.length; at++) {
      const slot = this.#ring[at]!;
      if (this.#jobs[at] === null || slot.state !== SlotState.Response) continue;
      if (slot.byMessage) {
        this.#awaitMail(at, slot.ticket);
        continue;
      }
      const start = performance.now();
      const response = toResponse(slot.readResponse());
      this.#listenerUs += (performance.now() - start) * 1000;
      this.#settle(at, response);
      freed = true;
    }
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
