/**
 * Private helpers shared by the analytics functions: frame coercion, time normalisation,
 * integer literals and collection with the chosen engine.
 *
 * Conventions inside lib/analytics:
 * - Timestamps are compared as Int64 microseconds since the Unix epoch (`_t`), so no step ever
 *   mixes time units or meets nodejs-polars' millisecond `pl.lit(Date)` literal.
 * - Integer literals go through {@linkcode int} because a bare JS number becomes a Float64
 *   literal and silently turns integer arithmetic into floating point.
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";

/** A frame accepted by every analytics function. */
export type FrameLike = DataFrame | LazyDataFrame;

/**
 * Which nodejs-polars engine runs the final `collectSync`.
 *
 * `"streaming"` was measurably faster on the join- and group-heavy shapes (POLARS-NOTES.md);
 * the test suite checks that both engines give identical results.
 */
export type Engine = "streaming" | "in-memory";

/** Microseconds in one unit of a fixed-length calendar-free duration. */
export const US_PER = {
  second: 1_000_000,
  minute: 60_000_000,
  hour: 3_600_000_000,
  day: 86_400_000_000,
  week: 604_800_000_000,
} as const;

/** A largest Int64-safe sentinel used to keep sorted keys sorted after a failed lookup. */
export const MAX_KEY = Number.MAX_SAFE_INTEGER;

/** Returns a lazy view of a frame. */
export function toLazy(frame: FrameLike): LazyDataFrame {
  return isLazy(frame) ? frame : frame.lazy();
}

function isLazy(frame: FrameLike): frame is LazyDataFrame {
  return "_ldf" in frame;
}

/** Column names of a frame (lazy frames resolve their schema without reading data). */
export function columnsOf(frame: FrameLike): string[] {
  return frame.columns;
}

/** Throws a TypeError naming the function and the missing columns. */
export function requireColumns(frame: FrameLike, columns: string[], where: string): void {
  const have = new Set(columnsOf(frame));
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length > 0) {
    throw new TypeError(
      `Cannot run ${where}: missing column${missing.length > 1 ? "s" : ""} ${
        missing.map((c) => `"${c}"`).join(", ")
      } (frame has ${[...have].map((c) => `"${c}"`).join(", ")})`,
    );
  }
}

/** An Int64 literal (a bare JS number would be a Float64 literal). */
export function int(value: number): Expr {
  return pl.lit(value).cast(pl.Int64);
}

/**
 * An Int32 literal, for comparisons with Int32 columns (step numbers, positions): against a
 * bare JS number, Polars casts every row of the column to Float64 first.
 */
export function int32(value: number): Expr {
  return pl.lit(value).cast(pl.Int32);
}

/**
 * The `ts` column as Int64 microseconds since the epoch, UTC.
 *
 * Casting to `Datetime("us", "UTC")` keeps the instant of a zoned column and reads a naive
 * column as UTC wall-clock time; Date columns become midnight UTC.
 */
export function microsUtc(column: string): Expr {
  return pl.col(column).cast(pl.Datetime("us", "UTC")).cast(pl.Int64);
}

/** A JS Date as Int64 microseconds (exact: a Date has millisecond precision). */
export function dateToMicros(date: Date, name: string): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid date for option "${name}": ${date}`);
  return ms * 1000;
}

/**
 * A filter on Int64 microseconds `_t` for an inclusive `[from, to]` range; either end may be
 * missing. Returns null when there is nothing to filter.
 */
export function timeRangeFilter(from?: Date | null, to?: Date | null): Expr | null {
  const parts: Expr[] = [];
  if (from) parts.push(pl.col("_t").gtEq(int(dateToMicros(from, "from"))));
  if (to) parts.push(pl.col("_t").ltEq(int(dateToMicros(to, "to"))));
  if (parts.length === 0) return null;
  return parts.reduce((a, b) => a.and(b));
}

/**
 * Collects with the chosen engine. If the streaming engine fails, the query is run again on
 * the in-memory engine: nodejs-polars 0.25.2's streaming engine panics ("internal error:
 * entered unreachable code", with a Rust backtrace on stderr) on a few plans that the
 * in-memory engine runs correctly, e.g. `col.hash().nUnique()`. An error from the in-memory
 * run is thrown as is.
 */
export function collect(lazy: LazyDataFrame, engine: Engine = "streaming"): DataFrame {
  if (engine !== "streaming") return lazy.collectSync({ engine: "in-memory" });
  try {
    return lazy.collectSync({ engine: "streaming" });
  } catch {
    return lazy.collectSync({ engine: "in-memory" });
  }
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian civil date, as Int64 expressions (Howard
 * Hinnant's `days_from_civil`, valid for years >= 0). nodejs-polars 0.25.2 has no
 * `dt.offsetBy` and no date constructor from parts, so calendar-month arithmetic is done here.
 */
export function daysFromCivil(year: Expr, month: Expr, day: Expr): Expr {
  const y = year.minus(pl.when(month.ltEq(2)).then(int(1)).otherwise(int(0)));
  const era = y.div(int(400));
  const yoe = y.minus(era.mul(int(400)));
  const mp = month.plus(pl.when(month.gt(2)).then(int(-3)).otherwise(int(9)));
  const doy = mp.mul(int(153)).plus(int(2)).div(int(5)).plus(day).minus(int(1));
  const doe = yoe.mul(int(365)).plus(yoe.div(int(4))).minus(yoe.div(int(100))).plus(doy);
  return era.mul(int(146097)).plus(doe).minus(int(719468));
}

/**
 * Adds `months` calendar months to Int64 UTC microseconds, clamping the day of month to the
 * target month's length (Jan 31 + 1 month = Feb 28/29), as Polars' `offset_by("1mo")` and
 * PostHog's calendar intervals do. The time of day is kept.
 */
export function addMonthsMicros(micros: Expr, months: number): Expr {
  const ts = micros.cast(pl.Datetime("us", "UTC"));
  const year = ts.dt.year().cast(pl.Int64);
  const month = ts.dt.month().cast(pl.Int64);
  const day = ts.dt.day().cast(pl.Int64);
  const dayStart = daysFromCivil(year, month, day);
  const timeOfDay = micros.minus(dayStart.mul(int(US_PER.day)));
  const index = year.mul(int(12)).plus(month).minus(int(1)).plus(int(months));
  const ty = index.div(int(12));
  const tm = index.minus(ty.mul(int(12))).plus(int(1));
  const nextIndex = index.plus(int(1));
  const ny = nextIndex.div(int(12));
  const nm = nextIndex.minus(ny.mul(int(12))).plus(int(1));
  const monthLength = daysFromCivil(ny, nm, int(1)).minus(daysFromCivil(ty, tm, int(1)));
  const targetDay = pl.when(day.gt(monthLength)).then(monthLength).otherwise(day);
  return daysFromCivil(ty, tm, targetDay).mul(int(US_PER.day)).plus(timeOfDay);
}

/**
 * Local wall-clock time of Int64 UTC microseconds in `timeZone`, returned as a UTC-labelled
 * Datetime so that `cast(pl.Date)`, `dt.month()` and friends read the local calendar.
 *
 * nodejs-polars 0.25.2 casts a zoned Datetime to Date using the UTC date, not the local one,
 * hence the relabelling.
 */
export function localWallClock(micros: Expr, timeZone: string): Expr {
  const utc = micros.cast(pl.Datetime("us", "UTC"));
  if (timeZone === "UTC") return utc;
  return utc.dt.convertTimeZone(timeZone).dt.replaceTimeZone("UTC");
}

/** The 1-based index of the first true expression, or null. */
export function firstTrueIndex(flags: Expr[]): Expr {
  if (flags.length === 0) return pl.lit(null).cast(pl.Int32);
  // deno-lint-ignore no-explicit-any
  let chain: any = pl.when(flags[0]!).then(pl.lit(1).cast(pl.Int32));
  for (let i = 1; i < flags.length; i++) {
    chain = chain.when(flags[i]!).then(pl.lit(i + 1).cast(pl.Int32));
  }
  return chain.otherwise(pl.lit(null).cast(pl.Int32));
}
