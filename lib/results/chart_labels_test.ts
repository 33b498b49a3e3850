import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { plainNumber, plainTickLabel, readableChart } from "./chart_labels.ts";

const { document } = parseHTML("<!doctype html><html><body></body></html>");
const plot = (options: Plot.PlotOptions) =>
  Plot.plot({ document: document as unknown as Document, ...options }) as unknown as Element;

function tickLabels(chart: Element, axis: string): string[] {
  return [...chart.querySelectorAll(`g[aria-label="${axis}-axis tick label"] text`)]
    .map((text) => text.textContent ?? "").filter((label) => label !== "");
}

Deno.test("plainNumber and plainTickLabel write numbers without SI prefixes below 1000", () => {
  assert.deepEqual([0.1, 0.4, 2.5, 40, 1000, 25_000, 1_500_000].map(plainNumber), [
    "0.1",
    "0.4",
    "2.5",
    "40",
    "1k",
    "25k",
    "1.5M",
  ]);
  assert.deepEqual(["100m", "400m", "5µ", "−20m", "2k", "1", "p50"].map(plainTickLabel), [
    "0.1",
    "0.4",
    "0.000005",
    "−0.02",
    "2k",
    "1",
    "p50",
  ]);
});

Deno.test("readableChart: a log ms axis Plot labels 100m, 200m... reads 0.1, 0.2...", () => {
  const data = [{ x: 1, ms: 0.12 }, { x: 2, ms: 3 }, { x: 3, ms: 450 }];
  const chart = plot({
    y: { type: "log", label: "latency, ms (log)" },
    marks: [Plot.dot(data, { x: "x", y: "ms" })],
  });
  assert.ok(tickLabels(chart, "y").some((label) => label.endsWith("m")), "Plot's own SI labels");
  const labels = tickLabels(readableChart(chart), "y");
  assert.ok(labels.includes("0.2") && labels.includes("1") && labels.includes("100"), `${labels}`);
  assert.ok(labels.every((label) => /^[\d.]+k?$/.test(label)), `${labels}`);
});

Deno.test("readableChart: fy facet labels in the right margin fit inside the chart", () => {
  const data = [{ b: "backlog 1", x: 1, y: 2 }, { b: "backlog 511", x: 2, y: 3 }];
  const figure = plot({
    title: "with a title Plot returns a figure",
    width: 640,
    fy: { label: null },
    marks: [Plot.dot(data, { fy: "b", x: "x", y: "y" })],
  });
  const svg = figure.querySelector("svg")!;
  assert.equal(svg.getAttribute("width"), "640");
  readableChart(figure);
  const width = Number(svg.getAttribute("width"));
  // Labels start at x = 600 + 9; "backlog 511" is 11 characters of about 6.5 px.
  assert.ok(width >= 609 + 11 * 6.5, `width ${width}`);
  assert.equal(svg.getAttribute("viewBox"), `0 0 ${width} ${svg.getAttribute("height")}`);
  const narrow = plot({ marks: [Plot.dot(data, { x: "x", y: "y" })] });
  const before = narrow.outerHTML;
  assert.equal(readableChart(narrow).outerHTML, before, "a chart without facets stays as it is");
});
