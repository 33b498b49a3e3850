/**
 * Load generators behind one call: {@link runLoad} runs a load test with oha, wrk, ab or
 * autocannon and returns one normalized, flagged {@link RunResult}.
 *
 * ```ts
 * import { runLoad } from "./lib/loadgen/mod.ts";
 * const result = await runLoad({ url: "http://127.0.0.1:45000/", requests: 1000, concurrency: 10 });
 * console.log(result.generator, result.requestsPerSec, result.warnings);
 * ```
 *
 * @module
 */

import {
  checkGeneratorName,
  chooseGenerator,
  createGeneratorSet,
  detectGenerators,
  type GeneratorInfo,
  type GeneratorSet,
  pickGenerator,
  requireGenerator,
} from "./detect.ts";
import type { GeneratorName, LoadGenerator, RunResult, RunSpec } from "./types.ts";
import { validateSpec } from "./validate.ts";
import { labCall } from "../process/interrupt.ts";

export * from "./types.ts";
export { DEFAULT_TIMEOUT_S, flagResult, isLoopbackHost, RunSpecError } from "./validate.ts";
export type { FlagOptions, ResolvedSpec } from "./validate.ts";
export { GENERATOR_NAMES, INSTALL_HINTS } from "./detect.ts";
export type { GeneratorInfo, GeneratorSet } from "./detect.ts";
export { planGenerators } from "./plan.ts";
export type { GeneratorPlan, PlanOptions, SectionNeeds, SkippedSection } from "./plan.ts";

/** Options for {@link runLoad}. */
export interface RunLoadOptions {
  /** Run with this generator (an error when it is missing or cannot run the spec). */
  generator?: GeneratorName;
  /** Order of preference when no generator is named. Defaults to oha, wrk, ab, autocannon. */
  prefer?: GeneratorName[];
  /** Do not print warnings to standard error (they are still in `result.warnings`). */
  quiet?: boolean;
  /** Hard limit of the whole run, seconds (see `RunOptions.runTimeoutS`). */
  runTimeoutS?: number;
  /** Adapters to use instead of the default ones (tests, other executables). */
  generators?: GeneratorSet;
}

let defaultSet: GeneratorSet | undefined;

function generatorSet(options: { generators?: GeneratorSet } = {}): GeneratorSet {
  return options.generators ?? (defaultSet ??= createGeneratorSet());
}

/**
 * Runs one load test and returns its normalized result, with `warnings` filled (and printed to
 * standard error unless `quiet`) for non-2xx responses, failures and missing requests.
 *
 * Throws a `RunSpecError` for a bad spec before anything is spawned, and a `LoadGenError` when
 * the generator is missing, crashes, hangs past the run timeout or prints garbage.
 *
 * @example
 * ```ts
 * import { runLoad } from "../lib/notebook/mod.ts";
 * const result = await runLoad(
 *   { url: "http://127.0.0.1:8000/", requests: 1000, concurrency: 10, keepAlive: true },
 *   { generator: "ab", quiet: true },
 * );
 * console.log(result.requestsPerSec, result.latencyMs.p99);
 * ```
 */
export async function runLoad(spec: RunSpec, options: RunLoadOptions = {}): Promise<RunResult> {
  validateSpec(spec);
  const set = generatorSet(options);
  const generator = options.generator
    ? await requireGenerator(set, checkGeneratorName(options.generator))
    : await pickGenerator(set, spec, options.prefer);
  // In a Jupyter kernel the interrupt button stops the tool (run_tool.ts) and this run.
  return await labCall(
    `load run on ${spec.url}`,
    () => generator.run(spec, { quiet: options.quiet, runTimeoutS: options.runTimeoutS }),
    {
      describe: () =>
        `${generator.name} run on ${spec.url} interrupted (SIGINT): it and every server the ` +
        "lab started are stopped",
      label: `${generator.name}: ${
        spec.requests === undefined ? `${spec.durationS} s` : `${spec.requests} requests`
      }, c=${spec.concurrency}, on ${new URL(spec.url).pathname}${new URL(spec.url).search}`,
      expectedS: spec.durationS ?? null,
    },
  );
}

/**
 * The generator that will run all of `specs` (an experiment's runs), checked before any run
 * starts: the one named in `options.generator`, or the first preferred one installed that can.
 * Throws a `RunSpecError` (a spec the tool cannot run, with what to change) or a `LoadGenError`
 * (a tool that is not installed, with how to install it).
 */
export async function generatorFor(
  specs: readonly RunSpec[],
  options: Omit<RunLoadOptions, "quiet" | "runTimeoutS"> = {},
): Promise<LoadGenerator> {
  return await chooseGenerator(generatorSet(options), specs, options.generator, options.prefer);
}

/** Lists the supported generators with whether each is installed and its version. */
export function listGenerators(options: { generators?: GeneratorSet } = {}): Promise<
  GeneratorInfo[]
> {
  return detectGenerators(generatorSet(options));
}

/** The adapter for `name`; throws a `LoadGenError` with install hints when it is missing. */
export async function getGenerator(
  name: GeneratorName,
  options: { generators?: GeneratorSet } = {},
): Promise<LoadGenerator> {
  return await requireGenerator(generatorSet(options), checkGeneratorName(name));
}
