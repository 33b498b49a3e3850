/**
 * One load generator for a whole notebook, and which of its sections that generator cannot run.
 *
 * A notebook lists what each section asks of the generator (a new connection per request, a
 * request count or a duration); {@link planGenerators} picks the installed generator that runs
 * the most sections (by preference on a tie) and names, for every other section, the generators
 * that could run it. On a machine whose only generator is autocannon (the zero-install fallback,
 * which always keeps connections alive) the sections that need a new connection per request are
 * skipped with one line saying so, and the rest runs.
 *
 * @example
 * ```ts
 * import { planGenerators } from "./lib/loadgen/plan.ts";
 * const plan = await planGenerators([
 *   { section: "3. The 2020 experiment", keepAlive: false, requests: 1000 },
 *   { section: "6. Failover", keepAlive: true, durationS: 4 },
 * ]);
 * console.log(plan.summary());
 * if (!plan.runs("3. The 2020 experiment")) console.log(plan.skipNote("3. The 2020 experiment"));
 * ```
 *
 * @module
 */

import { createGeneratorSet, GENERATOR_NAMES, type GeneratorSet, INSTALL_HINTS } from "./detect.ts";
import type { GeneratorName, RunSpec } from "./types.ts";
import { RunSpecError, validateSpec } from "./validate.ts";

/** What one section of a notebook asks of its load generator. */
export interface SectionNeeds {
  /** The section's heading, e.g. `3. The 2020 experiment, reproduced`. */
  section: string;
  /** HTTP keep-alive (false: a new connection per request, as ab does by default). */
  keepAlive: boolean;
  /** Requests per run (a count), or leave out for a duration. */
  requests?: number;
  /** Seconds per run, or leave out for a count. */
  durationS?: number;
  /** Highest concurrency of the section. Defaults to 1. */
  concurrency?: number;
}

/** A section the chosen generator cannot run. */
export interface SkippedSection {
  /** The section's heading. */
  section: string;
  /** The generators that could run it, e.g. `["oha", "ab"]`. */
  needs: GeneratorName[];
  /** Why the chosen generator cannot, as its adapter says it. */
  reason: string;
}

/** The generator of a notebook and the sections it leaves out. */
export interface GeneratorPlan {
  /** The generator the notebook uses, or null when none is installed. */
  generator: GeneratorName | null;
  /** The generators installed here, in order of preference. */
  installed: GeneratorName[];
  /** The sections the generator cannot run. */
  skipped: SkippedSection[];
  /** Whether `section` runs with the chosen generator. */
  runs(section: string): boolean;
  /**
   * One line for a skipped section: "this section needs ab or oha (...): skipped; install ab
   * with ...". Empty for a section that runs.
   */
  skipNote(section: string): string;
  /** Markdown for the top of the notebook: the generator, and the sections that are skipped. */
  summary(): string;
}

/** Options for {@link planGenerators}. */
export interface PlanOptions {
  /** Order of preference on a tie. Defaults to {@link GENERATOR_NAMES} (oha, wrk, ab, autocannon). */
  prefer?: readonly GeneratorName[];
  /** Adapters to use instead of the default ones (other executables). */
  generators?: GeneratorSet;
}

const STAND_IN = "http://127.0.0.1:1/";

function specOf(needs: SectionNeeds): RunSpec {
  const spec: RunSpec = {
    url: STAND_IN,
    concurrency: needs.concurrency ?? 1,
    keepAlive: needs.keepAlive,
  };
  if (needs.durationS !== undefined) spec.durationS = needs.durationS;
  else spec.requests = needs.requests ?? Math.max(1000, needs.concurrency ?? 1);
  return spec;
}

/** Why `generator` cannot run `needs`, or null when it can. */
function refusal(generator: GeneratorName, needs: SectionNeeds): string | null {
  try {
    validateSpec(specOf(needs), generator);
    return null;
  } catch (error) {
    if (error instanceof RunSpecError) return error.message;
    throw error;
  }
}

/** The reason up to its first colon outside parentheses, without parenthesized asides. */
function firstClause(reason: string): string {
  return reason.replace(/\s*\([^)]*\)/g, "").split(":")[0]!;
}

function orList(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/**
 * Picks the notebook's generator among those installed: the one that runs the most of
 * `sections`, the first in `prefer` on a tie; lists the sections it cannot run. Never throws
 * for a missing generator: with none installed, every section is skipped.
 */
export async function planGenerators(
  sections: readonly SectionNeeds[],
  options: PlanOptions = {},
): Promise<GeneratorPlan> {
  const set = options.generators ?? createGeneratorSet();
  const prefer = options.prefer ?? GENERATOR_NAMES;
  const installed: GeneratorName[] = [];
  for (const name of prefer) {
    if ((await set[name].version()) !== null) installed.push(name);
  }
  let generator: GeneratorName | null = null;
  let best = -1;
  for (const name of installed) {
    const count = sections.filter((needs) => refusal(name, needs) === null).length;
    if (count > best) [generator, best] = [name, count];
  }
  const skipped: SkippedSection[] = [];
  for (const needs of sections) {
    const reason = generator === null
      ? "no load generator is installed"
      : refusal(generator, needs);
    if (reason === null) continue;
    const able = GENERATOR_NAMES.filter((name) => refusal(name, needs) === null);
    skipped.push({ section: needs.section, needs: able, reason });
  }
  const skipNote = (section: string): string => {
    const skip = skipped.find((s) => s.section === section);
    if (!skip) return "";
    const first = skip.needs[0];
    const install = first ? `; install ${first}: ${INSTALL_HINTS[first]}` : "";
    return `This section needs ${orList(skip.needs)}: skipped (${generator ?? "no generator"} ` +
      `cannot run it: ${firstClause(skip.reason)})${install}.`;
  };
  return {
    generator,
    installed,
    skipped,
    runs: (section) => !skipped.some((s) => s.section === section),
    skipNote,
    summary() {
      if (generator === null) {
        return "**No load generator is installed**: every measurement is skipped. Run " +
          "`deno task setup`, or install ab (`sudo apt-get install apache2-utils`).";
      }
      const lines = [`This run uses **${generator}**.`];
      if (skipped.length > 0) {
        lines.push(
          `${generator} cannot run ${skipped.length} section(s), skipped below: ` +
            skipped.map((s) => `"${s.section}" (needs ${orList(s.needs)})`).join(", ") +
            `. The rest runs. Install ${skipped[0]!.needs[0] ?? "ab"} to run them all.`,
        );
      }
      return lines.join(" ");
    },
  };
}
