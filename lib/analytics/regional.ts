/**
 * Regional marketplace metrics: listing density per active user and mean eco impact per
 * listing, each with its denominator and a 95% interval.
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  collect,
  columnsOf,
  type Engine,
  type FrameLike,
  requireColumns,
  toLazy,
} from "./_frame.ts";
import { poissonRateHigh, poissonRateLow, tCritical95Expr } from "./intervals.ts";

/** Output columns of {@linkcode regionalDensity}, in order, after the region column. */
export const REGIONAL_DENSITY_COLUMNS = [
  "n_listings",
  "n_active_users",
  "listings_per_user",
  "listings_per_user_ci_low",
  "listings_per_user_ci_high",
  "listings_per_1000_users",
  "listings_per_1000_users_ci_low",
  "listings_per_1000_users_ci_high",
] as const satisfies readonly (keyof RegionalDensityRow)[];

/**
 * One row of {@linkcode regionalDensity}'s output; rows also carry the region column:
 * `Keyed<RegionalDensityRow, "region">`.
 */
export type RegionalDensityRow = {
  /** Distinct (published) listings of the region: the numerator. */
  n_listings: number;
  /** Active users of the region: the denominator (exposure). */
  n_active_users: number;
  /** Listings per active user; null without active users. */
  listings_per_user: number | null;
  /** Lower bound of the 95% Poisson score interval of `listings_per_user`. */
  listings_per_user_ci_low: number | null;
  /** Upper bound of the 95% Poisson score interval of `listings_per_user`. */
  listings_per_user_ci_high: number | null;
  /** Listings per 1,000 active users. */
  listings_per_1000_users: number | null;
  /** Lower bound of the 95% interval of `listings_per_1000_users`. */
  listings_per_1000_users_ci_low: number | null;
  /** Upper bound of the 95% interval of `listings_per_1000_users`. */
  listings_per_1000_users_ci_high: number | null;
};

/** Output columns of {@linkcode ecoImpactByRegion}, in order, after the region column. */
export const ECO_IMPACT_COLUMNS = [
  "n_listings",
  "n_listings_missing_score",
  "total_eco_score_kg_co2e",
  "mean_eco_score_kg_co2e",
  "sd_eco_score_kg_co2e",
  "mean_ci_low_kg_co2e",
  "mean_ci_high_kg_co2e",
] as const satisfies readonly (keyof EcoImpactRow)[];

/**
 * One row of {@linkcode ecoImpactByRegion}'s output; rows also carry the region column:
 * `Keyed<EcoImpactRow, "region">`.
 */
export type EcoImpactRow = {
  /** (Published) listings of the region with a score: the mean's denominator. */
  n_listings: number;
  /** (Published) listings of the region without a score (left out of the mean). */
  n_listings_missing_score: number;
  /** Sum of the scores, kg CO2e avoided. */
  total_eco_score_kg_co2e: number | null;
  /** Mean score per listing, kg CO2e avoided. */
  mean_eco_score_kg_co2e: number | null;
  /** Sample standard deviation of the scores (ddof 1). */
  sd_eco_score_kg_co2e: number | null;
  /** Lower bound of the 95% t interval of the mean; null for fewer than 2 listings. */
  mean_ci_low_kg_co2e: number | null;
  /** Upper bound of the 95% t interval of the mean; null for fewer than 2 listings. */
  mean_ci_high_kg_co2e: number | null;
};

/** Options for {@linkcode regionalDensity}. */
export interface RegionalDensityOptions {
  /** Region column, in both frames. @default "region" */
  region?: string;
  /**
   * Count only listings with `is_published` true (the column is then required).
   * @default true
   */
  publishedOnly?: boolean;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/**
 * Listings per active user, and per 1,000 active users, by region.
 *
 * Inputs:
 * - `listings`: one row per listing with `listing_id` and the region column (and
 *   `is_published` when `publishedOnly`); `listing_id`s are counted distinct.
 * - `activeUsers`: either a frame with the region column and `n_active_users` (one row per
 *   region; several rows of a region are summed, so pass distinct-user counts, not daily
 *   ones), or any frame with `user_id` and the region column (an events frame, `dim_users`…),
 *   whose distinct users per region are the active users.
 *
 * The interval treats the listing count as Poisson with the active users as exposure and uses
 * the score interval `(n + z²/2 ± z√(n + z²/4)) / users` (see `poissonRateInterval`), which
 * stays positive and behaves for small counts; the per-1,000 interval is the same scaled.
 *
 * Output ({@linkcode REGIONAL_DENSITY_COLUMNS}, rows typed {@linkcode RegionalDensityRow}),
 * one row per region present in either frame, sorted by region: the region column,
 * `n_listings`, `n_active_users` (the denominator), `listings_per_user`,
 * `listings_per_user_ci_low`/`_high`, `listings_per_1000_users`,
 * `listings_per_1000_users_ci_low`/`_high` (rates null when a region has no active users).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const listings = pl.DataFrame({
 *   listing_id: ["l1", "l2", "l3"],
 *   region: ["North", "North", "South"],
 *   is_published: [true, true, false],
 * });
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "b", "c", "d", "e"],
 *   region: ["North", "North", "North", "North", "North", "South"],
 * });
 * const density = regionalDensity(listings, events); // 4 active users in North, 1 in South
 * assert.deepEqual(density.getColumn("n_listings").toArray(), [2, 0]);
 * assert.deepEqual(density.getColumn("listings_per_1000_users").toArray(), [500, 0]);
 * ```
 */
export function regionalDensity(
  listings: FrameLike,
  activeUsers: FrameLike,
  options: RegionalDensityOptions = {},
): DataFrame {
  const region = options.region ?? "region";
  const publishedOnly = options.publishedOnly ?? true;
  const listingCols = ["listing_id", region];
  if (publishedOnly) listingCols.push("is_published");
  requireColumns(listings, listingCols, "regionalDensity() on listings");
  const hasCounts = columnsOf(activeUsers).includes("n_active_users");
  requireColumns(
    activeUsers,
    hasCounts ? [region, "n_active_users"] : ["user_id", region],
    "regionalDensity() on active users",
  );

  const counted = published(toLazy(listings), publishedOnly)
    .groupBy(region, false)
    .agg(pl.col("listing_id").nUnique().alias("n_listings"));
  const users: LazyDataFrame = hasCounts
    ? toLazy(activeUsers).groupBy(region, false).agg(pl.col("n_active_users").sum())
    : toLazy(activeUsers).groupBy(region, false).agg(
      pl.col("user_id").nUnique().alias("n_active_users"),
    );
  const n = pl.col("n_listings").cast(pl.Float64);
  const exposure = pl.col("n_active_users").cast(pl.Float64);
  const perUser = pl.when(exposure.gt(0)).then(n.div(exposure)).otherwise(
    pl.lit(null).cast(pl.Float64),
  );
  const result = counted
    .join(users, { on: region, how: "full", coalesce: true, nullsEqual: true })
    .select(
      pl.col(region),
      pl.col("n_listings").fillNull(0).cast(pl.Int64),
      pl.col("n_active_users").fillNull(0).cast(pl.Int64),
    )
    .withColumns(
      perUser.alias("listings_per_user"),
      poissonRateLow("n_listings", "n_active_users").alias("listings_per_user_ci_low"),
      poissonRateHigh("n_listings", "n_active_users").alias("listings_per_user_ci_high"),
    )
    .withColumns(
      pl.col("listings_per_user").mul(1000).alias("listings_per_1000_users"),
      pl.col("listings_per_user_ci_low").mul(1000).alias("listings_per_1000_users_ci_low"),
      pl.col("listings_per_user_ci_high").mul(1000).alias("listings_per_1000_users_ci_high"),
    )
    .select(region, ...REGIONAL_DENSITY_COLUMNS)
    .sort(region, false, true);
  return collect(result, options.engine);
}

/** Options for {@linkcode ecoImpactByRegion}. */
export interface EcoImpactOptions {
  /** Region column. @default "region" */
  region?: string;
  /** Numeric column to average. @default "eco_score_kg_co2e" */
  value?: string;
  /** Use only listings with `is_published` true (the column is then required). @default true */
  publishedOnly?: boolean;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/**
 * Mean eco score (kg CO2e avoided) per listing by region, with a 95% t interval on the mean.
 *
 * Input: a listings frame with the region column, `eco_score_kg_co2e` (or `value`) and
 * `is_published` (when `publishedOnly`). Listings with a null score are left out of every
 * column but `n_listings_missing_score`.
 *
 * Interval: mean ± t(0.975, n−1) · sd/√n, with the sample standard deviation (ddof 1); t is
 * exact to 9 digits for n ≤ 31 and within 1e-6 above (see `tCritical95`). Null for n < 2.
 *
 * Output ({@linkcode ECO_IMPACT_COLUMNS}, rows typed {@linkcode EcoImpactRow}), one row per
 * region, sorted by region: the region column, `n_listings` (with a score:
 * the denominator), `n_listings_missing_score`, `total_eco_score_kg_co2e`,
 * `mean_eco_score_kg_co2e`, `sd_eco_score_kg_co2e`, `mean_ci_low_kg_co2e`,
 * `mean_ci_high_kg_co2e`. (With a custom `value`, the `eco_score_kg_co2e` parts of the names
 * stay as they are.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const listings = pl.DataFrame({
 *   region: ["North", "North", "South", "South"],
 *   eco_score_kg_co2e: [10, 20, 5, null],
 *   is_published: [true, true, true, true],
 * });
 * const impact = ecoImpactByRegion(listings);
 * assert.deepEqual(impact.getColumn("mean_eco_score_kg_co2e").toArray(), [15, 5]);
 * assert.deepEqual(impact.getColumn("n_listings_missing_score").toArray(), [0, 1]);
 * // South has one score: no interval
 * assert.equal(impact.getColumn("mean_ci_low_kg_co2e").toArray()[1], null);
 * ```
 */
export function ecoImpactByRegion(listings: FrameLike, options: EcoImpactOptions = {}): DataFrame {
  const region = options.region ?? "region";
  const value = options.value ?? "eco_score_kg_co2e";
  const publishedOnly = options.publishedOnly ?? true;
  const cols = [region, value];
  if (publishedOnly) cols.push("is_published");
  requireColumns(listings, cols, "ecoImpactByRegion()");

  const v = pl.col(value).cast(pl.Float64);
  const stats = published(toLazy(listings), publishedOnly)
    .groupBy(region, false)
    .agg(
      v.count().alias("_n"),
      v.nullCount().alias("_missing"),
      v.sum().alias("_sum"),
      v.mean().alias("_mean"),
      v.std().alias("_sd"),
    );
  const n = pl.col("n_listings").cast(pl.Float64);
  const half: Expr = tCritical95Expr(pl.col("n_listings").minus(1))
    .mul(pl.col("sd_eco_score_kg_co2e"))
    .div(n.pow(0.5));
  const result = stats
    .select(
      pl.col(region),
      pl.col("_n").cast(pl.Int64).alias("n_listings"),
      pl.col("_missing").cast(pl.Int64).alias("n_listings_missing_score"),
      pl.col("_sum").alias("total_eco_score_kg_co2e"),
      pl.col("_mean").alias("mean_eco_score_kg_co2e"),
      pl.col("_sd").alias("sd_eco_score_kg_co2e"),
    )
    .withColumns(
      pl.when(pl.col("n_listings").gtEq(2))
        .then(pl.col("mean_eco_score_kg_co2e").minus(half))
        .otherwise(pl.lit(null).cast(pl.Float64))
        .alias("mean_ci_low_kg_co2e"),
      pl.when(pl.col("n_listings").gtEq(2))
        .then(pl.col("mean_eco_score_kg_co2e").plus(half))
        .otherwise(pl.lit(null).cast(pl.Float64))
        .alias("mean_ci_high_kg_co2e"),
    )
    .select(region, ...ECO_IMPACT_COLUMNS)
    .sort(region, false, true);
  return collect(result, options.engine);
}

function published(frame: LazyDataFrame, publishedOnly: boolean): LazyDataFrame {
  return publishedOnly ? frame.filter(pl.col("is_published").cast(pl.Bool).fillNull(false)) : frame;
}
