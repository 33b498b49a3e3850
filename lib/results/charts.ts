/**
 * Charts of the results with Observable Plot on a linkedom DOM: throughput and latency against
 * concurrency, one run's latency distribution, and the 2020 figures beside ours.
 *
 * Every chart is one standalone `<svg>` element with its colour legend drawn inside, so the Deno
 * Jupyter kernel shows it as an image (`image/svg+xml`) and {@link toSvg} can write it as a file
 * as is. (Plot itself returns an HTML `<figure>` once a legend or title is asked for.)
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { extname } from "node:path";
import type pl from "nodejs-polars";
import { plainNumber, readableChart } from "./chart_labels.ts";
import type { HistogramBucket } from "../loadgen/types.ts";
import type { RunRecord } from "./run_record.ts";
import type { SummaryRow } from "./results.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const LEGEND_HEIGHT = 22;
const TITLE_HEIGHT = 22;
const BAR = "#4269d0";

const { document } = parseHTML("<!doctype html><html><head></head><body></body></html>");
const dom = document as unknown as Document;

/** Table rows as plain objects, one key per column. */
export type Rows = Record<string, unknown>[];

function rowsOf(data: pl.DataFrame | readonly object[]): Rows {
  return Array.isArray(data) ? [...data] as Rows : (data as pl.DataFrame).toRecords() as Rows;
}

function requireFields(rows: Rows, fields: string[], what: string): void {
  const row = rows[0];
  if (row === undefined) return;
  const missing = fields.filter((field) => !(field in row));
  if (missing.length > 0) {
    throw new Error(`${what}: rows lack ${missing.join(", ")}; pass the summarize() DataFrame`);
  }
}

function numeric(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Options common to the charts. */
export interface ChartOptions {
  /** Label of the y axis, where the chart's default does not describe what is drawn. */
  yLabel?: string;
  /** Title drawn above the chart. */
  title?: string;
  /** Width in pixels (default 640; wider for faceted charts). */
  width?: number;
  /** Height of the plot area in pixels (default 400). */
  height?: number;
}

function svgChild(name: string, attributes: Record<string, string | number>): Element {
  const element = dom.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/**
 * Wraps a Plot `<svg>` in an outer `<svg>` with an optional title and a categorical legend of
 * its colour scale, so the chart is one standalone SVG.
 */
function standalone(plot: Element & Plot.Plot, title?: string): SVGSVGElement {
  if (plot.tagName.toLowerCase() !== "svg") {
    throw new Error(`expected Plot to return an <svg>, got <${plot.tagName.toLowerCase()}>`);
  }
  const width = Number(plot.getAttribute("width"));
  const plotHeight = Number(plot.getAttribute("height"));
  const color = plot.scale("color");
  const domain = [...(color?.domain ?? [])] as unknown[];
  const range = [...(color?.range ?? [])] as unknown[];
  const entries = range.length === 0 ? [] : domain.map((key, i) => ({
    label: String(key),
    fill: String(range[i % range.length]),
  }));
  let top = 0;
  const outer = svgChild("svg", {
    xmlns: SVG_NS,
    "font-family": "system-ui, sans-serif",
    "font-size": 10,
    fill: "currentColor",
  });
  if (title) {
    const text = svgChild("text", { x: 8, y: 16, "font-size": 14, "font-weight": "bold" });
    text.textContent = title;
    outer.appendChild(text);
    top += TITLE_HEIGHT;
  }
  if (entries.length > 0) {
    const legend = svgChild("g", { "aria-label": "legend", transform: `translate(8,${top + 4})` });
    let x = 0;
    for (const entry of entries) {
      const swatch = svgChild("g", {
        "aria-label": "legend entry",
        transform: `translate(${x},0)`,
      });
      swatch.appendChild(svgChild("rect", { width: 12, height: 12, fill: entry.fill }));
      const label = svgChild("text", { x: 16, y: 10 });
      label.textContent = entry.label;
      swatch.appendChild(label);
      legend.appendChild(swatch);
      x += 16 + entry.label.length * 6 + 18;
    }
    outer.appendChild(legend);
    top += LEGEND_HEIGHT;
  }
  plot.setAttribute("y", String(top));
  outer.appendChild(plot);
  readableChart(outer);
  const height = top + plotHeight;
  outer.setAttribute("width", String(width));
  outer.setAttribute("height", String(height));
  outer.setAttribute("viewBox", `0 0 ${width} ${height}`);
  return outer as unknown as SVGSVGElement;
}

function plot(options: Plot.PlotOptions): Element & Plot.Plot {
  return Plot.plot({ document: dom, ...options }) as unknown as Element & Plot.Plot;
}

/**
 * Any Observable Plot chart as one standalone `<svg>` on the lab's DOM, with `title` and a
 * categorical colour legend drawn inside: the building block of the named charts in other
 * modules (e.g. `lib/results/why_charts.ts`).
 */
export function standaloneChart(options: Plot.PlotOptions, title?: string): SVGSVGElement {
  return standalone(plot(options), title);
}

function levelsOf(rows: Rows, field = "concurrency"): number[] {
  return [...new Set(rows.map((row) => row[field]).filter(numeric))].sort((a, b) => a - b);
}

/**
 * An x axis with exactly the given levels as labelled ticks. (On a log scale Plot hides some
 * labels and ignores a tickFormat function; an axis mark's text channel is kept.)
 */
function logAxisX(levels: number[]): Plot.CompoundMark {
  return Plot.axisX({ ticks: levels, text: (d: number) => `${d}`, label: "concurrency (log)" });
}

function targetsOf(rows: Rows, field = "target"): string[] {
  return [...new Set(rows.map((row) => String(row[field])))].sort();
}

/**
 * Throughput against concurrency: median req/s per target (lines and dots, one colour per
 * target), the interval of each cell's median as a vertical bar (order statistics: with 3 runs
 * the lowest to the highest run, a 75% interval), log x with the measured levels as ticks. Rows
 * without the median's interval (made before it existed) show the mean's t-interval, and the
 * y axis says which interval the bars are. Takes the {@link summarize} DataFrame or its rows.
 *
 * @example
 * ```ts
 * import { runExperiment, show, summarize, throughputChart } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await show(throughputChart(summarize(frame), { title: "GET /: throughput vs concurrency" }));
 * ```
 */
export function throughputChart(
  summary: pl.DataFrame | readonly SummaryRow[],
  options: ChartOptions = {},
): SVGSVGElement {
  const rows = rowsOf(summary);
  requireFields(
    rows,
    ["target", "concurrency", "medianRps", "rpsCiLow", "rpsCiHigh"],
    "throughputChart",
  );
  const medianBars = rows.filter((row) => numeric(row.rpsMedianLow) && numeric(row.rpsMedianHigh));
  const byMedian = medianBars.length > 0;
  const intervals = byMedian
    ? medianBars
    : rows.filter((row) => numeric(row.rpsCiLow) && numeric(row.rpsCiHigh));
  return standalone(
    plot({
      width: options.width ?? 640,
      height: options.height ?? 400,
      marginLeft: 60,
      x: { type: "log", label: "concurrency (log)" },
      y: {
        label: options.yLabel ?? throughputLabel(intervals, byMedian),
        grid: true,
        zero: true,
      },
      color: { type: "ordinal", domain: targetsOf(rows), scheme: "observable10" },
      marks: [
        logAxisX(levelsOf(rows)),
        Plot.ruleX(intervals, {
          x: "concurrency",
          y1: byMedian ? "rpsMedianLow" : "rpsCiLow",
          y2: byMedian ? "rpsMedianHigh" : "rpsCiHigh",
          stroke: "target",
          strokeWidth: 2,
          strokeOpacity: 0.6,
        }),
        Plot.line(rows, {
          x: "concurrency",
          y: "medianRps",
          stroke: "target",
          sort: "concurrency",
        }),
        Plot.dot(rows, { x: "concurrency", y: "medianRps", fill: "target", r: 3, tip: true }),
      ],
    }),
    options.title ?? "Throughput vs concurrency",
  );
}

/** The throughput chart's y label: the median, and which interval its bars are, if any. */
export function throughputLabel(intervals: Rows, byMedian: boolean): string {
  if (intervals.length === 0) return "requests per second (median)";
  if (!byMedian) return "requests per second (median; bars: 95% t-interval of the mean)";
  const levels = intervals.map((row) => row.rpsMedianLevel).filter(numeric);
  const level = levels.length > 0 ? Math.round(Math.min(...levels) * 100) : null;
  return `requests per second (median; bars: ${level === null ? "" : `${level}% `}interval ` +
    "of the median)";
}

/** How {@link facetedLogLog} lays out its points. */
interface FacetedLogLogLayout {
  /** Field naming the panel of a point, and the panels in order. */
  facet: string;
  facets: readonly string[];
  /** Field of the y value and its axis label. */
  y: string;
  yLabel: string;
  /** Field naming the colour of a point, and the colours' domain. */
  colour: string;
  colours: string[];
  /** Concurrency levels to label on the log x axis. */
  levels: number[];
  /** Field that separates lines of the same colour in one panel (defaults to the colour). */
  series?: string;
  width: number;
  height?: number;
  title: string;
}

/** A log scale for Plot's `x` or `y` option, as {@link readableLogScale} makes it. */
export interface ReadableLogScale {
  /** Always `"log"`. */
  type: "log";
  /** The axis label. */
  label: string;
  /** Grid lines at the ticks. */
  grid: boolean;
  /** From a power of ten to a power of ten. */
  domain: [number, number];
  /** The labelled ticks. */
  ticks: number[];
  /** Writes a tick in plain numbers (`0.1`, `1k`). */
  tickFormat: (value: number) => string;
}

/**
 * A log scale over `values` that a student can read: its domain runs from the power of ten at or
 * below the smallest value to the one at or above the largest (so every point is inside the
 * frame), every power of ten is a labelled tick (with 2 and 5 between them when the range spans
 * two decades or less), in plain numbers (0.1, 1, 10, 100, 1k), never SI ("100m").
 */
export function readableLogScale(
  values: readonly number[],
  label: string,
): ReadableLogScale {
  const positive = values.filter((value) => numeric(value) && value > 0);
  const low = positive.length === 0 ? 1 : Math.min(...positive);
  const high = positive.length === 0 ? 10 : Math.max(...positive);
  const from = Math.floor(Math.log10(low) + 1e-9);
  const to = Math.max(from + 1, Math.ceil(Math.log10(high) - 1e-9));
  const steps = to - from <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = from; power <= to; power++) {
    for (const step of steps) {
      const tick = Number((step * 10 ** power).toPrecision(6));
      if (tick <= 10 ** to * 1.000001) ticks.push(tick);
    }
  }
  return {
    type: "log",
    label,
    grid: true,
    domain: [10 ** from, 10 ** to],
    ticks,
    tickFormat: plainNumber,
  };
}

/** Panels of lines and dots, y against concurrency, both on log scales, one colour per series. */
function facetedLogLog(points: readonly object[], layout: FacetedLogLogLayout): SVGSVGElement {
  const { facet: fx, y } = layout;
  const ys = (points as Record<string, unknown>[]).map((point) => point[y] as number);
  return standalone(
    plot({
      width: layout.width,
      height: layout.height ?? 360,
      marginLeft: 60,
      // Dots of r=3 at the domain's ends stay inside the frame.
      insetTop: 6,
      insetBottom: 6,
      fx: { label: null, domain: [...layout.facets] },
      x: { type: "log", label: "concurrency (log)" },
      y: readableLogScale(ys, layout.yLabel),
      color: { type: "ordinal", domain: layout.colours, scheme: "observable10" },
      marks: [
        Plot.frame({ strokeOpacity: 0.2 }),
        logAxisX(layout.levels),
        Plot.line(points, {
          fx,
          x: "concurrency",
          y,
          z: layout.series ?? layout.colour,
          stroke: layout.colour,
          sort: "concurrency",
        }),
        Plot.dot(points, { fx, x: "concurrency", y, fill: layout.colour, r: 3 }),
      ],
    }),
    layout.title,
  );
}

const PERCENTILES = [["p50", "p50Ms"], ["p90", "p90Ms"], ["p99", "p99Ms"]] as const;

/**
 * Latency percentiles against concurrency: one panel each for p50, p90 and p99 (medians over
 * repeats), one colour per target, log x and log y. Takes the {@link summarize} DataFrame.
 *
 * @example
 * ```ts
 * import { latencyChart, runExperiment, show, summarize } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await show(latencyChart(summarize(frame), { title: "GET /: latency vs concurrency" }));
 * ```
 */
export function latencyChart(
  summary: pl.DataFrame | readonly SummaryRow[],
  options: ChartOptions = {},
): SVGSVGElement {
  const rows = rowsOf(summary);
  requireFields(rows, ["target", "concurrency", "p50Ms", "p90Ms", "p99Ms"], "latencyChart");
  const points = rows.flatMap((row) =>
    PERCENTILES.filter(([, field]) => numeric(row[field]) && (row[field] as number) > 0).map((
      [percentile, field],
    ) => ({ target: row.target, concurrency: row.concurrency, percentile, ms: row[field] }))
  );
  return facetedLogLog(points, {
    facet: "percentile",
    facets: PERCENTILES.map(([p]) => p),
    y: "ms",
    yLabel: "latency, ms (log)",
    colour: "target",
    colours: targetsOf(rows),
    levels: levelsOf(rows),
    width: options.width ?? 900,
    height: options.height,
    title: options.title ?? "Latency percentiles vs concurrency",
  });
}

function parseHistogram(record: RunRecord): HistogramBucket[] {
  const triples = JSON.parse(record.histogram || "[]") as [number, number, number][];
  return triples.map(([fromMs, toMs, count]) => ({ fromMs, toMs, count }));
}

/**
 * The latency distribution of one run: from a histogram's buckets, from per-request latencies
 * in ms (binned here), or from a {@link RunRecord} (its stored histogram, with its p50 and p99
 * marked). Throws when there is nothing to draw.
 *
 * @example
 * ```ts
 * import { latencyDistributionChart, runExperiment, show } from "../lib/notebook/mod.ts";
 * const io = await runExperiment({ name: "io", targets: ["async"], path: "/io?ms=20" });
 * await show(latencyDistributionChart(io.records[0]!));
 * await show(latencyDistributionChart([1.2, 1.4, 2.0, 2.1, 3.5, 9.8])); // latencies in ms
 * ```
 */
export function latencyDistributionChart(
  input: readonly HistogramBucket[] | readonly number[] | RunRecord,
  options: ChartOptions = {},
): SVGSVGElement {
  const record = Array.isArray(input) ? null : input as RunRecord;
  const data = record ? parseHistogram(record) : input as readonly (HistogramBucket | number)[];
  if (data.length === 0) {
    throw new Error(
      "latencyDistributionChart: no latency data; pass histogram buckets, latencies in ms, " +
        "or a run record from a generator that gives a histogram",
    );
  }
  const marks: Plot.Markish[] = typeof data[0] === "number"
    ? [
      Plot.rectY(data as number[], {
        ...Plot.binX({ y: "count" }, { x: (d: number) => d }),
        fill: BAR,
      }),
    ]
    : [
      Plot.rectY(data as HistogramBucket[], { x1: "fromMs", x2: "toMs", y: "count", fill: BAR }),
    ];
  if (record) {
    const lines = [["p50", record.p50Ms], ["p99", record.p99Ms]].filter(([, ms]) => numeric(ms));
    marks.push(
      Plot.ruleX(lines, { x: (d) => d[1], stroke: "#e15759", strokeDasharray: "4,3" }),
      ...lines.map((line, i) =>
        Plot.text([line], {
          x: (d) => d[1],
          text: (d) => `${d[0]} ${d[1]} ms`,
          frameAnchor: "top",
          dy: 12 * i,
          dx: 4,
          textAnchor: "start",
        })
      ),
    );
  }
  marks.push(Plot.ruleY([0]));
  const title = options.title ??
    (record
      ? `Latency distribution: ${record.target}, c=${record.concurrency}, run ${record.repeat}`
      : "Latency distribution");
  return standalone(
    plot({
      width: options.width ?? 640,
      height: options.height ?? 320,
      marginLeft: 60,
      marginTop: 24,
      x: { label: "latency, ms" },
      y: { label: "responses", grid: true },
      marks,
    }),
    title,
  );
}

/** Label of the facet that holds this lab's figures in {@link seedsChart}. */
export const OURS_LABEL = "this lab";

/**
 * The 2020 reports' req/s beside ours: one panel per report (and one for ours), req/s against
 * concurrency on log scales, one colour per server (`async`, `threads`, ... shared with our
 * target names). Runs that never finished have no figure and are counted in the title.
 * `seeds` is {@link loadSeeds}'s DataFrame, `ours` the {@link summarize} DataFrame.
 *
 * @example
 * ```ts
 * import { loadSeeds, runExperiment, seedsChart, show, summarize } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await show(seedsChart(loadSeeds(), summarize(frame)));
 * ```
 */
export function seedsChart(
  seeds: pl.DataFrame,
  ours?: pl.DataFrame | readonly SummaryRow[],
  options: ChartOptions = {},
): SVGSVGElement {
  const seedRows = rowsOf(seeds);
  requireFields(seedRows, ["source", "server", "concurrency", "requests_per_sec"], "seedsChart");
  const finished = seedRows.filter((row) => numeric(row.requests_per_sec));
  const points = finished.map((row) => ({
    origin: `2020 report ${String(row.source).slice(0, 3)}`,
    series: `${row.source} ${row.server} ${row.requests}`,
    server: String(row.server),
    concurrency: row.concurrency as number,
    rps: row.requests_per_sec as number,
  }));
  for (const row of ours ? rowsOf(ours) : []) {
    if (!numeric(row.medianRps) || row.medianRps <= 0) continue;
    points.push({
      origin: OURS_LABEL,
      series: `ours ${row.target}`,
      server: String(row.target),
      concurrency: row.concurrency as number,
      rps: row.medianRps,
    });
  }
  const unfinished = seedRows.length - finished.length;
  const origins = [...new Set(points.map((p) => p.origin))].sort((a, b) =>
    a === OURS_LABEL ? 1 : b === OURS_LABEL ? -1 : a.localeCompare(b)
  );
  return facetedLogLog(points, {
    facet: "origin",
    facets: origins,
    y: "rps",
    yLabel: "requests per second (log)",
    colour: "server",
    colours: targetsOf(points, "server"),
    levels: levelsOf(points),
    series: "series",
    width: options.width ?? Math.max(640, 240 * origins.length),
    height: options.height,
    title: options.title ??
      `The 2020 reports beside this lab (req/s; ${unfinished} 2020 runs never finished)`,
  });
}

/** A chart as a standalone SVG document (with `xmlns`), ready to write to a `.svg` file. */
export function toSvg(element: Element): string {
  if (element.tagName.toLowerCase() !== "svg") {
    throw new Error(
      `toSvg needs an <svg> element, got <${element.tagName.toLowerCase()}>: ` +
        "pass a chart from lib/results/charts.ts",
    );
  }
  if (!element.getAttribute("xmlns")) element.setAttribute("xmlns", SVG_NS);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element.outerHTML}\n`;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A chart as a standalone HTML page. */
export function toHtml(element: Element, title = "Concurrency Lab chart"): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${
    escapeHtml(title)
  }</title>\n</head>\n<body>\n${element.outerHTML}\n</body>\n</html>\n`;
}

/** Writes a chart to `path`: an SVG file for `.svg`, an HTML page for `.html`. */
export function writeChart(element: Element, path: string): void {
  const extension = extname(path).toLowerCase();
  if (extension === ".svg") Deno.writeTextFileSync(path, toSvg(element));
  else if (extension === ".html" || extension === ".htm") {
    Deno.writeTextFileSync(path, toHtml(element));
  } else {
    throw new Error(`writeChart: '${path}' must end in .svg or .html`);
  }
}

/** A moment marked on a {@link backendTimelineChart}, e.g. "backend 2 stopped". */
export interface TimelineEvent {
  /** Seconds since the recording started. */
  timeS: number;
  /** What happened. */
  label: string;
}

/** Options of {@link backendTimelineChart}. */
export interface TimelineChartOptions extends ChartOptions {
  /** Moments drawn as dashed vertical lines with their label. */
  events?: readonly TimelineEvent[];
}

/**
 * Requests per second each backend of a balancer received over time: one line per backend,
 * events (a backend stopped, restarted) as labelled dashed lines. Takes rows with `timeS`,
 * `backend` and `requestsPerSec`, as `timelineRows` in `lib/results/balancer_timeline.ts` makes them.
 *
 * @example
 * ```ts
 * import {
 *   backendTimelineChart,
 *   recordBalancerStats,
 *   show,
 *   startCluster,
 *   timelineRows,
 * } from "../lib/notebook/mod.ts";
 * const cluster = await startCluster({ port: 0, backendPort: 0 });
 * const recorder = recordBalancerStats(cluster.url, { intervalMs: 100 });
 * // ... run a load, stop a backend and note when ...
 * const samples = await recorder.stop();
 * const events = [{ timeS: 2, label: "backend 2 stopped" }];
 * await show(backendTimelineChart(timelineRows(samples), { events }));
 * ```
 */
export function backendTimelineChart(
  rows: pl.DataFrame | readonly object[],
  options: TimelineChartOptions = {},
): SVGSVGElement {
  const points = rowsOf(rows);
  const missing = ["timeS", "backend", "requestsPerSec"].filter((field) =>
    points[0] !== undefined && !(field in points[0])
  );
  if (missing.length > 0) {
    throw new Error(
      `backendTimelineChart: rows lack ${missing.join(", ")}; pass timelineRows() output`,
    );
  }
  if (points.length === 0) {
    throw new Error(
      "backendTimelineChart: no samples; record the balancer's /lb/stats during a run first",
    );
  }
  const events = [...options.events ?? []];
  return standalone(
    plot({
      width: options.width ?? 720,
      height: options.height ?? 320,
      marginLeft: 60,
      marginTop: 28,
      x: { label: "time since the run started, s" },
      y: { label: "requests per second sent", grid: true, zero: true },
      color: { type: "ordinal", domain: targetsOf(points, "backend"), scheme: "observable10" },
      marks: [
        Plot.ruleX(events, { x: "timeS", stroke: "#888", strokeDasharray: "4,3" }),
        Plot.text(events, {
          x: "timeS",
          text: "label",
          frameAnchor: "top",
          textAnchor: "start",
          dx: 4,
          dy: -14,
        }),
        Plot.line(points, { x: "timeS", y: "requestsPerSec", stroke: "backend", sort: "timeS" }),
        Plot.ruleY([0]),
      ],
    }),
    options.title ?? "Requests per second per backend over time",
  );
}
