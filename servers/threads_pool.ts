/**
 * A fixed pool of Web Workers that each run one request at a time, with a FIFO queue in front.
 *
 * The listener hands a request to an idle worker; when all K workers are busy the request waits
 * in the queue, as a connection waits for a free thread in a thread-pool server. The messages
 * exchanged with `threads_worker.ts` are defined here.
 *
 * @module
 */

/** First message to a worker: what it needs to serve. */
export interface ThreadInit {
  type: "init";
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

/** A request, as sent to a worker (the body is transferred, not copied). */
export interface ThreadRequest {
  type: "request";
  method: string;
  url: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

/** A response, as sent back by a worker (the body is transferred, not copied). */
export interface ThreadResponse {
  type: "response";
  status: number;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

/** Messages a worker posts. */
export type ThreadMessage = { type: "ready" } | ThreadResponse;

/** How to create a pool. */
export interface ThreadPoolOptions {
  /** Number of workers, K. */
  size: number;
  /** The worker module. */
  moduleUrl: URL;
  /** The init message for worker `index` (0-based). */
  init(index: number): ThreadInit;
}

interface Job {
  request: ThreadRequest;
  resolve(response: ThreadResponse): void;
  reject(error: Error): void;
}

interface PoolWorker {
  index: number;
  worker: Worker;
  job: Job | null;
  readyTimer?: ReturnType<typeof setTimeout>;
}

/** Longest wait for a worker to load its module and report ready. */
const READY_TIMEOUT_MS = 30_000;

/** K workers and a FIFO queue of requests waiting for one of them. */
export class ThreadPool {
  readonly #options: ThreadPoolOptions;
  readonly #workers: PoolWorker[] = [];
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  #closed = false;

  private constructor(options: ThreadPoolOptions) {
    this.#options = options;
  }

  /** Starts `size` workers and resolves when every one is ready; rejects if one fails. */
  static async create(options: ThreadPoolOptions): Promise<ThreadPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`pool size must be a whole number of at least 1, got ${options.size}`);
    }
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

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Runs one request on the next free worker. Transfers `request.body`. */
  run(request: ThreadRequest): Promise<ThreadResponse> {
    if (this.#closed) return Promise.reject(new Error("the thread pool is closed"));
    return new Promise((resolve, reject) => {
      const job = { request, resolve, reject };
      const free = this.#idle.shift();
      if (free) this.#assign(free, job);
      else this.#queue.push(job);
    });
  }

  /** Terminates every worker; queued and running requests are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error("the thread pool was closed");
    for (const job of this.#queue.splice(0)) job.reject(error);
    for (const entry of this.#workers) {
      clearTimeout(entry.readyTimer);
      entry.worker.terminate();
      entry.job?.reject(error);
      entry.job = null;
    }
    this.#workers.length = 0;
    this.#idle.length = 0;
  }

  #spawn(index: number): Promise<void> {
    const worker = new Worker(this.#options.moduleUrl, { type: "module" });
    const entry: PoolWorker = { index, worker, job: null };
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
          return;
        }
        const job = entry.job;
        entry.job = null;
        job?.resolve(message);
        this.#release(entry);
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
      worker.postMessage(this.#options.init(index));
    });
  }

  /** A worker died mid-request: fail its request and start a fresh worker in its place. */
  #replace(entry: PoolWorker, error: Error): void {
    entry.worker.terminate();
    entry.job?.reject(error);
    entry.job = null;
    if (this.#closed) return;
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
    entry.job = job;
    const transfer = job.request.body ? [job.request.body] : [];
    entry.worker.postMessage(job.request, transfer);
  }
}
