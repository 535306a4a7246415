/**
 * Gap-filled daily series with a trailing rolling mean, per group.
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  collect,
  dateToMicros,
  type Engine,
  type FrameLike,
  int,
  requireColumns,
  toLazy,
  US_PER,
} from "./_frame.ts";

/**
 * Output columns of {@linkcode rollingAverage}: `date`, then the group columns (the `by`
 * option), then `value` and `rolling_mean`.
 */
export const ROLLING_AVERAGE_COLUMNS = [
  "date",
  "value",
  "rolling_mean",
] as const satisfies readonly (keyof RollingAverageRow)[];

/**
 * One row of {@linkcode rollingAverage}'s output: one day of one group. With groups, rows
 * also carry the group columns: `Keyed<RollingAverageRow, "region">`.
 */
export type RollingAverageRow = {
  /** The day (a `Date` at UTC midnight). */
  date: Date;
  /** The day's sum of the value column (or row count); 0 on days without rows. */
  value: number;
  /** Mean of `value` over the trailing window; null while fewer than `minPeriods` days. */
  rolling_mean: number | null;
};

/** Options for {@linkcode rollingAverage}. */
export interface RollingAverageOptions {
  /** Column to sum per day; when undefined, rows are counted. @default undefined */
  value?: string;
  /** Group column(s); each group gets its own gap-filled series. @default [] */
  by?: string | string[];
  /** Trailing window length in days (today and the N−1 days before). @default 7 */
  window?: number;
  /**
   * Smallest number of days in the window for a mean to be given; with the default, the first
   * days of a series average over the days available so far (day 1 = its own value).
   * @default 1
   */
  minPeriods?: number;
  /**
   * Date or Datetime column giving the day of each row. Datetimes are bucketed by UTC
   * calendar day (a naive Datetime is read as UTC).
   * @default "ts"
   */
  ts?: string;
  /** First day of the calendar; rows before it are dropped. @default the earliest day in the data */
  from?: Date | null;
  /** Last day of the calendar (inclusive); rows after it are dropped. @default the latest day in the data */
  to?: Date | null;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/**
 * Builds a daily series per group and its trailing rolling mean.
 *
 * Every group gets one row per calendar day from the first to the last day present in the
 * whole frame (or `from`..`to`): a day with no rows has `value` 0, and zeros count in the mean.
 * `rolling_mean` is the mean of `value` over the trailing `window` days, Polars'
 * `rollingMean({ windowSize: window, minPeriods })` over the gap-free grid. Rows whose group
 * key is null form their own group. A null `value` counts as 0.
 *
 * Output ({@linkcode ROLLING_AVERAGE_COLUMNS} with the group columns after `date`, rows typed
 * {@linkcode RollingAverageRow}), sorted by group then date: `date` (Date), the group columns, `value` (Float64),
 * `rolling_mean` (Float64, null while fewer than `minPeriods` days are available). Empty input
 * gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // daily active users per region (from a daily mart) and their 2-day mean; 3 March is missing
 * const mart = pl.DataFrame({
 *   activity_date: [new Date("2026-03-02"), new Date("2026-03-04"), new Date("2026-03-04")],
 *   region: ["North", "North", "South"],
 *   n_active_users: [10, 20, 4],
 * });
 * const dau = rollingAverage(mart, {
 *   value: "n_active_users",
 *   by: "region",
 *   ts: "activity_date",
 *   window: 2,
 * });
 * assert.deepEqual(dau.getColumn("value").toArray(), [10, 0, 20, 0, 0, 4]);
 * assert.deepEqual(dau.getColumn("rolling_mean").toArray(), [10, 5, 10, 0, 0, 2]);
 * ```
 */
export function rollingAverage(frame: FrameLike, options: RollingAverageOptions = {}): DataFrame {
  const by = options.by === undefined ? [] : Array.isArray(options.by) ? options.by : [options.by];
  const ts = options.ts ?? "ts";
  const window = options.window ?? 7;
  const minPeriods = options.minPeriods ?? 1;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(
      `Invalid rollingAverage option "window": expected a positive integer, got ${window}`,
    );
  }
  if (!Number.isInteger(minPeriods) || minPeriods < 1 || minPeriods > window) {
    throw new RangeError(
      `Invalid rollingAverage option "minPeriods": expected an integer in 1..${window}, got ${minPeriods}`,
    );
  }
  const required = [ts, ...by];
  if (options.value) required.push(options.value);
  requireColumns(frame, required, "rollingAverage()");

  const day = pl.col(ts).cast(pl.Datetime("us", "UTC")).cast(pl.Date).cast(pl.Int32).cast(
    pl.Int64,
  );
  const value = options.value ? pl.col(options.value).cast(pl.Float64) : pl.lit(1).cast(pl.Float64);
  let rows = toLazy(frame)
    .select(...by.map((c) => pl.col(c)), day.alias("_d"), value.alias("_v"))
    .filter(pl.col("_d").isNotNull());
  const fromDay = options.from ? dayNumber(options.from, "from") : null;
  const toDay = options.to ? dayNumber(options.to, "to") : null;
  if (fromDay !== null) rows = rows.filter(pl.col("_d").gtEq(int(fromDay)));
  if (toDay !== null) rows = rows.filter(pl.col("_d").ltEq(int(toDay)));
  rows = rows.cache();

  const daily = rows.groupBy([...by, "_d"], false).agg(pl.col("_v").sum().alias("_v"));
  const first: Expr = fromDay !== null ? int(fromDay) : pl.col("_d").min();
  const last: Expr = toDay !== null ? int(toDay) : pl.col("_d").max();
  // intRange rejects null bounds (min/max of no rows), so build the calendar as a list on a
  // one-row frame that is empty when a bound is missing, then explode it.
  const days = rows
    .select(first.alias("_lo"), last.alias("_hi"))
    .filter(pl.col("_lo").isNotNull().and(pl.col("_hi").isNotNull()))
    .select(pl.intRanges(pl.col("_lo"), pl.col("_hi").plus(int(1)), 1, pl.Int64).alias("_d"))
    .explode("_d")
    .filter(pl.col("_d").isNotNull());
  const grid: LazyDataFrame = by.length > 0
    ? rows.select(...by.map((c) => pl.col(c))).unique().join(days, { how: "cross" })
    : days;
  const keys: string[] = [...by, "_d"];
  let series = grid
    .join(daily, { on: keys, how: "left", nullsEqual: true })
    .withColumns(pl.col("_v").fillNull(0))
    .sort([...by, "_d"]);
  const mean = pl.col("_v").rollingMean({ windowSize: window, minPeriods });
  series = series.withColumns(
    (by.length > 0 ? mean.over(by[0]!, ...by.slice(1)) : mean).alias("rolling_mean"),
  );
  const result = series.select(
    pl.col("_d").cast(pl.Int32).cast(pl.Date).alias("date"),
    ...by.map((c) => pl.col(c)),
    pl.col("_v").alias("value"),
    pl.col("rolling_mean"),
  );
  return collect(result, options.engine);
}

function dayNumber(date: Date, name: string): number {
  return Math.floor(dateToMicros(date, name) / US_PER.day);
}
