/**
 * Which target a Locust run loads: the spec checked like every generator's (loopback, or a host
 * opted in through `allowHosts`, see `target_hosts.ts`), and whether that target is remote.
 *
 * @module
 */

import { checkAllowHosts, isRemoteTarget } from "../target_hosts.ts";
import type { RunSpec } from "../types.ts";
import { type ResolvedSpec, validateSpec } from "../validate.ts";

export { checkAllowHosts, isPrivateIPv4 } from "../target_hosts.ts";

/** A spec checked for Locust, and whether its target is on another host. */
export interface LocustTarget {
  /** The spec with defaults filled in. */
  spec: ResolvedSpec;
  /** True when the target is not loopback (it was allowed by `allowHosts`). */
  remote: boolean;
}

/**
 * Validates `spec` like every generator does. The hosts allowed besides loopback are those of
 * `spec.allowHosts` and of `allowHosts` (Locust's own option) together. Throws a `RunSpecError`
 * with a one-line message.
 */
export function resolveLocustTarget(
  spec: RunSpec,
  allowHosts: readonly string[] = [],
): LocustTarget {
  checkAllowHosts(allowHosts);
  if (spec.allowHosts !== undefined) checkAllowHosts(spec.allowHosts);
  const merged = [...new Set([...(spec.allowHosts ?? []), ...allowHosts])];
  const resolved = validateSpec(merged.length > 0 ? { ...spec, allowHosts: merged } : spec);
  return { spec: resolved, remote: isRemoteTarget(resolved.url) };
}
