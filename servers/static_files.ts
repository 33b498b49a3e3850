/**
 * Serving files from one folder, and nothing outside it.
 *
 * A request path is decoded once; any decoded path that holds a NUL byte, a backslash, an
 * encoded slash, a `.` or `..` segment, or that is too long is refused with 400 before the file
 * system is touched. The remaining path is joined to the root and resolved with `realPath`, so a
 * symbolic link that points outside the root is refused as well (404).
 *
 * @module
 */

import { extname, join, sep as SEPARATOR } from "node:path";

/** Longest request path (in bytes of the raw, encoded path) the server looks up. */
export const MAX_PATH_LENGTH = 1024;

/** Content types by file extension. Anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
};

/** Why a path was refused, or the file that answers it. */
export type StaticLookup =
  | { kind: "file"; path: string; contentType: string }
  | { kind: "bad-path"; reason: string }
  | { kind: "not-found" };

/** Looks up `rawPath` (the URL's pathname, still percent-encoded) inside `root`. */
export async function lookupStatic(root: string, rawPath: string): Promise<StaticLookup> {
  const checked = checkPath(rawPath);
  if (typeof checked !== "string") return checked;
  const realRoot = await realPathOrNull(root);
  if (realRoot === null) return { kind: "not-found" };
  const candidate = await realPathOrNull(join(realRoot, checked));
  if (candidate === null || !candidate.startsWith(realRoot + SEPARATOR)) {
    return { kind: "not-found" };
  }
  const info = await Deno.stat(candidate).catch(() => null);
  if (info === null || !info.isFile) return { kind: "not-found" };
  const contentType = CONTENT_TYPES[extname(candidate).toLowerCase()] ??
    "application/octet-stream";
  return { kind: "file", path: candidate, contentType };
}

/**
 * Decodes and checks a request path. Returns the relative path to look up, or the reason to
 * refuse it.
 */
export function checkPath(rawPath: string): string | { kind: "bad-path"; reason: string } {
  const bad = (reason: string) => ({ kind: "bad-path" as const, reason });
  if (rawPath.length > MAX_PATH_LENGTH) {
    return bad(`path longer than ${MAX_PATH_LENGTH} bytes`);
  }
  if (!rawPath.startsWith("/")) return bad("path must start with /");
  if (/%2f|%5c|%00/i.test(rawPath)) return bad("encoded slash, backslash or NUL in path");
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return bad("path is not valid percent-encoded UTF-8");
  }
  if (decoded.includes("\0")) return bad("NUL byte in path");
  if (decoded.includes("\\")) return bad("backslash in path");
  if (decoded.includes("%")) return bad("double-encoded path");
  const segments = decoded.split("/").slice(1);
  for (const segment of segments) {
    if (segment === "." || segment === "..") return bad("'.' or '..' segment in path");
  }
  const relative = segments.filter((s) => s.length > 0).join("/");
  return relative.length === 0 ? "index.html" : relative;
}

async function realPathOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch {
    return null;
  }
}
