/**
 * The error for a run spec that is refused before anything is spawned.
 *
 * @module
 */

/** A run spec was refused; the message names the problem and the fix. */
export class RunSpecError extends Error {
  /** Always `"RunSpecError"`. */
  override name = "RunSpecError";
}
