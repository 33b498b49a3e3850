/**
 * Telling a peer that went away from other failures, and closing without caring whether it is
 * closed already: shared by the balancer's engines and its L4 mode.
 *
 * @module
 */

/** Whether `error` says the socket was reset, broken, aborted or already closed. */
export function isConnectionError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted;
}

/** Closes `closable`, ignoring that it may be closed already. */
export function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch { /* closed already */ }
}
