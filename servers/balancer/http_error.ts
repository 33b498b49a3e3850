/**
 * An HTTP error the raw engine answers a client with: a status and a one-line reason (also what
 * the chunked decoder throws).
 *
 * @module
 */

/** A request the balancer refuses: answered with `status` and `message`, then closed. */
export class HttpError extends Error {
  /** The error name. */
  override name = "HttpError";

  /** Creates an error answered with `status`; `message` is one line naming the problem. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
