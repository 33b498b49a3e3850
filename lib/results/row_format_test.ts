import assert from "node:assert/strict";
import type { SummaryRow } from "./results.ts";
import { at, ms, percent, rps } from "./row_format.ts";

const row = (target: string, concurrency: number, medianRps: number) =>
  ({ target, concurrency, medianRps }) as SummaryRow;

Deno.test("at() finds a target's row at a level, and rps() formats it or says '-'", () => {
  const rows = [row("async", 1, 1234.4), row("async", 50, 87.25), row("threads", 1, 5)];
  assert.equal(at(rows, "async", 50)?.medianRps, 87.25);
  assert.equal(at(rows, "threads", 50), undefined);
  assert.equal(rps(at(rows, "async", 1)), "1,234");
  assert.equal(rps(at(rows, "async", 50)), "87.3");
  assert.equal(rps(undefined), "-");
});

Deno.test("ms() keeps one decimal below 10 ms; percent() one decimal; both say '-' for nothing", () => {
  assert.equal(ms(4.26), "4.3");
  assert.equal(ms(87.6), "88");
  assert.equal(ms(null), "-");
  assert.equal(ms(Number.NaN), "-");
  assert.equal(percent(0.2483), "24.8%");
  assert.equal(percent(undefined), "-");
});
