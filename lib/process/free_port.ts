/**
 * A TCP port that is free right now, for a program that must be told its port before it starts
 * (Jupyter, a Locust master).
 *
 * @module
 */

/**
 * A port nothing listens on at `hostname` (default 127.0.0.1) right now: bound on port 0 and
 * released again. Another program could take it before it is used; bind it soon.
 */
export function freePort(hostname = "127.0.0.1"): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
