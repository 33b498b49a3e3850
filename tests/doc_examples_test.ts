/**
 * The `@example` blocks written as notebook cells (they import `../lib/notebook/mod.ts`, as a
 * notebook in `notebooks/` does) type-check against the library, so an example cannot drift from
 * the function it shows. They are checked, not run: most of them start servers and load runs.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { repoPath } from "../lib/notebook/paths.ts";

const CELL_IMPORT = '"../lib/';

/** A fenced `ts` block after `@example` in a doc comment, with its file and line. */
interface Example {
  file: string;
  line: number;
  code: string;
}

/** The `@example` blocks of a source file, their ` * ` comment prefixes removed. */
function examplesIn(file: string, text: string): Example[] {
  const found: Example[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i]!)) continue;
    const open = lines.findIndex((line, j) => j > i && /^\s*\*\s*```ts\s*$/.test(line));
    const close = lines.findIndex((line, j) => j > open && /^\s*\*\s*```\s*$/.test(line));
    if (open < 0 || close < 0) continue;
    const code = lines.slice(open + 1, close).map((line) => line.replace(/^\s*\* ?/, ""));
    found.push({ file, line: open + 2, code: code.join("\n") });
    i = close;
  }
  return found;
}

function libSources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...libSources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) files.push(path);
  }
  return files.sort();
}

Deno.test("the @example blocks written as notebook cells type-check", async () => {
  const lib = repoPath("lib");
  const examples = libSources(lib).flatMap((file) =>
    examplesIn(relative(repoPath(), file), Deno.readTextFileSync(file))
  ).filter((example) => example.code.includes(CELL_IMPORT));
  assert.ok(examples.length >= 20, `only ${examples.length} notebook-cell examples found`);
  const dir = Deno.makeTempDirSync();
  try {
    const libUrl = `"${pathToFileURL(lib).href}/`;
    const files = examples.map((example, i) => {
      const path = join(dir, `example_${i}.ts`);
      const header = `// ${example.file}:${example.line}\n`;
      Deno.writeTextFileSync(path, header + example.code.replaceAll(CELL_IMPORT, libUrl) + "\n");
      return path;
    });
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", repoPath("deno.json"), ...files],
      cwd: repoPath(),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    const where = examples.map((example, i) => `example_${i}.ts = ${example.file}:${example.line}`);
    assert.equal(code, 0, `${output.slice(0, 4000)}\n${where.join("\n")}`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
