/**
 * A fixed pool of Web Workers that each run one request at a time, with a FIFO queue in front.
 *
 * The listener hands a request to an idle worker; when all K workers are busy the request waits
 * in the queue, as a connection waits for a free thread in a thread-pool server. The handoff
 * goes through shared memory, not messages: each worker has a {@link Slot} the listener writes
 * the request head into, and the worker sleeps in `Atomics.wait` until one arrives (a blocked
 * thread). When a worker has answered it rings one doorbell shared by the pool
 * (`Atomics.notify`); the listener, which awaits the doorbell with `Atomics.waitAsync`, then
 * collects every answered slot. Only what does not fit in a slot travels by `postMessage`.
 *
 * The worker side of this protocol is `threads_worker_loop.ts`; the messages are defined here.
 *
 * @module
 */

import {
  DEFAULT_SLOT_BYTES,
  type RequestHead,
  Slot,
  type SlotMessage,
  type SlotResponse,
  SlotState,
} from "./threads_slot.ts";

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

/** First message to a worker: its setup plus the pool's shared memory. */
export interface ThreadInit extends ThreadSetup {
  type: "init";
  /** This worker's position in the pool (0-based). */
  index: number;
  /** This worker's {@link Slot} buffer. */
  slot: SharedArrayBuffer;
  /** The doorbell: one `Int32` a worker increments and notifies when it has answered. */
  doorbell: SharedArrayBuffer;
  /** Handoff timings: {@link TIMING_FIELDS} `Float64` cells per worker (see {@link HandoffStats}). */
  timings: SharedArrayBuffer;
}

/** Messages a worker posts: ready once, then responses too large for its slot. */
export type ThreadMessage = { type: "ready" } | SlotMessage;

/** `Float64` cells per worker in {@link ThreadInit.timings}. */
export const TIMING_FIELDS = 3;
/** Timing cell: µs the worker spent on the handoff (decoding, encoding, waking the listener). */
export const WORKER_HANDOFF_US = 0;
/** Timing cell: µs the worker spent inside the application. */
export const WORKER_APP_US = 1;
/** Timing cell: responses the worker sent by message because they did not fit its slot. */
export const WORKER_BY_MESSAGE = 2;

/** What the pool measured of its handoffs, since it started (the threads model's `/stats`). */
export interface HandoffStats {
  /** Requests handed to a worker and answered (or failed). */
  requests: number;
  /** Requests or responses that did not fit a slot and went by `postMessage`. */
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
  /** Bytes of one slot's data area: larger responses go by message. */
  slotBytes: number;
}

/** How to create a pool. */
export interface ThreadPoolOptions {
  /** Number of workers, K. */
  size: number;
  /** The worker module (it calls `runPoolWorker` of `threads_worker_loop.ts`). */
  moduleUrl: URL;
  /** The setup of worker `index` (0-based). */
  setup(index: number): ThreadSetup;
  /** Bytes of each slot's data area (default {@link DEFAULT_SLOT_BYTES}). */
  slotBytes?: number;
}

interface Job {
  head: RequestHead;
  resolve(response: Response): void;
  reject(error: Error): void;
}

interface PoolWorker {
  index: number;
  worker: Worker;
  slot: Slot;
  job: Job | null;
  /** Responses received by message and not yet collected. */
  mailbox: SlotMessage[];
  /** Set while the listener waits for this worker's response message. */
  onMail: ((message: SlotMessage) => void) | null;
  readyTimer?: ReturnType<typeof setTimeout>;
}

/** Longest wait for a worker to load its module and report ready. */
const READY_TIMEOUT_MS = 30_000;

/** K workers and a FIFO queue of requests waiting for one of them. */
export class ThreadPool {
  readonly #options: ThreadPoolOptions;
  readonly #slotBytes: number;
  readonly #workers: PoolWorker[] = [];
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  readonly #doorbell = new Int32Array(new SharedArrayBuffer(4));
  readonly #timings: Float64Array;
  #busy = 0;
  #watching = false;
  #closed = false;
  #requests = 0;
  #requestsByMessage = 0;
  #listenerUs = 0;

  private constructor(options: ThreadPoolOptions) {
    this.#options = options;
    this.#slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
    this.#timings = new Float64Array(
      new SharedArrayBuffer(options.size * TIMING_FIELDS * Float64Array.BYTES_PER_ELEMENT),
    );
  }

  /** Starts `size` workers and resolves when every one is ready; rejects if one fails. */
  static async create(options: ThreadPoolOptions): Promise<ThreadPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`pool size must be a whole number of at least 1, got ${options.size}`);
    }
    const pool = new ThreadPool(options);
    Slot.create(pool.#slotBytes); // a bad slot size fails here, before any worker starts
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

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** What the handoffs cost so far. */
  handoffStats(): HandoffStats {
    const stats: HandoffStats = {
      requests: this.#requests,
      byMessage: this.#requestsByMessage,
      listenerUs: this.#listenerUs,
      workerUs: 0,
      appUs: 0,
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
   * is not passed on: the threads model hands workers GET and HEAD requests only.
   */
  run(request: Request): Promise<Response> {
    if (this.#closed) return Promise.reject(new Error("the thread pool is closed"));
    const start = performance.now();
    const head: RequestHead = [request.method, request.url, [...request.headers]];
    this.#listenerUs += (performance.now() - start) * 1000;
    return new Promise((resolve, reject) => {
      const job = { head, resolve, reject };
      const free = this.#idle.pop();
      if (free) this.#assign(free, job);
      else this.#queue.push(job);
    });
  }

  /** Stops every worker; queued and running requests are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error("the thread pool was closed");
    for (const job of this.#queue.splice(0)) job.reject(error);
    for (const entry of this.#workers) {
      clearTimeout(entry.readyTimer);
      entry.slot.publish(SlotState.Close);
      entry.worker.terminate();
      entry.job?.reject(error);
      entry.job = null;
    }
    this.#busy = 0;
    Atomics.notify(this.#doorbell, 0); // ends the watch loop
    this.#workers.length = 0;
    this.#idle.length = 0;
  }

  #spawn(index: number): Promise<void> {
    const worker = new Worker(this.#options.moduleUrl, { type: "module" });
    const slot = Slot.create(this.#slotBytes);
    const entry: PoolWorker = { index, worker, slot, job: null, mailbox: [], onMail: null };
    this.#workers[index] = entry;
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = entry.readyTimer = setTimeout(() => {
        if (!ready) reject(new Error(`thread pool worker ${index} not ready after 30 s`));
      }, READY_TIMEOUT_MS);
      worker.onmessage = (event: MessageEvent<ThreadMessage>) => {
        const message = event.data;
        if (message.type === "ready") {
          ready = true;
          clearTimeout(timer);
          this.#release(entry);
          resolve();
        } else if (entry.onMail) {
          entry.onMail(message);
        } else {
          entry.mailbox.push(message);
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        const error = new Error(`thread pool worker ${index} failed: ${event.message}`);
        if (!ready) {
          clearTimeout(timer);
          reject(error);
          return;
        }
        this.#replace(entry, error);
      };
      const init: ThreadInit = {
        ...this.#options.setup(index),
        type: "init",
        index,
        slot: slot.buffer,
        doorbell: this.#doorbell.buffer as SharedArrayBuffer,
        timings: this.#timings.buffer as SharedArrayBuffer,
      };
      worker.postMessage(init);
    });
  }

  /** A worker died mid-request: fail its request and start a fresh worker in its place. */
  #replace(entry: PoolWorker, error: Error): void {
    entry.worker.terminate();
    if (entry.job) this.#settle(entry, error);
    if (this.#closed || this.#workers[entry.index] !== entry) return;
    this.#spawn(entry.index).catch(() => {
      // The replacement failed too: the pool runs with one worker fewer.
    });
  }

  #release(entry: PoolWorker): void {
    if (this.#closed || this.#workers[entry.index] !== entry) return;
    const next = this.#queue.shift();
    if (next) this.#assign(entry, next);
    else this.#idle.push(entry);
  }

  #assign(entry: PoolWorker, job: Job): void {
    const start = performance.now();
    entry.job = job;
    this.#busy++;
    if (!entry.slot.writeRequest(job.head)) {
      this.#requestsByMessage++;
      const message: SlotMessage = { type: "request", head: job.head };
      entry.worker.postMessage(message);
    }
    // Timed before the wake-up: the woken worker may take the core inside publish().
    this.#listenerUs += (performance.now() - start) * 1000;
    entry.slot.publish(SlotState.Request);
    if (!this.#watching) this.#watch();
  }

  /** Collects answered slots until no worker is busy, sleeping on the doorbell in between. */
  async #watch(): Promise<void> {
    this.#watching = true;
    try {
      while (this.#busy > 0) {
        const rung = Atomics.load(this.#doorbell, 0);
        this.#collect();
        if (this.#busy === 0) break;
        const wait = Atomics.waitAsync(this.#doorbell, 0, rung);
        if (wait.async) await wait.value;
      }
    } finally {
      this.#watching = false;
    }
  }

  #collect(): void {
    for (const entry of this.#workers) {
      if (entry.job === null || entry.onMail || entry.slot.state !== SlotState.Response) continue;
      if (entry.slot.byMessage) {
        this.#awaitMail(entry);
        continue;
      }
      const start = performance.now();
      const answer = entry.slot.readResponse();
      const response = toResponse(answer);
      this.#listenerUs += (performance.now() - start) * 1000;
      this.#settle(entry, response);
    }
  }

  /** The response did not fit the slot: it comes (or came) by message. */
  #awaitMail(entry: PoolWorker): void {
    const take = (message: SlotMessage) => {
      entry.onMail = null;
      if (message.type !== "response" || entry.job === null) return;
      const body = message.body === null ? null : new Uint8Array(message.body);
      this.#settle(entry, toResponse({ ...message, body }));
    };
    const waiting = entry.mailbox.shift();
    if (waiting) take(waiting);
    else entry.onMail = take;
  }

  /** Ends the job of `entry` with a response or an error, and gives the worker its next job. */
  #settle(entry: PoolWorker, outcome: Response | Error): void {
    const job = entry.job!;
    entry.job = null;
    this.#busy--;
    this.#requests++;
    if (outcome instanceof Error) {
      job.reject(outcome);
      return;
    }
    // The worker waits while its slot says Response: no need to wake it for Idle.
    entry.slot.rest();
    job.resolve(outcome);
    this.#release(entry);
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
