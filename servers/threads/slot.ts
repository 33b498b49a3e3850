/**
 * One slot of the shared-memory ring between the threads model's listener and its pool workers.
 *
 * A {@link Slot} is a `SharedArrayBuffer` holding a small header of `Int32` fields (state,
 * ticket, lengths) and a data area. The listener writes a request's head (method, URL,
 * headers) into the data area as text, with the request's ticket, and flips the state to
 * {@link SlotState.Request}; the worker holding that ticket, blocked in `Atomics.wait` until
 * then (see `pool.ts`), wakes up, serves the request and writes the response (status, headers, body bytes)
 * into the same area, then flips the state to {@link SlotState.Response}. No structured clone
 * and no message event is involved: a handoff costs two text encodings and a copy of the body.
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
  /** A request waits for the worker that holds its ticket. */
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
    let text = `${method}\n${url}`;
    for (const [name, value] of headers) text += `\n${name}:${value}`;
    return this.#writeText(text, -1);
  }

  /** Reads the request head in the slot. */
  readRequest(): RequestHead {
    const lines = decodeText(this.#data.subarray(0, this.fields[HEAD_LENGTH])).split("\n");
    const headers: [string, string][] = [];
    for (let i = 2; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      headers.push([line.slice(0, colon), line.slice(colon + 1)]);
    }
    return [lines[0]!, lines[1]!, headers];
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
    const lines = decodeText(this.#data.subarray(0, headLength)).split("\n");
    const headers: [string, string][] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      headers.push([line.slice(0, colon), line.slice(colon + 1)]);
    }
    const status = Number(lines[0]);
    if (bodyLength < 0) return { status, headers, body: null };
    const bytes = this.#data.subarray(headLength, headLength + bodyLength);
    if (headers.length === 1 && headers[0]![0] === "content-type" && headers[0]![1] === TEXT) {
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
