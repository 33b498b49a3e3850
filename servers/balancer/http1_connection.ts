/**
 * One client-side HTTP/1.1 connection to a backend: buffered reads, response heads, bodies.
 *
 * The balancer speaks HTTP/1.1 to its backends itself instead of going through `fetch()`: a
 * request costs one write and usually one read, with no per-request `Request`/`Headers` objects
 * on the backend side. A connection that stays idle in a pool is watched with one pending read
 * (see {@link Http1Connection.watch}), so a backend that closes it is noticed; that same pending
 * read then receives the next response. A connection reused at once is not watched: a read
 * started only after the request was written often finds the response already there, which costs
 * less than a read that waits.
 *
 * @module
 */

import { headerFields, parseResponseHead, type ResponseHead } from "./response_head.ts";

/** The connection ended or broke before a complete response arrived. */
export class ConnectionClosedError extends Error {
  /** The error name. */
  override name = "ConnectionClosedError";
}

/** A response head as received, with its header fields to forward decoded. */
export interface ReceivedHead extends ResponseHead {
  /** Header fields to forward, `[lower-case name, value]`, without framing and hop-by-hop ones. */
  headers: [string, string][];
}

const CR = 13;
const LF = 10;
const MAX_HEAD_BYTES = 64 * 1024;
const MIN_READ_ROOM = 4096;

/** A client HTTP/1.1 connection with a read buffer. */
export class Http1Connection {
  readonly #conn: Deno.TcpConn;
  #buffer = new Uint8Array(16 * 1024);
  #start = 0;
  #end = 0;
  #pending: Promise<number | null> | null = null;
  #idle = false;
  #closed = false;
  /** Bytes after `#start` known to hold no end of head. */
  #scanned = 0;
  /** Whether the connection has carried a request before (a stale keep-alive may fail). */
  reused = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Opens a connection; rejects with the connect error (e.g. `Deno.errors.ConnectionRefused`). */
  static async open(hostname: string, port: number): Promise<Http1Connection> {
    const conn = await Deno.connect({ hostname, port, transport: "tcp" });
    conn.setNoDelay(true);
    return new Http1Connection(conn);
  }

  /** Whether the connection is closed (by us, by the backend, or broken). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection; pending reads end. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  /**
   * Parks the connection in a pool. Once {@link watch}ed, `onGone` is called with it if the
   * backend closes it (or sends anything unasked) while it is idle.
   */
  park(onGone: (connection: Http1Connection) => void): void {
    this.#idle = true;
    this.#onGone = onGone;
  }

  /** Starts watching a parked connection with a pending read, unless that read runs already. */
  watch(): void {
    if (!this.#idle || this.#pending || this.#closed) return;
    this.#startRead().then(this.#idleReadDone, this.#idleReadDone);
  }

  #onGone: ((connection: Http1Connection) => void) | null = null;
  /** Runs when the read kept pending in the pool ends: while idle, the connection is gone. */
  readonly #idleReadDone = () => {
    if (!this.#idle) return;
    this.close();
    this.#onGone?.(this);
  };

  /** Takes the connection out of a pool for a new request. */
  unpark(): void {
    this.#idle = false;
    this.reused = true;
  }

  /** Writes some of `bytes` (one write call); resolves to the count written. */
  writeSome(bytes: Uint8Array): Promise<number> {
    return this.#conn.write(bytes);
  }

  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void> {
    return this.#conn.write(bytes).then((n) =>
      n < bytes.length ? this.write(bytes.subarray(n)) : undefined
    );
  }

  /**
   * Sends a request head and reads the response head (1xx interim responses are skipped). The
   * write is not awaited separately: a failed write closes the connection, so the read fails.
   */
  async exchange(head: Uint8Array): Promise<ReceivedHead> {
    this.write(head).catch(() => this.close());
    return await this.readHead();
  }

  /**
   * Reads a response head (1xx interim responses other than 101 are skipped) and parses it with
   * `parseResponseHead`; throws its Error when the head cannot be forwarded.
   */
  async readHead(): Promise<ReceivedHead> {
    const end = await this.readHeadEnd();
    const head = parseResponseHead(this.#buffer, this.#start, this.#start + end) as ReceivedHead;
    head.headers = headerFields(this.#buffer, head);
    this.consume(end);
    return head;
  }

  /**
   * Waits for a complete response head (1xx interim responses other than 101 skipped) and returns
   * its end relative to {@link buffered}: the index just past its blank line. The head stays
   * buffered.
   */
  async readHeadEnd(): Promise<number> {
    for (let end = this.findHeadEnd();; end = this.findHeadEnd()) {
      if (end >= 0) return end;
      const n = await (this.#pending ?? this.#startRead());
      this.#pending = null;
      if (n === null) {
        this.#closed = true;
        throw new ConnectionClosedError(
          this.#end > this.#start ? "backend closed mid-head" : "backend closed the connection",
        );
      }
      this.#end += n;
    }
  }

  /**
   * The end of a complete response head in the buffer relative to {@link buffered} (just past its
   * blank line), or -1 when more bytes are needed. 1xx interim responses other than 101 are
   * consumed on the way. Throws when a head is over 64 KiB.
   */
  findHeadEnd(): number {
    const buffer = this.#buffer;
    for (;;) {
      const start = this.#start;
      const limit = this.#end - 3;
      let found = -1;
      for (let i = start + this.#scanned; i < limit; i++) {
        if (
          buffer[i] === CR && buffer[i + 1] === LF && buffer[i + 2] === CR && buffer[i + 3] === LF
        ) {
          found = i;
          break;
        }
      }
      if (found < 0) {
        this.#scanned = Math.max(0, this.#end - start - 3);
        if (this.#end - start > MAX_HEAD_BYTES) {
          throw new Error(`response head from backend is over ${MAX_HEAD_BYTES} bytes`);
        }
        return -1;
      }
      this.#scanned = 0;
      const interim = buffer[start + 9] === 49 /* 1 */ &&
        !(buffer[start + 10] === 48 && buffer[start + 11] === 49) && found - start >= 12;
      if (!interim) return found + 4 - start;
      this.#start = found + 4;
    }
  }

  /**
   * The read buffer itself: the unconsumed bytes are `bytes[start, end)`. Valid until the next
   * read; lets a caller look at bytes without creating a view.
   */
  get bytes(): Uint8Array {
    return this.#buffer;
  }

  /** Index of the first unconsumed byte in {@link bytes}. */
  get start(): number {
    return this.#start;
  }

  /** Index just past the last byte read in {@link bytes}. */
  get end(): number {
    return this.#end;
  }

  /**
   * Starts a read into the buffer (or returns the one already pending); pass its result to
   * {@link received}. This is {@link fill} in two steps, so a caller can await the read itself.
   */
  readMore(): Promise<number | null> {
    return this.#pending ?? this.#startRead();
  }

  /** Accounts for a read started by {@link readMore}; false at the end of the stream. */
  received(n: number | null): boolean {
    this.#pending = null;
    if (n === null) {
      this.#closed = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  /** The bytes read but not consumed yet: a view, valid until the next read. */
  buffered(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  /** Marks `n` buffered bytes as consumed. */
  consume(n: number): void {
    this.#start += n;
    this.#scanned = 0;
  }

  /** Reads more bytes into the buffer; false at the end of the stream. */
  async fill(): Promise<boolean> {
    const n = await this.#startRead();
    this.#pending = null;
    if (n === null) {
      this.#closed = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  /** Reads exactly `n` body bytes into a new array. */
  async readExactly(n: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#end - this.#start >= n) {
      const whole = this.#buffer.slice(this.#start, this.#start + n);
      this.#start += n;
      return whole;
    }
    const out = new Uint8Array(n);
    let offset = 0;
    for (;;) {
      const take = Math.min(this.#end - this.#start, n - offset);
      out.set(this.#buffer.subarray(this.#start, this.#start + take), offset);
      this.#start += take;
      offset += take;
      if (offset === n) return out;
      if (!(await this.fill())) throw new ConnectionClosedError("backend closed mid-body");
    }
  }

  /** Reads up to `max` bytes (at least one); null at the end of the stream. */
  async readSome(max: number): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.#start === this.#end && !(await this.fill())) return null;
    const take = Math.min(this.#end - this.#start, max);
    const out = this.#buffer.slice(this.#start, this.#start + take);
    this.#start += take;
    return out;
  }

  #startRead(): Promise<number | null> {
    if (this.#pending) return this.#pending;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#buffer.length - this.#end < MIN_READ_ROOM) {
      const used = this.#end - this.#start;
      const size = used + MIN_READ_ROOM > this.#buffer.length
        ? this.#buffer.length * 2
        : this.#buffer.length;
      const next = size === this.#buffer.length ? this.#buffer : new Uint8Array(size);
      next.set(this.#buffer.subarray(this.#start, this.#end), 0);
      this.#buffer = next;
      this.#start = 0;
      this.#end = used;
    }
    this.#pending = this.#conn.read(
      this.#end === 0 ? this.#buffer : this.#buffer.subarray(this.#end),
    );
    return this.#pending;
  }
}
