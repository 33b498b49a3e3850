/**
 * Small byte helpers for the head parsers: copying and comparing without creating views (a
 * `subarray` allocates an object, which shows at tens of thousands of requests a second).
 *
 * @module
 */

/** Carriage return. */
export const CR = 13;
/** Line feed. */
export const LF = 10;
/** Space. */
export const SP = 32;
/** Horizontal tab. */
export const TAB = 9;
/** `:` */
export const COLON = 58;

/** `TCHAR[byte]` is 1 for the token characters of RFC 9110 section 5.6.2 (header names, methods). */
export const TCHAR: Uint8Array = new Uint8Array(256);
for (
  const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
) {
  TCHAR[char.charCodeAt(0)] = 1;
}

/** Copies below this many bytes go byte by byte; longer ones use `Uint8Array.set`. */
const LOOP_COPY_BYTES = 64;

/** Copies `from[start, end)` to `to` at `at`; returns the index in `to` just past the copy. */
export function copyBytes(
  from: Uint8Array,
  start: number,
  end: number,
  to: Uint8Array,
  at: number,
): number {
  const length = end - start;
  if (length < LOOP_COPY_BYTES) {
    for (let k = 0; k < length; k++) to[at + k] = from[start + k]!;
  } else {
    to.set(from.subarray(start, end), at);
  }
  return at + length;
}

/** Whether `input[start, end)` equals `bytes`. */
export function equalsBytes(
  input: Uint8Array,
  start: number,
  end: number,
  bytes: Uint8Array,
): boolean {
  if (end - start !== bytes.length) return false;
  for (let k = 0; k < bytes.length; k++) if (input[start + k] !== bytes[k]) return false;
  return true;
}

/**
 * Whether the bytes at `input[at]` equal the lower-case ASCII `name`, ignoring ASCII case
 * (`input` must hold `name.length` bytes from `at`).
 */
export function equalsLower(input: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let k = 0; k < name.length; k++) {
    const byte = input[at + k]!;
    if ((byte >= 65 && byte <= 90 ? byte + 32 : byte) !== name[k]) return false;
  }
  return true;
}

/** Lower-case header names as bytes, indexed by length, for {@link isListedName}. */
export type NamesByLength = readonly (readonly Uint8Array[] | undefined)[];

/** Encodes lower-case `names` into a {@link NamesByLength} table. */
export function namesByLength(names: Iterable<string>): NamesByLength {
  const encoder = new TextEncoder();
  const table: Uint8Array[][] = [];
  for (const name of names) (table[name.length] ??= []).push(encoder.encode(name));
  return table;
}

/** Whether the `length` bytes at `input[at]` are one of the names in `table`, ignoring case. */
export function isListedName(
  input: Uint8Array,
  at: number,
  length: number,
  table: NamesByLength,
): boolean {
  const candidates = table[length];
  if (candidates === undefined) return false;
  for (const name of candidates) if (equalsLower(input, at, name)) return true;
  return false;
}
