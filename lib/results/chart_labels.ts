/**
 * Makes an Observable Plot chart's text readable for a student, after Plot has drawn it:
 *
 * - tick labels in plain numbers: Plot labels a log axis with SI prefixes, so 0.1 and 0.4 ms
 *   read "100m" and "400m" (minutes? metres?); they become "0.1" and "0.4" (a "k" stays: 1k);
 * - facet labels kept whole: the labels of `fy` facets sit in the right margin and Plot cuts
 *   them at the chart's edge ("backlc" for "backlog 1"); the chart is widened to hold them.
 *
 * It works on any chart element (an `<svg>`, or a `<figure>` holding one), so charts a notebook
 * draws with Plot directly get it through the notebook's `show()`, and `lib/results/charts.ts` applies it
 * to its own. No text can be measured without a browser: a label's width is estimated from its
 * length at Plot's 10 px font.
 *
 * @module
 */

/** Estimated width of one character at Plot's 10 px font, in pixels (generous). */
export const CHAR_WIDTH_PX = 6.5;

const SI = /^([−-]?)(\d+(?:\.\d+)?)([mµu])$/;

/** A number as a student reads it: `0.1`, `2.5`, `40`, `1k`, `25k`, `1.5M`. */
export function plainNumber(value: number): string {
  const trim = (x: number) => String(Number(x.toPrecision(6)));
  const size = Math.abs(value);
  if (size >= 1e6) return `${trim(value / 1e6)}M`;
  if (size >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

/** `"100m"` -> `"0.1"`, `"5µ"` -> `"0.000005"`; any other label is returned as is. */
export function plainTickLabel(label: string): string {
  const match = SI.exec(label.trim());
  if (match === null) return label;
  const [, sign, digits, prefix] = match;
  const value = Number(digits) * (prefix === "m" ? 1e-3 : 1e-6);
  return `${sign}${plainNumber(value)}`;
}

function translateX(element: Element | null): number {
  const transform = element?.getAttribute("transform") ?? "";
  const match = /translate\(\s*([-\d.e]+)/.exec(transform);
  return match ? Number(match[1]) : 0;
}

/** The `<svg>` elements of a chart: the element itself and every one inside it. */
function svgsOf(root: Element): Element[] {
  const inner = [...root.querySelectorAll("svg")];
  return root.tagName.toLowerCase() === "svg" ? [root, ...inner] : inner;
}

function nearestSvg(element: Element): Element | null {
  let up = element.parentElement;
  while (up !== null && up.tagName.toLowerCase() !== "svg") up = up.parentElement;
  return up;
}

function widen(svg: Element, by: number): void {
  const width = Number(svg.getAttribute("width"));
  if (!(width > 0)) return;
  svg.setAttribute("width", String(Math.ceil(width + by)));
  const box = (svg.getAttribute("viewBox") ?? "").trim().split(/[\s,]+/).map(Number);
  if (box.length === 4 && box.every(Number.isFinite)) {
    svg.setAttribute("viewBox", `${box[0]} ${box[1]} ${Math.ceil(box[2]! + by)} ${box[3]}`);
  }
}

/**
 * Rewrites `chart` in place so its tick labels are plain numbers and no facet label is cut, and
 * returns it.
 */
export function readableChart<T extends Element>(chart: T): T {
  for (const text of chart.querySelectorAll('g[aria-label$="axis tick label"] text')) {
    const label = text.textContent ?? "";
    const plain = plainTickLabel(label);
    if (plain !== label) text.textContent = plain;
  }
  for (const svg of svgsOf(chart)) {
    const width = Number(svg.getAttribute("width"));
    if (!(width > 0)) continue;
    let right = 0;
    for (const group of svg.querySelectorAll('g[aria-label="fy-axis tick label"]')) {
      if (nearestSvg(group) !== svg) continue;
      for (const text of group.querySelectorAll("text")) {
        const x = translateX(group) + translateX(text.parentElement) + translateX(text);
        right = Math.max(right, x + (text.textContent ?? "").length * CHAR_WIDTH_PX);
      }
    }
    const missing = right + 4 - width;
    if (missing <= 0) continue;
    widen(svg, missing);
    // A chart wrapped in an outer <svg> (lib/results/charts.ts) must grow with it.
    for (let up = svg.parentElement; up !== null; up = up.parentElement) {
      if (up.tagName.toLowerCase() === "svg") widen(up, missing);
    }
  }
  return chart;
}
