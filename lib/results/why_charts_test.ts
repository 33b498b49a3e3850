import assert from "node:assert/strict";
import {
  batchesChart,
  connectTimesChart,
  generatorCostChart,
  generatorRateChart,
  percentilesChart,
  repeatsChart,
  scheduleChart,
} from "./why_charts.ts";

const texts = (root: Element, selector: string) =>
  [...root.querySelectorAll(selector)].map((node) => node.textContent ?? "");
const count = (root: Element, selector: string) => root.querySelectorAll(selector).length;
const title = (svg: Element) => svg.querySelector(":scope > text")?.textContent;
const legend = (svg: Element) => texts(svg, 'g[aria-label="legend entry"] text');

const generators = [
  { generator: "ab 2.3", rps: 18000, cpuUsPerRequest: 40 },
  { generator: "wrk 4.1.0", rps: 52000, cpuUsPerRequest: 6 },
  { generator: "autocannon 8.0.0", rps: 9000, cpuUsPerRequest: 90 },
];

Deno.test("generatorRateChart: a bar per generator, fastest on top, labelled with its rate", () => {
  const svg = generatorRateChart(generators);
  assert.equal(svg.tagName.toLowerCase(), "svg");
  assert.equal(title(svg), "One server, measured by each generator");
  assert.equal(count(svg, 'g[aria-label="bar"] rect'), 3);
  assert.deepEqual(texts(svg, 'g[aria-label="y-axis tick label"] text'), [
    "wrk 4.1.0",
    "ab 2.3",
    "autocannon 8.0.0",
  ]);
  assert.deepEqual(texts(svg, 'g[aria-label="text"] text').sort(), ["18,000", "52,000", "9,000"]);
});

Deno.test("generatorCostChart: cheapest first, generators without a CPU figure left out", () => {
  const svg = generatorCostChart([...generators, { generator: "oha 1.15", rps: 1 }]);
  assert.equal(count(svg, 'g[aria-label="bar"] rect'), 3);
  assert.equal(texts(svg, 'g[aria-label="y-axis tick label"] text')[0], "wrk 4.1.0");
  assert.match(title(svg)!, /own CPU time per request/);
});

Deno.test("percentilesChart: four panels, a bar per method in each, a legend of methods", () => {
  const svg = percentilesChart([
    { method: "closed loop (ab)", p50: 0.2, p90: 0.3, p99: 0.5, max: 101 },
    { method: "open loop", p50: 0.4, p90: 20, p99: 95, max: 102 },
  ], { title: "custom" });
  assert.equal(title(svg), "custom");
  assert.deepEqual(texts(svg, 'g[aria-label="fx-axis tick label"] text'), [
    "p50",
    "p90",
    "p99",
    "max",
  ]);
  assert.equal(count(svg, 'g[aria-label="bar"] rect'), 8);
  assert.deepEqual(legend(svg), ["closed loop (ab)", "open loop"]);
  assert.ok(texts(svg, 'g[aria-label="text"] text').includes("95"));
});

Deno.test("scheduleChart: a dot per answered request, failures left out", () => {
  const svg = scheduleChart([
    { intendedMs: 0, latencyMs: 1 },
    { intendedMs: 10, latencyMs: 90 },
    { intendedMs: 20, latencyMs: null },
  ]);
  assert.equal(count(svg, 'g[aria-label="dot"] circle'), 2);
});

Deno.test("connectTimesChart: a panel per backlog, failed requests in red, retry lines", () => {
  const svg = connectTimesChart([
    { backlog: "backlog 1", startS: 0, connectMs: 0.1, ok: true },
    { backlog: "backlog 1", startS: 0.1, connectMs: 1003, ok: true },
    { backlog: "backlog 1", startS: 0.2, connectMs: 10_000, ok: false },
    { backlog: "backlog 511", startS: 0, connectMs: 0, ok: true },
  ]);
  assert.deepEqual(texts(svg, 'g[aria-label="fy-axis tick label"] text'), [
    "backlog 1",
    "backlog 511",
  ]);
  const fills = [...svg.querySelectorAll('g[aria-label="dot"] circle')].map((c) =>
    c.getAttribute("fill")
  );
  assert.equal(fills.length, 4);
  assert.equal(fills.filter((f) => f === "#e15759").length, 1);
  assert.equal(count(svg, 'g[aria-label="rule"] line'), 4, "1 s and 3 s lines in both panels");
});

Deno.test("repeatsChart: a dot per run, the interval as a band, no band without bounds", () => {
  const runs = [1, 2, 3, 4, 5].map((run) => ({ run, rps: 1000 + run * 10 }));
  const svg = repeatsChart(runs, { estimate: 1030, low: 1010, high: 1050, level: 0.94 }, {
    what: "median, 94% order-statistic interval",
  });
  assert.equal(count(svg, 'g[aria-label="dot"] circle'), 5);
  assert.equal(count(svg, 'g[aria-label="area"] path'), 1);
  assert.match(title(svg)!, /median, 94% order-statistic interval/);
  const bare = repeatsChart(runs.slice(0, 1), { estimate: 1010, low: null, high: null, level: 0 });
  assert.equal(count(bare, 'g[aria-label="area"] path'), 0);
});

Deno.test("batchesChart: a line and a legend entry per server, in the order given", () => {
  const points = ["leaky", "fixed"].flatMap((server) =>
    [50, 100, 150].map((served) => ({ server, served, msPerRequest: served / 10 }))
  );
  const svg = batchesChart(points);
  assert.equal(count(svg, 'g[aria-label="line"] path'), 2);
  assert.equal(count(svg, 'g[aria-label="dot"] circle'), 6);
  assert.deepEqual(legend(svg), ["leaky", "fixed"]);
});
