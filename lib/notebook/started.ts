/**
 * What the notebook's cells started, as the launcher keeps it (one registry, by name: launching
 * a name again stops the process an earlier run of the cell started under it), and links to
 * loopback URLs that are live only while their server runs.
 *
 * @module
 */

import { liveTargets, stopAll } from "../experiment/launch.ts";

const LOOPBACK_URL = /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)[^\s|)<>`]*/g;

/** Loopback URLs in Markdown text: `<url>` links when their port is running, else `` `url` ``. */
export function linkRunning(text: string, isRunning: (port: number) => boolean): string {
  return text.replace(
    LOOPBACK_URL,
    (url, port: string) => isRunning(Number(port)) ? `<${url}>` : `\`${url}\``,
  );
}

/** True when a server the lab launched, and has not stopped, listens on `port`. */
export function isRunningPort(port: number): boolean {
  return liveTargets().some((target) => target.port === port);
}

/**
 * Stops every server the notebook's cells launched and waits until each has exited.
 *
 * @example
 * ```ts
 * import { stopStarted } from "../lib/notebook/mod.ts";
 * await stopStarted();
 * ```
 */
export function stopStarted(): Promise<void> {
  return stopAll();
}
