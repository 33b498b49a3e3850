import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import {
  checkHtmlCharts,
  countSvgCharts,
  findChromium,
  nonWhiteFraction,
  screenshotHtml,
} from "./html_check.ts";

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
  assert((figure.match(/<svg/g) ?? []).length >= 3, "a figure with a legend holds swatch SVGs");
  assertEquals(countSvgCharts(figure), 1);
  assertEquals(countSvgCharts(`<p>none</p>`), 0);
  assertEquals(countSvgCharts(`<svg width="16" height="16"></svg><SVG viewBox="0 0 9 9">`), 1);
});

Deno.test("checkHtmlCharts() fails with the count when charts are missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/r.html`;
    await Deno.writeTextFile(path, `<html><body>${chartSvg()}</body></html>`);
    assertEquals(await checkHtmlCharts(path, 1), 1);
    const message = await checkHtmlCharts(path, 2).then(() => "", (e) => e.message);
    assert(message.includes("has 1 SVG chart(s), expected at least 2"), message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nonWhiteFraction() counts visible non-white pixels", () => {
  const white = [255, 255, 255, 255];
  const black = [0, 0, 0, 255];
  const clear = [0, 0, 0, 0];
  assertEquals(
    nonWhiteFraction(new Uint8Array([...white, ...black, ...clear, ...black]), 2, 2),
    0.5,
  );
  assertEquals(nonWhiteFraction(new Uint8Array(0), 0, 0), 0);
});

Deno.test({
  name: "screenshotHtml() tells a page with a chart from a blank one",
  ignore: noChromium,
  async fn() {
    assert(chromium !== null, "chromium is missing: run `deno task setup` (it installs chromium)");
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
      assertEquals([blank.width, blank.height], [800, 600]);
      assertEquals(blank.path, `${dir}/blank.png`);
      assert(blank.nonWhiteFraction < 0.001, `blank page: ${blank.nonWhiteFraction}`);
      assert(chart.nonWhiteFraction > 0.01, `chart page: ${chart.nonWhiteFraction}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("screenshotHtml() names a missing file", async () => {
  const message = await screenshotHtml("/nonexistent/report.html", { chromium: "/bin/true" })
    .then(() => "", (e) => e.message);
  assert(message.startsWith("no HTML file at /nonexistent/report.html"), message);
});
