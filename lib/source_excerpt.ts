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
