/**
 * Category affinity: how much more (or less) often a group lists a category than everyone.
 *
 * @module
 */
import pl, { type DataFrame, type Expr } from "nodejs-polars";
import { collect, type Engine, type FrameLike, requireColumns, toLazy } from "./_frame.ts";
import { twoSidedPValueExpr, Z95 } from "./intervals.ts";

/**
 * Output columns of {@linkcode categoryAffinity}, in order, after the group column and the
 * category column (named by the `by` and `category` options).
 */
export const CATEGORY_AFFINITY_COLUMNS = [
  "n",
  "group_total",
  "share",
  "category_total",
  "overall_total",
  "overall_share",
  "lift",
  "lift_ci_low",
  "lift_ci_high",
  "z",
  "p_value",
] as const satisfies readonly (keyof CategoryAffinityRow)[];

/**
 * One row of {@linkcode categoryAffinity}'s output: one (group, category) cell. Rows also
 * carry the group and category columns: `Keyed<CategoryAffinityRow, "tier" | "category">`.
 */
export type CategoryAffinityRow = {
  /** Rows of the group in the category. */
  n: number;
  /** Rows of the group: the denominator of `share`. */
  group_total: number;
  /** `n / group_total` (fraction 0–1). */
  share: number;
  /** Rows of the category over all groups. */
  category_total: number;
  /** All rows. */
  overall_total: number;
  /** `category_total / overall_total` (fraction 0–1). */
  overall_share: number;
  /** `share / overall_share`; 1 = no affinity. */
  lift: number;
  /** Lower bound of the 95% interval of `lift`; null when `n` is 0. */
  lift_ci_low: number | null;
  /** Upper bound of the 95% interval of `lift`; null when `n` is 0. */
  lift_ci_high: number | null;
  /** z statistic of the group's share against the other groups'; null without other groups. */
  z: number | null;
  /** Two-sided p-value of `z`. */
  p_value: number | null;
};

/** Options for {@linkcode categoryAffinity}. */
export interface CategoryAffinityOptions {
  /** Group column (e.g. user tier). @default "tier" */
  by?: string;
  /** Category column. @default "category" */
  category?: string;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/**
 * Share of each category within each group, compared with its overall share.
 *
 * For group g and category c, with a = rows of (g, c), n₁ = rows of g, b = rows of c in the
 * other groups, n₂ = rows of the other groups, N = n₁ + n₂:
 * - `share` = a / n₁, `overall_share` = (a + b) / N, `lift` = share / overall_share
 *   (1 = no affinity).
 * - `lift_ci_low`/`_high`: 95% interval for the lift by the delta method on log(lift), with
 *   a ~ Binomial(n₁, a/n₁) and b ~ Binomial(n₂, b/n₂) independent and the group sizes fixed:
 *   Var(log lift) = b²(1 − a/n₁) / (a(a+b)²) + b(1 − b/n₂) / (a+b)². Null when a = 0; a
 *   group that is everyone (n₂ = 0) has lift exactly 1. Like any plug-in (Wald-type)
 *   interval it collapses to a point when b = 0 (no other group used the category): read
 *   those rows with their counts.
 * - `z`, `p_value`: two-proportion z-test of the group's share against the other groups'
 *   share (pooled variance), two-sided. Null when there are no other groups.
 *
 * Rows with a null group or category are left out. Every (group, category) pair seen in the
 * data is present (n = 0 where a group never used a category).
 *
 * Output ({@linkcode CATEGORY_AFFINITY_COLUMNS}, rows typed {@linkcode CategoryAffinityRow})
 * sorted by group then category: the group column, the category column, `n`,
 * `group_total`, `share`, `category_total`, `overall_total`, `overall_share`, `lift`,
 * `lift_ci_low`, `lift_ci_high`, `z`, `p_value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const listings = pl.DataFrame({
 *   tier: ["Pro", "Pro", "Basic", "Basic"],
 *   category: ["bikes", "bikes", "books", "bikes"],
 * });
 * const affinity = categoryAffinity(listings, { by: "tier", category: "category" });
 * // rows: Basic/bikes, Basic/books, Pro/bikes, Pro/books (never listed: n = 0)
 * assert.deepEqual(affinity.getColumn("n").toArray(), [1, 1, 2, 0]);
 * // Pro lists bikes only (share 1) where everyone lists them 3 times in 4: lift 4/3
 * assert.deepEqual(affinity.getColumn("lift").round(3).toArray(), [0.667, 2, 1.333, 0]);
 * ```
 */
export function categoryAffinity(
  listings: FrameLike,
  options: CategoryAffinityOptions = {},
): DataFrame {
  const by = options.by ?? "tier";
  const category = options.category ?? "category";
  requireColumns(listings, [by, category], "categoryAffinity()");

  // One pass over the rows; every total is then summed from the small table of cells.
  const cells = toLazy(listings)
    .select(pl.col(by), pl.col(category))
    .filter(pl.col(by).isNotNull().and(pl.col(category).isNotNull()))
    .groupBy([by, category], false)
    .agg(pl.len().cast(pl.Int64).alias("n"))
    .cache();
  const groups = cells.groupBy(by, false).agg(pl.col("n").sum().alias("group_total"));
  const categories = cells.groupBy(category, false).agg(
    pl.col("n").sum().alias("category_total"),
  );
  const total = cells.select(pl.col("n").sum().alias("overall_total"));

  const f = (c: string) => pl.col(c).cast(pl.Float64);
  const a = f("n");
  const n1 = f("group_total");
  const b = f("category_total").minus(a);
  const n2 = f("overall_total").minus(n1);
  const ab = f("category_total");
  const varLog = b.pow(2).mul(pl.lit(1).minus(a.div(n1))).div(a.mul(ab.pow(2)))
    .plus(
      pl.when(n2.gt(0))
        .then(b.mul(pl.lit(1).minus(b.div(n2))).div(ab.pow(2)))
        .otherwise(pl.lit(0)),
    );
  const halfLog = varLog.pow(0.5).mul(Z95);
  const liftBound = (sign: 1 | -1): Expr =>
    pl.when(a.gt(0))
      .then(pl.col("lift").mul(halfLog.mul(sign).exp()))
      .otherwise(pl.lit(null).cast(pl.Float64));
  const pooled = ab.div(f("overall_total"));
  const p2 = b.div(n2);
  const se = pooled.mul(pl.lit(1).minus(pooled)).mul(pl.lit(1).div(n1).plus(pl.lit(1).div(n2)))
    .pow(0.5);
  const z = pl.when(n2.gt(0).and(se.gt(0)))
    .then(a.div(n1).minus(p2).div(se))
    .otherwise(pl.lit(null).cast(pl.Float64));

  const result = groups
    .join(categories, { how: "cross" })
    .join(cells, { on: [by, category], how: "left" })
    .join(total, { how: "cross" })
    .select(
      pl.col(by),
      pl.col(category),
      pl.col("n").fillNull(0).cast(pl.Int64),
      pl.col("group_total").cast(pl.Int64),
      pl.col("category_total").cast(pl.Int64),
      pl.col("overall_total").cast(pl.Int64),
    )
    .withColumns(
      a.div(n1).alias("share"),
      ab.div(f("overall_total")).alias("overall_share"),
    )
    .withColumns(pl.col("share").div(pl.col("overall_share")).alias("lift"))
    .withColumns(
      liftBound(-1).alias("lift_ci_low"),
      liftBound(1).alias("lift_ci_high"),
      z.alias("z"),
    )
    .withColumns(twoSidedPValueExpr("z").alias("p_value"))
    .select(by, category, ...CATEGORY_AFFINITY_COLUMNS)
    .sort([by, category]);
  return collect(result, options.engine);
}
