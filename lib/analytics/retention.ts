/**
 * Cohort retention tables over event frames, in calendar periods of a chosen time zone.
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  collect,
  dateToMicros,
  daysFromCivil,
  type Engine,
  type FrameLike,
  int,
  localWallClock,
  microsUtc,
  requireColumns,
  toLazy,
} from "./_frame.ts";
import { wilsonHigh, wilsonLow } from "./intervals.ts";

/** Calendar period of a retention table. */
export type RetentionPeriod = "day" | "week" | "month";

/** Options for {@linkcode retention}. */
export interface RetentionOptions {
  /** Event(s) that put a user in a cohort; null means any event. @default null */
  targetEvent?: string | string[] | null;
  /** Event(s) that count as a return. @default the target event(s) */
  returnEvent?: string | string[] | null;
  /** Calendar period of cohorts and returns. @default "week" */
  period?: RetentionPeriod;
  /** Number of periods per cohort, period 0 included (a positive integer). @default 8 */
  intervals?: number;
  /**
   * - `"first_time"`: a user's cohort is the period of their first-ever target event (over
   *   all events up to `to`; the user is kept if that event is at or after `from`).
   * - `"recurring"`: a user belongs to the cohort of every period in which they did the
   *   target event (within `[from, to]`).
   * @default "first_time"
   */
  type?: "first_time" | "recurring";
  /**
   * Count a user in period k if they returned in period k or in any later period of the
   * table (k < intervals).
   * @default false
   */
  cumulative?: boolean;
  /** First day of a week period. @default "monday" */
  weekStart?: "monday" | "sunday";
  /** IANA time zone whose calendar defines days, weeks and months. @default "UTC" */
  timezone?: string;
  /** Ignore events before this instant. @default null */
  from?: Date | null;
  /**
   * Ignore events after this instant (inclusive) and judge completeness here.
   * @default null (no cut; completeness judged at the latest `ts` in the frame)
   */
  to?: Date | null;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/** Output columns of {@linkcode retention}, in order. */
export const RETENTION_COLUMNS = [
  "cohort",
  "cohort_size",
  "period",
  "users",
  "retention_pct",
  "retention_ci_low",
  "retention_ci_high",
  "is_complete",
] as const satisfies readonly (keyof RetentionRow)[];

/** One row of {@linkcode retention}'s output: one cohort in one period. */
export type RetentionRow = {
  /** First day of the cohort's period (UTC midnight of the local calendar day). */
  cohort: Date;
  /** Users in the cohort. */
  cohort_size: number;
  /** Periods since the cohort period (0 = the cohort period itself). */
  period: number;
  /** Cohort users retained in that period (period 0: the whole cohort). */
  users: number;
  /** `users / cohort_size` in % (0–100). */
  retention_pct: number;
  /** Lower bound of the 95% Wilson interval of `retention_pct`, in %. */
  retention_ci_low: number | null;
  /** Upper bound of the 95% Wilson interval of `retention_pct`, in %. */
  retention_ci_high: number | null;
  /** False when the period had not fully elapsed at `to` (its value may still rise). */
  is_complete: boolean;
};

const STEP: Record<RetentionPeriod, number> = { day: 1, week: 7, month: 1 };

/**
 * Computes a cohort retention table from an event frame (`user_id`, `event`, `ts`).
 *
 * Period 0 is the cohort period itself and, as in PostHog, counts everyone in the cohort
 * (`users = cohort_size`, 100%). For k ≥ 1 a cohort member is retained in period k if they
 * did a return event in the calendar period `cohort + k`; with `cumulative`, if they did so
 * in period k or any later period below `intervals`.
 *
 * Output ({@linkcode RETENTION_COLUMNS}, rows typed {@linkcode RetentionRow}), one row per
 * cohort and period 0..intervals−1 (zeros filled), sorted by cohort then period: `cohort` (Date, first day of the period in `timezone`), `cohort_size`, `period`,
 * `users`, `retention_pct` (0–100), `retention_ci_low`/`_high` (95% Wilson, percent) and
 * `is_complete` (false when the period `cohort + period` has not fully elapsed at `to`, i.e.
 * when it does not end at or before `to`). Empty input gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * const weekly = retention(events, {
 *   targetEvent: "session_start",
 *   returnEvent: "session_start",
 *   period: "week",
 *   intervals: 6,
 *   timezone: "Europe/Berlin",
 * });
 * ```
 */
export function retention(events: FrameLike, options: RetentionOptions = {}): DataFrame {
  const period = options.period ?? "week";
  if (!(period in STEP)) {
    throw new RangeError(`Invalid retention option "period": ${JSON.stringify(period)}`);
  }
  const intervals = options.intervals ?? 8;
  if (!Number.isInteger(intervals) || intervals < 1) {
    throw new RangeError(
      `Invalid retention option "intervals": expected a positive integer, got ${intervals}`,
    );
  }
  const type = options.type ?? "first_time";
  if (type !== "first_time" && type !== "recurring") {
    throw new RangeError(`Invalid retention option "type": ${JSON.stringify(type)}`);
  }
  const weekStart = options.weekStart ?? "monday";
  if (weekStart !== "monday" && weekStart !== "sunday") {
    throw new RangeError(`Invalid retention option "weekStart": ${JSON.stringify(weekStart)}`);
  }
  const timezone = options.timezone ?? "UTC";
  const target = eventFilter(options.targetEvent ?? null);
  const returning = options.returnEvent === undefined
    ? target
    : eventFilter(options.returnEvent ?? null);
  requireColumns(events, ["user_id", "event", "ts"], "retention()");

  const key = (micros: Expr) => periodKey(micros, period, weekStart, timezone);
  const step = STEP[period];
  const fromUs = options.from ? dateToMicros(options.from, "from") : null;
  const toUs = options.to ? dateToMicros(options.to, "to") : null;

  let base = toLazy(events)
    .select(pl.col("user_id"), pl.col("event"), microsUtc("ts").alias("_t"))
    .filter(pl.col("user_id").isNotNull().and(pl.col("_t").isNotNull()));
  if (toUs !== null) base = base.filter(pl.col("_t").ltEq(int(toUs)));
  const afterFrom = fromUs === null ? null : pl.col("_t").gtEq(int(fromUs));
  base = base.select(
    pl.col("user_id"),
    target.alias("_is_target"),
    returning.alias("_is_return"),
    pl.col("_t"),
    key(pl.col("_t")).alias("_p"),
  ).cache();

  let cohorts: LazyDataFrame;
  if (type === "first_time") {
    cohorts = base.filter(pl.col("_is_target"))
      .groupBy("user_id", false)
      .agg(pl.col("_t").min().alias("_first"), pl.col("_p").min().alias("_cp"));
    if (afterFrom) cohorts = cohorts.filter(pl.col("_first").gtEq(int(fromUs!)));
    cohorts = cohorts.select("user_id", "_cp");
  } else {
    let targets = base.filter(pl.col("_is_target"));
    if (afterFrom) targets = targets.filter(afterFrom);
    cohorts = targets.select(pl.col("user_id"), pl.col("_p").alias("_cp")).unique();
  }
  cohorts = cohorts.cache();

  let returns = base.filter(pl.col("_is_return"));
  if (afterFrom) returns = returns.filter(afterFrom);
  const returnPeriods = returns.select(pl.col("user_id"), pl.col("_p").alias("_rp")).unique();

  let hits: LazyDataFrame;
  if (type === "first_time") {
    // One cohort per user: pair it with the user's return periods and keep 1 <= k < intervals
    // (faster here than expanding every cohort into its later periods).
    hits = cohorts
      .join(returnPeriods, { on: "user_id" })
      .withColumns(pl.col("_rp").minus(pl.col("_cp")).div(int(step)).cast(pl.Int32).alias("_k"))
      .filter(pl.col("_k").gtEq(1).and(pl.col("_k").lt(intervals)));
  } else {
    // Many cohorts per user: expand each into its later periods and keep those with a return,
    // which stays linear in cohorts × intervals however long the history.
    const laterPeriods = pl.DataFrame({
      _k: pl.Series(
        "_k",
        Array.from({ length: intervals - 1 }, (_, i) => i + 1),
        pl.Int32,
      ),
    }).lazy();
    hits = cohorts
      .join(laterPeriods, { how: "cross" })
      .withColumns(pl.col("_cp").plus(pl.col("_k").cast(pl.Int64).mul(int(step))).alias("_rp"))
      .join(returnPeriods, { on: ["user_id", "_rp"], how: "semi" });
  }

  let counts: LazyDataFrame;
  if (options.cumulative) {
    counts = hits.groupBy(["user_id", "_cp"], false)
      .agg(pl.col("_k").max())
      .groupBy(["_cp", "_k"], false)
      .agg(pl.len().alias("_n"));
  } else {
    counts = hits.groupBy(["_cp", "_k"], false).agg(pl.len().alias("_n"));
  }

  const allPeriods = pl.DataFrame({
    _k: pl.Series("_k", Array.from({ length: intervals }, (_, i) => i), pl.Int32),
  }).lazy();
  const toKey = toUs !== null
    ? pl.DataFrame({ _tk: [0] }).lazy().select(key(int(toUs)).alias("_tk"))
    : base.select(key(pl.col("_t").max()).alias("_tk"));
  let grid = cohorts.groupBy("_cp", false)
    .agg(pl.len().alias("cohort_size"))
    .join(allPeriods, { how: "cross" })
    .join(counts, { on: ["_cp", "_k"], how: "left" })
    .withColumns(pl.col("_n").fillNull(int(0)));
  grid = grid.join(toKey, { how: "cross" });
  if (options.cumulative) {
    grid = grid.sort(["_cp", "_k"], [false, true])
      .withColumns(pl.col("_n").cumSum().over("_cp").alias("_n"));
  }
  const users = pl.when(pl.col("_k").eq(0))
    .then(pl.col("cohort_size"))
    .otherwise(pl.col("_n"))
    .cast(pl.Int64);
  const result = grid
    .select(
      periodStart(pl.col("_cp"), period).alias("cohort"),
      pl.col("cohort_size").cast(pl.Int64),
      pl.col("_k").alias("period"),
      users.alias("users"),
      pl.col("_cp").plus(pl.col("_k").cast(pl.Int64).mul(int(step))).lt(pl.col("_tk")).alias(
        "is_complete",
      ),
    )
    .withColumns(
      pl.col("users").cast(pl.Float64).div(pl.col("cohort_size").cast(pl.Float64)).mul(100)
        .alias("retention_pct"),
      wilsonLow("users", "cohort_size").mul(100).alias("retention_ci_low"),
      wilsonHigh("users", "cohort_size").mul(100).alias("retention_ci_high"),
    )
    .select(...RETENTION_COLUMNS)
    .sort(["cohort", "period"]);
  return collect(result, options.engine);
}

function eventFilter(events: string | string[] | null): Expr {
  if (events === null) return pl.lit(true);
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) {
    throw new RangeError(`Invalid retention option: an empty event list matches nothing`);
  }
  return pl.col("event").isIn(list).fillNull(false);
}

/**
 * An Int64 key per calendar period of Int64 UTC microseconds: days since the epoch of the
 * period's first day for day and week periods, `year * 12 + month - 1` for months.
 * Consecutive periods differ by {@linkcode STEP}.
 */
function periodKey(
  micros: Expr,
  period: RetentionPeriod,
  weekStart: "monday" | "sunday",
  timezone: string,
): Expr {
  const local = localWallClock(micros, timezone);
  if (period === "month") {
    return local.dt.year().cast(pl.Int64).mul(int(12))
      .plus(local.dt.month().cast(pl.Int64))
      .minus(int(1));
  }
  const day = local.cast(pl.Date).cast(pl.Int32).cast(pl.Int64);
  if (period === "day") return day;
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays, (day + 4) mod 7 on Sundays.
  const shift = weekStart === "monday" ? 3 : 4;
  return day.minus(day.plus(int(shift)).modulo(int(7)));
}

/** The first day (Date) of the period with key `key`. */
function periodStart(key: Expr, period: RetentionPeriod): Expr {
  if (period !== "month") return key.cast(pl.Int32).cast(pl.Date);
  const year = key.div(int(12));
  const month = key.minus(year.mul(int(12))).plus(int(1));
  return daysFromCivil(year, month, int(1)).cast(pl.Int32).cast(pl.Date);
}
