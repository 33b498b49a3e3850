/**
 * Which hosts the lab may load. Loopback always; another host only when the caller opts in by
 * listing its address in `allowHosts`, and only if that address is a literal private IPv4
 * address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), such as a network namespace the lab
 * created itself. Names and public addresses are refused even when listed, so a typo can never
 * send load to someone else's machine.
 *
 * @module
 */

import { RunSpecError } from "./spec_error.ts";

const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

function ipv4Parts(host: string): [number, number, number, number] | null {
  const match = IPV4.exec(host);
  if (!match) return null;
  const parts = match.slice(1).map(Number) as [number, number, number, number];
  return parts.every((part) => part <= 255) ? parts : null;
}

/**
 * True for `localhost`, 127.0.0.0/8 and `::1`. Accepts a URL `hostname` (IPv6 in brackets or
 * not) in any letter case.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) &&
    host.split(".").every((part) => Number(part) <= 255);
}

/**
 * True for a literal IPv4 address in 10/8, 172.16/12 or 192.168/16, written the usual way
 * (four decimal parts, no leading zeros).
 */
export function isPrivateIPv4(host: string): boolean {
  const parts = ipv4Parts(host);
  if (parts === null) return false;
  const [a, b] = parts;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Checks an `allowHosts` list: every entry must be a literal private IPv4 address. Throws a
 * {@link RunSpecError} naming the first bad entry.
 */
export function checkAllowHosts(allowHosts: unknown): asserts allowHosts is readonly string[] {
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

/** True when `url`'s host is not loopback: loading it needs the `allowHosts` opt-in. */
export function isRemoteTarget(url: string | URL): boolean {
  return !isLoopbackHost(new URL(url).hostname);
}

/**
 * Checks that a target host may be loaded: loopback, or an address listed in `allowHosts`
 * (which is checked with {@link checkAllowHosts}). Returns true when the host is remote
 * (allowed by the list). Throws a {@link RunSpecError} whose one-line message names the opt-in.
 */
export function checkTargetHost(hostname: string, allowHosts: readonly string[] = []): boolean {
  checkAllowHosts(allowHosts);
  if (isLoopbackHost(hostname)) return false;
  if (allowHosts.includes(hostname)) return true;
  if (isPrivateIPv4(hostname)) {
    throw new RunSpecError(
      `host '${hostname}' is not loopback: the lab loads only 127.0.0.0/8, localhost and ::1 ` +
        `unless you opt in with allowHosts: ["${hostname}"] (deno task bench: --allow-host ` +
        `${hostname}), for a server on a private network the lab set up itself`,
    );
  }
  throw new RunSpecError(
    `host '${hostname}' is not loopback: the lab loads only 127.0.0.0/8, localhost and ::1, ` +
      "or a literal private IPv4 address of its own network listed in allowHosts; names and " +
      "public addresses are never loaded",
  );
}
