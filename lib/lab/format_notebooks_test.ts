import assert from "node:assert/strict";
import { join } from "node:path";
import { formatNotebooks } from "./format_notebooks.ts";

const MARKDOWN = "A  sentence   with odd   spacing,\nkept as written.";

async function notebookWith(code: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "fmt-nb-" });
  const path = join(dir, "x.ipynb");
  const cells = [
    { cell_type: "markdown", id: "cell-01", metadata: {}, source: [MARKDOWN] },
    {
      cell_type: "code",
      id: "cell-02",
      metadata: {},
      execution_count: null,
      outputs: [],
      source: [code],
    },
  ];
  await Deno.writeTextFile(path, `${JSON.stringify({ cells, nbformat: 4 }, null, 1)}\n`);
  return path;
}

function codeOf(path: string): string {
  const nb = JSON.parse(Deno.readTextFileSync(path));
  return nb.cells[1].source.join("");
}

Deno.test("formatNotebooks formats code cells and leaves markdown cells as written", async () => {
  const path = await notebookWith("const  x = {a:1}\nawait  show( x )");
  const changed = await formatNotebooks([path]);
  assert.equal(changed.length, 1);
  assert.equal(codeOf(path), "const x = { a: 1 };\nawait show(x);");
  const nb = JSON.parse(Deno.readTextFileSync(path));
  assert.equal(nb.cells[0].source.join(""), MARKDOWN);
  assert.deepEqual(
    await formatNotebooks([path], { check: true }),
    [],
    "formatted twice changes nothing",
  );
});

Deno.test("formatNotebooks --check reports an unformatted cell and writes nothing", async () => {
  const path = await notebookWith("let y=2");
  const before = Deno.readTextFileSync(path);
  const changed = await formatNotebooks([path], { check: true });
  assert.deepEqual(changed.map((c) => c.cell), [2]);
  assert.equal(Deno.readTextFileSync(path), before);
});

Deno.test("a cell deno fmt cannot parse is named in the error", async () => {
  const path = await notebookWith("const = = 3");
  await assert.rejects(() => formatNotebooks([path]), /cannot format a code cell.*cell 2/);
});
