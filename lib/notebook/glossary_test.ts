import assert from "node:assert/strict";
import { GLOSSARY, glossaryLink, glossaryMarkdown } from "./glossary.ts";

Deno.test("the glossary has the terms the notebooks lean on, each once, in both languages", () => {
  const ids = GLOSSARY.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  for (
    const id of [
      "percentile",
      "ci",
      "p-value",
      "cv",
      "little",
      "keep-alive",
      "backlog",
      "event-loop",
      "worker",
      "l4-l7",
    ]
  ) {
    assert.ok(ids.includes(id), id);
  }
  assert.ok(GLOSSARY.every((e) => e.term && e.indonesian && e.meaning.endsWith(".")));
});

Deno.test("glossaryMarkdown() anchors every term, and glossaryLink() points at the anchor", () => {
  const markdown = glossaryMarkdown();
  for (const entry of GLOSSARY) {
    assert.ok(markdown.includes(`<a id="glossary-${entry.id}"></a>`), entry.id);
  }
  assert.equal(glossaryLink("cv", "CV"), "[CV](#glossary-cv)");
  assert.equal(glossaryLink("backlog"), "[listen backlog](#glossary-backlog)");
  assert.throws(() => glossaryLink("cvv"), /no glossary entry 'cvv': choose one of concurrency, /);
});

Deno.test("every notebook's glossary cell is the shared glossary, word for word", () => {
  const notebooks = new URL("../../notebooks/", import.meta.url);
  const withGlossary = new Set<string>();
  for (const entry of Deno.readDirSync(notebooks)) {
    if (!entry.name.endsWith(".ipynb")) continue;
    const cells = JSON.parse(Deno.readTextFileSync(new URL(entry.name, notebooks))).cells as {
      cell_type: string;
      source: string[];
    }[];
    for (const cell of cells) {
      const source = cell.source.join("");
      if (cell.cell_type !== "markdown" || !source.startsWith("## Glossary")) continue;
      assert.equal(source, glossaryMarkdown(), `${entry.name}: regenerate its glossary cell`);
      withGlossary.add(entry.name);
    }
  }
  for (
    const name of [
      "01_async_vs_threads.ipynb",
      "02_load_balancer.ipynb",
      "03_why_numbers_lie.ipynb",
    ]
  ) {
    assert.ok(withGlossary.has(name), `${name} has a glossary cell`);
  }
});
