import assert from "node:assert/strict";
import { join } from "node:path";
import {
  backendTimelineChart,
  latencyChart,
  latencyDistributionChart,
  OURS_LABEL,
  seedsChart,
  throughputChart,
  toSvg,
  writeChart,
} from "./charts.ts";
import { summarize } from "./results.ts";
import { runsFrame } from "./results_store.ts";
import { loadSeeds } from "./seeds.ts";
import { sampleRecord, type SampleRun } from "../../tests/support/run_results.ts";

const LEVELS = [1, 5, 10, 50, 100];
const RUNS: SampleRun[] = ["async", "threads", "workers"].flatMap((target, t) =>
  LEVELS.flatMap((c) =>
    [1, 2].map((repeat) => ({
      target,
      concurrency: c,
      repeat,
      rps: 1000 * (t + 1) + c * 10 + repeat * 7,
      p50: c + t,
      p90: 2 * c + t,
      p99: 5 * c + t,
    }))
  )
);
// one cell with a single run: no interval bar for it
RUNS.push({ target: "async", concurrency: 1000, repeat: 1, rps: 900 });
const SUMMARY = summarize(runsFrame(RUNS.map(sampleRecord)));

function texts(root: Element, selector: string): string[] {
  return [...root.querySelectorAll(selector)].map((node) => node.textContent ?? "");
}

function legendOf(svg: Element): { label: string; fill: string }[] {
  return [...svg.querySelectorAll('g[aria-label="legend entry"]')].map((entry) => ({
    label: entry.querySelector("text")!.textContent!,
    fill: entry.querySelector("rect")!.getAttribute("fill")!,
  }));
}

Deno.test("throughputChart: one svg, a legend colour per target, log x ticks, lines, dots, CI bars", () => {
  const svg = throughputChart(SUMMARY);
  assert.equal(svg.tagName.toLowerCase(), "svg");
  assert.ok(svg.outerHTML.startsWith("<svg"));
  const legend = legendOf(svg);
  assert.deepEqual(legend.map((e) => e.label), ["async", "threads", "workers"]);
  assert.equal(new Set(legend.map((e) => e.fill)).size, 3);
  assert.deepEqual(texts(svg, 'g[aria-label="x-axis tick label"] text'), [
    "1",
    "5",
    "10",
    "50",
    "100",
    "1000",
  ]);
  assert.ok(texts(svg, 'g[aria-label="y-axis label"] text')[0]!.includes("requests per second"));
  const lines = [...svg.querySelectorAll('g[aria-label="line"] path')];
  assert.equal(lines.length, 3);
  assert.deepEqual(
    new Set(lines.map((path) => path.getAttribute("stroke"))),
    new Set(legend.map((e) => e.fill)),
  );
  assert.equal(svg.querySelectorAll('g[aria-label="dot"] circle').length, 16);
  assert.equal(svg.querySelectorAll('g[aria-label="rule"] line').length, 15);
});

Deno.test("latencyChart: a panel per percentile and a line per target in each", () => {
  const svg = latencyChart(SUMMARY);
  assert.deepEqual(legendOf(svg).map((e) => e.label), ["async", "threads", "workers"]);
  assert.deepEqual(texts(svg, 'g[aria-label="fx-axis tick label"] text'), ["p50", "p90", "p99"]);
  assert.equal(svg.querySelectorAll('g[aria-label="line"] path').length, 9);
  assert.equal(svg.querySelectorAll('g[aria-label="dot"] circle').length, 16 * 3);
});

Deno.test("latencyDistributionChart: one bar per bucket, p50/p99 marks for a record", () => {
  const record = sampleRecord({ target: "async", concurrency: 10, repeat: 1, rps: 1000 });
  const svg = latencyDistributionChart(record);
  assert.equal(svg.querySelectorAll('g[aria-label="rect"] rect').length, 2);
  assert.ok(texts(svg, "text").some((t) => t === "p99 20 ms"));
  assert.ok(texts(svg, "text").some((t) => t.includes("async, c=10, run 1")));
  const samples = latencyDistributionChart([1, 1.5, 2, 2.2, 3, 8, 9, 20]);
  assert.ok(samples.querySelectorAll('g[aria-label="rect"] rect').length >= 2);
  assert.throws(() => latencyDistributionChart([]), /no latency data/);
});

Deno.test("seedsChart: a panel per 2020 report and one for ours, shared server colours", () => {
  const svg = seedsChart(loadSeeds(), SUMMARY);
  assert.deepEqual(texts(svg, 'g[aria-label="fx-axis tick label"] text'), [
    "2020 report 001",
    "2020 report 002",
    "2020 report 004",
    OURS_LABEL,
  ]);
  assert.deepEqual(legendOf(svg).map((e) => e.label), ["async", "threads", "workers"]);
  assert.ok(texts(svg, "text")[0]!.includes("11 2020 runs never finished"));
  // 35 finished 2020 rows + 16 of ours
  assert.equal(svg.querySelectorAll('g[aria-label="dot"] circle').length, 35 + 16);
  const alone = seedsChart(loadSeeds());
  assert.equal(texts(alone, 'g[aria-label="fx-axis tick label"] text').length, 3);
});

/** Each dot's vertical extent lies inside the panel's frame. */
function dotsInsideFrame(svg: Element): void {
  const frame = svg.querySelector('g[aria-label="frame"] rect')!;
  const top = Number(frame.getAttribute("y"));
  const bottom = top + Number(frame.getAttribute("height"));
  for (const dot of svg.querySelectorAll('g[aria-label="dot"] circle')) {
    const cy = Number(dot.getAttribute("cy"));
    const r = Number(dot.getAttribute("r"));
    assert.ok(cy - r >= top && cy + r <= bottom, `a dot at y=${cy} leaves ${top}..${bottom}`);
  }
}

const SI_LABEL = /^[−-]?[\d.]+[mµ]$/;

Deno.test("seedsChart labels its whole req/s range in plain numbers and keeps points inside", () => {
  const svg = seedsChart(loadSeeds(), SUMMARY);
  const labels = texts(svg, 'g[aria-label="y-axis tick label"] text').filter((t) => t !== "");
  const values = labels.map((t) => Number(t.replace("k", "e3")));
  const rps = SUMMARY.getColumn("medianRps").toArray() as number[];
  // Every power of ten from below the slowest 2020 run to above our fastest is labelled.
  assert.ok(Math.min(...values) <= 1, `${labels}`);
  assert.ok(Math.max(...values) >= Math.max(...rps), `${labels} vs ${Math.max(...rps)}`);
  assert.ok(labels.includes("10k"), `${labels}`);
  assert.ok(!labels.some((t) => SI_LABEL.test(t)), `${labels}`);
  dotsInsideFrame(svg);
});

Deno.test("latencyChart: sub-millisecond latencies read 0.1, 1, 10 ms, not 100m", () => {
  const fast = summarize(runsFrame(
    [1, 10, 50].map((c) =>
      sampleRecord({
        target: "async",
        concurrency: c,
        repeat: 1,
        rps: 9000,
        p50: 0.1 * c,
        p90: 0.3 * c,
        p99: 0.4 * c,
      })
    ),
  ));
  const svg = latencyChart(fast);
  const labels = texts(svg, 'g[aria-label="y-axis tick label"] text').filter((t) => t !== "");
  assert.deepEqual(labels, ["0.1", "1", "10", "100"]);
  assert.ok(!labels.some((t) => SI_LABEL.test(t)), `${labels}`);
  dotsInsideFrame(svg);
});

Deno.test("toSvg and writeChart give files a real XML parser accepts", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const svgPath = join(dir, "throughput.svg");
    const htmlPath = join(dir, "throughput.html");
    writeChart(throughputChart(SUMMARY, { title: "A & B <test>" }), svgPath);
    writeChart(latencyChart(SUMMARY), htmlPath);
    const text = Deno.readTextFileSync(svgPath);
    assert.match(text, /^<\?xml [^>]+>\n<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(Deno.readTextFileSync(htmlPath), /^<!doctype html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
    const check = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        "import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); print(r.tag)",
        svgPath,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(check.stderr), "");
    assert.equal(new TextDecoder().decode(check.stdout).trim(), "{http://www.w3.org/2000/svg}svg");
    assert.throws(
      () => writeChart(throughputChart(SUMMARY), join(dir, "x.png")),
      /\.svg or \.html/,
    );
    const { document } = await import("linkedom").then((m) => m.parseHTML("<figure></figure>"));
    assert.throws(() => toSvg(document.querySelector("figure") as unknown as Element), /<figure>/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("backendTimelineChart: a line per backend, events as labelled rules, clear errors", () => {
  const rows = [0.1, 0.2, 0.3, 0.4].flatMap((timeS, i) =>
    ["127.0.0.1:9002", "127.0.0.1:9003"].map((backend, b) => ({
      timeS,
      backend,
      requestsPerSec: b === 1 && i >= 2 ? 0 : 100,
    }))
  );
  const svg = backendTimelineChart(rows, {
    events: [{ timeS: 0.25, label: "9003 stopped" }],
    title: "failover",
  });
  assert.equal(svg.tagName.toLowerCase(), "svg");
  assert.deepEqual(legendOf(svg).map((e) => e.label), ["127.0.0.1:9002", "127.0.0.1:9003"]);
  assert.equal(svg.querySelectorAll('g[aria-label="line"] path').length, 2);
  assert.ok(texts(svg, "text").includes("9003 stopped"));
  assert.ok(texts(svg, "text").includes("failover"));
  // the event rule plus the zero line
  assert.equal(svg.querySelectorAll('g[aria-label="rule"] line').length, 2);
  assert.throws(() => backendTimelineChart([]), /no samples/);
  assert.throws(() => backendTimelineChart([{ timeS: 1, backend: "x" }]), /lack requestsPerSec/);
});

Deno.test("throughputChart() takes a y label for charts without intervals", () => {
  const rows = [{ target: "Ani", concurrency: 1, medianRps: 100, rpsCiLow: null, rpsCiHigh: null }];
  const svg = toSvg(
    throughputChart(rows as never, {
      yLabel: "requests per second (median of each machine's repeats)",
    }),
  );
  assert.ok(svg.includes("median of each machine"), "the label is drawn");
  assert.ok(!svg.includes("95% CI"), "no claim of intervals that are not drawn");
});

Deno.test("throughputChart: the bars are the median's own interval, and the axis says which", () => {
  // Two runs per cell: the interval of the median is the two runs, a 50% interval.
  const svg = toSvg(throughputChart(SUMMARY));
  assert.match(svg, /median; bars: 50% interval of the median/);
  assert.ok(!svg.includes("95% CI"), "no t-interval of the mean beside a median");
  // Rows made before the median's interval existed: the mean's t-interval, said so.
  const old = SUMMARY.toRecords().map(({ rpsMedianLow: _l, rpsMedianHigh: _h, ...row }) => row);
  assert.match(toSvg(throughputChart(old as never)), /bars: 95% t-interval of the mean/);
});
