/**
 * How the balancer picks a backend for each request.
 *
 * - `round-robin`: strict rotation over the backend list, skipping backends out of rotation.
 * - `least-connections`: the backend with the fewest requests in flight (ties in rotation).
 * - `random`: any healthy backend, uniformly.
 * - `two-choices`: two distinct random healthy backends, the one with fewer in flight wins
 *   ("the power of two random choices").
 *
 * @module
 */

import type { Backend } from "./backend.ts";

/** Names of the strategies. */
export const STRATEGY_NAMES = [
  "round-robin",
  "least-connections",
  "random",
  "two-choices",
] as const;

/** A strategy name. */
export type StrategyName = typeof STRATEGY_NAMES[number];

/**
 * Picks the next backend among the healthy ones not in `tried`, or undefined when none is left.
 */
export type Strategy = (backends: readonly Backend[], tried?: ReadonlySet<Backend>) =>
  | Backend
  | undefined;

/** Checks a strategy name, or throws a one-line error listing the valid ones. */
export function parseStrategyName(name: string): StrategyName {
  if ((STRATEGY_NAMES as readonly string[]).includes(name)) return name as StrategyName;
  throw new TypeError(`unknown strategy '${name}': use one of ${STRATEGY_NAMES.join(", ")}`);
}

/** Creates a strategy with its own state (the rotation cursor). */
export function createStrategy(name: StrategyName, random: () => number = Math.random): Strategy {
  let cursor = 0;
  const usable = (backend: Backend, tried?: ReadonlySet<Backend>) =>
    backend.healthy && !tried?.has(backend);

  /** The next usable backend in rotation, advancing the cursor past it. */
  function rotate(backends: readonly Backend[], tried?: ReadonlySet<Backend>) {
    const n = backends.length;
    for (let step = 0; step < n; step++) {
      const index = (cursor + step) % n;
      const backend = backends[index]!;
      if (usable(backend, tried)) {
        cursor = (index + 1) % n;
        return backend;
      }
    }
    return undefined;
  }

  switch (name) {
    case "round-robin":
      return rotate;
    case "least-connections":
      return (backends, tried) => {
        const n = backends.length;
        let best: Backend | undefined;
        let bestIndex = 0;
        for (let step = 0; step < n; step++) {
          const index = (cursor + step) % n;
          const backend = backends[index]!;
          if (usable(backend, tried) && (!best || backend.inFlight < best.inFlight)) {
            best = backend;
            bestIndex = index;
          }
        }
        if (best) cursor = (bestIndex + 1) % n;
        return best;
      };
    case "random":
      return (backends, tried) => {
        const candidates = backends.filter((backend) => usable(backend, tried));
        return candidates[Math.floor(random() * candidates.length)];
      };
    case "two-choices":
      return (backends, tried) => {
        const candidates = backends.filter((backend) => usable(backend, tried));
        if (candidates.length < 2) return candidates[0];
        const first = Math.floor(random() * candidates.length);
        let second = Math.floor(random() * (candidates.length - 1));
        if (second >= first) second++;
        const a = candidates[first]!;
        const b = candidates[second]!;
        return b.inFlight < a.inFlight ? b : a;
      };
  }
}
