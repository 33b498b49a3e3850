/**
 * Runs a balancer test once per engine (`raw` and `serve`), so both are held to the same
 * behaviour.
 *
 * @module
 */

import {
  type BalancerEngine,
  type BalancerHandle,
  type BalancerOptions,
  ENGINES,
  startBalancer,
} from "../../../../servers/balancer.ts";

/** A test registrar and a balancer starter bound to the engine of the running test. */
export interface EngineTests {
  /** Registers `fn` as one `Deno.test` per engine, named `[engine] name`. */
  test(name: string, fn: () => Promise<void>): void;
  /** Starts a balancer with the running test's engine. */
  start(options: BalancerOptions): Promise<BalancerHandle>;
}

/** A fresh {@link EngineTests} for one test file. */
export function eachEngine(): EngineTests {
  let engine: BalancerEngine = "raw";
  return {
    test(name, fn) {
      for (const each of ENGINES) {
        Deno.test(`[${each}] ${name}`, () => {
          engine = each;
          return fn();
        });
      }
    },
    start: (options) => startBalancer({ engine, ...options }),
  };
}
