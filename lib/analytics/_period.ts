/**
 * Private helper of retention.ts and funnel_trends.ts: calendar periods (day, week, month) of
 * Int64 UTC microseconds in a time zone, as Int64 keys.
 */
import pl, { type Expr } from "nodejs-polars";
import { daysFromCivil, int, localWallClock } from "./_frame.ts";

/** Calendar period of a retention table or a funnel trend. */
export type RetentionPeriod = "day" | "week" | "month";

/** Difference between the keys of consecutive periods. */
export const STEP: Record<RetentionPeriod, number> = { day: 1, week: 7, month: 1 };

/**
 * An Int64 key per calendar period of Int64 UTC microseconds: days since the epoch of the
 * period's first day for day and week periods, `year * 12 + month - 1` for months.
 * Consecutive periods differ by {@linkcode STEP}.
 */
export function periodKey(
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
export function periodStart(key: Expr, period: RetentionPeriod): Expr {
  if (period !== "month") return key.cast(pl.Int32).cast(pl.Date);
  const year = key.div(int(12));
  const month = key.minus(year.mul(int(12))).plus(int(1));
  return daysFromCivil(year, month, int(1)).cast(pl.Int32).cast(pl.Date);
}

/**
 * The local wall-clock start (Int64 µs, as if UTC) of the period with key `key`: compare it
 * with `localWallClock()` of an instant, cast to Int64.
 */
export function periodStartWallMicros(key: Expr, period: RetentionPeriod): Expr {
  return periodStart(key, period).cast(pl.Int32).cast(pl.Int64).mul(int(86_400_000_000));
}
