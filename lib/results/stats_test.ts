import assert from "node:assert/strict";
import {
  coefficientOfVariation,
  holmAdjust,
  logGamma,
  mean,
  meanConfidenceInterval,
  median,
  medianConfidenceInterval,
  normalQuantile,
  regularizedIncompleteBeta,
  repeatsNeeded,
  stdev,
  studentTCdf,
  studentTQuantile,
  welchTTest,
} from "./stats.ts";

function assertNear(actual: number, expected: number, tolerance: number): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected} within ${tolerance}, got ${actual}`,
  );
}

// Reference values below come from SciPy 1.17 (scipy.stats, scipy.special).

Deno.test("mean, median and sample stdev of small lists", () => {
  assert.deepEqual(mean([1, 2, 3, 4]), 2.5);
  assert.deepEqual(median([5, 1, 3]), 3);
  assert.deepEqual(median([4, 1, 3, 2]), 2.5);
  assertNear(stdev([2, 4, 4, 4, 5, 5, 7, 9]), 2.138089935, 1e-9);
  assertNear(coefficientOfVariation([90, 100, 110]), 0.1, 1e-12);
  assert.throws(() => mean([]), /at least 1 value/);
  assert.throws(() => stdev([1]), /at least 2 value/);
  assert.throws(() => median([1, NaN]), /finite numbers/);
});

Deno.test("logGamma and the regularized incomplete beta match known values", () => {
  assertNear(logGamma(0.5), 0.5723649429247, 1e-12);
  assertNear(logGamma(10), 12.801827480081469, 1e-11);
  assertNear(regularizedIncompleteBeta(0.5, 2, 3), 11 / 16, 1e-12);
  assertNear(regularizedIncompleteBeta(0.3, 2.5, 4.5), 0.40653901668245934, 1e-10);
  assert.deepEqual(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.deepEqual(regularizedIncompleteBeta(1, 2, 3), 1);
  assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), /0 <= x <= 1/);
});

Deno.test("Student t CDF and 97.5% quantiles match tables", () => {
  assertNear(studentTCdf(2, 10), 0.9633059826146299, 1e-10);
  assertNear(studentTCdf(-1.5, 2.5), 0.12391822654314809, 1e-10);
  assertNear(studentTCdf(0, 3), 0.5, 1e-12);
  const table: [number, number][] = [
    [1, 12.70620474],
    [2, 4.30265273],
    [3, 3.18244631],
    [4, 2.77644511],
    [5, 2.57058184],
    [10, 2.22813885],
    [30, 2.04227246],
    [1000, 1.96233908],
  ];
  for (const [df, expected] of table) {
    assertNear(studentTQuantile(0.975, df), expected, 1e-7);
  }
  assertNear(studentTQuantile(0.025, 5), -2.57058184, 1e-7);
  assert.throws(() => studentTQuantile(1, 5), /0 < p < 1/);
});

Deno.test("normal quantiles match known values", () => {
  assertNear(normalQuantile(0.975), 1.95996398, 1e-8);
  assertNear(normalQuantile(0.8), 0.84162123, 1e-8);
  assertNear(normalQuantile(0.001), -3.09023231, 1e-8);
});

Deno.test("confidence interval of the mean uses Student t", () => {
  const ci = meanConfidenceInterval([1200, 1250, 1180]);
  assertNear(ci.estimate, 1210, 1e-9);
  assertNear(ci.low!, 1120.433141049704, 1e-6);
  assertNear(ci.high!, 1299.566858950296, 1e-6);
  const single = meanConfidenceInterval([42]);
  assert.deepEqual([single.estimate, single.low, single.high], [42, null, null]);
});

Deno.test("exact median interval uses order statistics and reports its coverage", () => {
  const three = medianConfidenceInterval([3, 1, 2]);
  assert.deepEqual([three.estimate, three.low, three.high], [2, 1, 3]);
  assertNear(three.level, 0.75, 1e-12);
  const six = medianConfidenceInterval([6, 5, 4, 3, 2, 1]);
  assert.deepEqual([six.low, six.high], [1, 6]);
  assertNear(six.level, 1 - 2 / 64, 1e-12);
  // n = 20: the 95% interval is x(6)..x(15), coverage 0.9586.
  const twenty = medianConfidenceInterval(Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual([twenty.low, twenty.high], [6, 15]);
  assertNear(twenty.level, 0.958610, 1e-6);
});

Deno.test("Welch t-test matches SciPy", () => {
  const r = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
  assertNear(r.t, -1.8973665961010275, 1e-12);
  assertNear(r.df, 5.882352941176471, 1e-12);
  assertNear(r.p, 0.10753119493062728, 1e-9);
  const far = welchTTest([1200, 1250, 1180], [650, 700, 690]);
  assertNear(far.t, 20.52681173489931, 1e-9);
  assertNear(far.df, 3.6697247706422016, 1e-9);
  assertNear(far.p, 6.38042175163287e-05, 1e-10);
  assert.deepEqual(welchTTest([5, 5], [5, 5]).p, 1);
  assert.deepEqual(welchTTest([5, 5], [6, 6]).p, 0);
  assert.throws(() => welchTTest([1], [1, 2]), /at least 2 values per sample/);
});

Deno.test("repeatsNeeded matches the two-sample power calculation", () => {
  // effect size d = 1 at alpha 0.05, power 0.8: 17 per group (as G*Power gives).
  assert.deepEqual(repeatsNeeded(0.1, 0.1), 17);
  // a quiet machine (cv 2%) and a 10% difference: few repeats.
  assert.deepEqual(repeatsNeeded(0.02, 0.1), 3);
  // noisier runs need more.
  assert.deepEqual(repeatsNeeded(0.2, 0.1) > 60, true);
  assert.deepEqual(repeatsNeeded(0.1, 0.1, { power: 0.9 }) > 17, true);
  assert.throws(() => repeatsNeeded(0, 0.1), /cv must be a positive number/);
  assert.throws(() => repeatsNeeded(0.1, -1), /relativeDifference/);
});

Deno.test("holmAdjust() multiplies the i-th smallest p by (m - i + 1) and keeps the order monotone", () => {
  assert.deepEqual(holmAdjust([0.01, 0.04, 0.03]).map((p) => Number(p.toFixed(10))), [
    0.03,
    0.06,
    0.06,
  ]);
  // One comparison: nothing to correct.
  assert.deepEqual(holmAdjust([0.02]), [0.02]);
  // Capped at 1, and a large p never falls below a smaller one's adjustment.
  assert.deepEqual(holmAdjust([0.5, 0.001, 0.9]), [1, 0.003, 1]);
  // Thirty tests at p = 0.04 each: none survives the correction.
  assert.ok(holmAdjust(new Array(30).fill(0.04)).every((p) => p >= 0.05));
});

Deno.test("holmAdjust() refuses values that are not p-values", () => {
  assert.throws(() => holmAdjust([0.1, 1.2]), /p-values lie in \[0, 1\], got 1.2/);
  assert.throws(() => holmAdjust([Number.NaN]), /got NaN/);
});
