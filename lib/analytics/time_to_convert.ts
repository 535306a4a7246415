/**
 * Time-to-convert distribution: a histogram of the time between two steps of a funnel, over
 * the users who converted (PostHog's "time to convert" funnel display).
 *
 * @module
 */
import pl, { type DataFrame, type Expr } from "nodejs-polars";
import type { FrameLike } from "./_frame.ts";
import { collectWithRetry, type FunnelOptions, prepareFunnel, withClash } from "./_funnel_core.ts";
import { funnelPerUser } from "./_funnel_users.ts";

/** Options for {@linkcode timeToConvert}: a funnel's options plus the steps and the bins. */
export interface TimeToConvertOptions extends FunnelOptions {
  /** Step the time is measured from (1-based). @default 1 */
  fromStep?: number;
  /** Step the time is measured to (after `fromStep`). @default the last step */
  toStep?: number;
  /**
   * A number of equal-width bins from the shortest to the longest time (over all breakdown
   * values, so they share the bins), or the bin edges in seconds, ascending (`[0, 60, 3600,
   * 86400, Infinity]`): bin i holds times in `[edge i, edge i+1)`, the last bin also its upper
   * edge; times outside the edges are in no bin.
   * @default 10
   */
  bins?: number | readonly number[];
}

/** Output columns of {@linkcode timeToConvert}, after the breakdown column when there is one. */
export const TIME_TO_CONVERT_COLUMNS = [
  "bin",
  "bin_start_s",
  "bin_end_s",
  "users",
  "share_pct",
] as const satisfies readonly (keyof TimeToConvertRow)[];

/** One row of {@linkcode timeToConvert}: one bin (of one breakdown value). */
export type TimeToConvertRow = {
  /** Bin number, 1-based. */
  bin: number;
  /** Lower edge of the bin, in seconds (inclusive). */
  bin_start_s: number;
  /** Upper edge of the bin, in seconds (exclusive, except for the last bin). */
  bin_end_s: number;
  /** Converted users whose time falls in the bin. */
  users: number;
  /** `users` as % of all users who converted (of the breakdown value), 0–100. */
  share_pct: number;
};

/**
 * The distribution of the time from `fromStep` to `toStep`, in seconds, over the users who
 * reached `toStep`, each timed on the attempt that counts for them in `funnel()` with the
 * same options (so the median of these times is `funnel()`'s median for adjacent steps).
 * Works with PostHog's `"ordered"` and `"strict"` orders and with `windowFunnel`; unordered
 * funnels have no step times.
 *
 * Output ({@linkcode TIME_TO_CONVERT_COLUMNS}, rows typed {@linkcode TimeToConvertRow}): one
 * row per (breakdown value,) bin, every bin listed (zeros included), sorted by breakdown then
 * bin. With equal-width bins and all times equal, there is one bin of width 0. No converted
 * user gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { timeToConvert } from "./time_to_convert.ts";
 *
 * const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 10, 0, s));
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "b", "b", "c", "c"],
 *   event: ["visit", "buy", "visit", "buy", "visit", "buy"],
 *   ts: [at(0), at(10), at(0), at(30), at(0), at(50)],
 * });
 * const out = timeToConvert(events, { steps: ["visit", "buy"], bins: [0, 20, 60] });
 * assert.deepEqual(out.getColumn("users").toArray(), [1, 2]);
 * ```
 */
export function timeToConvert(events: FrameLike, options: TimeToConvertOptions): DataFrame {
  const p = prepareFunnel(events, options, "timeToConvert()");
  if (p.order === "unordered" && p.modes === null) {
    throw new RangeError(
      `Invalid timeToConvert option "order": unordered funnels have no step times`,
    );
  }
  const n = p.steps.length;
  const fromStep = options.fromStep ?? 1;
  const toStep = options.toStep ?? n;
  if (
    !Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 1 ||
    toStep > n || toStep <= fromStep
  ) {
    throw new RangeError(
      `Invalid timeToConvert option "fromStep"/"toStep": expected 1 ≤ fromStep < toStep ≤ ${n}, got ${fromStep} and ${toStep}`,
    );
  }
  const bins = options.bins ?? 10;
  const edges = typeof bins === "number" ? null : [...bins];
  if (edges) {
    if (
      edges.length < 2 || edges.some((e) => typeof e !== "number" || Number.isNaN(e)) ||
      edges.some((e, i) => i > 0 && !(e > edges[i - 1]!))
    ) {
      throw new RangeError(
        `Invalid timeToConvert option "bins": edges must be at least two ascending numbers, got ${
          JSON.stringify(edges)
        }`,
      );
    }
  } else if (!Number.isInteger(bins) || (bins as number) < 1) {
    throw new RangeError(
      `Invalid timeToConvert option "bins": expected a positive integer or edges, got ${bins}`,
    );
  }
  const count = edges ? edges.length - 1 : bins as number;
  const binFrame = pl.DataFrame({
    bin: pl.Series("bin", Array.from({ length: count }, (_, i) => i + 1), pl.Int32),
  }).lazy();

  const build = (exact: boolean) => {
    const perUser = funnelPerUser(p, exact);
    const times = perUser.frame
      .filter(pl.col("_reached").gtEq(toStep))
      .select(
        pl.col("_bd"),
        pl.col(`_t${toStep}`).minus(pl.col(`_t${fromStep}`)).cast(pl.Float64).div(1e6)
          .alias("_d"),
      )
      .cache();
    let binned;
    if (edges) {
      let index: Expr = pl.lit(0).cast(pl.Int32);
      for (const e of edges) index = index.plus(pl.col("_d").gtEq(e).cast(pl.Int32));
      const last = edges[edges.length - 1]!;
      // the last bin keeps its upper edge
      index = pl.when(pl.col("_d").eq(last)).then(pl.lit(count).cast(pl.Int32)).otherwise(index);
      binned = times.withColumns(index.cast(pl.Int32).alias("bin"))
        .filter(pl.col("bin").gtEq(1).and(pl.col("bin").ltEq(count)));
      const bounds = pl.DataFrame({
        bin: pl.Series("bin", Array.from({ length: count }, (_, i) => i + 1), pl.Int32),
        bin_start_s: pl.Series("bin_start_s", edges.slice(0, -1), pl.Float64),
        bin_end_s: pl.Series("bin_end_s", edges.slice(1), pl.Float64),
      }).lazy();
      return withClash(finish(times, binned, bounds), perUser.clash)
        .sort(["_bd", "bin"], false, true);
    }
    const range = times.select(pl.col("_d").min().alias("_lo"), pl.col("_d").max().alias("_hi"));
    const width = pl.col("_hi").minus(pl.col("_lo")).div(count);
    const raw = pl.col("_d").minus(pl.col("_lo")).div(width).floor().cast(pl.Int32).plus(1);
    binned = times.join(range, { how: "cross" }).withColumns(
      pl.when(width.eq(0).or(raw.lt(1))).then(pl.lit(1).cast(pl.Int32))
        .when(raw.gt(count)).then(pl.lit(count).cast(pl.Int32))
        .otherwise(raw).cast(pl.Int32).alias("bin"),
    );
    // all times equal: one bin of width 0
    const bounds = binFrame.join(range, { how: "cross" }).filter(
      width.gt(0).or(pl.col("bin").eq(1)),
    ).select(
      pl.col("bin"),
      pl.col("_lo").plus(width.mul(pl.col("bin").minus(1))).alias("bin_start_s"),
      pl.when(pl.col("bin").eq(count).or(width.eq(0))).then(pl.col("_hi"))
        .otherwise(pl.col("_lo").plus(width.mul(pl.col("bin")))).alias("bin_end_s"),
    );
    return withClash(finish(times, binned, bounds), perUser.clash)
      .sort(["_bd", "bin"], false, true);
  };

  const finish = (
    times: pl.LazyDataFrame,
    binned: pl.LazyDataFrame,
    bounds: pl.LazyDataFrame,
  ) => {
    const totals = times.groupBy("_bd", false).agg(pl.len().alias("_total"));
    const counts = binned.groupBy(["_bd", "bin"], false).agg(pl.len().alias("_n"));
    return totals
      .join(bounds, { how: "cross" })
      .join(counts, { on: ["_bd", "bin"], how: "left", nullsEqual: true })
      .select(
        pl.col("_bd"),
        pl.col("bin"),
        pl.col("bin_start_s"),
        pl.col("bin_end_s"),
        pl.col("_n").fillNull(0).cast(pl.Int64).alias("users"),
        pl.col("_n").fillNull(0).cast(pl.Float64).div(pl.col("_total").cast(pl.Float64))
          .mul(100).alias("share_pct"),
      );
  };

  const out = collectWithRetry(build, p.engine);
  return p.breakdown
    ? out.rename({ _bd: p.breakdown }).select(p.breakdown, ...TIME_TO_CONVERT_COLUMNS)
    : out.select(...TIME_TO_CONVERT_COLUMNS);
}
