/**
 * The lab's profiles: `quick` (the tests, a first look) and `full` (the default of `deno task
 * lab`), chosen by `LAB_PROFILE`, and the sentence a notebook shows about the one in use.
 *
 * @module
 */

/** Names of the lab's profiles. */
export type ProfileName = "quick" | "full";

/** How big the lab's experiments are. */
export interface LabProfile {
  /** Profile name. */
  name: ProfileName;
  /** Requests per run (`ab -n`). */
  requests: number;
  /** Runs per concurrency level and server. */
  repeats: number;
  /** Concurrency levels swept (`ab -c`). */
  levels: readonly number[];
  /**
   * Seconds per run of the slow sections (`/io`, `/cpu`, the balancer's `/io` and strategies),
   * which run for a fixed time instead of `requests`: 1000 requests of 20 ms at c=1 take 20 s.
   */
  timedRunS: number;
  /** Concurrency levels of the slow sections (the course's levels less 15 in `full`). */
  timedLevels: readonly number[];
}

/** The profiles: `quick` for tests and a first look, `full` for the course's numbers. */
export const PROFILES: Readonly<Record<ProfileName, Readonly<LabProfile>>> = Object.freeze({
  quick: Object.freeze({
    name: "quick",
    requests: 200,
    repeats: 1,
    levels: Object.freeze([1, 10, 50]),
    timedRunS: 1,
    timedLevels: Object.freeze([1, 10, 50]),
  }),
  full: Object.freeze({
    name: "full",
    requests: 1000,
    repeats: 3,
    levels: Object.freeze([1, 5, 10, 15, 50, 100]),
    timedRunS: 1,
    timedLevels: Object.freeze([1, 5, 10, 50, 100]),
  }),
});

/**
 * One Markdown sentence on a profile for the top of a notebook: its sizes and how to change it.
 *
 * @example
 * ```ts
 * await showMarkdown(profileMarkdown(profile()));
 * ```
 */
export function profileMarkdown(lab: LabProfile): string {
  return `Profile **${lab.name}**: ${lab.requests} requests per run, ${lab.repeats} measured ` +
    `run(s) per cell after a warm-up, concurrency levels ${lab.levels.join(", ")}. Set ` +
    "`LAB_PROFILE=quick` or `LAB_PROFILE=full` before starting Jupyter to change it.";
}

/** The profile used when `LAB_PROFILE` is unset. */
export const DEFAULT_PROFILE: ProfileName = "full";

/**
 * The lab profile named by `name` (default: the `LAB_PROFILE` environment variable; unset or
 * empty means {@link DEFAULT_PROFILE}). Throws a one-line error naming the allowed values.
 *
 * @example
 * ```ts
 * import { profile, profileMarkdown, showMarkdown } from "../lib/notebook/mod.ts";
 * const lab = profile(); // from LAB_PROFILE: "quick" or "full"
 * await showMarkdown(profileMarkdown(lab));
 * ```
 */
export function profile(name: string | undefined = Deno.env.get("LAB_PROFILE")): LabProfile {
  const chosen = name === undefined || name.trim() === "" ? DEFAULT_PROFILE : name.trim();
  if (!isProfileName(chosen)) {
    throw new Error(
      `LAB_PROFILE must be "quick" or "full", got "${chosen}": ` +
        `set LAB_PROFILE=quick or LAB_PROFILE=full (unset means ${DEFAULT_PROFILE})`,
    );
  }
  const found = PROFILES[chosen];
  return { ...found, levels: [...found.levels], timedLevels: [...found.timedLevels] };
}

/** True when `name` is one of the {@link PROFILES}. */
export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}
