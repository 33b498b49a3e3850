/**
 * Everything a notebook cell calls, from one place: `import { ... } from "../lib/notebook/mod.ts"`.
 *
 * The layers behind it: `lib/experiment/` starts servers and runs measurements, `lib/loadgen/`
 * drives the load generators, `lib/results/` turns runs into frames, statistics, charts and
 * computed sentences, and this folder shows them in Jupyter.
 *
 * @example
 * ```ts
 * import { md, profile } from "./lib/notebook/mod.ts";
 * await md`Profile: **${profile().name}**`;
 * ```
 * @module
 */
// Showing things in a cell, and the notebook helpers of this folder.
export * from "./display.ts";
export * from "./progress_display.ts";
export * from "./profiles.ts";
export * from "./paths.ts";
export * from "./started.ts";
export * from "./diagrams.ts";
export * from "./glossary.ts";
export * from "./lab_plan.ts";
export * from "./source_excerpt.ts";
export * from "./section_generators.ts";
export * from "./balancer_scenarios.ts";
export * from "./lies_story.ts";

// Running measurements.
export * from "../experiment/definition.ts";
export * from "../experiment/experiment.ts";
export * from "../experiment/launch.ts";
export * from "../experiment/cluster.ts";
export * from "../experiment/handoff.ts";
export * from "../experiment/environment.ts";
export * from "../experiment/open_loop.ts";
export * from "../experiment/connect_times.ts";
export * from "../experiment/page_visit.ts";
export * from "../experiment/lies_runs.ts";
export * from "../experiment/probe.ts";
export * from "../process/cpu_time.ts";
export * from "../loadgen/mod.ts";

// Results: frames, statistics, computed sentences, charts.
export * from "../results/results.ts";
export * from "../results/charts.ts";
export * from "../results/why_charts.ts";
export * from "../results/conclusions.ts";
export * from "../results/findings.ts";
export * from "../results/stats.ts";
export * from "../results/seeds.ts";
export * from "../results/seed_story.ts";
export * from "../results/little.ts";
export * from "../results/ceilings.ts";
export * from "../results/balancer_timeline.ts";
export * from "../results/balancer_story.ts";
export * from "../results/format.ts";
export { at, percent } from "../results/row_format.ts";

// Types the functions above take or return, defined where they belong.
export type { ProgressRenderer, ProgressState } from "../experiment/progress.ts";
export type { RunRecord } from "../results/run_record.ts";
export type { ServerHandle } from "../../servers/server_handle.ts";
export type {
  BalancerEngine,
  BalancerHandle,
  BalancerMode,
  BalancerStats,
} from "../../servers/balancer.ts";
export { STRATEGY_NAMES, type StrategyName } from "../../servers/balancer/strategies.ts";
export type { BackendStats } from "../../servers/balancer/backend.ts";
export type { HandoffStats } from "../../servers/threads/pool.ts";
export { MODEL_NAMES, type ModelName } from "../../servers/models.ts";
