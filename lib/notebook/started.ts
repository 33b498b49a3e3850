/**
 * What cells started, by name: re-running a cell stops what its earlier run started under the
 * same name, and links to loopback URLs are live only while their server runs.
 *
 * @module
 */

import { checkNotSkipped } from "../process/interrupt.ts";
import { liveTargets } from "../experiment/launch.ts";

/** Something started in a cell that can be stopped (a server handle, a child process...). */
export interface Stoppable {
  /** Stops it and resolves when nothing of it is left running. */
  shutdown(): Promise<void>;
}

const RUNNING = Symbol.for("concurrency-lab.notebook.running");

function running(): Map<string, Stoppable> {
  const store = globalThis as unknown as Record<symbol, Map<string, Stoppable> | undefined>;
  return (store[RUNNING] ??= new Map());
}

/**
 * Starts something under a name, first stopping what an earlier run of the same cell started
 * under that name, so re-running a cell replaces its server instead of failing with "address in
 * use" or leaking the old one.
 *
 * @example
 * ```ts
 * import { startCluster, startFresh } from "../lib/notebook/mod.ts";
 * // Running the cell again stops the cluster the last run started before starting a new one.
 * const cluster = await startFresh("02-cluster", () => startCluster({ port: 0, backendPort: 0 }));
 * ```
 */
export async function startFresh<T extends Stoppable>(
  name: string,
  start: () => Promise<T>,
): Promise<T> {
  checkNotSkipped(`starting ${name}`);
  await stopStarted(name);
  const started = await start();
  running().set(name, started);
  return started;
}

const LOOPBACK_URL = /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)[^\s|)<>`]*/g;

/** Loopback URLs in Markdown text: `<url>` links when their port is running, else `` `url` ``. */
export function linkRunning(text: string, isRunning: (port: number) => boolean): string {
  return text.replace(
    LOOPBACK_URL,
    (url, port: string) => isRunning(Number(port)) ? `<${url}>` : `\`${url}\``,
  );
}

/** True when a server the lab started (launched, or started with {@link startFresh}) has `port`. */
export function isRunningPort(port: number): boolean {
  if (liveTargets().some((target) => target.port === port)) return true;
  for (const started of running().values()) {
    const { url, port: own } = started as { url?: unknown; port?: unknown };
    if (own === port) return true;
    if (typeof url === "string" && URL.canParse(url) && Number(new URL(url).port) === port) {
      return true;
    }
  }
  return false;
}

/** Stops what {@link startFresh} started under `name` (all names when omitted). */
export async function stopStarted(name?: string): Promise<void> {
  const map = running();
  const names = name === undefined ? [...map.keys()] : [name];
  for (const key of names) {
    const old = map.get(key);
    map.delete(key);
    if (old !== undefined) await old.shutdown();
  }
}
