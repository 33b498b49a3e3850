/**
 * The headless chromium the lab uses to check and print reports and to load a page as a browser
 * does: where it is, and the flags of a quiet throw-away instance.
 *
 * @module
 */

import { which } from "./programs.ts";

/** Where chromium is looked for, in order. */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "chromium",
  "chromium-browser",
  "google-chrome",
] as const;

/** The chromium executable, or null when none is installed. */
export async function findChromium(): Promise<string | null> {
  for (const candidate of CHROMIUM_CANDIDATES) {
    const path = await which(candidate);
    if (path !== null) return path;
  }
  return null;
}

/**
 * The flags for a quiet, throw-away headless chromium (no sandbox, GPU, first-run or network
 * chatter) with a fresh profile folder.
 */
export function chromiumFlags(userDataDir: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    `--user-data-dir=${userDataDir}`,
  ];
}
