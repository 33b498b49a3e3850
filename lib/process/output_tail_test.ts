import assert from "node:assert/strict";
import { lastLines } from "./output_tail.ts";

Deno.test("lastLines keeps the last non-empty lines, trimmed, on one line", () => {
  const output = "first\n  second  \n\n\tthird\r\n\n";
  assert.equal(lastLines(output, 2), "second | third");
  assert.equal(lastLines(output, 10), "first | second | third");
  assert.equal(lastLines("", 3), "");
  assert.equal(lastLines("\n \n", 3), "");
});
