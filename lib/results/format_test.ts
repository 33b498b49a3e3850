import assert from "node:assert/strict";
import { ms, pct, rps } from "./format.ts";

Deno.test("ms() keeps precision that suits the size, and prints '-' for missing values", () => {
  assert.equal(ms(0.4567), "0.46");
  assert.equal(ms(12.34), "12.3");
  assert.equal(ms(744.548), "745");
  assert.equal(ms(1.5, 0), "2");
  assert.equal(ms(null), "-");
  assert.equal(ms(undefined), "-");
  assert.equal(ms(NaN), "-");
  assert.equal(ms(Infinity), "-");
});

Deno.test("rps() groups thousands and keeps three figures for slow servers", () => {
  assert.equal(rps(12345.6), "12,346");
  assert.equal(rps(100), "100");
  assert.equal(rps(2.2437), "2.24");
  assert.equal(rps(56.7), "56.7");
  assert.equal(rps(null), "-");
});

Deno.test("pct() never prints a small non-zero share as 0%", () => {
  assert.equal(pct(1), "100%");
  assert.equal(pct(0.31), "31%");
  assert.equal(pct(0.031), "3.1%");
  assert.equal(pct(0.0005), "0.050%");
  assert.equal(pct(0), "0%");
  assert.equal(pct(0.1234, 1), "12.3%");
  assert.equal(pct(undefined), "-");
});
