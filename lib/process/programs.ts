/**
 * Finding programs installed on this machine.
 *
 * @module
 */

/** The absolute path of `program` on PATH (or the path itself when it has a slash), or null. */
export async function which(program: string): Promise<string | null> {
  const candidates = program.includes("/")
    ? [program]
    : (Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((dir) => `${dir}/${program}`);
  for (const candidate of candidates) {
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return candidate;
    } catch { /* not here */ }
  }
  return null;
}
