/**
 * The tree is what the README's "What is where" table says: every folder it names exists, every
 * folder of the repository and of `lib/` is named, and each folder of `lib/` imports only the
 * folders listed above it (so no two folders import each other).
 */

import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { repoPath } from "../lib/notebook/paths.ts";

const README = Deno.readTextFileSync(repoPath("README.md"));

/** The folders in the "What is where" table, in order. */
function tableFolders(): string[] {
  const section = README.split("## What is where")[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([^`]+)\/`/gm)].map((match) => match[1]!);
}

function subfolders(dir: string): string[] {
  return [...Deno.readDirSync(repoPath(dir))]
    .filter((entry) => entry.isDirectory && !entry.name.startsWith("."))
    .map((entry) => dir === "." ? entry.name : `${dir}/${entry.name}`)
    .sort();
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(repoPath(dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...sourceFiles(path));
    else if (path.endsWith(".ts") && !path.endsWith("_test.ts")) files.push(path);
  }
  return files;
}

Deno.test("the README's What is where table names the folders the tree has", () => {
  const listed = tableFolders();
  assert.ok(listed.length > 5, "the README has a What is where table");
  for (const folder of listed) {
    assert.ok(
      Deno.statSync(repoPath(folder)).isDirectory,
      `README lists ${folder}/, which is not in the tree`,
    );
  }
  const expected = [
    ...subfolders(".").filter((name) => !["lib", "reports", "node_modules"].includes(name)),
    ...subfolders("lib"),
  ];
  const missing = expected.filter((folder) => !listed.includes(folder));
  assert.deepEqual(missing, [], "add these folders to the README's What is where table");
});

Deno.test("each folder of lib/ imports only the folders listed above it in the README", () => {
  const layers = tableFolders().filter((folder) => folder.startsWith("lib/"));
  const upward: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const below = new Set(layers.slice(index + 1));
    for (const file of sourceFiles(layer)) {
      const text = Deno.readTextFileSync(repoPath(file));
      for (const match of text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)";/gms)) {
        const target = normalize(join(dirname(file), match[1]!));
        const folder = layers.find((name) => target.startsWith(`${name}/`));
        if (folder !== undefined && below.has(folder)) {
          upward.push(`${file} imports ${relative(".", target)}`);
        }
      }
    }
  }
  assert.deepEqual(upward, [], "a lower folder must not import a higher one (README order)");
});
