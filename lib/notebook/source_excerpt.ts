/**
 * Showing the core of a module's code in a notebook: one exported declaration, as markdown.
 *
 * @module
 */

/**
 * The text of the top-level declaration `name` in the TypeScript file `path`, from its JSDoc
 * comment (when it has one) to the closing brace at the start of a line. Throws when the file
 * has no such declaration, naming the file and the name.
 */
export function sourceExcerpt(path: string, name: string): string {
  const lines = Deno.readTextFileSync(path).split("\n");
  const pattern = new RegExp(
    `^export (async )?(function|class|const|interface|type) ${name}\\b`,
  );
  const start = lines.findIndex((line) => pattern.test(line));
  if (start < 0) throw new Error(`${path} has no exported declaration named '${name}'`);
  let first = start;
  const above = lines[start - 1]?.trim() ?? "";
  if (above.startsWith("/**") && above.endsWith("*/")) first = start - 1;
  else if (above === "*/") {
    while (first > 0 && !lines[first - 1]!.trimStart().startsWith("/**")) first--;
    first--;
  }
  let end = start;
  while (end < lines.length && !/^[}\]];?$/.test(lines[end]!) && !/;$/.test(lines[start]!)) {
    end++;
  }
  return lines.slice(Math.max(0, first), end + 1).join("\n");
}

/** {@link sourceExcerpt} as a fenced markdown block, headed by the file's path. */
export function sourceMarkdown(path: string, name: string, shownPath = path): string {
  return `\`${shownPath}\`\n\n\`\`\`ts\n${sourceExcerpt(path, name)}\n\`\`\``;
}

/**
 * The lines of `path` around the first line that contains `needle` (`before` lines above it,
 * `after` below), as a fenced markdown block headed by the file and its line numbers: for the
 * one line that makes a model what it is, with just enough around it to read. Throws, naming
 * the file and the text, when no line contains it.
 *
 * @example
 * ```ts
 * sourceAround("servers/workers/worker.ts", "reusePort: true", 6, 3);
 * ```
 */
export function sourceAround(
  path: string,
  needle: string,
  before = 3,
  after = 3,
  shownPath = path,
): string {
  const lines = Deno.readTextFileSync(path).split("\n");
  const at = lines.findIndex((line) => line.includes(needle));
  if (at < 0) throw new Error(`${path} has no line containing '${needle}'`);
  const first = Math.max(0, at - before);
  const last = Math.min(lines.length - 1, at + after);
  return `\`${shownPath}\`, lines ${first + 1}-${last + 1}\n\n\`\`\`ts\n${
    lines.slice(first, last + 1).join("\n")
  }\n\`\`\``;
}
