/**
 * Which targets a Locust run may load: loopback always, and a server on another (virtual) host
 * only when the caller names its address in `allowHosts`.
 *
 * An allowed host must be a literal private IPv4 address (10.0.0.0/8, 172.16.0.0/12,
 * 192.168.0.0/16), such as the address of a network namespace the lab created itself; names
 * and public addresses are refused, so a typo can never send load to someone else's machine.
 *
 * @module
 */

import type { RunSpec } from "./types.ts";
import { isLoopbackHost, type ResolvedSpec, RunSpecError, validateSpec } from "./validate.ts";

/** A spec checked for Locust, and whether its target is on another host. */
export interface LocustTarget {
  /** The spec with defaults filled in. */
  spec: ResolvedSpec;
  /** True when the target is not loopback (it was allowed by `allowHosts`). */
  remote: boolean;
}

/** True for a literal IPv4 address in 10/8, 172.16/12 or 192.168/16. */
export function isPrivateIPv4(host: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return false;
  const [a, b, c, d] = match.slice(1).map(Number) as [number, number, number, number];
  if ([a, b, c, d].some((part) => part > 255)) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** Checks `allowHosts`; throws a {@link RunSpecError} naming the first bad entry. */
export function checkAllowHosts(allowHosts: readonly string[]): void {
  if (!Array.isArray(allowHosts)) {
    throw new RunSpecError('allowHosts must be a list of addresses like ["10.200.0.2"]');
  }
  for (const host of allowHosts) {
    if (typeof host !== "string" || !isPrivateIPv4(host)) {
      throw new RunSpecError(
        `allowHosts entry '${host}' is not a private IPv4 address: list only addresses of ` +
          "networks the lab set up itself (10.x, 172.16-31.x, 192.168.x), e.g. 10.200.0.2",
      );
    }
  }
}

/**
 * Validates `spec` like every generator does, except that a host listed in `allowHosts` is
 * accepted besides loopback. Throws a {@link RunSpecError} with a one-line message.
 */
export function resolveLocustTarget(
  spec: RunSpec,
  allowHosts: readonly string[] = [],
): LocustTarget {
  checkAllowHosts(allowHosts);
  let url: URL | null = null;
  try {
    url = new URL(spec.url);
  } catch { /* validateSpec names the problem */ }
  if (url === null || isLoopbackHost(url.hostname)) {
    return { spec: validateSpec(spec), remote: false };
  }
  if (!allowHosts.includes(url.hostname)) {
    throw new RunSpecError(
      `host '${url.hostname}' is not loopback: the lab loads only 127.0.0.0/8, localhost and ` +
        "::1 unless you list a private address of your own network in allowHosts " +
        `(e.g. allowHosts: ["${url.hostname}"] for a server in the lab's network namespace)`,
    );
  }
  const stand = new URL(url.href);
  stand.hostname = "127.0.0.1";
  const resolved = validateSpec({ ...spec, url: stand.href });
  stand.hostname = url.hostname;
  return { spec: { ...resolved, url: stand.href }, remote: true };
}
