/**
 * One slot of the shared-memory ring between the threads model's listener and its pool workers.
 *
 * A {@link Slot} is a `SharedArrayBuffer` holding a small header of `Int32` fields (state,
 * ticket, lengths) and a data area. The listener writes a request's head (method, URL and,
 * when the pool passes them, headers) into the data area as text, with the request's ticket,
 * and flips the state to {@link SlotState.Request}; the worker that claims that ticket (see
 * `pool.ts`) serves the request and writes the response (status, headers, body bytes) into the
 * same area, then flips the state to {@link SlotState.Response}. No structured clone and no
 * message event is involved: a handoff costs two text encodings and a copy of the body.
 *
 * A response that does not fit in the data area travels by `postMessage` instead (the body
 * transferred, not copied) and the slot only says so ({@link Slot.byMessage}); a request head
 * that does not fit is refused ({@link Slot.writeRequest} returns false).
 *
 * @example Layout of one slot
 * ```ts
 * import { Slot } from "./servers/threads/slot.ts";
 * const slot = Slot.create(1024);
 * slot.writeRequest(["GET", "http://127.0.0.1/", []]); // true: it fitted
 * console.log(slot.readRequest()); // ["GET", "http://127.0.0.1/", []]
 * ```
 *
 * @module
 */

import { TEXT_CONTENT_TYPE } from "../app.ts";

/** What a slot holds now. */
export const SlotState = {
  /** Free: the listener may post the next request here. */
  Idle: 0,
  /** A request waits for a worker to claim its ticket. */
  Request: 1,
  /** A worker is serving the request. */
  Running: 2,
  /** The worker answered: the response waits for the listener. */
  Response: 3,
} as const;

/** One of the {@link SlotState} values. */
export type SlotState = typeof SlotState[keyof typeof SlotState];

/** Header fields, as `Int32` indexes. */
const STATE = 0;
const HEAD_LENGTH = 1;
const BODY_LENGTH = 2;
const BY_MESSAGE = 3;
const TICKET = 4;
/** Bytes before the data area (room for more fields, 8-byte aligned). */
const HEADER_BYTES = 32;

/** Default size of a slot's data area: a head and a small page fit, a large file does not. */
export const DEFAULT_SLOT_BYTES = 64 * 1024;

/** A request head: method, absolute URL, header pairs. */
export type RequestHead = [method: string, url: string, headers: [string, string][]];

/**
 * A response as it crosses a slot: status, header pairs, body (null for no body). A body that
 * is the default text type's (see {@link TEXT_CONTENT_TYPE}) and valid UTF-8 is read back as a
 * string: `new Response(string)` gives it that type for free, where bytes and a header cost more
 * than the rest of the handoff.
 */
export interface SlotResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer> | string | null;
}

/** A response that did not fit its slot and travels by `postMessage`, with its ticket. */
export interface SlotMessage {
  type: "response";
  ticket: number;
  status: number;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Characters per `String.fromCharCode` call (its arguments go on the stack). */
const CHUNK = 4096;

/**
 * `bytes` as text when every byte is ASCII, else null. `TextDecoder` copies shared memory
 * before decoding and costs several times more than this for a request head.
 */
function asciiText(bytes: Uint8Array): string | null {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return null;
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let text = "";
  for (let at = 0; at < bytes.length; at += CHUNK) {
    text += String.fromCharCode.apply(null, bytes.subarray(at, at + CHUNK) as unknown as number[]);
  }
  return text;
}

/** `bytes` (UTF-8) as text, replacing invalid sequences. */
function decodeText(bytes: Uint8Array): string {
  return asciiText(bytes) ?? decoder.decode(bytes.slice());
}

/**
 * Writes `text` into `target` when it is ASCII and fits, returning the bytes written, else -1
 * (`TextEncoder.encodeInto` costs several times more on shared memory).
 */
function writeAscii(text: string, target: Uint8Array): number {
  if (text.length > target.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    target[i] = code;
  }
  return text.length;
}

/**
 * The header pairs of `headers`, as spreading them gives (sorted, repeated names combined,
 * `set-cookie` kept apart), several times faster than `[...headers]` in Deno.
 */
export function headerPairs(headers: Headers): [string, string][] {
  const pairs: [string, string][] = [];
  headers.forEach((value, name) => pairs.push([name, value]));
  return pairs;
}
/** The type `new Response(string)` gives a body (`app.ts`'s `TEXT_CONTENT_TYPE`). */
const TEXT = TEXT_CONTENT_TYPE;

/** Longest head {@link LastHead} keeps: longer ones are parsed each time. */
const CACHED_HEAD_BYTES = 256;

/**
 * The last head this thread parsed, with what it parsed to. Under load most heads repeat the
 * one before (the same URL, the same response type), and comparing the bytes costs a tenth of
 * decoding them. The parsed value is shared between the reads that match: it must not change.
 */
class LastHead<T> {
  #bytes = new Uint8Array(0);
  #value: T | null = null;

  /** What `bytes` parsed to the last time, or null when they differ from the last head. */
  get(bytes: Uint8Array): T | null {
    const last = this.#bytes;
    if (this.#value === null || bytes.length !== last.length) return null;
    for (let i = 0; i < last.length; i++) if (bytes[i] !== last[i]) return null;
    return this.#value;
  }

  /** Remembers what `bytes` parsed to (short heads only). */
  set(bytes: Uint8Array, value: T): T {
    if (bytes.length <= CACHED_HEAD_BYTES) {
      this.#bytes = bytes.slice();
      this.#value = value;
    }
    return value;
  }
}

/** A response head as parsed: status, header pairs, and whether they are the text type only. */
interface ResponseHead {
  status: number;
  headers: [string, string][];
  text: boolean;
}

/** Header pairs from `name:value` lines, starting at line `first`. */
function headerLines(lines: string[], first: number): [string, string][] {
  const headers: [string, string][] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return headers;
}

const lastRequest = new LastHead<RequestHead>();
const lastResponse = new LastHead<ResponseHead>();

/** Parses a response head (and remembers it: see {@link LastHead}). */
function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const lines = decodeText(bytes).split("\n");
  const headers = headerLines(lines, 1);
  const text = headers.length === 1 && headers[0]![0] === "content-type" &&
    headers[0]![1] === TEXT;
  return lastResponse.set(bytes, { status: Number(lines[0]), headers, text });
}

/** One worker's mailbox (see the module documentation). */
export class Slot {
  /** The header fields. */
  readonly fields: Int32Array;
  readonly #data: Uint8Array;

  /** Wraps a buffer made by {@link Slot.create}, for example one received by a worker. */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.fields = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#data = new Uint8Array(buffer, HEADER_BYTES);
  }

  /** A new idle slot whose data area holds `dataBytes` bytes. */
  static create(dataBytes: number = DEFAULT_SLOT_BYTES): Slot {
    if (!Number.isInteger(dataBytes) || dataBytes < 64) {
      throw new RangeError(
        `slot size must be a whole number of at least 64 bytes, got ${dataBytes}`,
      );
    }
    return new Slot(new SharedArrayBuffer(HEADER_BYTES + dataBytes));
  }

  /** Bytes the data area holds. */
  get capacity(): number {
    return this.#data.byteLength;
  }

  /** The state now. */
  get state(): SlotState {
    return Atomics.load(this.fields, STATE) as SlotState;
  }

  /** The ticket (request number) of what the slot holds. */
  get ticket(): number {
    return Atomics.load(this.fields, TICKET);
  }

  set ticket(ticket: number) {
    Atomics.store(this.fields, TICKET, ticket);
  }

  /** True when the frame now in the slot travels by `postMessage` instead. */
  get byMessage(): boolean {
    return Atomics.load(this.fields, BY_MESSAGE) === 1;
  }

  /** Sets the state and wakes a thread waiting on it. */
  publish(state: SlotState): void {
    Atomics.store(this.fields, STATE, state);
    Atomics.notify(this.fields, STATE);
  }

  /** Sets the state without waking anyone (no thread waits for this change). */
  set(state: SlotState): void {
    Atomics.store(this.fields, STATE, state);
  }

  /**
   * Blocks this thread until the state is no longer `state` (worker side). Returns the new
   * state, or `state` again after `timeoutMs`.
   */
  waitWhile(state: SlotState, timeoutMs = Infinity): SlotState {
    Atomics.wait(this.fields, STATE, state, timeoutMs);
    return this.state;
  }

  /** Writes a request head into the data area; false when it does not fit. */
  writeRequest([method, url, headers]: RequestHead): boolean {
    let text = method + "\n" + url;
    for (const [name, value] of headers) text += `\n${name}:${value}`;
    return this.#writeText(text, -1);
  }

  /**
   * Reads the request head in the slot. The head is shared with earlier reads of the same
   * bytes in this thread: do not change it.
   */
  readRequest(): RequestHead {
    const bytes = this.#data.subarray(0, this.fields[HEAD_LENGTH]);
    const cached = lastRequest.get(bytes);
    if (cached !== null) return cached;
    const lines = decodeText(bytes).split("\n");
    return lastRequest.set(bytes, [lines[0]!, lines[1]!, headerLines(lines, 2)]);
  }

  /** Writes a response into the data area; false when it does not fit (send it by message). */
  writeResponse(status: number, headers: [string, string][], body: Uint8Array | null): boolean {
    let text = String(status);
    for (const [name, value] of headers) text += `\n${name}:${value}`;
    const bodyLength = body?.byteLength ?? -1;
    if (bodyLength > this.capacity) return this.#markByMessage();
    const written = this.#writeText(text, bodyLength);
    if (written && body !== null) {
      this.#data.set(body, this.fields[HEAD_LENGTH]!);
    }
    return written;
  }

  /** Reads the response in the slot; the body is copied out, so the slot can be reused. */
  readResponse(): SlotResponse {
    const headLength = this.fields[HEAD_LENGTH]!;
    const bodyLength = this.fields[BODY_LENGTH]!;
    const headBytes = this.#data.subarray(0, headLength);
    const { status, headers, text } = lastResponse.get(headBytes) ?? parseResponseHead(headBytes);
    if (bodyLength < 0) return { status, headers, body: null };
    const bytes = this.#data.subarray(headLength, headLength + bodyLength);
    if (text) {
      const ascii = asciiText(bytes);
      if (ascii !== null) return { status, headers: [], body: ascii };
      try {
        return { status, headers: [], body: strictDecoder.decode(bytes.slice()) };
      } catch {
        // Not UTF-8 after all: passed on as bytes, unchanged.
      }
    }
    return { status, headers, body: bytes.slice() };
  }

  /** Encodes `text` at the start of the data area, leaving `room` bytes after it for a body. */
  #writeText(text: string, room: number): boolean {
    const free = this.capacity - Math.max(room, 0);
    // Each UTF-16 unit encodes to at most 3 bytes: short heads need no second look.
    if (text.length * 3 > free && encoder.encode(text).byteLength > free) {
      return this.#markByMessage();
    }
    const area = this.#data.subarray(0, free);
    let written = writeAscii(text, area);
    if (written < 0) written = encoder.encodeInto(text, area).written;
    this.fields[HEAD_LENGTH] = written;
    this.fields[BODY_LENGTH] = room;
    this.fields[BY_MESSAGE] = 0;
    return true;
  }

  #markByMessage(): false {
    this.fields[BY_MESSAGE] = 1;
    return false;
  }
}
