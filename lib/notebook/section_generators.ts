/**
 * Which load generator runs each measured section of a notebook that, like the 2020 course,
 * sends a new connection per request: the `GET /` experiment runs a request count (ab first, as
 * the course did, then oha), the slow sections (`/io`, `/cpu`) run for a fixed time with oha or
 * wrk, or a request count without them. A section no installed generator can run is skipped
 * with one line that names the generators it needs ({@link planGenerators}); on a machine whose
 * only generator is autocannon (the zero-install fallback, which always keeps connections
 * alive) every measured section is skipped and the rest of the notebook runs.
 *
 * @example
 * ```ts
 * const gens = await sectionGenerators(profile(), { root: "3.", slow: ["4. /io", "4. /cpu"] });
 * await showMarkdown(gens.summary);
 * if (gens.root === null) await showMarkdown(gens.skipNote("3."));
 * ```
 *
 * @module
 */

import { type TimedRuns, timedRuns } from "./lab_plan.ts";
import { type GeneratorPlan, planGenerators, type SectionNeeds } from "../loadgen/plan.ts";
import type { GeneratorSet } from "../loadgen/detect.ts";
import type { GeneratorName } from "../loadgen/types.ts";
import type { LabProfile } from "./profiles.ts";

/** The names of a notebook's measured sections, as its headings say them. */
export interface SectionNames {
  /** The `GET /` experiment: a request count, a new connection per request. */
  root: string;
  /** The slow sections: a fixed time each with oha or wrk, else a request count. */
  slow: readonly string[];
}

/** The generators of a notebook's sections, and the sections skipped. */
export interface SectionGenerators {
  /** Generators installed here (after `LAB_GENERATORS`), in order of preference. */
  installed: GeneratorName[];
  /** Generator of the `GET /` section, or null when it is skipped. */
  root: GeneratorName | null;
  /** How the slow sections' runs end, or null when they are skipped. */
  slow: TimedRuns | null;
  /** Markdown: which generator runs what, and which sections are skipped and what they need. */
  summary: string;
  /** One line for a skipped section (by its name), empty for a section that runs. */
  skipNote(section: string): string;
  /** Whether `section` runs here. */
  runs(section: string): boolean;
}

/** The course's order: ab first, as in 2020. */
const ROOT_PREFERENCE: readonly GeneratorName[] = ["ab", "oha", "wrk", "autocannon"];
/** Timed generators first for the slow sections. */
const SLOW_PREFERENCE: readonly GeneratorName[] = ["oha", "wrk", "ab", "autocannon"];

/**
 * Plans the measured sections of a notebook under `lab` with the generators installed here
 * (`generators` replaces the real adapters, for tests). Never throws for a missing generator.
 */
export async function sectionGenerators(
  lab: LabProfile,
  names: SectionNames,
  generators?: GeneratorSet,
): Promise<SectionGenerators> {
  const rootPlan = await planGenerators([{
    section: names.root,
    keepAlive: false,
    requests: lab.requests,
    concurrency: Math.max(...lab.levels),
  }], { prefer: ROOT_PREFERENCE, generators });
  const installed = rootPlan.installed;
  const fallback = rootPlan.generator ?? "ab";
  const runs = timedRuns(lab, installed, fallback);
  const slowNeeds: SectionNeeds[] = names.slow.map((section) => ({
    section,
    keepAlive: false,
    concurrency: Math.max(...lab.timedLevels),
    ...(runs.durationS !== undefined ? { durationS: runs.durationS } : { requests: runs.requests }),
  }));
  const prefer = [runs.generator, ...SLOW_PREFERENCE.filter((name) => name !== runs.generator)];
  const slowPlan = await planGenerators(slowNeeds, { prefer, generators });
  const root = rootPlan.runs(names.root) ? rootPlan.generator : null;
  const slowRuns = names.slow.length > 0 && slowPlan.skipped.length === 0 ? runs : null;
  const plans: GeneratorPlan[] = [rootPlan, slowPlan];
  const skipNote = (section: string) => plans.map((plan) => plan.skipNote(section)).join("");
  return {
    installed,
    root,
    slow: slowRuns,
    summary: summaryOf(installed, root, slowRuns, [...rootPlan.skipped, ...slowPlan.skipped]),
    skipNote,
    runs: (section) => plans.every((plan) => plan.runs(section)),
  };
}

function orList(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

function summaryOf(
  installed: GeneratorName[],
  root: GeneratorName | null,
  slow: TimedRuns | null,
  skipped: { section: string; needs: GeneratorName[] }[],
): string {
  if (installed.length === 0) {
    return "**No load generator is installed**: every measurement is skipped. Run " +
      "`deno task setup`, or install ab (`sudo apt-get install apache2-utils`).";
  }
  const parts: string[] = [];
  if (root !== null) parts.push(`This run uses **${root}** for \`GET /\``);
  if (slow !== null) {
    const how = slow.durationS !== undefined
      ? `${slow.durationS} s per run`
      : `${slow.requests} requests per run`;
    parts.push(
      `${parts.length === 0 ? "This run uses " : "and "}**${slow.generator}** for the \`/io\` ` +
        `and \`/cpu\` runs (${how})`,
    );
  }
  const head = parts.length > 0 ? `${parts.join(" ")}.` : "";
  if (skipped.length === 0) return head;
  const list = skipped.map((s) => `"${s.section}" (needs ${orList(s.needs)})`).join(", ");
  return `${head}${head ? " " : ""}Installed here: ${installed.join(", ")}; ${
    skipped.length === 1 ? "this section is" : "these sections are"
  } skipped: ${list}. The rest runs. Install ab (\`sudo apt-get install apache2-utils\`) to ` +
    "run them all.";
}
