/**
 * The browser step of the course's Tugas 10: open a page through the load balancer a few times,
 * as a student would open `http://localhost:44444/page.html` and reload, and note which backend
 * served each of the page's requests (the page, its stylesheet, its logo).
 *
 * A real headless chromium loads the page (through puppeteer-core), with its cache off so that
 * every reload asks again, and its automatic `/favicon.ico` request blocked so that one page view
 * makes exactly the page's own requests. Without chromium, the page and the files it names are
 * fetched one after another instead, and {@link PageVisit.client} says so.
 *
 * @module
 */

import { chromiumFlags, findChromium } from "../process/chromium.ts";

/** One request the page made (a type, not an interface, so that a table of them type-checks). */
export type PageRequest = {
  /** Page view, from 1. */
  view: number;
  /** Request within the view, from 1, in the order the responses arrived. */
  request: number;
  /** Path requested, e.g. `/style.css`. */
  path: string;
  /** HTTP status. */
  status: number;
  /** The `x-backend` response header (`host:port`), or `-` when there was none. */
  backend: string;
};

/** What {@link visitPage} saw. */
export interface PageVisit {
  /** Who loaded the page: `chromium <version>`, or `fetch` when chromium is missing. */
  client: string;
  /** Every request, view by view. */
  requests: PageRequest[];
}

/** Options of {@link visitPage}. */
export interface VisitOptions {
  /** Page views (a first load and reloads). Defaults to 3. */
  views?: number;
  /** Chromium to use; defaults to the one found; `null` forces the fetch fallback. */
  chromium?: string | null;
}

/**
 * Loads `url` `views` times and returns each response's path, status and `x-backend` header.
 *
 * @example
 * ```ts ignore
 * const visit = await visitPage(`${cluster.url}/page.html`, { views: 3 });
 * console.table(visit.requests);
 * ```
 */
export async function visitPage(url: string, options: VisitOptions = {}): Promise<PageVisit> {
  const views = options.views ?? 3;
  if (!Number.isInteger(views) || views < 1 || views > 100) {
    throw new TypeError(`views must be a whole number from 1 to 100, got ${views}`);
  }
  const chromium = options.chromium === undefined ? await findChromium() : options.chromium;
  return chromium === null
    ? await fetchVisit(url, views)
    : await chromiumVisit(url, views, chromium);
}

async function chromiumVisit(url: string, views: number, chromium: string): Promise<PageVisit> {
  const { default: puppeteer } = await import("npm:puppeteer-core@24.31.0");
  const profileDir = await Deno.makeTempDir({ prefix: "lab-page-visit-" });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profileDir,
    args: chromiumFlags(profileDir).filter((flag) =>
      flag !== "--headless" && !flag.startsWith("--user-data-dir")
    ),
  });
  try {
    const page = await browser.newPage();
    await page.setCacheEnabled(false);
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/favicon.ico") request.abort("blockedbyclient");
      else request.continue();
    });
    const requests: PageRequest[] = [];
    let view = 0;
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      const inView = requests.filter((r) => r.view === view).length;
      requests.push({
        view,
        request: inView + 1,
        path,
        status: response.status(),
        backend: response.headers()["x-backend"] ?? "-",
      });
    });
    for (view = 1; view <= views; view++) {
      await page.goto(url, { waitUntil: "networkidle0", timeout: 30_000 });
    }
    return { client: `chromium ${(await browser.version()).replace(/^\D*\//, "")}`, requests };
  } finally {
    await browser.close().catch(() => {});
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

async function fetchVisit(url: string, views: number): Promise<PageVisit> {
  const requests: PageRequest[] = [];
  const get = async (view: number, target: string) => {
    const response = await fetch(target);
    const body = await response.text();
    requests.push({
      view,
      request: requests.filter((r) => r.view === view).length + 1,
      path: new URL(target).pathname,
      status: response.status,
      backend: response.headers.get("x-backend") ?? "-",
    });
    return body;
  };
  for (let view = 1; view <= views; view++) {
    const html = await get(view, url);
    for (const link of linkedFiles(html)) await get(view, new URL(link, url).href);
  }
  return { client: "fetch", requests };
}

/** The files a page loads: its stylesheets' `href` and its images' and scripts' `src`. */
export function linkedFiles(html: string): string[] {
  const found: string[] = [];
  for (const match of html.matchAll(/<(link|img|script)\b[^>]*>/gi)) {
    const tag = match[0];
    const isStyle = /^<link/i.test(tag) && /rel=["']?stylesheet/i.test(tag);
    const attribute = isStyle ? "href" : /^<link/i.test(tag) ? null : "src";
    const value = attribute === null
      ? undefined
      : new RegExp(`\\b${attribute}=["']([^"']+)["']`, "i").exec(tag)?.[1];
    if (value !== undefined) found.push(value);
  }
  return found;
}

/** How each backend's share of a visit's requests compares with strict round robin. */
export interface RotationCheck {
  /** Requests per backend, in the order backends first appear. */
  perBackend: { backend: string; requests: number }[];
  /** True when every backend served the same number of requests, give or take one. */
  even: boolean;
  /** True when each page view's requests went to as many different backends as possible. */
  spreadInEachView: boolean;
}

/** Counts a visit's requests per backend and checks them against round robin. */
export function checkRotation(requests: readonly PageRequest[]): RotationCheck {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.backend, (counts.get(r.backend) ?? 0) + 1);
  const perBackend = [...counts].map(([backend, n]) => ({ backend, requests: n }));
  const values = perBackend.map((b) => b.requests);
  const even = values.length > 0 && Math.max(...values) - Math.min(...values) <= 1;
  const byView = Map.groupBy(requests, (r) => r.view);
  const spreadInEachView = [...byView.values()].every((view) =>
    new Set(view.map((r) => r.backend)).size === Math.min(view.length, counts.size)
  );
  return { perBackend, even, spreadInEachView };
}
