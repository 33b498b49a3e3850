/**
 * Writing the chunked transfer coding: the raw engine decodes chunked bodies strictly
 * (`../chunked_decoder.ts`) and encodes them again, one chunk per batch of decoded data.
 *
 * @module
 */

const encoder = new TextEncoder();
/** The last chunk and an empty trailer section: the end of a chunked body. */
export const LAST_CHUNK: Uint8Array = encoder.encode("0\r\n\r\n");

/** One chunk holding `pieces` (none when empty), and the last chunk when `last`. */
export function chunk(pieces: Uint8Array[], size: number, last: boolean): Uint8Array {
  const sizeLine = size > 0 ? `${size.toString(16)}\r\n` : "";
  const out = new Uint8Array(sizeLine.length + size + (size > 0 ? 2 : 0) + (last ? 5 : 0));
  let at = encoder.encodeInto(sizeLine, out).written;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  if (size > 0) at += encoder.encodeInto("\r\n", out.subarray(at)).written;
  if (last) out.set(LAST_CHUNK, at);
  return out;
}

/** `pieces` (`size` bytes in all) joined into one array. */
export function concat(pieces: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
