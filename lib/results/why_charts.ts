/**
 * The charts of notebook 03 ("why benchmark numbers lie"), one named function per question a
 * chart answers. Each takes plain rows and returns one standalone `<svg>` (title and legend
 * inside) drawn by Observable Plot on the lab's DOM, as the charts of `lib/results/charts.ts` do.
 *
 * @example
 * ```ts
 * import { generatorRateChart } from "./lib/results/why_charts.ts";
 * const svg = generatorRateChart([{ generator: "wrk 4.1", rps: 52000 }, { generator: "ab 2.3", rps: 18000 }]);
 * ```
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { standaloneChart } from "./charts.ts";
import type { Interval } from "./stats.ts";
import { ms, rps } from "./format.ts";

const BLUE = "#4269d0";
const ORANGE = "#efb118";
const RED = "#e15759";

/** Title override shared by the charts. */
export interface WhyChartOptions {
  /** Title drawn above the chart; each chart has a default that states its question. */
  title?: string;
}

/** One generator's measurement of the same server. */
export interface GeneratorPoint {
  /** Name and version, e.g. "wrk 4.1.0". */
  generator: string;
  /** Requests per second it reported. */
  rps: number;
  /** Its own CPU time per request, µs. */
  cpuUsPerRequest?: number;
}

/** Requests per second of one server as each generator reported it, fastest first. */
export function generatorRateChart(
  points: readonly GeneratorPoint[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  return standaloneChart({
    width: 640,
    height: 60 + 40 * points.length,
    marginLeft: 140,
    x: { label: "requests per second", grid: true },
    y: { label: null },
    marks: [
      Plot.barX(points, { y: "generator", x: "rps", fill: BLUE, sort: { y: "-x" } }),
      Plot.text(points, {
        y: "generator",
        x: "rps",
        text: (d: GeneratorPoint) => rps(d.rps),
        dx: -4,
        textAnchor: "end",
        fill: "white",
      }),
      Plot.ruleX([0]),
    ],
  }, options.title ?? "One server, measured by each generator");
}

/** Each generator's own CPU time per request (µs), cheapest first. */
export function generatorCostChart(
  points: readonly GeneratorPoint[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  const rows = points.filter((p) => Number.isFinite(p.cpuUsPerRequest));
  return standaloneChart({
    width: 640,
    height: 60 + 40 * rows.length,
    marginLeft: 140,
    x: { label: "generator CPU µs per request", grid: true },
    y: { label: null },
    marks: [
      Plot.barX(rows, { y: "generator", x: "cpuUsPerRequest", fill: ORANGE, sort: { y: "x" } }),
      Plot.ruleX([0]),
    ],
  }, options.title ?? "What each generator costs: its own CPU time per request");
}

/** Latency percentiles (ms) that one way of measuring reported. */
export interface PercentileRow {
  /** How it was measured, e.g. "closed loop (ab)" or "open loop". */
  method: string;
  /** Median, ms. */
  p50: number;
  /** 90th percentile, ms. */
  p90: number;
  /** 99th percentile, ms. */
  p99: number;
  /** Slowest, ms. */
  max: number;
}

/** p50, p90, p99 and max of each method side by side on a log scale: what each one reports. */
export function percentilesChart(
  rows: readonly PercentileRow[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  const quantiles = ["p50", "p90", "p99", "max"] as const;
  const bars = rows.flatMap((row) =>
    quantiles.map((q) => ({ method: row.method, percentile: q, ms: Math.max(0.01, row[q]) }))
  );
  return standaloneChart({
    width: 640,
    height: 300,
    marginLeft: 60,
    fx: { label: null, domain: [...quantiles] },
    x: { axis: null, domain: rows.map((row) => row.method) },
    y: { type: "log", label: "latency, ms (log)", grid: true },
    color: { domain: rows.map((row) => row.method) },
    marks: [
      Plot.barY(bars, { fx: "percentile", x: "method", y1: 0.01, y2: "ms", fill: "method" }),
      Plot.text(bars, {
        fx: "percentile",
        x: "method",
        y: "ms",
        text: (d: { ms: number }) => ms(d.ms, d.ms >= 10 ? 0 : 2),
        dy: -6,
      }),
      Plot.frame({ strokeOpacity: 0.2 }),
    ],
  }, options.title ?? "The same stalling server: what each kind of generator reports");
}

/** One open-loop request: when it was meant to be sent and its latency from then. */
export interface ScheduledSample {
  /** Intended send time, ms since the run started. */
  intendedMs: number;
  /** Latency from the intended send time, ms; null when it failed. */
  latencyMs: number | null;
}

/** Every open-loop request's latency against its intended send time: stalls show as ramps. */
export function scheduleChart(
  samples: readonly ScheduledSample[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  const answered = samples.filter((s) => s.latencyMs !== null);
  return standaloneChart({
    width: 640,
    height: 280,
    marginLeft: 60,
    x: { label: "intended send time, s" },
    y: { label: "latency, ms", grid: true },
    marks: [
      Plot.dot(answered, {
        x: (s: ScheduledSample) => s.intendedMs / 1000,
        y: "latencyMs",
        r: 1.5,
        fill: RED,
      }),
    ],
  }, options.title ?? "Open loop: every request's latency against when it was meant to be sent");
}

/** One new connection's connect time under one backlog setting. */
export interface ConnectPoint {
  /** The setting, e.g. "backlog 1". */
  backlog: string;
  /** When the request started, s. */
  startS: number;
  /** TCP connect time, ms (failed attempts: the time given up after). */
  connectMs: number;
  /** Whether the request got an answer. */
  ok: boolean;
}

/**
 * TCP connect time of each request over the run, one row per backlog setting, log scale, with
 * dashed lines at the SYN retry times 1 s and 3 s; failed requests in red.
 */
export function connectTimesChart(
  points: readonly ConnectPoint[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  const rows = points.map((p) => ({ ...p, connectMs: Math.max(0.01, p.connectMs) }));
  return standaloneChart({
    width: 640,
    height: 320,
    marginLeft: 60,
    marginRight: 90,
    fy: { label: null },
    x: { label: "request start, s" },
    y: { type: "log", label: "connect ms", grid: true },
    marks: [
      Plot.dot(rows, {
        fy: "backlog",
        x: "startS",
        y: "connectMs",
        r: 1.5,
        fill: (d: ConnectPoint) => (d.ok ? BLUE : RED),
      }),
      Plot.ruleY([1000, 3000], { stroke: "#999", strokeDasharray: "4,3" }),
      Plot.frame({ strokeOpacity: 0.2 }),
    ],
  }, options.title ?? "TCP connect time of each request (log scale)");
}

/** One repeat of the same configuration. */
export interface RepeatPoint {
  /** Run number, from 1. */
  run: number;
  /** Requests per second it measured. */
  rps: number;
}

/**
 * Each repeat's requests per second as a dot, with the centre of `interval` as a dashed line and
 * the interval as a band; `what` names the interval in the title (e.g. "median, 95% interval").
 */
export function repeatsChart(
  runs: readonly RepeatPoint[],
  interval: Interval,
  options: WhyChartOptions & { what?: string } = {},
): SVGSVGElement {
  const last = Math.max(1, ...runs.map((r) => r.run));
  const band = interval.low === null || interval.high === null
    ? []
    : [{ run: 1, low: interval.low, high: interval.high }, {
      run: last,
      low: interval.low,
      high: interval.high,
    }];
  const what = options.what ?? "band: interval, dashed: estimate";
  return standaloneChart({
    width: 640,
    height: 280,
    marginLeft: 70,
    x: { label: "run", ticks: runs.map((r) => r.run), tickFormat: "d" },
    y: { label: "requests per second", grid: true, zero: true },
    marks: [
      Plot.areaY(band, { x: "run", y1: "low", y2: "high", fill: BLUE, fillOpacity: 0.15 }),
      Plot.ruleY([interval.estimate], { stroke: BLUE, strokeDasharray: "4,3" }),
      Plot.dot(runs, { x: "run", y: "rps", fill: BLUE, r: 4 }),
    ],
  }, options.title ?? `The same benchmark, run after run (${what})`);
}

/** One batch of requests against a server kept running. */
export interface BatchPoint {
  /** The server's label. */
  server: string;
  /** Requests it had served by the end of the batch. */
  served: number;
  /** Mean latency of the batch, ms. */
  msPerRequest: number;
}

/** Mean latency per batch as requests accumulate, one line per server, log scale. */
export function batchesChart(
  points: readonly BatchPoint[],
  options: WhyChartOptions = {},
): SVGSVGElement {
  const rows = points.map((p) => ({ ...p, msPerRequest: Math.max(0.01, p.msPerRequest) }));
  return standaloneChart({
    width: 640,
    height: 320,
    marginLeft: 60,
    x: { label: "requests served so far" },
    y: { type: "log", label: "mean latency, ms (log)", grid: true },
    color: { domain: [...new Set(rows.map((p) => p.server))] },
    marks: [
      Plot.line(rows, { x: "served", y: "msPerRequest", stroke: "server" }),
      Plot.dot(rows, { x: "served", y: "msPerRequest", fill: "server", r: 3 }),
    ],
  }, options.title ?? "Mean latency per batch as requests accumulate (log scale)");
}
