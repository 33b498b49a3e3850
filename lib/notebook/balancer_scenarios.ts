/**
 * Notebook 02's experiments, each one call: the Tugas 10 three-way run, backends that wait
 * (`/io`) behind the balancer and alone, the strategies with one slow backend, and a backend
 * killed during a run. Every server under test, the balancers included, runs as a process of its
 * own (`launchCluster`, `launchBalancer`, `launchScript`), never in the caller's event loop, and
 * every scenario stops what it started, also when a run fails.
 *
 * @module
 */

import { REPEATABLE } from "../../servers/balancer/retry.ts";
import { STRATEGY_NAMES, type StrategyName } from "../../servers/balancer/strategies.ts";
import {
  launchBalancer,
  launchCluster,
  type LaunchedCluster,
  modelBackends,
} from "../experiment/cluster.ts";
import { MODELS } from "../../servers/models.ts";
import {
  recordBalancerStats,
  type TimelineRow,
  timelineRows,
} from "../results/balancer_timeline.ts";
import { type ExperimentResult } from "../experiment/definition.ts";
import { runExperiment } from "../experiment/experiment.ts";
import { type TimedRuns, timedRuns } from "./lab_plan.ts";
import type { GeneratorSet } from "../loadgen/detect.ts";
import { type GeneratorPlan, planGenerators, type SectionNeeds } from "../loadgen/plan.ts";
import type { LabProfile } from "./profiles.ts";
import { launchScript, type Target } from "../experiment/launch.ts";
import { runLoad } from "../loadgen/mod.ts";
import type { GeneratorName, RunResult } from "../loadgen/types.ts";
import type { ProgressRenderer } from "../experiment/progress.ts";
import type { FailoverFacts, StrategyShare } from "../results/balancer_story.ts";

/** The headings of notebook 02's measured sections, as the generator plan names them. */
export const LAB02_SECTIONS = {
  tugas10: "3. Tugas 10",
  waiting: "4. When backends wait",
  strategies: "5. Strategies",
  failover: "6. Failover",
} as const;

/** The results folder of each scenario (the lab's time plan names them too). */
export const LAB02_EXPERIMENTS = {
  measureTugas10: "02-tugas10",
  measureWaiting: "02-io",
  measureStrategies: "02-strategies",
} as const;

/** Sizes of one notebook 02 run (from the lab profile). */
export interface Lab02Sizes {
  /** Concurrency levels of the Tugas 10 runs. */
  levels: readonly number[];
  /** Requests per Tugas 10 run. */
  requests: number;
  /** Measured runs per cell. */
  repeats: number;
  /** Concurrency levels of the timed sections. */
  timedLevels: readonly number[];
}

/**
 * What each measured section of notebook 02 asks of the load generator, for `planGenerators`:
 * sections 3 to 5 a new connection per request (as ab makes them), the failover run keep-alive
 * for `failoverS` seconds.
 */
export function lab02Needs(lab: Lab02Sizes, failoverS: number): SectionNeeds[] {
  const count = (levels: readonly number[]) => ({
    keepAlive: false,
    requests: lab.requests,
    concurrency: Math.max(...levels),
  });
  return [
    { section: LAB02_SECTIONS.tugas10, ...count(lab.levels) },
    { section: LAB02_SECTIONS.waiting, ...count(lab.timedLevels) },
    { section: LAB02_SECTIONS.strategies, ...count(lab.timedLevels) },
    { section: LAB02_SECTIONS.failover, keepAlive: true, durationS: failoverS, concurrency: 8 },
  ];
}

/** Which generator runs each of notebook 02's sections, and which sections none can run. */
export interface Lab02Generators {
  /** The generators installed here (after `LAB_GENERATORS`), in the notebook's preference. */
  installed: GeneratorName[];
  /** The generator for `section`, or undefined when no installed generator can run it. */
  generatorFor(section: string): GeneratorName | undefined;
  /** Whether some installed generator runs `section`. */
  runs(section: string): boolean;
  /** One line for a section that is skipped: what it needs and how to install it. */
  skipNote(section: string): string;
  /** Markdown for the top of the notebook: the generator of each section, and what is skipped. */
  summary(): string;
}

/** Notebook 02's generators and the sizes of its runs. */
export interface Lab02Plan {
  /** The generator of each section. */
  plan: Lab02Generators;
  /** How the runs of sections 4 and 5 end (a duration with oha or wrk, else a count). */
  timed: TimedRuns;
  /** Seconds of the failover run. */
  failoverS: number;
}

/** The course's own tool first: ab, then oha, wrk and autocannon. */
export const LAB02_PREFERENCE: readonly GeneratorName[] = ["ab", "oha", "wrk", "autocannon"];

/**
 * Picks a generator for each of notebook 02's measured sections (ab first, as the course used
 * it, for the runs of a request count; a timed keep-alive generator for the failover run;
 * `LAB_GENERATORS` narrows the choice) and names the sections no installed generator can run.
 *
 * @example
 * ```ts ignore
 * const { plan, timed, failoverS } = await planLab02(profile());
 * await showMarkdown(plan.summary());
 * ```
 */
export async function planLab02(
  lab: LabProfile,
  options: { generators?: GeneratorSet } = {},
): Promise<Lab02Plan> {
  const failoverS = lab.name === "quick" ? 4 : 8;
  const perSection = new Map<string, GeneratorPlan>();
  for (const needs of lab02Needs(lab, failoverS)) {
    perSection.set(
      needs.section,
      await planGenerators([needs], { prefer: LAB02_PREFERENCE, generators: options.generators }),
    );
  }
  const first = [...perSection.values()][0]!;
  const runs = (section: string) => perSection.get(section)?.skipped.length === 0;
  const generatorFor = (section: string) =>
    runs(section) ? perSection.get(section)?.generator ?? undefined : undefined;
  const plan: Lab02Generators = {
    installed: first.installed,
    generatorFor,
    runs,
    skipNote: (section) => perSection.get(section)?.skipNote(section) ?? "",
    summary() {
      if (first.installed.length === 0) return first.summary();
      const used = [...perSection.keys()].map((section) =>
        runs(section)
          ? `${section}: **${generatorFor(section)}**`
          : `${section}: skipped (needs ${perSection.get(section)!.skipped[0]!.needs.join(" or ")})`
      );
      return `Load generators installed: ${first.installed.join(", ")}. By section: ` +
        `${used.join("; ")}.`;
    },
  };
  const timed = timedRuns(lab, first.installed, generatorFor(LAB02_SECTIONS.waiting) ?? "ab");
  return { plan, timed, failoverS };
}

/** Options shared by the measured scenarios. */
export interface ScenarioOptions {
  /** Concurrency levels. */
  levels: readonly number[];
  /** Measured runs per cell. */
  repeats: number;
  /** How each run ends: a request count or a duration, and the generator. */
  runs: { generator?: GeneratorName; requests?: number; durationS?: number; keepAlive?: boolean };
  /** Draws progress. */
  progress?: ProgressRenderer;
  /** Results folder name. */
  name?: string;
}

/**
 * Tugas 10's performance test: `GET path` against a fresh async server, a fresh threaded server
 * and `balancer` (the cluster's balancer over its backends), each a process of its own, one new
 * connection per request as ab makes them.
 */
export function measureTugas10(
  balancerUrl: string,
  options: ScenarioOptions & { path?: string },
): Promise<ExperimentResult> {
  return runExperiment({
    name: options.name ?? LAB02_EXPERIMENTS.measureTugas10,
    targets: ["async", "threads", { name: "balancer", url: balancerUrl }],
    path: options.path ?? "/page.html",
    concurrency: [...options.levels],
    repeats: options.repeats,
    ...options.runs,
    progress: options.progress,
  });
}

/** What {@link measureWaiting} measured. */
export interface WaitingResult {
  /** Targets `balancer-async`, `one-async`, `balancer-threads`, `one-threads`. */
  experiment: ExperimentResult;
  /** Pool size of each thread-pool backend. */
  poolSize: number;
  /** Wait of each request, ms. */
  waitMs: number;
}

/**
 * `/io?ms=waitMs` through the async cluster's balancer and to one of its backends, and the same
 * through a cluster of four thread-pool backends (pool `poolSize`) started for the run and
 * stopped after it.
 */
export async function measureWaiting(
  asyncCluster: LaunchedCluster,
  options: ScenarioOptions & { poolSize?: number; waitMs?: number },
): Promise<WaitingResult> {
  const poolSize = options.poolSize ?? MODELS.threads.defaultSize ?? 8;
  const waitMs = options.waitMs ?? 20;
  const threads = await launchCluster({
    name: "02-threads-cluster",
    backends: modelBackends("threads", 4, poolSize),
  });
  try {
    const experiment = await runExperiment({
      name: options.name ?? LAB02_EXPERIMENTS.measureWaiting,
      targets: [
        { name: "balancer-async", url: asyncCluster.url },
        { name: "one-async", url: asyncCluster.backends[0]!.url },
        { name: "balancer-threads", url: threads.url },
        { name: "one-threads", url: threads.backends[0]!.url },
      ],
      path: `/io?ms=${waitMs}`,
      concurrency: [...options.levels],
      repeats: options.repeats,
      ...options.runs,
      progress: options.progress,
    });
    return { experiment, poolSize, waitMs };
  } finally {
    await threads.shutdown();
  }
}

/** What {@link measureStrategies} measured. */
export interface StrategiesResult {
  /** One target per strategy, named after it. */
  experiment: ExperimentResult;
  /** Requests each strategy's balancer sent, and how many to the slow backend. */
  shares: StrategyShare[];
  /** How many times slower the slow backend waits. */
  factor: number;
  /** Wait asked of each request, ms. */
  waitMs: number;
  /** Backends behind each balancer. */
  backends: number;
}

/**
 * `/io?ms=waitMs` through one balancer per strategy, all in front of the same three async
 * backends and one slow backend (`servers/slow.ts`, `factor` times slower), every one a process.
 */
export async function measureStrategies(
  options: ScenarioOptions & { factor?: number; waitMs?: number; strategies?: StrategyName[] },
): Promise<StrategiesResult> {
  const factor = options.factor ?? 5;
  const waitMs = options.waitMs ?? 20;
  const strategies = options.strategies ?? [...STRATEGY_NAMES];
  const started: Target[] = [];
  try {
    for (let i = 1; i <= 3; i++) {
      started.push(await launchScript(MODELS.async.scriptPath, { name: `02-fast-backend${i}` }));
    }
    const slowScript = new URL("../../servers/slow.ts", import.meta.url).pathname;
    const slow = await launchScript(slowScript, {
      name: "02-slow-backend",
      args: ["--factor", String(factor)],
    });
    started.push(slow);
    const urls = started.map((backend) => backend.url);
    const balancers: Target[] = [];
    for (const strategy of strategies) {
      balancers.push(await launchBalancer(urls, { name: `02-balancer-${strategy}`, strategy }));
    }
    started.push(...balancers);
    const experiment = await runExperiment({
      name: options.name ?? LAB02_EXPERIMENTS.measureStrategies,
      targets: balancers.map((b, i) => ({ name: strategies[i]!, url: b.url })),
      path: `/io?ms=${waitMs}`,
      concurrency: [...options.levels],
      repeats: options.repeats,
      ...options.runs,
      progress: options.progress,
    });
    const slowLabel = `127.0.0.1:${slow.port}`;
    const shares = await Promise.all(balancers.map(async (balancer, i) => {
      const stats = await (await fetch(`${balancer.url}/lb/stats`)).json() as {
        backends: { label: string; requests: number }[];
      };
      return {
        strategy: strategies[i]!,
        requests: stats.backends.reduce((sum, b) => sum + b.requests, 0),
        toSlow: stats.backends.find((b) => b.label === slowLabel)?.requests ?? 0,
      };
    }));
    return { experiment, shares, factor, waitMs, backends: 4 };
  } finally {
    await Promise.all(started.map((target) => target.stop()));
  }
}

/** Options of {@link runFailover}. */
export interface FailoverOptions {
  /** Length of the run, s. */
  durationS: number;
  /** Index of the backend to stop (default 1: the second). */
  victim?: number;
  /** Request path (default `/io?ms=5`). */
  path?: string;
  /** Connections (default 8). */
  concurrency?: number;
  /** Request method (default GET). */
  method?: "GET" | "POST";
  /** Generator; defaults to the best installed one that keeps connections alive. */
  generator?: GeneratorName;
  /** Draws progress about every 250 ms. */
  progress?: ProgressRenderer;
}

/** What {@link runFailover} saw. */
export interface FailoverResult {
  /** The load generator's result. */
  load: RunResult;
  /** The stop and the restart, in seconds from the start of the recording. */
  events: { timeS: number; label: string }[];
  /** Requests per second per backend over time, from the balancer's `/lb/stats`. */
  timeline: TimelineRow[];
  /** The figures the failover sentence is built from. */
  facts: FailoverFacts;
  /** Methods the balancer repeats on another backend (its `REPEATABLE` set). */
  repeatable: string[];
}

/**
 * A keep-alive run through `cluster` during which backend `victim` is stopped a quarter of the
 * way in and started again on its port from half way, while the balancer's `/lb/stats` is read every
 * 100 ms. The backend is running again when this returns, also after a failed run.
 */
export async function runFailover(
  cluster: LaunchedCluster,
  options: FailoverOptions,
): Promise<FailoverResult> {
  const { durationS } = options;
  const victim = options.victim ?? 1;
  const label = cluster.labels[victim];
  if (label === undefined) throw new RangeError(`no backend ${victim} in the cluster`);
  const events: { timeS: number; label: string }[] = [];
  const recorder = recordBalancerStats(cluster.url, { intervalMs: 100 });
  const draw = (finished: boolean) =>
    options.progress?.({
      done: finished ? durationS : Math.min(durationS, Math.floor(recorder.elapsedS())),
      total: durationS,
      failed: 0,
      label: `failover run: ${events.map((e) => e.label).join(", ") || "all backends up"}`,
      elapsedS: recorder.elapsedS(),
      etaS: finished ? 0 : Math.max(0, durationS - recorder.elapsedS()),
      finished,
    });
  const ticker = setInterval(() => draw(false), 250);
  // The restart starts half way: a new server process takes a second or two to be ready on a
  // busy machine, and the balancer needs two good health checks after that to send it requests.
  const quarter = durationS * 1000 / 4;
  const chaos = (async () => {
    await sleep(quarter);
    await cluster.stopBackend(victim);
    events.push({ timeS: recorder.elapsedS(), label: `${label} stopped` });
    await sleep(quarter);
    await cluster.restartBackend(victim);
    events.push({ timeS: recorder.elapsedS(), label: "restarted" });
  })();
  let endS = Infinity;
  let load: RunResult;
  try {
    load = await runLoad({
      url: `${cluster.url}${options.path ?? "/io?ms=5"}`,
      durationS,
      concurrency: options.concurrency ?? 8,
      keepAlive: true,
      method: options.method,
      ...(options.method === "POST" ? { body: "x" } : {}),
    }, { quiet: true, generator: options.generator });
  } finally {
    endS = recorder.elapsedS();
    // A failed stop or restart still leaves the backend running for the next section.
    await chaos.catch(() => cluster.restartBackend(victim));
    await sleep(300);
    clearInterval(ticker);
  }
  const samples = await recorder.stop();
  await draw(true);
  const timeline = timelineRows(samples).filter((row) => row.timeS <= endS);
  const [stop, restart] = events;
  const down = timeline.find((r) => r.backend === label && !r.healthy);
  const back = restart &&
    timeline.find((r) =>
      r.backend === label && r.healthy && r.timeS > restart.timeS && r.requestsPerSec > 0
    );
  const stats = await cluster.stats();
  return {
    load,
    events: back ? [...events, { timeS: back.timeS, label: "back in rotation" }] : events,
    timeline,
    repeatable: [...REPEATABLE],
    facts: {
      completed: load.completed,
      failed: Object.values(load.failures).reduce((a, b) => a + b, 0),
      non2xx: load.non2xx,
      refused: ["502", "503", "504"].reduce((sum, code) => sum + (load.statusCodes[code] ?? 0), 0),
      victim: label,
      downAfterMs: down && stop ? Math.max(0, (down.timeS - stop.timeS) * 1000) : null,
      readmittedAfterMs: back && restart ? (back.timeS - restart.timeS) * 1000 : null,
      failuresOnVictim: stats.backends.find((b) => b.label === label)?.failures ?? 0,
      p99Ms: load.latencyMs.p99,
      maxMs: load.latencyMs.max,
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
