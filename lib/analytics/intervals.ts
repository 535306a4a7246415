/**
 * Confidence intervals and test statistics, each as a Polars expression builder (for use
 * inside pipelines) and as a plain JS function (for tests, notebooks and sentences).
 *
 * All intervals are two-sided 95% by default (`z = 1.959963984540054`).
 *
 * @module
 */
import pl, { type Expr } from "nodejs-polars";

/** The standard normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** A closed interval `[low, high]`. */
export interface Interval {
  /** Lower bound. */
  low: number;
  /** Upper bound. */
  high: number;
}

function asExpr(value: Expr | string): Expr {
  return typeof value === "string" ? pl.col(value) : value;
}

/**
 * Wilson score interval for a binomial proportion `successes / trials` (as a fraction, 0–1).
 * Returns `{ low: NaN, high: NaN }` when `trials` is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { low, high } = wilsonInterval(8, 10);
 * assert.deepEqual([low.toFixed(4), high.toFixed(4)], ["0.4902", "0.9433"]);
 * ```
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z95): Interval {
  if (trials <= 0) return { low: NaN, high: NaN };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function wilsonParts(successes: Expr | string, trials: Expr | string, z: number) {
  const n = asExpr(trials).cast(pl.Float64);
  const k = asExpr(successes).cast(pl.Float64);
  const p = k.div(n);
  const z2 = z * z;
  const denom = pl.lit(1).plus(pl.lit(z2).div(n));
  const centre = p.plus(pl.lit(z2 / 2).div(n)).div(denom);
  const half = p.mul(pl.lit(1).minus(p)).div(n)
    .plus(pl.lit(z2 / 4).div(n.mul(n)))
    .pow(0.5)
    .mul(z)
    .div(denom);
  const valid = n.gt(0);
  return { centre, half, valid };
}

/**
 * Lower bound of the Wilson score interval as an expression (fraction 0–1, null when the
 * number of trials is 0 or null). Multiply by 100 for percent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ converted: [8], users: [10] });
 * const out = frame.withColumns(wilsonLow("converted", "users").mul(100).alias("ci_low_pct"));
 * assert.deepEqual(out.getColumn("ci_low_pct").round(2).toArray(), [49.02]);
 * ```
 */
export function wilsonLow(
  successes: Expr | string,
  trials: Expr | string,
  z: number = Z95,
): Expr {
  const { centre, half, valid } = wilsonParts(successes, trials, z);
  const low = centre.minus(half);
  return pl.when(valid).then(pl.when(low.lt(0)).then(pl.lit(0)).otherwise(low))
    .otherwise(pl.lit(null).cast(pl.Float64));
}

/**
 * Upper bound of the Wilson score interval as an expression (fraction 0–1, null when the
 * number of trials is 0 or null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ converted: [8, 0], users: [10, 0] });
 * const out = frame.withColumns(wilsonHigh("converted", "users").mul(100).alias("ci_high_pct"));
 * assert.deepEqual(out.getColumn("ci_high_pct").round(2).toArray(), [94.33, null]);
 * ```
 */
export function wilsonHigh(
  successes: Expr | string,
  trials: Expr | string,
  z: number = Z95,
): Expr {
  const { centre, half, valid } = wilsonParts(successes, trials, z);
  const high = centre.plus(half);
  return pl.when(valid).then(pl.when(high.gt(1)).then(pl.lit(1)).otherwise(high))
    .otherwise(pl.lit(null).cast(pl.Float64));
}

/**
 * Score interval for a Poisson rate `count / exposure`:
 * `(count + z²/2 ± z·√(count + z²/4)) / exposure`. Unlike the plain normal interval
 * (`count ± z√count`) it never goes below zero and stays sensible for small counts; for
 * `count = 0` it gives `[0, z²/exposure]`. NaN bounds when `exposure` is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { low, high } = poissonRateInterval(40, 100);
 * assert.deepEqual([low.toFixed(4), high.toFixed(4)], ["0.2938", "0.5446"]);
 * ```
 */
export function poissonRateInterval(count: number, exposure: number, z: number = Z95): Interval {
  if (exposure <= 0) return { low: NaN, high: NaN };
  const z2 = z * z;
  const centre = count + z2 / 2;
  const half = z * Math.sqrt(count + z2 / 4);
  return { low: (centre - half) / exposure, high: (centre + half) / exposure };
}

function poissonBound(count: Expr | string, exposure: Expr | string, z: number, sign: 1 | -1) {
  const c = asExpr(count).cast(pl.Float64);
  const e = asExpr(exposure).cast(pl.Float64);
  const z2 = z * z;
  const bound = c.plus(z2 / 2).plus(c.plus(z2 / 4).pow(0.5).mul(sign * z)).div(e);
  return pl.when(e.gt(0)).then(bound).otherwise(pl.lit(null).cast(pl.Float64));
}

/**
 * Lower bound of the Poisson score interval for `count / exposure` (null when exposure is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ n_listings: [40], n_active_users: [100] });
 * const out = frame.withColumns(
 *   poissonRateLow("n_listings", "n_active_users").alias("rate_ci_low"),
 * );
 * assert.deepEqual(out.getColumn("rate_ci_low").round(4).toArray(), [0.2938]);
 * ```
 */
export function poissonRateLow(
  count: Expr | string,
  exposure: Expr | string,
  z: number = Z95,
): Expr {
  return poissonBound(count, exposure, z, -1);
}

/**
 * Upper bound of the Poisson score interval for `count / exposure` (null when exposure is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ n_listings: [40, 3], n_active_users: [100, 0] });
 * const out = frame.withColumns(
 *   poissonRateHigh("n_listings", "n_active_users").alias("rate_ci_high"),
 * );
 * assert.deepEqual(out.getColumn("rate_ci_high").round(4).toArray(), [0.5446, null]);
 * ```
 */
export function poissonRateHigh(
  count: Expr | string,
  exposure: Expr | string,
  z: number = Z95,
): Expr {
  return poissonBound(count, exposure, z, 1);
}

/** Two-sided 97.5% quantiles of Student's t for 1–30 degrees of freedom. */
const T975 = [
  12.706204736,
  4.30265273,
  3.182446305,
  2.776445105,
  2.570581836,
  2.446911851,
  2.364624252,
  2.306004135,
  2.262157163,
  2.228138852,
  2.20098516,
  2.17881283,
  2.160368656,
  2.144786688,
  2.131449546,
  2.119905299,
  2.109815578,
  2.10092204,
  2.093024054,
  2.085963447,
  2.079613845,
  2.073873068,
  2.06865761,
  2.063898562,
  2.059538553,
  2.055529439,
  2.051830516,
  2.048407142,
  2.045229642,
  2.042272456,
];

// Cornish–Fisher coefficients of t in powers of 1/df (Abramowitz & Stegun 26.7.5) at z = Z95.
const Z = Z95;
const G1 = (Z ** 3 + Z) / 4;
const G2 = (5 * Z ** 5 + 16 * Z ** 3 + 3 * Z) / 96;
const G3 = (3 * Z ** 7 + 19 * Z ** 5 + 17 * Z ** 3 - 15 * Z) / 384;
const G4 = (79 * Z ** 9 + 776 * Z ** 7 + 1482 * Z ** 5 - 1920 * Z ** 3 - 945 * Z) / 92160;

/**
 * Critical value of Student's t for a two-sided 95% interval with `df` degrees of freedom:
 * exact table values for df 1–30, the Cornish–Fisher series above (error < 1e-6 at df 30 and
 * shrinking). NaN for df < 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(tCritical95(9), 2.262157163);
 * assert.ok(Number.isNaN(tCritical95(0)));
 * ```
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1]!;
  return Z + G1 / df + G2 / df ** 2 + G3 / df ** 3 + G4 / df ** 4;
}

/**
 * {@linkcode tCritical95} as an expression over an integer degrees-of-freedom column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ n: [10, 1] });
 * const out = frame.withColumns(tCritical95Expr(pl.col("n").minus(1)).alias("t"));
 * assert.deepEqual(out.getColumn("t").toArray(), [2.262157163, null]);
 * ```
 */
export function tCritical95Expr(df: Expr | string): Expr {
  const d = asExpr(df).cast(pl.Float64);
  const series = pl.lit(Z)
    .plus(pl.lit(G1).div(d))
    .plus(pl.lit(G2).div(d.pow(2)))
    .plus(pl.lit(G3).div(d.pow(3)))
    .plus(pl.lit(G4).div(d.pow(4)));
  // deno-lint-ignore no-explicit-any
  let chain: any = pl.when(d.lt(1).or(d.isNull())).then(pl.lit(null).cast(pl.Float64));
  T975.forEach((t, i) => {
    chain = chain.when(d.eq(i + 1)).then(pl.lit(t));
  });
  return chain.otherwise(series);
}

/**
 * Complementary error function (Numerical Recipes `erfcc`, fractional error < 1.2e-7).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(erfc(0) - 1) < 1.2e-7);
 * assert.ok(Math.abs(erfc(1) - 0.157299207) < 1.2e-7 * 0.16);
 * ```
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z + erfcPoly(t));
  return x >= 0 ? r : 2 - r;
}

function erfcPoly(t: number): number {
  return -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
                                t * (-0.82215223 + t * 0.17087277))))))));
}

const ERFC_COEFFS = [
  -1.26551223,
  1.00002368,
  0.37409196,
  0.09678418,
  -0.18628806,
  0.27886807,
  -1.13520398,
  1.48851587,
  -0.82215223,
  0.17087277,
];

/**
 * Two-sided p-value of a standard-normal statistic, `erfc(|z| / √2)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(twoSidedPValue(1.959963984540054) - 0.05) < 1e-7);
 * ```
 */
export function twoSidedPValue(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * {@linkcode twoSidedPValue} as an expression (null stays null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ z: [1.959963984540054, null] });
 * const out = frame.withColumns(twoSidedPValueExpr("z").alias("p_value"));
 * assert.deepEqual(out.getColumn("p_value").round(4).toArray(), [0.05, null]);
 * ```
 */
export function twoSidedPValueExpr(z: Expr | string): Expr {
  const x = asExpr(z).cast(pl.Float64).abs().div(Math.SQRT2);
  const t = pl.lit(1).div(pl.lit(1).plus(x.mul(0.5)));
  let poly: Expr = pl.lit(ERFC_COEFFS[ERFC_COEFFS.length - 1]!);
  for (let i = ERFC_COEFFS.length - 2; i >= 0; i--) {
    poly = pl.lit(ERFC_COEFFS[i]!).plus(t.mul(poly));
  }
  return t.mul(x.mul(x).mul(-1).plus(poly).exp());
}
