/**
 * A strict, incremental decoder of the chunked transfer coding (RFC 9112 section 7.1): the raw
 * engine decodes request and response bodies with it, the readable engine response bodies.
 *
 * Chunk sizes must be plain hex digits (no sign, no `0x`, no spaces), optionally followed by a
 * `;` extension; every line ends in CRLF; chunk data must be followed by exactly CRLF; trailer
 * lines must be header fields. Extensions and trailers are dropped, so a re-encoded body is
 * canonical. Anything else throws an {@link HttpError} with status 400, and a body over the
 * limit one with 413.
 *
 * @module
 */

import { HttpError } from "./http_error.ts";

const CR = 13;
const LF = 10;
const MAX_LINE = 4096;
const SIZE = /^[0-9a-fA-F]{1,12}(;.*)?$/;
const FIELD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/;
const latin1 = new TextDecoder("latin1");

/** Decodes one chunked body, fed in pieces. */
export class ChunkedDecoder {
  #remaining = 0;
  #state: "size" | "data" | "data-end" | "trailer" | "done" = "size";
  #total = 0;
  #trailerBytes = 0;

  /** Creates a decoder that refuses bodies over `maxBytes` decoded bytes. */
  constructor(readonly maxBytes: number) {}

  /** Whether the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Decoded body bytes so far. */
  get total(): number {
    return this.#total;
  }

  /**
   * Decodes from `bytes[start, end)`, handing each piece of chunk data to `onData` (a view into
   * `bytes`, valid only during the call). Returns the index up to which input was consumed;
   * unconsumed bytes (an incomplete line) must be offered again with more after them.
   */
  decode(
    bytes: Uint8Array,
    start: number,
    end: number,
    onData: (piece: Uint8Array) => void,
  ): number {
    let at = start;
    while (at < end && this.#state !== "done") {
      if (this.#state === "data") {
        const take = Math.min(this.#remaining, end - at);
        onData(bytes.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = "data-end";
        continue;
      }
      if (this.#state === "data-end") {
        if (end - at < 2) return at;
        if (bytes[at] !== CR || bytes[at + 1] !== LF) {
          throw new HttpError(400, "chunk data not followed by CRLF: the chunk size is wrong");
        }
        at += 2;
        this.#state = "size";
        continue;
      }
      const lineEnd = findLineEnd(bytes, at, end);
      if (lineEnd < 0) {
        if (end - at > MAX_LINE) throw new HttpError(400, "chunk-size line too long");
        return at;
      }
      const line = latin1.decode(bytes.subarray(at, lineEnd));
      at = lineEnd + 2;
      if (this.#state === "trailer") {
        if (line === "") {
          this.#state = "done";
          break;
        }
        this.#trailerBytes += line.length + 2;
        if (!FIELD.test(line) || this.#trailerBytes > MAX_LINE * 8) {
          throw new HttpError(400, "invalid trailer field after the last chunk");
        }
        continue;
      }
      if (!SIZE.test(line)) throw new HttpError(400, "invalid chunk size: expected hex digits");
      const semicolon = line.indexOf(";");
      const size = parseInt(semicolon < 0 ? line : line.slice(0, semicolon), 16);
      if (size === 0) {
        this.#state = "trailer";
        continue;
      }
      this.#total += size;
      if (this.#total > this.maxBytes) {
        throw new HttpError(413, `request body over ${this.maxBytes} bytes`);
      }
      this.#remaining = size;
      this.#state = "data";
    }
    return at;
  }
}

/** The index of the CR of the next CRLF, or -1; throws on a bare CR, bare LF or control byte. */
function findLineEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x20 && byte !== 0x7f) continue;
    if (byte === CR) {
      if (i + 1 === end) return -1;
      if (bytes[i + 1] !== LF) throw new HttpError(400, "bare CR in chunked framing");
      return i;
    }
    if (byte === LF) throw new HttpError(400, "bare LF in chunked framing");
    if (byte !== 9) throw new HttpError(400, "control byte in chunked framing");
  }
  return -1;
}
