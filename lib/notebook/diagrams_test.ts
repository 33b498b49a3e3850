import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { diagram, DIAGRAM_NAMES } from "./diagrams.ts";

for (const name of DIAGRAM_NAMES) {
  Deno.test(`diagram('${name}') is a self-contained SVG with a title, a description and a viewBox`, () => {
    const { svg, description } = diagram(name);
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    const root = doc.documentElement;
    assert.equal(root.tagName.toLowerCase(), "svg");
    assert.match(root.getAttribute("viewBox") ?? "", /^0 0 \d+ \d+$/);
    assert.ok(doc.querySelector("title")?.textContent?.trim());
    assert.ok(description.length > 40, "the description says what the picture shows");
    // Nothing loaded from elsewhere: the exported report must carry the picture whole.
    assert.doesNotMatch(svg, /(href|src)="(?!#)/);
    assert.doesNotMatch(svg, /url\((?!#)/);
  });
}

Deno.test("diagram() names the choices for an unknown diagram", () => {
  // @ts-expect-error: an unknown name, as a notebook cell could pass one
  assert.throws(() => diagram("nope"), /no diagram 'nope': choose one of models, backlog/);
});

Deno.test("diagrams keep their styles and ids to themselves: both sit in one report page", () => {
  for (const name of DIAGRAM_NAMES) {
    const { svg } = diagram(name);
    for (const [, id] of svg.matchAll(/id="([^"]+)"/g)) assert.ok(id!.startsWith(`${name}-`), id);
    for (const [, css] of svg.matchAll(/^\s*\.([\w-]+) \{/gm)) {
      assert.ok(css!.startsWith(`${name}-`), `style .${css} of ${name} would style the whole page`);
    }
  }
});
