/**
 * The retry policy both engines follow when a backend fails (as nginx's
 * `proxy_next_upstream error` does):
 *
 * - the backend refuses the connection: it is taken out of rotation at once and the request goes
 *   to the next healthy backend (nothing was sent, so any method may move);
 * - the connection breaks after the request was sent, before a response: GET, HEAD, OPTIONS and
 *   TRACE without a body move to the next backend; other methods get 502 and are not repeated;
 * - no response head within the timeout: 504;
 * - no backend left in rotation: 503, or 502 when backends were tried and none answered;
 * - the response head came but the body broke off before anything reached the client: 502 (504
 *   when the timeout ran out), not retried, since the backend has processed the request.
 *
 * An engine supplies one attempt on one backend; {@link forwardWithRetries} runs the loop.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import type { Strategy } from "./strategies.ts";

/** Why one attempt on one backend produced no response. */
export type Failure =
  /** The backend refused the connection: nothing was sent. */
  | "connect"
  /** The connection closed or broke after the request was sent, before a response head. */
  | "no-response"
  /** No response head within the timeout. */
  | "timeout"
  /** The backend sent something that is not a usable response head. */
  | "broken";

/** Methods that may be sent again to another backend when they carry no body. */
export const REPEATABLE: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** Whether a request may be sent again after a backend took it and gave no answer. */
export function isRepeatable(method: string, hasBody: boolean): boolean {
  return !hasBody && REPEATABLE.has(method);
}

/** The balancer's own answer when no backend produced a response. */
export class Refusal {
  /** Creates a refusal: `status` (502, 503 or 504) with a one-line `message` (no newline). */
  constructor(readonly status: 502 | 503 | 504, readonly message: string) {}
}

/**
 * What to do after `failure` on `backend`: try the next backend (`"next"`), or answer the client
 * with a {@link Refusal}.
 */
export function afterFailure(
  failure: Failure,
  backend: Backend,
  method: string,
  repeatable: boolean,
  timeoutMs: number,
): "next" | Refusal {
  if (failure === "timeout") {
    return new Refusal(504, `backend ${backend.label} sent no response within ${timeoutMs} ms`);
  }
  if (failure === "connect") return "next";
  if (failure === "no-response" && repeatable) return "next";
  return new Refusal(
    502,
    `backend ${backend.label} closed the connection without a response` +
      (repeatable ? "" : `; ${method} is not repeated on another backend`),
  );
}

/**
 * The answer when the strategy has no backend left: 503 when nothing was sent or every backend is
 * down, else 502 (the request reached backends and none answered).
 */
export function noBackendLeft(backends: readonly Backend[], sent: boolean): Refusal {
  if (!sent || backends.every((backend) => !backend.healthy)) {
    return new Refusal(
      503,
      `no backend available: all ${backends.length} backends are down ` +
        `(${backends.map((backend) => backend.label).join(", ")}); start them or wait for ` +
        "the health checks to bring them back",
    );
  }
  return new Refusal(502, "every backend tried closed the connection without a response");
}

/**
 * The answer when `backend` sent a response head but its body broke off (or took longer than the
 * timeout) before anything was passed to the client.
 */
export function unfinishedResponse(
  backend: Backend,
  timedOut: boolean,
  timeoutMs: number,
): Refusal {
  return timedOut
    ? new Refusal(504, `backend ${backend.label} did not finish its response in ${timeoutMs} ms`)
    : new Refusal(502, `backend ${backend.label} closed the connection mid-response`);
}

/** What {@link forwardWithRetries} needs. */
export interface RetryOptions<T> {
  /** Backends in configured order. */
  backends: readonly Backend[];
  /** Picks the next backend, skipping those tried. */
  strategy: Strategy;
  /** The request method (for the 502 message). */
  method: string;
  /** Whether the request may go to another backend after one took it: see {@link isRepeatable}. */
  repeatable: boolean;
  /** Time a backend has to send its response head, ms (for the 504 message). */
  timeoutMs: number;
  /** One attempt on `backend`: the engine's result, or why there is none. */
  attempt: (backend: Backend) => Promise<T | Failure>;
  /**
   * An attempt already made outside the loop (the raw engine makes the first one inline, one
   * async call less per request) and how it failed.
   */
  first?: { backend: Backend; failure: Failure };
}

/**
 * Tries backends by the strategy until one answers (its result is returned) or the policy above
 * says to give up (a {@link Refusal} is returned). `T` must not be a string.
 *
 * @example
 * ```ts ignore
 * const result = await forwardWithRetries({ backends, strategy, method: "GET",
 *   repeatable: true, timeoutMs: 30_000, attempt: (backend) => forward(request, backend) });
 * if (result instanceof Refusal) return plain(result.status, result.message);
 * ```
 */
export async function forwardWithRetries<T>(options: RetryOptions<T>): Promise<T | Refusal> {
  const { backends, strategy, method, repeatable, timeoutMs, attempt } = options;
  const tried = new Set<Backend>();
  let sent = false;
  let pending = options.first;
  for (;;) {
    let backend: Backend;
    let failure: Failure;
    if (pending) {
      ({ backend, failure } = pending);
      pending = undefined;
    } else {
      const next = strategy(backends, tried);
      if (!next) return noBackendLeft(backends, sent);
      backend = next;
      const result = await attempt(backend);
      if (typeof result !== "string") return result;
      failure = result as Failure;
    }
    tried.add(backend);
    if (failure !== "connect") sent = true;
    const step = afterFailure(failure, backend, method, repeatable, timeoutMs);
    if (step !== "next") return step;
  }
}
