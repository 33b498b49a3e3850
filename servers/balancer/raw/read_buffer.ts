/**
 * A growable read buffer over one connection: the raw engine's view of what a client has sent.
 *
 * @module
 */

const MIN_READ_ROOM = 4096;

/** Bytes read from a connection and not consumed yet: `bytes[start, end)`. */
export class ReadBuffer {
  /** The storage; replaced when it grows. */
  bytes: Uint8Array;
  /** First unconsumed byte. */
  start = 0;
  /** One past the last byte read. */
  end = 0;

  /** Creates an empty buffer of `size` bytes over `conn`. */
  constructor(readonly conn: Deno.Conn, size = 16 * 1024) {
    this.bytes = new Uint8Array(size);
  }

  /** Unconsumed bytes. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * Reads more bytes (making room first: moving unconsumed bytes to the front or growing).
   * Returns false at the end of the stream.
   */
  async fill(): Promise<boolean> {
    const n = await this.conn.read(this.room());
    return this.commit(n);
  }

  /**
   * Makes room for a read (moving unconsumed bytes to the front or growing) and returns the free
   * part of the buffer to read into; pass the count read to {@link commit}. This is
   * {@link fill} in two steps, so a caller can await the read itself.
   */
  room(): Uint8Array {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.bytes.length - this.end < MIN_READ_ROOM) {
      const used = this.end - this.start;
      const next = used + MIN_READ_ROOM * 2 > this.bytes.length
        ? new Uint8Array(Math.max(this.bytes.length * 2, used + MIN_READ_ROOM * 2))
        : this.bytes;
      if (next === this.bytes) next.copyWithin(0, this.start, this.end);
      else next.set(this.bytes.subarray(this.start, this.end));
      this.bytes = next;
      this.start = 0;
      this.end = used;
    }
    return this.end === 0 ? this.bytes : this.bytes.subarray(this.end);
  }

  /** Accounts for a read into {@link room}; false (nothing read) at the end of the stream. */
  commit(n: number | null): boolean {
    if (n === null) return false;
    this.end += n;
    return true;
  }
}
