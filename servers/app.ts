/**
 * The one application every server model serves.
 *
 * Routes:
 * - `GET /`: 200 with a short text body.
 * - `GET /health`: 200 `ok`.
 * - `GET /stats`: JSON counters (see {@link StatsReport}).
 * - `GET /cpu?ms=N`: computes: a fixed amount of work that takes N ms on one idle core (see
 *   `cpu_work.ts`), so it takes longer when the cores are shared, as real computation does.
 * - `GET /io?ms=N`: waits N ms without using the CPU, as a database call would.
 * - `GET /bytes?n=N`: N bytes of body.
 * - `GET /status/NNN`: an empty response with status NNN (a 404 or 500 target for tests).
 * - `GET /<file>`: a file under `data/www/`, with HEAD support.
 *
 * `/health` and `/stats` are control routes: they are not counted in the request counters, so a
 * harness can read `/stats` before and after a run and compare with the load generator's count.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { cpuUnitsPerMs, cpuWork } from "./cpu_work.ts";
import { Counters, type SlotCounts } from "./counters.ts";
import { lookupStatic } from "./static_files.ts";

/** Longest `/cpu` or `/io` duration a request may ask for, in milliseconds. */
export const MAX_MS = 10_000;
/** Largest `/bytes` body a request may ask for. */
export const MAX_BYTES = 64 * 1024 * 1024;
/** Paths answered outside the request counters (and, in the threads model, outside the pool). */
export const CONTROL_PATHS: ReadonlySet<string> = new Set(["/health", "/stats"]);
/** The folder static files are served from. */
export const DEFAULT_WWW_ROOT = fileURLToPath(new URL("../data/www", import.meta.url));

/** What `GET /stats` returns. */
export interface StatsReport extends SlotCounts {
  /** Name of the concurrency model serving the request. */
  model: string;
  /** Process id of the server. */
  pid: number;
  /** Per-worker counts, for models that have workers (in worker order). */
  workers?: SlotCounts[];
  /** Threads model: requests executing inside pool workers at once (now and peak). */
  executing?: SlotCounts;
  /** Threads model: the pool size K. */
  poolSize?: number;
}

/** How an application instance waits, counts and reports. */
export interface AppOptions {
  /** Model name shown on `/` and in `/stats`. */
  model: string;
  /** Folder for static files. Defaults to {@link DEFAULT_WWW_ROOT}. */
  wwwRoot?: string;
  /** How `/io` waits. Defaults to a timer; the threads model blocks its worker instead. */
  wait?: (ms: number) => Promise<void>;
  /**
   * Units of `/cpu` work per millisecond of one idle core. Defaults to this isolate's own
   * calibration; models with workers calibrate once on the main thread and pass it on.
   */
  cpuUnitsPerMs?: number;
  /** Counters updated around every counted request. Defaults to a fresh one-slot set. */
  counters?: Counters;
  /** Slot this instance counts in (besides slot 0, the whole server). Defaults to 0. */
  slot?: number;
  /**
   * Every slot this instance counts in, replacing slot 0 plus `slot`. The threads model counts
   * in its workers without slot 0, which its listener keeps.
   */
  slots?: readonly number[];
  /** Builds the `/stats` report. Defaults to slot 0 of `counters`. */
  stats?: () => StatsReport;
}

/** A request handler with its counters. */
export interface App {
  /**
   * Answers one request. Routes that need no waiting (`/`, `/cpu`, `/bytes`, `/status/NNN`)
   * answer synchronously, which spares `Deno.serve` a promise per request.
   */
  handle(request: Request): Response | Promise<Response>;
  /** The counters this app updates. */
  counters: Counters;
}

/** Waits `ms` milliseconds on a timer. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates the application. */
export function createApp(options: AppOptions): App {
  const counters = options.counters ?? Counters.create(1);
  const slots = options.slots ?? (options.slot ? [0, options.slot] : [0]);
  const root = options.wwwRoot ?? DEFAULT_WWW_ROOT;
  const wait = options.wait ?? sleep;
  const unitsPerMs = options.cpuUnitsPerMs ?? cpuUnitsPerMs();
  const stats = options.stats ??
    (() => ({ model: options.model, pid: Deno.pid, ...counters.read(0) }));
  const hello = `Hello from Concurrency Lab (${options.model} server)\n`;

  function route(request: Request, path: string, query: string): Response | Promise<Response> {
    if (path === "/") return text(200, hello);
    if (path === "/cpu") {
      const ms = intParam(query, "ms", MAX_MS);
      if (typeof ms === "string") return text(400, ms);
      return text(
        200,
        `computed for ${ms} ms (${cpuWork(Math.round(ms * unitsPerMs)).toString(16)})\n`,
      );
    }
    if (path === "/io") {
      const ms = intParam(query, "ms", MAX_MS);
      if (typeof ms === "string") return text(400, ms);
      return wait(ms).then(() => text(200, `waited ${ms} ms\n`));
    }
    if (path === "/bytes") {
      const n = intParam(query, "n", MAX_BYTES);
      if (typeof n === "string") return text(400, n);
      return new Response(new Uint8Array(n).fill(0x78), { headers: OCTET_STREAM });
    }
    if (path.startsWith("/status/")) {
      const status = /^\/status\/([2-5]\d\d)$/.exec(path);
      if (status) return statusResponse(Number(status[1]));
    }
    return serveFile(request, path);
  }

  async function serveFile(request: Request, path: string): Promise<Response> {
    const found = await lookupStatic(root, path);
    if (found.kind === "bad-path") return text(400, `bad path: ${found.reason}\n`);
    if (found.kind === "not-found") return text(404, `not found: ${path}\n`);
    const body = await Deno.readFile(found.path);
    const headers = {
      "content-type": found.contentType,
      "content-length": String(body.byteLength),
    };
    return new Response(request.method === "HEAD" ? null : body, { headers });
  }

  function begin(): void {
    for (const slot of slots) counters.begin(slot);
  }

  function end(): void {
    for (const slot of slots) counters.end(slot);
  }

  return {
    counters,
    handle(request: Request): Response | Promise<Response> {
      if (request.method !== "GET" && request.method !== "HEAD") {
        const response = text(405, `method ${request.method} not allowed: use GET or HEAD\n`);
        response.headers.set("allow", "GET, HEAD");
        return response;
      }
      const [path, query] = splitTarget(request.url);
      if (path === "/health") return text(200, "ok\n");
      if (path === "/stats") return Response.json(stats());
      begin();
      let result: Response | Promise<Response>;
      try {
        result = route(request, path, query);
      } catch (error) {
        end();
        return internalError(error);
      }
      if (result instanceof Response) {
        end();
        return result;
      }
      return result.then(
        (response) => {
          end();
          return response;
        },
        (error) => {
          end();
          return internalError(error);
        },
      );
    },
  };
}

/**
 * Splits a request URL (`http://host:port/path?query`) into its path, still percent-encoded and
 * not normalized, and its query, without the cost of a full URL parse. A server never receives
 * a fragment, so `#` is not looked for.
 */
export function splitTarget(url: string): [path: string, query: string] {
  const scheme = url.indexOf("://");
  const slash = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  if (slash < 0) return ["/", ""];
  const question = url.indexOf("?", slash);
  if (question < 0) return [url.slice(slash), ""];
  return [url.slice(slash, question), url.slice(question + 1)];
}

/** Content type of every text answer: the one a string body gets by default. */
export const TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8";
const OCTET_STREAM: HeadersInit = { "content-type": "application/octet-stream" };

/** A text answer. A string body gets its content type by default, at no cost per request. */
function text(status: number, body: string): Response {
  return status === 200 ? new Response(body) : new Response(body, { status });
}

function internalError(error: unknown): Response {
  return text(500, `internal error: ${error instanceof Error ? error.message : error}\n`);
}

function statusResponse(status: number): Response {
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : `status ${status}\n`, { status });
}

/** Parses a whole-number query parameter in 0..max; a string is the reason it is refused. */
function intParam(query: string, name: string, max: number): number | string {
  const raw = new URLSearchParams(query).get(name);
  if (raw === null) return `missing query parameter ${name} (a whole number from 0 to ${max})\n`;
  if (!/^\d{1,12}$/.test(raw)) {
    return `${name} must be a whole number from 0 to ${max}, got '${raw.slice(0, 40)}'\n`;
  }
  const value = Number(raw);
  if (value > max) return `${name}=${value} is over the limit of ${max}\n`;
  return value;
}
