/**
 * Funnel conversion over time: conversion from step 1 to a later step by the day, week or
 * month in which users entered the funnel (PostHog's "trends" funnel display, Amplitude's
 * "conversion over time").
 *
 * @module
 */
import pl, { type DataFrame } from "nodejs-polars";
import { dateToMicros, type FrameLike, int, localWallClock } from "./_frame.ts";
import {
  collectWithRetry,
  funnelAttempts,
  type FunnelOptions,
  pickPerUser,
  prepareFunnel,
  windowEnd,
  withClash,
} from "./_funnel_core.ts";
import {
  periodKey,
  periodStart,
  periodStartWallMicros,
  type RetentionPeriod,
  STEP,
} from "./_period.ts";
import { wilsonHigh, wilsonLow } from "./intervals.ts";

/** Options for {@linkcode funnelTrends}: a funnel's options plus the entry periods. */
export interface FunnelTrendsOptions extends FunnelOptions {
  /** Calendar period of entry. @default "day" */
  interval?: RetentionPeriod;
  /** The step whose conversion is reported (2..number of steps). @default the last step */
  toStep?: number;
  /** First day of a week. @default "monday" */
  weekStart?: "monday" | "sunday";
  /** IANA time zone whose calendar defines the periods. @default "UTC" */
  timezone?: string;
}

/**
 * Output columns of {@linkcode funnelTrends}, in order, after the breakdown column when there
 * is one.
 */
export const FUNNEL_TRENDS_COLUMNS = [
  "period_start",
  "users_entered",
  "users_converted",
  "conversion_pct",
  "conversion_ci_low",
  "conversion_ci_high",
  "is_complete",
] as const satisfies readonly (keyof FunnelTrendRow)[];

/** One row of {@linkcode funnelTrends}: one entry period (of one breakdown value). */
export type FunnelTrendRow = {
  /** First day of the entry period (Date, in the chosen time zone's calendar). */
  period_start: Date;
  /** Users with an attempt starting (a step-1 event) in the period. */
  users_entered: number;
  /** Of those, users whose attempt started in the period reached `toStep`. */
  users_converted: number;
  /** `users_converted / users_entered` in % (0–100). */
  conversion_pct: number;
  /** Lower bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_low: number | null;
  /** Upper bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_high: number | null;
  /**
   * False while a user who entered in the period could still convert: the period's end plus
   * the conversion window lies after `to` (or the latest `ts`); always false without a window.
   */
  is_complete: boolean;
};

/**
 * Conversion from step 1 to `toStep` by entry period, with the funnel's definitions (PostHog's
 * trends funnel): a user enters in every period in which one of their attempts starts (a
 * step-1 event), and within one period counts once, by the best attempt that started in it
 * (furthest, then earliest; exclusions as in `funnel()`). The user converts in that period
 * when that attempt reaches `toStep` within the window, even if the conversion itself falls
 * in a later period. So a user can enter, and convert, in several periods.
 *
 * Output ({@linkcode FUNNEL_TRENDS_COLUMNS}, rows typed {@linkcode FunnelTrendRow}): one row
 * per (breakdown value,) entry period with at least one user entering, sorted by breakdown
 * then period: `period_start`, `users_entered`, `users_converted`, `conversion_pct`, the 95%
 * Wilson interval and `is_complete`. Periods without an entering user have no row; empty
 * input gives an empty frame with this schema. PostHog's orders only (not `windowFunnel`,
 * which gives one level per user); `"unordered"` enters at the attempt's anchoring event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { funnelTrends } from "./funnel_trends.ts";
 *
 * const day = (d: number, h: number) => new Date(Date.UTC(2026, 2, d, h));
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "b", "c", "c"],
 *   event: ["visit", "buy", "visit", "visit", "buy"],
 *   ts: [day(2, 9), day(2, 10), day(2, 11), day(3, 9), day(4, 9)],
 * });
 * const out = funnelTrends(events, { steps: ["visit", "buy"], window: { value: 2, unit: "day" } });
 * assert.deepEqual(out.getColumn("users_entered").toArray(), [2, 1]);
 * assert.deepEqual(out.getColumn("conversion_pct").toArray(), [50, 100]);
 * ```
 */
export function funnelTrends(events: FrameLike, options: FunnelTrendsOptions): DataFrame {
  const p = prepareFunnel(events, options, "funnelTrends()");
  if (p.modes !== null) {
    throw new RangeError(
      `Invalid funnelTrends option "windowFunnel": trends need PostHog's attempts; ClickHouse's windowFunnel gives one level per user`,
    );
  }
  const n = p.steps.length;
  const toStep = options.toStep ?? n;
  if (!Number.isInteger(toStep) || toStep < 2 || toStep > n) {
    throw new RangeError(
      `Invalid funnelTrends option "toStep": expected a step in 2..${n}, got ${toStep}`,
    );
  }
  const interval = options.interval ?? "day";
  if (!(interval in STEP)) {
    throw new RangeError(`Invalid funnelTrends option "interval": ${JSON.stringify(interval)}`);
  }
  const weekStart = options.weekStart ?? "monday";
  if (weekStart !== "monday" && weekStart !== "sunday") {
    throw new RangeError(`Invalid funnelTrends option "weekStart": ${JSON.stringify(weekStart)}`);
  }
  const timezone = options.timezone ?? "UTC";
  const key = (micros: pl.Expr) => periodKey(micros, interval, weekStart, timezone);
  const judged = options.to
    ? pl.DataFrame({ _j: [0] }).lazy().select(int(dateToMicros(options.to, "to")).alias("_j"))
    : p.base.select(pl.col("_t").max().alias("_j"));
  const build = (exact: boolean) => {
    const attempts = funnelAttempts(p, exact);
    const withPeriod = {
      ...attempts,
      frame: attempts.frame.withColumns(key(pl.col("_t1")).alias("_p")),
    };
    const perUser = pickPerUser(withPeriod, "_p");
    const grouped = perUser.frame
      .groupBy(["_bd", "_p"], false)
      .agg(
        pl.len().alias("_entered"),
        pl.col("_reached").gtEq(toStep).sum().alias("_converted"),
      );
    // A user entering in the period's last microsecond may convert up to one window later:
    // complete when end − 1 µs + window ≤ the judging instant.
    const lastEntry = periodStartWallMicros(pl.col("_p").plus(int(STEP[interval])), interval);
    const complete = p.window
      ? windowEnd(lastEntry, p.window).ltEq(
        localWallClock(pl.col("_j"), timezone).cast(pl.Int64).plus(int(1)),
      )
      : pl.lit(false);
    // (Cross-joined only when read: nodejs-polars 0.25.2 prunes an unread one-row aggregate
    // on the right of a cross join down to the rows it aggregates, multiplying the result.)
    const rows = (p.window ? grouped.join(judged, { how: "cross" }) : grouped)
      .select(
        pl.col("_bd"),
        periodStart(pl.col("_p"), interval).alias("period_start"),
        pl.col("_entered").cast(pl.Int64).alias("users_entered"),
        pl.col("_converted").cast(pl.Int64).alias("users_converted"),
        complete.fillNull(false).alias("is_complete"),
      )
      .withColumns(
        pl.col("users_converted").cast(pl.Float64)
          .div(pl.col("users_entered").cast(pl.Float64)).mul(100).alias("conversion_pct"),
        wilsonLow("users_converted", "users_entered").mul(100).alias("conversion_ci_low"),
        wilsonHigh("users_converted", "users_entered").mul(100).alias("conversion_ci_high"),
      );
    return withClash(rows, perUser.clash).sort(["_bd", "period_start"], false, true);
  };
  const out = collectWithRetry(build, p.engine);
  return p.breakdown
    ? out.rename({ _bd: p.breakdown }).select(p.breakdown, ...FUNNEL_TRENDS_COLUMNS)
    : out.select(...FUNNEL_TRENDS_COLUMNS);
}
