import assert from "node:assert/strict";
import { sourceAround, sourceExcerpt, sourceMarkdown } from "./source_excerpt.ts";

const file = await Deno.makeTempFile({ suffix: ".ts" });
await Deno.writeTextFile(
  file,
  [
    "import x from 'y';",
    "/**",
    " * Adds.",
    " */",
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
    "",
    "/** The answer. */",
    "export const ANSWER = 42;",
    "export class Box {",
    "  value = 1;",
    "}",
  ].join("\n"),
);

Deno.test("sourceExcerpt returns a function with its JSDoc and closing brace", () => {
  assert.equal(
    sourceExcerpt(file, "add"),
    "/**\n * Adds.\n */\nexport function add(a: number, b: number): number {\n  return a + b;\n}",
  );
});

Deno.test("sourceExcerpt returns a one-line declaration with a one-line JSDoc", () => {
  assert.equal(sourceExcerpt(file, "ANSWER"), "/** The answer. */\nexport const ANSWER = 42;");
});

Deno.test("sourceExcerpt returns a class without JSDoc", () => {
  assert.equal(sourceExcerpt(file, "Box"), "export class Box {\n  value = 1;\n}");
});

Deno.test("sourceExcerpt names the file and the missing declaration", () => {
  assert.throws(
    () => sourceExcerpt(file, "missing"),
    /has no exported declaration named 'missing'/,
  );
});

Deno.test("sourceMarkdown fences the excerpt and shows the path", () => {
  const text = sourceMarkdown(file, "ANSWER", "lib/x.ts");
  assert(text.startsWith("`lib/x.ts`\n\n```ts\n"));
  assert(text.endsWith("```"));
});

Deno.test("sourceExcerpt finds the core of each server model", () => {
  const root = new URL("../../servers/", import.meta.url);
  assert(sourceExcerpt(new URL("async.ts", root).pathname, "startAsync").includes("Deno.serve"));
  assert(
    sourceExcerpt(new URL("threads/worker.ts", root).pathname, "blockFor").includes("Atomics.wait"),
  );
});

Deno.test("sourceAround shows the lines around the first match, with their numbers", () => {
  assert.equal(
    sourceAround(file, "return a + b", 1, 1, "x.ts"),
    "`x.ts`, lines 5-7\n\n```ts\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n```",
  );
  assert.throws(() => sourceAround(file, "nowhere"), /has no line containing 'nowhere'/);
});
