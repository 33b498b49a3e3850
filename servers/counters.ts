/**
 * Request counters that several isolates (the main thread and Web Workers) can update at once.
 *
 * The counters live in a `SharedArrayBuffer`, so a worker that receives the buffer by
 * `postMessage` sees and updates the same numbers as the thread that created it. Each slot holds
 * three numbers: requests served, requests in flight now, and the peak of requests in flight.
 *
 * @module
 */

/** Numbers kept for one slot. */
export interface SlotCounts {
  /** Requests that finished (a response was produced). */
  served: number;
  /** Requests started and not yet finished. */
  inFlight: number;
  /** The largest value `inFlight` has had. */
  peakInFlight: number;
}

const FIELDS = 3;
const SERVED = 0;
const IN_FLIGHT = 1;
const PEAK = 2;

/** Shared request counters with a fixed number of slots. */
export class Counters {
  readonly #cells: Int32Array;

  /** Wraps an existing buffer, for example one received from another thread. */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  /** Creates counters with `slots` slots, all zero. */
  static create(slots: number): Counters {
    return new Counters(new SharedArrayBuffer(slots * FIELDS * Int32Array.BYTES_PER_ELEMENT));
  }

  /** Number of slots. */
  get slots(): number {
    return this.#cells.length / FIELDS;
  }

  /** Marks a request as started in `slot`, raising the peak when needed. */
  begin(slot: number): void {
    const base = this.#base(slot);
    const now = Atomics.add(this.#cells, base + IN_FLIGHT, 1) + 1;
    let peak = Atomics.load(this.#cells, base + PEAK);
    while (now > peak) {
      const seen = Atomics.compareExchange(this.#cells, base + PEAK, peak, now);
      if (seen === peak) break;
      peak = seen;
    }
  }

  /** Marks a request as finished in `slot`. */
  end(slot: number): void {
    const base = this.#base(slot);
    Atomics.sub(this.#cells, base + IN_FLIGHT, 1);
    Atomics.add(this.#cells, base + SERVED, 1);
  }

  /** Reads one slot. */
  read(slot: number): SlotCounts {
    const base = this.#base(slot);
    return {
      served: Atomics.load(this.#cells, base + SERVED),
      inFlight: Atomics.load(this.#cells, base + IN_FLIGHT),
      peakInFlight: Atomics.load(this.#cells, base + PEAK),
    };
  }

  #base(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) {
      throw new RangeError(`counter slot ${slot} does not exist (0..${this.slots - 1})`);
    }
    return slot * FIELDS;
  }
}
