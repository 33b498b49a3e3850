/**
 * Helpers for the robustness tests: a small seeded random generator, so a fuzz run can be
 * replayed from its seed, and a raw TCP exchange that reports what the server did with bytes no
 * HTTP client would send.
 *
 * @module
 */

/** A random number generator returning floats in [0, 1), reproducible from its seed. */
export type Random = () => number;

/**
 * mulberry32: a tiny 32-bit generator, good enough to pick test cases, and the same sequence for
 * the same seed on every machine.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [min, max], drawn from `random`. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One item of `items`, drawn from `random`. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** What the server did with the bytes of one exchange. */
export interface Exchange {
  /** Status codes of the HTTP/1.x responses seen, in order (empty when none). */
  statuses: number[];
  /** True when the server closed (or reset) the connection. */
  closed: boolean;
  /** True when nothing was sent or received for `idleTimeoutMs` and the server had not closed. */
  hung: boolean;
  /** Bytes received (at most `maxRead`). */
  received: Uint8Array;
}

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /** Half-close the connection after sending, as a client with nothing more to say. Default true. */
  halfClose?: boolean;
  /**
   * Longest time without progress (no byte sent or received) before the exchange counts as
   * hung, ms. A liveness bound, not a speed limit: a busy machine slows an exchange down but
   * keeps it moving, a server that hangs does not. Default 30 000.
   */
  idleTimeoutMs?: number;
  /** Stop reading after this many bytes. Default 1 MiB. */
  maxRead?: number;
}

/**
 * Sends `bytes` to 127.0.0.1:`port` over a fresh connection, then reads until the server closes
 * it, or until nothing has moved for `idleTimeoutMs`. A write the server cuts short (it closed
 * first) is not an error.
 */
export async function exchange(
  port: number,
  bytes: Uint8Array,
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const maxRead = options.maxRead ?? 1 << 20;
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let hung = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const progressed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      hung = true;
      try {
        connection.close();
      } catch { /* closed already */ }
    }, idleTimeoutMs);
  };
  progressed();
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    while (size < maxRead) {
      const n = await connection.read(buffer).catch(() => null);
      if (n === null) return;
      progressed();
      chunks.push(buffer.slice(0, n));
      size += n;
    }
  })();
  try {
    await writeAll(connection, bytes, progressed);
    if (options.halfClose ?? true) await connection.closeWrite().catch(() => {});
  } catch { /* the server closed the connection while we wrote: it refused the request */ }
  await reading;
  clearTimeout(timer);
  if (!hung) {
    try {
      connection.close();
    } catch { /* closed already */ }
  }
  const received = concat(chunks);
  return { statuses: statusCodes(received), closed: !hung, hung, received };
}

async function writeAll(
  connection: Deno.Conn,
  bytes: Uint8Array,
  progressed: () => void,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += await connection.write(bytes.subarray(offset));
    progressed();
  }
}

/** Status codes of every `HTTP/1.x NNN` status line in `bytes`. */
export function statusCodes(bytes: Uint8Array): number[] {
  const text = new TextDecoder("latin1").decode(bytes);
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
}

/** Joins byte chunks into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Runs `task(i)` for i in 0..count-1 with at most `parallel` tasks at once. */
export async function inParallel(
  count: number,
  parallel: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}
