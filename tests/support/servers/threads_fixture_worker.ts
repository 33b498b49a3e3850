/**
 * A pool worker for tests of `servers/threads/pool.ts`: the slot protocol of `worker_loop.ts`
 * with test routes instead of the application.
 *
 * - `/hold?ms=N&id=I`: logs `I` as started, blocks N ms, answers `I`.
 * - `/gate`: blocks until the test opens the gate (sets log cell {@link LOG_GATE} to 1).
 * - `/headers`: answers the request's headers as JSON pairs.
 * - `/binary?n=N`: N bytes cycling through 0..255 (not UTF-8), typed as UTF-8 text.
 * - `/empty`: a 204 with no body; `/head`: a 200 with a `content-length` and no body (for HEAD).
 * - `/die`: ends this worker with an uncaught error while the request is running.
 *
 * The log is the `counters` buffer of the setup: cell 0 counts started requests, cell 1 the
 * requests running now, cell 2 their peak, cell 3 the gate, cells 4.. the ids in start order.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { runPoolWorker } from "../../../servers/threads/worker_loop.ts";

/** Log cells (see the module documentation). */
export const LOG_STARTED = 0;
/** Requests running now. */
export const LOG_RUNNING = 1;
/** Peak of the requests running at once. */
export const LOG_PEAK = 2;
/** The gate `/gate` waits for: 0 closed, 1 open. */
export const LOG_GATE = 3;
/** First cell of the start order. */
export const LOG_ORDER = 4;

runPoolWorker((init) => {
  const log = new Int32Array(init.counters);
  return (request) => {
    const url = new URL(request.url);
    const param = (name: string) => Number(url.searchParams.get(name) ?? 0);
    switch (url.pathname) {
      case "/hold": {
        const started = Atomics.add(log, LOG_STARTED, 1);
        // Pool tests give the log a buffer of its own. Under startThreads it is the server's
        // counters, which the listener counts in too, so the index can pass the end: not logged.
        if (LOG_ORDER + started < log.length) Atomics.store(log, LOG_ORDER + started, param("id"));
        const running = Atomics.add(log, LOG_RUNNING, 1) + 1;
        let peak = Atomics.load(log, LOG_PEAK);
        while (running > peak) peak = Atomics.compareExchange(log, LOG_PEAK, peak, running);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, param("ms"));
        Atomics.sub(log, LOG_RUNNING, 1);
        return new Response(String(param("id")));
      }
      case "/gate":
        Atomics.wait(log, LOG_GATE, 0);
        return new Response("through the gate");
      case "/headers":
        return Response.json([...request.headers]);
      case "/binary":
        return new Response(Uint8Array.from({ length: param("n") }, (_, i) => i % 256), {
          headers: { "content-type": "text/plain;charset=UTF-8" },
        });
      case "/empty":
        return new Response(null, { status: 204 });
      case "/head":
        return new Response(null, { headers: { "content-length": "42" } });
      case "/die":
        setTimeout(() => {
          throw new Error("the fixture worker died on purpose");
        });
        return new Promise<Response>(() => {});
      default:
        return new Response("not found\n", { status: 404 });
    }
  };
});
