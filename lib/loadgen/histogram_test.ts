import assert from "node:assert/strict";
import { histogramFromQuantiles, histogramFromValues } from "./histogram.ts";

Deno.test("histogramFromValues spreads counts over equal-width buckets", () => {
  const buckets = histogramFromValues([[1, 5], [2, 1], [3, 1], [11, 3]], 5);
  assert.equal(buckets.length, 5);
  assert.deepEqual(buckets.map((b) => b.count), [6, 1, 0, 0, 3]);
  assert.equal(buckets[0]?.fromMs, 1);
  assert.equal(buckets.at(-1)?.toMs, 11);
  assert.deepEqual(histogramFromValues([]), []);
  assert.deepEqual(histogramFromValues([[4, 7]]), [{ fromMs: 4, toMs: 4, count: 7 }]);
});

Deno.test("histogramFromQuantiles keeps the total and merges zero-width buckets", () => {
  const quantiles = [1, 1, 1, 2, 4];
  const buckets = histogramFromQuantiles(quantiles, 10);
  assert.equal(buckets.reduce((sum, b) => sum + b.count, 0), 10);
  assert.deepEqual(buckets.map((b) => [b.fromMs, b.toMs]), [[1, 2], [2, 4]]);
  assert.deepEqual(buckets.map((b) => b.count), [8, 2]);
});
