/**
 * Checking an exported HTML report as a person sees it: count its charts, and render it in
 * headless chromium to a PNG that must not be blank.
 *
 * @module
 */

import pngjs from "npm:pngjs@7.0.0";
import { Buffer } from "node:buffer";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumFlags, findChromium } from "../process/chromium.ts";

/** A decoded image: RGBA bytes, row by row. */
interface DecodedPng {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The part of pngjs used here (the package ships no types). */
const PNG = (pngjs as { PNG: { sync: { read(png: Uint8Array): DecodedPng } } }).PNG;

/**
 * Counts the charts in an HTML page: `<svg>` elements that are not a legend swatch or an icon
 * (Observable Plot draws each swatch of a categorical legend as a small `<svg>` of its own, and
 * those are not charts).
 */
export function countSvgCharts(html: string): number {
  let count = 0;
  for (const match of html.matchAll(/<svg\b[^>]*>/gi)) {
    const tag = match[0];
    const width = Number(/\swidth="?(\d+(?:\.\d+)?)/i.exec(tag)?.[1] ?? NaN);
    const height = Number(/\sheight="?(\d+(?:\.\d+)?)/i.exec(tag)?.[1] ?? NaN);
    const small = (width > 0 && width < 50) || (height > 0 && height < 50);
    if (!small) count++;
  }
  return count;
}

/** Reads an HTML file and throws a one-line error when it has fewer than `minimum` charts. */
export async function checkHtmlCharts(path: string, minimum: number): Promise<number> {
  const count = countSvgCharts(await Deno.readTextFile(path));
  if (count < minimum) {
    throw new Error(
      `${path} has ${count} SVG chart(s), expected at least ${minimum}: ` +
        "did the chart cells run and show their charts with show()?",
    );
  }
  return count;
}

/** Options for {@link screenshotHtml}. */
export interface ScreenshotOptions {
  /** Where the PNG goes. Defaults to `<html without .html>.png`. */
  outPath?: string;
  /** Viewport width in pixels. Defaults to 1280. */
  width?: number;
  /** Viewport height in pixels. Defaults to 2000. */
  height?: number;
  /** The chromium executable. Defaults to {@link findChromium}. */
  chromium?: string;
  /** Longest run of chromium, in seconds. Defaults to 90. */
  timeoutS?: number;
}

/** A rendered page. */
export interface ScreenshotCheck {
  /** The PNG written. */
  path: string;
  /** Fraction (0-1) of pixels that are not white: about 0 means a blank page. */
  nonWhiteFraction: number;
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
}

/** Renders an HTML file in headless chromium to a PNG and measures how much of it is not white. */
export async function screenshotHtml(
  htmlPath: string,
  options: ScreenshotOptions = {},
): Promise<ScreenshotCheck> {
  const chromium = options.chromium ?? await findChromium();
  if (chromium === null) {
    throw new Error(
      "chromium is not installed, so the HTML cannot be checked: run `deno task setup` " +
        "(or `sudo apt-get install chromium`)",
    );
  }
  const page = resolve(htmlPath);
  await Deno.stat(page).catch(() => {
    throw new Error(`no HTML file at ${page}: export the notebook first`);
  });
  const outPath = resolve(options.outPath ?? page.replace(/\.html?$/i, "") + ".png");
  await Deno.remove(outPath).catch(() => {});
  const profileDir = await Deno.makeTempDir({ prefix: "lab-chromium-" });
  const width = options.width ?? 1280;
  const height = options.height ?? 2000;
  try {
    const child = new Deno.Command(chromium, {
      args: [
        ...chromiumFlags(profileDir),
        `--screenshot=${outPath}`,
        `--window-size=${width},${height}`,
        pathToFileURL(page).href,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { HOME: profileDir },
    }).spawn();
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, (options.timeoutS ?? 90) * 1000);
    const output = await child.output();
    clearTimeout(timer);
    const png = await Deno.readFile(outPath).catch(() => null);
    if (png === null) {
      const why = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" ");
      throw new Error(
        `chromium wrote no screenshot of ${page} (exit ${output.code}${
          output.signal ? `, ${output.signal}` : ""
        }): ${why}`,
      );
    }
    const image = PNG.sync.read(toBuffer(png));
    return {
      path: outPath,
      nonWhiteFraction: nonWhiteFraction(image.data, image.width, image.height),
      width: image.width,
      height: image.height,
    };
  } finally {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

/** Decodes a PNG file and returns the fraction (0-1) of its pixels that are not white. */
export async function pngNonWhiteFraction(path: string): Promise<number> {
  const image = PNG.sync.read(toBuffer(await Deno.readFile(path)));
  return nonWhiteFraction(image.data, image.width, image.height);
}

/**
 * The fraction of RGBA pixels that are visibly not white (any channel below 245, ignoring fully
 * transparent pixels).
 */
export function nonWhiteFraction(rgba: Uint8Array, width: number, height: number): number {
  const pixels = width * height;
  if (pixels === 0) return 0;
  let count = 0;
  for (let i = 0; i < pixels * 4; i += 4) {
    const alpha = rgba[i + 3] ?? 0;
    if (alpha === 0) continue;
    if ((rgba[i] ?? 255) < 245 || (rgba[i + 1] ?? 255) < 245 || (rgba[i + 2] ?? 255) < 245) {
      count++;
    }
  }
  return count / pixels;
}

function toBuffer(bytes: Uint8Array) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * What an HTML page would load from outside itself: the `src` of scripts, images, frames and
 * media, the `href` of stylesheets and other `<link>`s, CSS `url(...)` and `@import`, that are
 * not `data:` URIs or links inside the page (`#...`). A page with none opens the same anywhere.
 * Plain links (`<a href>`) are not loaded and are not counted.
 */
export function externalReferences(html: string): string[] {
  const found: string[] = [];
  const inside = (ref: string) => {
    const value = ref.trim().replace(/^["']|["']$/g, "").trim();
    return value === "" || /^(data:|#|about:blank)/i.test(value);
  };
  const add = (ref: string) => {
    if (!inside(ref)) found.push(ref.trim().replace(/^["']|["']$/g, ""));
  };
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const tags =
    /<(script|img|iframe|embed|source|audio|video|input|frame|track)\b[^>]*?\ssrc\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;
  for (const match of withoutComments.matchAll(tags)) add(match[2] ?? "");
  for (
    const match of withoutComments.matchAll(/<link\b[^>]*?\shref\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)
  ) {
    add(match[1] ?? "");
  }
  for (const match of withoutComments.matchAll(/url\(\s*("[^"]*"|'[^']*'|[^)]*)\s*\)/gi)) {
    add(match[1] ?? "");
  }
  for (const match of withoutComments.matchAll(/@import\s+("[^"]*"|'[^']*')/gi)) {
    add(match[1] ?? "");
  }
  return [...new Set(found)];
}

/** What {@link checkOffline} saw. */
export interface OfflineCheck {
  /** Console errors and warnings, uncaught exceptions and failed loads, one line each. */
  problems: string[];
  /** True when a "Loading ..." box (MathJax's) was on the page after it loaded. */
  loadingBox: boolean;
}

/** Options for {@link checkOffline}. */
export interface OfflineOptions {
  /** The chromium executable. Defaults to {@link findChromium}. */
  chromium?: string;
  /** How long to watch the page after it loaded, ms. Defaults to 1500. */
  settleMs?: number;
}

/**
 * Opens an HTML report as someone who received it would: copied alone into a fresh folder,
 * in headless chromium with the network disabled and nothing of this machine outside that
 * folder readable. Returns every console error or warning, uncaught exception and load from
 * outside the folder, and whether a "Loading" box shows.
 */
export async function checkOffline(
  htmlPath: string,
  options: OfflineOptions = {},
): Promise<OfflineCheck> {
  const chromium = options.chromium ?? await findChromium();
  if (chromium === null) {
    throw new Error(
      "chromium is not installed, so the report cannot be opened: run `deno task setup` " +
        "(or `sudo apt-get install chromium`)",
    );
  }
  const { default: puppeteer } = await import("npm:puppeteer-core@24.31.0");
  const elsewhere = await Deno.makeTempDir({ prefix: "lab-report-elsewhere-" });
  const profileDir = await Deno.makeTempDir({ prefix: "lab-chromium-" });
  const copy = resolve(elsewhere, "report.html");
  await Deno.copyFile(htmlPath, copy);
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profileDir,
    args: [
      ...chromiumFlags(profileDir).filter((flag) =>
        flag !== "--headless" && !flag.startsWith("--user-data-dir")
      ),
      // No network: every connection goes to a closed local port and no name resolves.
      "--proxy-server=127.0.0.1:9",
      "--proxy-bypass-list=<-loopback>",
      "--host-resolver-rules=MAP * ~NOTFOUND",
    ],
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setOfflineMode(true);
    page.on("console", (message) => {
      const type = message.type();
      if (type === "error" || type === "warn") problems.push(`console ${type}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught: ${String(error)}`));
    page.on("requestfailed", (request) => {
      problems.push(`failed to load ${request.url()}: ${request.failure()?.errorText ?? "?"}`);
    });
    // Only the report's own folder exists "elsewhere": a file of the exporting machine (such as
    // file:///usr/share/javascript/...) is refused as it would be missing there.
    const folder = pathToFileURL(elsewhere).href + "/";
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith(folder) || /^(data|about|blob):/.test(url)) {
        request.continue();
      } else {
        problems.push(`loads ${url} from outside the report`);
        request.abort("accessdenied");
      }
    });
    await page.goto(pathToFileURL(copy).href, { waitUntil: "load", timeout: 60_000 });
    await new Promise((done) => setTimeout(done, options.settleMs ?? 1500));
    const loadingBox = await page.evaluate(() => {
      const box = document.getElementById("MathJax_Message");
      const boxShown = box !== null && box.offsetParent !== null && box.textContent !== "";
      return boxShown || /\bLoading \[/.test(document.body?.innerText ?? "");
    });
    return { problems, loadingBox };
  } finally {
    await browser.close().catch(() => {});
    await Deno.remove(elsewhere, { recursive: true }).catch(() => {});
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}
