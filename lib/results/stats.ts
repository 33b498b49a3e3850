/**
 * Small-sample statistics for repeated benchmark runs: mean, median, spread, Student-t
 * intervals, an exact distribution-free interval for the median, Welch's t-test and the number
 * of repeats a comparison needs.
 *
 * The t distribution is computed, not looked up: its CDF is the regularized incomplete beta
 * function (a continued fraction, as in Numerical Recipes), and its quantiles invert the CDF by
 * bisection, so any degrees of freedom work, fractional ones (Welch) included.
 *
 * @module
 */

function requireValues(xs: readonly number[], min: number, what: string): void {
  if (xs.length < min) {
    throw new Error(`${what} needs at least ${min} value(s), got ${xs.length}`);
  }
  if (xs.some((x) => !Number.isFinite(x))) {
    throw new Error(`${what} needs finite numbers, got [${xs.join(", ")}]`);
  }
}

/** Arithmetic mean. Throws on an empty list. */
export function mean(xs: readonly number[]): number {
  requireValues(xs, 1, "mean");
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}

/** Median (the mean of the two middle values for an even count). Throws on an empty list. */
export function median(xs: readonly number[]): number {
  requireValues(xs, 1, "median");
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Sample variance (divides by n - 1). Throws with fewer than 2 values. */
export function variance(xs: readonly number[]): number {
  requireValues(xs, 2, "variance");
  const m = mean(xs);
  return xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1);
}

/** Sample standard deviation (n - 1). Throws with fewer than 2 values. */
export function stdev(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

/** Coefficient of variation: sample stdev / mean. Throws with fewer than 2 values. */
export function coefficientOfVariation(xs: readonly number[]): number {
  return stdev(xs) / mean(xs);
}

const LANCZOS = [
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** Natural log of the gamma function for x > 0 (Lanczos, about 15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = 0.99999999999980993;
  LANCZOS.forEach((c, i) => sum += c / (z + i + 1));
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1)) {
    throw new Error(
      `regularizedIncompleteBeta needs a, b > 0 and 0 <= x <= 1, got ${x}, ${a}, ${b}`,
    );
  }
  if (x === 0 || x === 1) return x;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? front * betaContinuedFraction(a, b, x) / a
    : 1 - front * betaContinuedFraction(b, a, 1 - x) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df > 0, may be fractional). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTCdf needs degrees of freedom > 0, got ${df}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (0 < p < 1), by bisection. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile needs 0 < p < 1, got ${p}`);
  if (!(df > 0)) throw new Error(`studentTQuantile needs degrees of freedom > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** The p-quantile of the standard normal distribution (Acklam's rational approximation). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269];
  const a5 = [-30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972];
  const b5 = -13.28068155288572;
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734];
  const c5 = [4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tailP = 0.02425;
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c5[0]!) * q + c5[1]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < tailP) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - tailP) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a5[0]!) * r + a5[1]!) * q /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b5) * r + 1);
}

/** An estimate with an interval. `low` and `high` are null when the data cannot give one. */
export interface Interval {
  /** The point estimate. */
  estimate: number;
  /** Lower bound, or null. */
  low: number | null;
  /** Upper bound, or null. */
  high: number | null;
  /** The interval's confidence level (for the median: its exact coverage). */
  level: number;
}

/**
 * The Student-t confidence interval of the mean (default 95%). With one value the bounds are
 * null: one run says nothing about the spread.
 */
export function meanConfidenceInterval(xs: readonly number[], level = 0.95): Interval {
  requireValues(xs, 1, "meanConfidenceInterval");
  const estimate = mean(xs);
  if (xs.length < 2) return { estimate, low: null, high: null, level };
  const half = studentTQuantile(1 - (1 - level) / 2, xs.length - 1) * stdev(xs) /
    Math.sqrt(xs.length);
  return { estimate, low: estimate - half, high: estimate + half, level };
}

function binomialCdf(k: number, n: number): number {
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  }
  return sum;
}

/**
 * The exact distribution-free confidence interval of the median: the order statistics
 * x(k) and x(n+1-k) with the largest k whose coverage 1 - 2 P(Binomial(n, 1/2) < k) is at least
 * `level`. No distribution is assumed. With too few values for the level (fewer than 6 at 95%)
 * the interval is [min, max] and `level` reports its real, lower coverage (75% for 3 values);
 * with one value the bounds are null.
 */
export function medianConfidenceInterval(xs: readonly number[], level = 0.95): Interval {
  requireValues(xs, 1, "medianConfidenceInterval");
  const estimate = median(xs);
  const n = xs.length;
  if (n < 2) return { estimate, low: null, high: null, level: 0 };
  const sorted = [...xs].sort((a, b) => a - b);
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * binomialCdf(k, n) >= level) k++;
  const coverage = 1 - 2 * binomialCdf(k - 1, n);
  return { estimate, low: sorted[k - 1]!, high: sorted[n - k]!, level: coverage };
}

/** Result of {@link welchTTest}. */
export interface WelchResult {
  /** The t statistic (mean of a minus mean of b, over the standard error). */
  t: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Mean of a. */
  meanA: number;
  /** Mean of b. */
  meanB: number;
}

/**
 * Welch's unequal-variances t-test of two samples (two-sided). Needs at least 2 values in each.
 * Two samples without any spread give p = 1 when their means are equal and p = 0 otherwise.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) {
    throw new Error(
      `welchTTest needs at least 2 values per sample, got ${a.length} and ${b.length}: repeat runs`,
    );
  }
  requireValues(a, 2, "welchTTest");
  requireValues(b, 2, "welchTTest");
  const meanA = mean(a);
  const meanB = mean(b);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se2 = va + vb;
  if (se2 === 0) {
    const same = meanA === meanB;
    const t = same ? 0 : (meanA > meanB ? Infinity : -Infinity);
    return { t, df: a.length + b.length - 2, p: same ? 1 : 0, meanA, meanB };
  }
  const t = (meanA - meanB) / Math.sqrt(se2);
  const df = se2 ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const p = Math.min(1, 2 * (1 - studentTCdf(Math.abs(t), df)));
  return { t, df, p, meanA, meanB };
}

/** Options of {@link repeatsNeeded}. */
export interface PowerOptions {
  /** Two-sided significance level, default 0.05. */
  alpha?: number;
  /** Power, the chance to detect a real difference, default 0.8. */
  power?: number;
}

/**
 * How many repeats per target a two-sample t-test needs to detect a relative difference in
 * means (e.g. 0.1 for 10%) when runs vary with coefficient of variation `cv` (stdev / mean),
 * at two-sided `alpha` 0.05 and power 0.8 by default. Starts from the normal approximation
 * n = 2 ((z(1-alpha/2) + z(power)) cv / d)^2 with the normal quantiles z replaced by t
 * quantiles on 2n - 2 degrees of freedom: the smallest n >= 2 that meets it.
 */
export function repeatsNeeded(
  cv: number,
  relativeDifference: number,
  options: PowerOptions = {},
): number {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(cv > 0) || !Number.isFinite(cv)) {
    throw new Error(`repeatsNeeded: cv must be a positive number like 0.05 (5%), got ${cv}`);
  }
  if (!(relativeDifference > 0) || !Number.isFinite(relativeDifference)) {
    throw new Error(
      `repeatsNeeded: relativeDifference must be a positive number like 0.1 (10%), got ${relativeDifference}`,
    );
  }
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
    throw new Error(
      `repeatsNeeded: alpha and power must lie between 0 and 1, got ${alpha}, ${power}`,
    );
  }
  const effect = relativeDifference / cv;
  const zBased = 2 * ((normalQuantile(1 - alpha / 2) + normalQuantile(power)) / effect) ** 2;
  const required = (n: number) =>
    2 * ((studentTQuantile(1 - alpha / 2, 2 * n - 2) + studentTQuantile(power, 2 * n - 2)) /
        effect) ** 2;
  // t quantiles exceed normal ones, so the answer is at least the normal-based figure.
  let n = Math.max(2, Math.ceil(zBased));
  while (n < required(n)) n++;
  return n;
}

/**
 * Holm's step-down adjustment of p-values for m comparisons made at once (Holm 1979): sort the
 * p-values, multiply the i-th smallest by (m - i + 1), keep the sequence non-decreasing, cap at 1.
 * A comparison is significant at level alpha, with the chance of any false alarm among all m
 * kept at alpha, when its adjusted p-value is below alpha. Returns the adjusted values in the
 * input's order.
 *
 * @example
 * ```ts
 * holmAdjust([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 * ```
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new Error(`holmAdjust: p-values lie in [0, 1], got ${p}`);
  }
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
