import assert from "node:assert/strict";
import { join } from "node:path";
import { docLint, isExternalTypeRef, splitDiagnostics } from "./doc_lint.ts";

const SAMPLE = `error[missing-jsdoc]: exported symbol is missing JSDoc documentation
  --> /repo/a.ts:1:17

error[private-type-ref]: public type 'f' references private type 'DataFrame'
  --> /repo/a.ts:3:1

error[private-type-ref]: public type 'g' references private type 'Options'
  --> /repo/a.ts:5:1

error: Found 3 documentation lint errors.`;

Deno.test("splitDiagnostics: one block per error, not the closing count", () => {
  const blocks = splitDiagnostics(SAMPLE);
  assert.equal(blocks.length, 3);
  assert.ok(blocks[0]!.startsWith("error[missing-jsdoc]"));
  assert.ok(blocks[2]!.includes("'Options'"));
});

Deno.test("isExternalTypeRef: only other packages' types are left out", () => {
  const [jsdoc, external, local] = splitDiagnostics(SAMPLE);
  assert.deepEqual([jsdoc, external, local].map((d) => isExternalTypeRef(d!)), [
    false,
    true,
    false,
  ]);
});

Deno.test("docLint finds an undocumented export and a private type, not a polars DataFrame", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const bad = join(dir, "bad.ts");
    Deno.writeTextFileSync(
      bad,
      "interface Options { n: number }\n" +
        "export function f(options: Options) { return options.n; }\n",
    );
    const found = await docLint([bad]);
    const kinds = found.problems.map((p) => p.slice(0, p.indexOf("]") + 1)).sort();
    assert.deepEqual(kinds, [
      "error[missing-jsdoc]",
      "error[missing-return-type]",
      "error[private-type-ref]",
    ]);
    const good = join(dir, "good.ts");
    Deno.writeTextFileSync(
      good,
      'import type pl from "npm:nodejs-polars@0.25.2";\n' +
        "/** Rows of a frame. */\nexport function rows(df: pl.DataFrame): number {\n" +
        "  return df.height;\n}\n",
    );
    const clean = await docLint([good]);
    assert.deepEqual(clean.problems, []);
    assert.ok(clean.external > 0, "the polars references were seen and left out");
    await assert.rejects(
      docLint([join(dir, "missing.ts")]),
      /deno doc --lint .*missing\.ts failed/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
