/**
 * How many requests a target says it served, read from its own counters, to cross-check what
 * the load generator reports.
 *
 * @module
 */

import type { Target } from "./launch.ts";

/** Reads how many requests a target has served so far, or null when it cannot tell. */
export type ServedReader = () => Promise<number | null>;

async function getJson(url: string): Promise<{ json: unknown; proxied: boolean } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return { json: await response.json(), proxied: response.headers.has("x-backend") };
  } catch {
    return null;
  }
}

/**
 * Chooses, once per target, how to count the requests it serves. A lab server counts in its
 * `/stats` (which does not count itself). Through the lab's balancer, `/stats` would be
 * forwarded to one backend and count only that one, so the balancer's own `/lb/stats` is summed
 * over its backends instead. Anything else: null, no cross-check.
 */
export async function servedReader(target: Target): Promise<ServedReader> {
  const probe = await getJson(`${target.url}/stats`);
  if (probe === null) return () => Promise.resolve(null);
  if (probe.proxied) {
    return async () => {
      const backends = ((await getJson(`${target.url}/lb/stats`))?.json as
        | { backends?: { requests?: unknown }[] }
        | undefined)?.backends;
      if (!Array.isArray(backends)) return null;
      const counts = backends.map((backend) => backend.requests);
      return counts.every((n) => typeof n === "number")
        ? (counts as number[]).reduce((a, b) => a + b, 0)
        : null;
    };
  }
  return async () => {
    const served = ((await getJson(`${target.url}/stats`))?.json as { served?: unknown } | null)
      ?.served;
    return typeof served === "number" ? served : null;
  };
}
