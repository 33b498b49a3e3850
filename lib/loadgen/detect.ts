/**
 * Which load generators are installed, and choosing one: by name, or the first in an order of
 * preference (oha > wrk > ab > autocannon) that is installed and can run the spec.
 *
 * @module
 */

import { createAbGenerator } from "./ab.ts";
import { createAutocannonGenerator } from "./autocannon.ts";
import { createLocustGenerator, LOCUST_INSTALL_HINT } from "./locust/locust.ts";
import { createOhaGenerator } from "./oha.ts";
import { type GeneratorName, type LoadGenerator, LoadGenError, type RunSpec } from "./types.ts";
import { RunSpecError, validateSpec } from "./validate.ts";
import { createWrkGenerator } from "./wrk.ts";

/** Every supported generator, in the default order of preference. */
export const GENERATOR_NAMES: readonly GeneratorName[] = ["oha", "wrk", "ab", "autocannon"];

/** Generators used only when asked for by name (never picked by preference): distributed Locust. */
export const OPT_IN_GENERATOR_NAMES: readonly GeneratorName[] = ["locust"];

/** How to install each generator. */
export const INSTALL_HINTS: Readonly<Record<GeneratorName, string>> = {
  oha: "cargo install oha, brew install oha, or a release binary from " +
    "https://github.com/hatoo/oha/releases",
  wrk: "apt-get install wrk (Debian/Ubuntu) or brew install wrk",
  ab: "apt-get install apache2-utils (Debian/Ubuntu) or brew install httpd (macOS ships ab)",
  autocannon: "nothing but Deno: it runs from npm (the registry must be reachable once)",
  locust: LOCUST_INSTALL_HINT,
};

/** One generator's install state. */
export interface GeneratorInfo {
  /** Tool name. */
  name: GeneratorName;
  /** Whether it answered a version query. */
  installed: boolean;
  /** Its version, or null when not installed. */
  version: string | null;
}

/** A set of adapters by name. */
export type GeneratorSet = Readonly<Record<GeneratorName, LoadGenerator>>;

/**
 * Environment variable naming the only generators the lab may use, comma-separated
 * (`LAB_GENERATORS=autocannon` tries the zero-install path on a machine that has ab): the
 * others count as not installed.
 */
export const GENERATORS_ENV = "LAB_GENERATORS";

/** The generators {@link GENERATORS_ENV} allows, or null when it is not set. */
export function allowedGenerators(
  raw: string | undefined = readEnv(GENERATORS_ENV),
): GeneratorName[] | null {
  if (raw === undefined || raw.trim() === "") return null;
  return raw.split(",").map((name) => {
    try {
      return checkGeneratorName(name.trim());
    } catch (error) {
      throw new RunSpecError(`${GENERATORS_ENV}: ${(error as Error).message}`);
    }
  });
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission: nothing is left out
  }
}

function leftOut(generator: LoadGenerator): LoadGenerator {
  return {
    name: generator.name,
    version: () => Promise.resolve(null),
    run: () =>
      Promise.reject(
        new LoadGenError(`${generator.name} is left out by ${GENERATORS_ENV}: unset it to use it`),
      ),
  };
}

/**
 * Creates the adapters with their default commands; those {@link GENERATORS_ENV} leaves out
 * (when set) count as not installed.
 */
export function createGeneratorSet(allowed = allowedGenerators()): GeneratorSet {
  const all: GeneratorSet = {
    oha: createOhaGenerator(),
    wrk: createWrkGenerator(),
    ab: createAbGenerator(),
    autocannon: createAutocannonGenerator(),
    locust: createLocustGenerator(),
  };
  if (allowed === null) return all;
  const pick = (name: GeneratorName) => allowed.includes(name) ? all[name] : leftOut(all[name]);
  return {
    oha: pick("oha"),
    wrk: pick("wrk"),
    ab: pick("ab"),
    autocannon: pick("autocannon"),
    locust: pick("locust"),
  };
}

/** Lists every generator of `set` with its install state, in the default order. */
export async function detectGenerators(set: GeneratorSet): Promise<GeneratorInfo[]> {
  return await Promise.all(GENERATOR_NAMES.map(async (name) => {
    const version = await set[name].version();
    return { name, installed: version !== null, version };
  }));
}

/** Throws a {@link RunSpecError} unless `name` is a supported generator. */
export function checkGeneratorName(name: string): GeneratorName {
  const known = [...GENERATOR_NAMES, ...OPT_IN_GENERATOR_NAMES];
  if (!(known as string[]).includes(name)) {
    throw new RunSpecError(`unknown load generator '${name}': use one of ${known.join(", ")}`);
  }
  return name as GeneratorName;
}

/**
 * Returns the adapter for `name` when it is installed. Otherwise throws one
 * {@link LoadGenError}: which tool, how to install it, and which generators are present.
 */
export async function requireGenerator(
  set: GeneratorSet,
  name: GeneratorName,
): Promise<LoadGenerator> {
  checkGeneratorName(name);
  const generator = set[name];
  if ((await generator.version()) !== null) return generator;
  const present = (await detectGenerators(set)).filter((info) => info.installed);
  const others = present.length
    ? present.map((info) => `${info.name} ${info.version}`).join(", ")
    : "none";
  const allowed = readEnv(GENERATORS_ENV);
  throw new LoadGenError(
    `load generator ${name} is not installed: install it with ${INSTALL_HINTS[name]}; ` +
      `installed here: ${others}` +
      (allowed ? ` (${GENERATORS_ENV}=${allowed} leaves out the others)` : ""),
  );
}

/**
 * Picks the first generator in `prefer` (default {@link GENERATOR_NAMES}) that is installed and
 * can run `spec` (every spec, when given several: the runs of one experiment). A spec that no
 * tool could run throws its {@link RunSpecError} at once; when no installed tool fits, the
 * {@link LoadGenError} lists each candidate's reason.
 */
export async function pickGenerator(
  set: GeneratorSet,
  spec: RunSpec | readonly RunSpec[],
  prefer: readonly GeneratorName[] = GENERATOR_NAMES,
): Promise<LoadGenerator> {
  const specs = Array.isArray(spec) ? spec : [spec as RunSpec];
  for (const one of specs) validateSpec(one);
  if (prefer.length === 0) throw new RunSpecError("prefer is empty: name at least one generator");
  const reasons: string[] = [];
  for (const name of prefer) {
    const generator = set[checkGeneratorName(name)];
    if ((await generator.version()) === null) {
      reasons.push(`${name}: not installed (${INSTALL_HINTS[name]})`);
      continue;
    }
    try {
      for (const one of specs) validateSpec(one, name);
      return generator;
    } catch (error) {
      if (!(error instanceof RunSpecError)) throw error;
      reasons.push(`${name}: ${error.message}`);
    }
  }
  throw new LoadGenError(`no load generator can run this spec; ${reasons.join("; ")}`);
}

/**
 * The generator for a set of runs, checked before any of them starts: `name` must be installed
 * and able to run every spec, else its {@link LoadGenError} (how to install it) or
 * {@link RunSpecError} (what to change) is thrown; without a name, as {@link pickGenerator}.
 */
export async function chooseGenerator(
  set: GeneratorSet,
  specs: readonly RunSpec[],
  name?: GeneratorName,
  prefer?: readonly GeneratorName[],
): Promise<LoadGenerator> {
  if (name === undefined) return await pickGenerator(set, specs, prefer);
  for (const spec of specs) validateSpec(spec);
  const generator = await requireGenerator(set, checkGeneratorName(name));
  for (const spec of specs) validateSpec(spec, generator.name);
  return generator;
}
