/**
 * Slow and idle clients against every model: 300 connections that either say nothing or send
 * their request head one byte per second do not stop a normal request from being answered.
 *
 * What Deno.serve (2.9.6) does with such connections, measured: it closes none of them by itself.
 * A silent connection, a head sent one byte a second, and an idle keep-alive connection after a
 * response were all still open after 100 s, and `Deno.serve` has no option for a header-read or
 * idle timeout (see `server_script.ts`). So this test checks that they cost the server nothing
 * but a file descriptor each, not that they are closed.
 */

import assert from "node:assert/strict";
import { fetchAll } from "../support/servers/http.ts";
import { testEachModel } from "../support/servers/models.ts";

/** Connections that say nothing. */
const SILENT = 150;
/** Connections that send their head one byte a second. */
const DRIPPING = 150;
/** Seconds the slow clients keep dripping while normal requests go in. */
const ROUNDS = 3;
/** A generous bound for one normal request: it answers, not how fast. */
const ANSWER_BOUND_MS = 5_000;

const HEAD = new TextEncoder().encode(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789\r\n",
);

testEachModel("keeps answering while 300 slow or silent clients hold connections", async (s) => {
  const connections: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < SILENT + DRIPPING; i++) {
      connections.push(await Deno.connect({ hostname: "127.0.0.1", port: s.port }));
    }
    const dripping = connections.slice(SILENT);
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(dripping.map((c) => c.write(HEAD.subarray(round, round + 1))));
      const started = Date.now();
      const hello = await fetchAll(`${s.url}/`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
      assert.equal(hello.status, 200, `round ${round}`);
      assert.match(hello.text, /^Hello from Concurrency Lab/);
      const io = await fetchAll(`${s.url}/io?ms=1`, {
        signal: AbortSignal.timeout(ANSWER_BOUND_MS),
      });
      assert.equal(io.status, 200, `round ${round}`);
      const rest = 1000 - (Date.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  } finally {
    for (const connection of connections) connection.close();
  }
  // Once they are gone, the server still answers.
  assert.equal((await fetchAll(`${s.url}/health`)).status, 200);
});
