import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import {
  checkHtmlCharts,
  checkOffline,
  countSvgCharts,
  externalReferences,
  nonWhiteFraction,
  screenshotHtml,
} from "./html_check.ts";
import { findChromium } from "../process/chromium.ts";

const chromium = await findChromium();
/** Without chromium the screenshot tests are listed as ignored, except in CI, where they fail. */
const noChromium = chromium === null && Deno.env.get("CI") === undefined;

function chartSvg(): string {
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>");
  const chart = Plot.plot({
    document,
    title: "throughput",
    color: { legend: true },
    marks: [
      Plot.barY([{ m: "async", v: 5 }, { m: "threads", v: 3 }], { x: "m", y: "v", fill: "m" }),
    ],
  });
  return (chart as unknown as { outerHTML: string }).outerHTML;
}

Deno.test("countSvgCharts() counts charts, not legend swatches or icons", () => {
  const figure = chartSvg();
  assert.ok((figure.match(/<svg/g) ?? []).length >= 3, "a figure with a legend holds swatch SVGs");
  assert.deepEqual(countSvgCharts(figure), 1);
  assert.deepEqual(countSvgCharts(`<p>none</p>`), 0);
  assert.deepEqual(countSvgCharts(`<svg width="16" height="16"></svg><SVG viewBox="0 0 9 9">`), 1);
});

Deno.test("checkHtmlCharts() fails with the count when charts are missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/r.html`;
    await Deno.writeTextFile(path, `<html><body>${chartSvg()}</body></html>`);
    assert.deepEqual(await checkHtmlCharts(path, 1), 1);
    const message = await checkHtmlCharts(path, 2).then(() => "", (e) => e.message);
    assert.ok(message.includes("has 1 SVG chart(s), expected at least 2"), message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nonWhiteFraction() counts visible non-white pixels", () => {
  const white = [255, 255, 255, 255];
  const black = [0, 0, 0, 255];
  const clear = [0, 0, 0, 0];
  assert.deepEqual(
    nonWhiteFraction(new Uint8Array([...white, ...black, ...clear, ...black]), 2, 2),
    0.5,
  );
  assert.deepEqual(nonWhiteFraction(new Uint8Array(0), 0, 0), 0);
});

Deno.test({
  name: "screenshotHtml() tells a page with a chart from a blank one",
  ignore: noChromium,
  async fn() {
    assert.ok(
      chromium !== null,
      "chromium is missing: run `deno task setup` (it installs chromium)",
    );
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/blank.html`, "<html><body></body></html>");
      await Deno.writeTextFile(`${dir}/chart.html`, `<html><body>${chartSvg()}</body></html>`);
      const blank = await screenshotHtml(`${dir}/blank.html`, {
        chromium,
        width: 800,
        height: 600,
      });
      const chart = await screenshotHtml(`${dir}/chart.html`, {
        chromium,
        width: 800,
        height: 600,
      });
      assert.deepEqual([blank.width, blank.height], [800, 600]);
      assert.deepEqual(blank.path, `${dir}/blank.png`);
      assert.ok(blank.nonWhiteFraction < 0.001, `blank page: ${blank.nonWhiteFraction}`);
      assert.ok(chart.nonWhiteFraction > 0.01, `chart page: ${chart.nonWhiteFraction}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("screenshotHtml() names a missing file", async () => {
  const message = await screenshotHtml("/nonexistent/report.html", { chromium: "/bin/true" })
    .then(() => "", (e) => e.message);
  assert.ok(message.startsWith("no HTML file at /nonexistent/report.html"), message);
});

Deno.test("externalReferences() lists what a page loads from outside, not links or data", () => {
  const page = `<html><head>
    <script src="file:///usr/share/javascript/requirejs/require.min.js"></script>
    <script type="text/javascript" src='https://cdn.example/MathJax.js?config=x'></script>
    <link rel="stylesheet" href="style.css">
    <style>
      /* see https://example.com/why */
      .a { background: url(data:image/png;base64,AAAA) }
      .b { background: url("fonts/x.woff") }
      @import "https://fonts.example/css";
    </style></head><body>
    <a href="https://example.com/read-more">a link is not loaded</a>
    <img src="data:image/svg+xml;base64,PHN2Zz4=">
    <a href="#section">inside</a>
    <!-- <script src="http://commented.out/x.js"></script> -->
  </body></html>`;
  assert.deepEqual(externalReferences(page), [
    "file:///usr/share/javascript/requirejs/require.min.js",
    "https://cdn.example/MathJax.js?config=x",
    "style.css",
    "fonts/x.woff",
    "https://fonts.example/css",
  ]);
  assert.deepEqual(externalReferences("<html><body><svg></svg></body></html>"), []);
});

Deno.test({
  name: "checkOffline() sees a Loading box, a console error and a load from outside the file",
  ignore: noChromium,
  async fn() {
    assert.ok(
      chromium !== null,
      "chromium is missing: run `deno task setup` (it installs chromium)",
    );
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/bad.html`,
        `<html><body><p>report</p><img src="${dir}/chart.png">` +
          `<div id="MathJax_Message">Loading [MathJax]/jax/output/CommonHTML/fonts/TeX/fontdata.js</div>` +
          `<script>console.error("broken");</script></body></html>`,
      );
      await Deno.writeTextFile(`${dir}/chart.png`, "");
      await Deno.writeTextFile(`${dir}/good.html`, `<html><body>${chartSvg()}</body></html>`);
      const bad = await checkOffline(`${dir}/bad.html`, { chromium, settleMs: 200 });
      assert.deepEqual(bad.loadingBox, true);
      assert.ok(bad.problems.includes("console error: broken"), bad.problems.join("\n"));
      assert.ok(
        bad.problems.some((p) => p.startsWith(`loads file://${dir}/chart.png from outside`)),
        bad.problems.join("\n"),
      );
      assert.deepEqual(await checkOffline(`${dir}/good.html`, { chromium, settleMs: 200 }), {
        problems: [],
        loadingBox: false,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
