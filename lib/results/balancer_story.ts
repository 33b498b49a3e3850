/**
 * Notebook 02's computed prose: every sentence that states a number or a direction about the load
 * balancer (the Tugas 10 table and its 2020 conclusion, what four backends add when requests wait,
 * which strategy copes with a slow backend, what a failover cost the clients, how the page's
 * requests rotated) is built here from the run's frames. Directions come from the Holm-corrected
 * verdicts of `findings.ts`, the same that the notebook's verdict tables show, so the words change
 * with the data: "faster" only beyond the noise, "cannot tell" with one run.
 *
 * @module
 */

import type pl from "nodejs-polars";
import { holmVerdicts, type Verdict } from "./findings.ts";
import { frameRows } from "./frame.ts";
import type { RunResult } from "../loadgen/types.ts";
import { compareTargets, formatFactor, formatRate, type SummaryRow } from "./results.ts";
import { at, ms, percent } from "./row_format.ts";

/** Target names of the Tugas 10 experiment. */
export const TUGAS10_TARGETS = ["async", "threads", "balancer"] as const;

/** The 2020 report's Tugas 10 conclusion, quoted as written, and where it is. */
export const TUGAS10_CONCLUSION = {
  text: "Dari hasil performance test pada server async, server thread, dan dengan load balancer, " +
    "dapat dilihat dari hasil yang tertera pada table-table diatas bahwa server dengan load " +
    "balancer memiliki performa yang lebih baik dari pada server yang lainnya.",
  translation: "From the performance tests of the async server, the thread server and the load " +
    "balancer, the tables above show that the server with the load balancer performs better " +
    "than the other servers.",
  source: 'data/seeds/sources/003_5a483f8212d934ab.txt, section "Kesimpulan"',
} as const;

/** The three comparisons of Tugas 10: balancer vs async, balancer vs threads, async vs threads. */
export function tugas10Comparisons(frame: pl.DataFrame): pl.DataFrame[] {
  return [
    compareTargets(frame, "balancer", "async"),
    compareTargets(frame, "balancer", "threads"),
    compareTargets(frame, "async", "threads"),
  ];
}

/** The verdict of `a` vs `b` at `c` among `verdicts`, turned round if it was `b` vs `a`. */
export function verdictOf(
  verdicts: readonly Verdict[],
  a: string,
  b: string,
  c: number,
): Verdict | undefined {
  const same = verdicts.find((v) => v.comparison === `${a} vs ${b}` && v.concurrency === c);
  if (same) return same;
  const turned = verdicts.find((v) => v.comparison === `${b} vs ${a}` && v.concurrency === c);
  return turned && { ...turned, comparison: `${a} vs ${b}`, ratio: 1 / turned.ratio };
}

/** What a level's data says about "the balancer performs better than the others". */
export type ClaimVerdict =
  | { claim: "holds" }
  | { claim: "fails"; winner: string }
  | { claim: "open"; runs: number };

/**
 * The 2020 claim at one level: it holds when the balancer is faster than both servers beyond
 * the noise (after Holm), fails when a server is faster than the balancer beyond the noise, and
 * stays open otherwise.
 */
export function claimAt(verdicts: readonly Verdict[], c: number): ClaimVerdict {
  const versus = ["async", "threads"].map((server) => ({
    server,
    v: verdictOf(verdicts, "balancer", server, c),
  }));
  const beaten = versus.find(({ v }) => v?.significant && v.ratio < 1);
  if (beaten) return { claim: "fails", winner: beaten.server };
  if (versus.every(({ v }) => v?.significant && v.ratio > 1)) return { claim: "holds" };
  return { claim: "open", runs: Math.min(...versus.map(({ v }) => v?.runs ?? 0)) };
}

function claimWords(claim: ClaimVerdict): string {
  return claim.claim === "holds"
    ? "holds"
    : claim.claim === "fails"
    ? `does not hold: ${claim.winner} faster`
    : `cannot tell with ${claim.runs} run${claim.runs === 1 ? "" : "s"}`;
}

/**
 * The Tugas 10 table as the assignment had it, one row per level: each server's median req/s,
 * the balancer over the faster of the two servers, and whether the 2020 claim holds there.
 */
export function tugas10Table(
  rows: readonly SummaryRow[],
  comparisons: readonly pl.DataFrame[],
): Record<string, string | number>[] {
  const verdicts = holmVerdicts(comparisons);
  const levels = [...new Set(rows.map((row) => row.concurrency))].sort((x, y) => x - y);
  return levels.map((c) => {
    const [a, t, b] = TUGAS10_TARGETS.map((target) => at(rows, target, c)?.medianRps ?? NaN);
    return {
      c,
      "async req/s": formatRate(a!),
      "threads req/s": formatRate(t!),
      "balancer req/s": formatRate(b!),
      "balancer / faster server": formatFactor(b! / Math.max(a!, t!)),
      "2020 claim": claimWords(claimAt(verdicts, c)),
    };
  });
}

function levelList(levels: readonly number[]): string {
  return levels.map((c) => `c=${c}`).join(", ");
}

/**
 * One or two sentences on the 2020 conclusion: at which levels it holds, fails (and which server
 * beat the balancer) or cannot be called, Holm-corrected over every comparison given; with one
 * run per cell, which way the medians point, said to be no test.
 */
export function tugas10Sentence(
  rows: readonly SummaryRow[],
  comparisons: readonly pl.DataFrame[],
): string {
  const verdicts = holmVerdicts(comparisons);
  const levels = [...new Set(verdicts.map((v) => v.concurrency))].sort((x, y) => x - y);
  if (levels.length === 0) return "No level was run against all three targets.";
  const claims = levels.map((c) => ({ c, claim: claimAt(verdicts, c) }));
  const holds = claims.filter((x) => x.claim.claim === "holds").map((x) => x.c);
  const fails = claims.filter((x) => x.claim.claim === "fails");
  const open = claims.filter((x) => x.claim.claim === "open").map((x) => x.c);
  const tested = verdicts.filter((v) => v.pHolm !== null).length;
  const parts: string[] = [];
  if (holds.length > 0) parts.push(`holds at ${levelList(holds)}`);
  for (const winner of ["async", "threads"]) {
    const lost = fails.filter((x) => x.claim.claim === "fails" && x.claim.winner === winner);
    if (lost.length > 0) {
      parts.push(
        `does not hold at ${levelList(lost.map((x) => x.c))}, where the ${winner} server ` +
          "was faster than the balancer",
      );
    }
  }
  if (open.length > 0) parts.push(`cannot be called at ${levelList(open)}`);
  const last = parts.length > 1 ? `, and ${parts.pop()}` : "";
  const head = tested === 0
    ? `With one run per cell no difference can be tested: the 2020 conclusion ${
      parts.join(", ")
    }${last}.`
    : `Tested ${tested} times (${verdicts.length / levels.length} comparisons at each of ` +
      `${levels.length} levels, Holm-corrected for ${tested}), the 2020 conclusion ` +
      `${parts.join(", ")}${last}.`;
  if (tested > 0) return head;
  const ahead = levels.filter((c) => {
    const [a, t, b] = TUGAS10_TARGETS.map((target) => at(rows, target, c)?.medianRps ?? NaN);
    return b! > a! && b! > t!;
  });
  return `${head} By the medians alone (no test), the balancer was ahead of both servers at ` +
    `${ahead.length} of ${levels.length} levels.`;
}

/** Section 4's comparisons: four backends behind the balancer vs one, thread-pool and async. */
export function waitingComparisons(frame: pl.DataFrame): pl.DataFrame[] {
  return [
    compareTargets(frame, "balancer-threads", "one-threads"),
    compareTargets(frame, "balancer-async", "one-async"),
  ];
}

/** Section 5's comparisons: every other strategy against round robin. */
export function strategyComparisons(frame: pl.DataFrame): pl.DataFrame[] {
  const targets = [...new Set(frameRows(frame).map((row) => row.target as string))];
  return targets.filter((name) => name !== "round-robin")
    .map((name) => compareTargets(frame, name, "round-robin"));
}

/** What the clients saw in one run, as one table row: completed, req/s, failures, p99, max. */
export function clientRow(load: RunResult): Record<string, string | number> {
  return {
    generator: `${load.generator} ${load.generatorVersion}`,
    "run, s": load.wallTimeS.toFixed(1),
    completed: load.completed,
    "req/s": Math.round(load.requestsPerSec),
    "transport failures": Object.values(load.failures).reduce((a, b) => a + b, 0),
    "status codes": Object.entries(load.statusCodes).map(([code, n]) => `${code}: ${n}`).join(", "),
    "p99 ms": ms(load.latencyMs.p99),
    "max ms": ms(load.latencyMs.max),
  };
}

/** How one "four backends behind the balancer vs one backend" verdict reads. */
function addedWords(v: Verdict | undefined, what: string): string {
  if (v === undefined) return `${what}: not run`;
  const factor = formatFactor(v.ratio);
  if (!v.significant) {
    return v.pHolm === null
      ? `${what}: ${factor} one backend's throughput, one run each, so no test can call it`
      : `${what}: ${factor} one backend's throughput, no difference we can see with ` +
        `${v.runs} runs`;
  }
  return v.ratio > 1
    ? `${what}: ${factor} one backend's throughput, beyond the noise, so the extra backends ` +
      "added capacity"
    : `${what}: ${factor} one backend's throughput, beyond the noise, so the extra hop cost ` +
      "more than the extra backends gave";
}

/**
 * Section 4's sentences: the ceiling of one thread-pool backend (K / wait), what it measured, and
 * what four backends behind the balancer did for thread-pool and for async backends, each
 * direction from its Holm-corrected verdict at the highest level.
 */
export function waitingSentence(
  rows: readonly SummaryRow[],
  comparisons: readonly pl.DataFrame[],
  options: { poolSize: number; waitMs: number },
): string {
  const verdicts = holmVerdicts(comparisons);
  const top = Math.max(...rows.map((row) => row.concurrency));
  const ceiling = options.poolSize / (options.waitMs / 1000);
  const one = at(rows, "one-threads", top);
  const threads = verdictOf(verdicts, "balancer-threads", "one-threads", top);
  const async = verdictOf(verdicts, "balancer-async", "one-async", top);
  return `One thread-pool backend of ${options.poolSize} workers cannot pass ` +
    `${options.poolSize} / ${options.waitMs} ms = ${formatRate(ceiling)} req/s; at c=${top} it ` +
    `served ${one ? formatRate(one.medianRps) : "-"} req/s. At c=${top}, ` +
    `${addedWords(threads, "four thread-pool backends behind the balancer")}; ` +
    `${addedWords(async, "four async backends behind the balancer")}.`;
}

/** Requests each strategy sent to the slow backend. */
export interface StrategyShare {
  /** Strategy name. */
  strategy: string;
  /** Requests the balancer forwarded over the whole section. */
  requests: number;
  /** Of those, requests sent to the slow backend. */
  toSlow: number;
}

/** Round robin's throughput bound with one of `backends` backends `factor` times slower. */
export function roundRobinBound(
  c: number,
  options: { backends: number; waitMs: number; factor: number },
): number {
  const { backends, waitMs, factor } = options;
  const meanWaitS = ((backends - 1) * waitMs + waitMs * factor) / backends / 1000;
  return c / meanWaitS;
}

/**
 * Section 5's sentences: round robin's share to the slow backend and its bound beside what it
 * measured, each other strategy against round robin at the highest level (Holm-corrected over the
 * comparisons given), and which strategies' p99 the slow backend set.
 */
export function strategySentence(
  rows: readonly SummaryRow[],
  comparisons: readonly pl.DataFrame[],
  shares: readonly StrategyShare[],
  options: { backends: number; waitMs: number; factor: number },
): string {
  const verdicts = holmVerdicts(comparisons);
  const top = Math.max(...rows.map((row) => row.concurrency));
  const shareOf = (name: string) => {
    const s = shares.find((x) => x.strategy === name);
    return s && s.requests > 0 ? s.toSlow / s.requests : NaN;
  };
  const rr = at(rows, "round-robin", top);
  const bound = roundRobinBound(top, options);
  const slowMs = options.waitMs * options.factor;
  const others = [...new Set(rows.map((row) => row.target))].filter((t) => t !== "round-robin");
  const against = others.map((name) => {
    const v = verdictOf(verdicts, name, "round-robin", top);
    const words = v === undefined
      ? "not compared"
      : v.significant
      ? `${formatFactor(v.ratio)} round robin's throughput (beyond the noise)`
      : `${formatFactor(v.ratio)} round robin's throughput (${
        v.pHolm === null ? "one run each: no test" : `no difference we can see with ${v.runs} runs`
      })`;
    return `${name} ${words}, ${percent(shareOf(name))} of its requests to the slow backend`;
  });
  const tested = verdicts.filter((v) => v.pHolm !== null).length;
  const floor = 0.8 * slowMs;
  const slowTail = rows.filter((row) => row.concurrency === top && (row.p99Ms ?? 0) >= floor)
    .map((row) => row.target);
  const tail = slowTail.length === others.length + 1
    ? `Every strategy's p99 at c=${top} is at least ${ms(floor)} ms: each still sent the slow ` +
      "backend more than the 1% of requests a p99 leaves out."
    : slowTail.length === 0
    ? `No strategy's p99 at c=${top} reached ${
      ms(floor)
    } ms: none let the slow backend set its tail.`
    : `At c=${top} the slow backend set the p99 (${ms(floor)} ms or more) of ` +
      `${slowTail.join(", ")}, not of the others.`;
  return `Round robin sent ${percent(shareOf("round-robin"))} of its requests to the slow ` +
    `backend, so ${top} clients could get at most ${formatRate(bound)} req/s; it served ` +
    `${rr ? formatRate(rr.medianRps) : "-"} req/s (${
      rr ? (100 * rr.medianRps / bound).toFixed(0) : "-"
    }% of that bound). Against round robin at c=${top}` +
    `${tested > 0 ? ` (Holm-corrected for ${tested} tests)` : ""}: ${against.join("; ")}. ${tail}`;
}

/** What the clients and the balancer saw during a failover run. */
export interface FailoverFacts {
  /** Requests completed. */
  completed: number;
  /** Requests that failed at the transport (refused, reset, timed out). */
  failed: number;
  /** Responses with a status other than 2xx (a backend's 405 to a POST counts here too). */
  non2xx: number;
  /** The balancer's own error answers: responses with status 502, 503 or 504. */
  refused: number;
  /** The stopped backend's `host:port`. */
  victim: string;
  /** Time from the stop to the first sample showing the backend down, ms; null if none did. */
  downAfterMs: number | null;
  /** Time from the restart to the first sample with requests on it again, ms; null if none. */
  readmittedAfterMs: number | null;
  /** Failed attempts the balancer counted on the stopped backend. */
  failuresOnVictim: number;
  /** p99 and slowest latency the clients saw, ms. */
  p99Ms: number;
  /** Slowest request, ms. */
  maxMs: number;
}

/**
 * Section 6's sentences: how many requests failed while a backend was stopped and restarted, and
 * why (the balancer's own retry rule, with the methods it repeats, passed in from its code), how
 * soon the balancer took the backend out and let it back in.
 */
export function failoverSentence(
  facts: FailoverFacts,
  repeatable: Iterable<string>,
  method = "GET",
): string {
  const methods = [...repeatable];
  const lost = facts.failed + facts.refused;
  const list = `${methods.slice(0, -1).join(", ")} and ${methods.at(-1)}`;
  const rule = methods.includes(method)
    ? `a ${method} whose backend connection broke was sent again to the next healthy backend ` +
      `(the balancer repeats ${list} without a body)`
    : `the balancer repeats only ${list} without a body, so a ${method} whose backend ` +
      "connection broke was answered with 502";
  const outcome = lost === 0
    ? `Failover was invisible to them: ${rule}.`
    : `${lost} of them saw it: ${rule}.`;
  const out = facts.downAfterMs === null
    ? "No sample caught the backend down"
    : `The balancer took it out ${facts.downAfterMs.toFixed(0)} ms after the stop`;
  const back = facts.readmittedAfterMs === null
    ? "had not sent it requests again by the end of the run"
    : `sent it requests again ${facts.readmittedAfterMs.toFixed(0)} ms after the restart`;
  return `The clients sent ${facts.completed} ${method} requests while backend ${facts.victim} ` +
    `was stopped and restarted; ${facts.failed} failed and ${facts.refused} got the ` +
    `balancer's own error (502, 503 or 504)${
      facts.non2xx > facts.refused ? `, ${facts.non2xx - facts.refused} a backend's error` : ""
    }. ${outcome} ${out} (after ${facts.failuresOnVictim} failed ` +
    `attempt${facts.failuresOnVictim === 1 ? "" : "s"} on it) and ${back}. The slowest ` +
    `request took ${ms(facts.maxMs)} ms, the p99 ${ms(facts.p99Ms)} ms.`;
}

/** A page visit's requests per backend, as {@link rotationSentence} reads them. */
export interface RotationFacts {
  /** Who loaded the page. */
  client: string;
  /** Page views. */
  views: number;
  /** Requests per backend. */
  perBackend: { backend: string; requests: number }[];
  /** Every backend served the same number of requests, give or take one. */
  even: boolean;
  /** Each view's requests went to different backends. */
  spreadInEachView: boolean;
}

/** One sentence on how a page's requests rotated over the backends. */
export function rotationSentence(facts: RotationFacts): string {
  const total = facts.perBackend.reduce((sum, b) => sum + b.requests, 0);
  const counts = facts.perBackend.map((b) => `${b.backend} ${b.requests}`).join(", ");
  const head = `${facts.client} loaded the page ${facts.views} times: ${total} requests ` +
    `(${counts}).`;
  if (facts.even && facts.spreadInEachView) {
    return `${head} That is round robin: the ${facts.perBackend.length} backends served in ` +
      "turn, and each page view's requests went to different backends.";
  }
  return `${head} That is not strict round robin: ${
    facts.even ? "the counts are even, but" : "the counts are uneven, and"
  } ${
    facts.spreadInEachView
      ? "each view still went to different backends"
      : "some view sent two requests to the same backend"
  }.`;
}
