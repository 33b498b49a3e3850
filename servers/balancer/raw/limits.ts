/**
 * Limits of the raw HTTP/1.1 engine: what a client may send and how long it may take.
 *
 * Each has a flag on `servers/balancer.ts` where a user may need another value.
 *
 * @module
 */

/** Longest request line (method, target, version), bytes; longer gets 414. */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;
/** Largest request head (request line and header fields), bytes; larger gets 431. */
export const MAX_HEADER_BYTES = 32 * 1024;
/** Most header fields in one request; more gets 431. */
export const MAX_HEADER_FIELDS = 100;
/** Largest request body, bytes (`--max-body-bytes`); larger gets 413. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/**
 * Time a client connection may wait for its next complete request head, ms
 * (`--idle-timeout-ms`): an idle keep-alive connection, or one sending its head slowly, is closed
 * after it.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
/** Request bodies up to this size are read whole and checked before anything is forwarded. */
export const REQUEST_BUFFER_BYTES = 1024 * 1024;

/** The limits one raw engine applies. */
export interface RequestLimits {
  /** Longest request line, bytes. */
  maxRequestLineBytes: number;
  /** Largest request head, bytes. */
  maxHeaderBytes: number;
  /** Most header fields. */
  maxHeaderFields: number;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<RequestLimits> = {
  maxRequestLineBytes: MAX_REQUEST_LINE_BYTES,
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxHeaderFields: MAX_HEADER_FIELDS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
};
