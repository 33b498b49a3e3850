/**
 * Paths of the repository, found from this module's own location, and of the running notebook.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder, found from this module's own location. */
export function repoRoot(): string {
  return fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
}

/** A path inside the repository: `repoPath("data", "seeds")`. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot(), ...segments);
}

/**
 * The folder of the running notebook. A cell has no `import.meta`; the kernel's working
 * directory is the notebook's folder, so this is `Deno.cwd()` there (and in a script, its cwd).
 */
export function notebookDir(): string {
  return Deno.cwd();
}
