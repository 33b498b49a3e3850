import assert from "node:assert/strict";
import { Backend } from "./backend.ts";
import { createStrategy, parseStrategyName, type Strategy } from "./strategies.ts";

/** Four backends `a` to `d` (ports 9002 to 9005). */
function fourBackends(): Backend[] {
  return [9002, 9003, 9004, 9005].map((port) => new Backend(`http://127.0.0.1:${port}`));
}

/** The picks of `count` calls, as indexes into `backends` (-1 for none). */
function picks(strategy: Strategy, backends: Backend[], count: number, tried?: Set<Backend>) {
  return Array.from({ length: count }, () => {
    const backend = strategy(backends, tried);
    return backend ? backends.indexOf(backend) : -1;
  });
}

/** A repeatable sequence of "random" numbers. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

Deno.test("round-robin rotates through the backends in order", () => {
  const backends = fourBackends();
  assert.deepEqual(picks(createStrategy("round-robin"), backends, 6), [0, 1, 2, 3, 0, 1]);
});

Deno.test("round-robin skips backends out of rotation and those already tried", () => {
  const backends = fourBackends();
  const strategy = createStrategy("round-robin");
  backends[1]!.healthy = false;
  assert.deepEqual(picks(strategy, backends, 4), [0, 2, 3, 0]);
  assert.deepEqual(picks(strategy, backends, 2, new Set([backends[2]!])), [3, 0]);
});

Deno.test("every strategy answers undefined when no backend is usable", () => {
  for (const name of ["round-robin", "least-connections", "random", "two-choices"] as const) {
    const backends = fourBackends();
    backends[0]!.healthy = false;
    backends[1]!.healthy = false;
    const strategy = createStrategy(name, sequence(0.5));
    assert.deepEqual(
      picks(strategy, backends, 1, new Set([backends[2]!, backends[3]!])),
      [-1],
      name,
    );
  }
});

Deno.test("least-connections picks the fewest in flight, ties broken in rotation", () => {
  const backends = fourBackends();
  const strategy = createStrategy("least-connections");
  backends[0]!.inFlight = 3;
  backends[1]!.inFlight = 1;
  backends[2]!.inFlight = 0;
  backends[3]!.inFlight = 0;
  assert.deepEqual(picks(strategy, backends, 1), [2]);
  assert.deepEqual(picks(strategy, backends, 1), [3]); // a tie: the rotation moved past index 2
  backends[2]!.healthy = false;
  backends[3]!.inFlight = 5;
  assert.deepEqual(picks(strategy, backends, 1), [1]);
});

Deno.test("random maps its random number onto the usable backends only", () => {
  const backends = fourBackends();
  backends[1]!.healthy = false; // usable: 0, 2, 3
  const strategy = createStrategy("random", sequence(0, 0.34, 0.99));
  assert.deepEqual(picks(strategy, backends, 3), [0, 2, 3]);
});

Deno.test("two-choices draws two distinct backends and keeps the one with fewer in flight", () => {
  const backends = fourBackends();
  backends[0]!.inFlight = 4;
  backends[3]!.inFlight = 1;
  // First draw index 0; second draw 0.99 * 3 -> 2, shifted past the first -> 3.
  assert.deepEqual(picks(createStrategy("two-choices", sequence(0, 0.99)), backends, 1), [3]);
  // The same index twice cannot happen: 0 then 0 becomes 0 then 1; backend 1 has fewer.
  assert.deepEqual(picks(createStrategy("two-choices", sequence(0, 0)), backends, 1), [1]);
  // A tie keeps the first draw.
  assert.deepEqual(picks(createStrategy("two-choices", sequence(0.5, 0.5)), backends, 1), [2]);
  backends[1]!.healthy = backends[2]!.healthy = backends[3]!.healthy = false;
  assert.deepEqual(picks(createStrategy("two-choices", sequence(0.7)), backends, 1), [0]);
});

Deno.test("parseStrategyName accepts the four names and names them in its error", () => {
  assert.deepEqual(parseStrategyName("two-choices"), "two-choices");
  assert.throws(
    () => parseStrategyName("fastest"),
    /unknown strategy 'fastest': use one of round-robin, least-connections, random, two-choices/,
  );
});
