/**
 * Cohort retention tables over event frames, in calendar periods of a chosen time zone.
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
  microsUtc,
  requireColumns,
  toLazy,
} from "./_frame.ts";
import { wilsonHigh, wilsonLow } from "./intervals.ts";
import { periodKey, periodStart, type RetentionPeriod, STEP } from "./_period.ts";

export type { RetentionPeriod } from "./_period.ts";

/**
 * Which events count, as a target (cohort) or a return event:
 * - an event name, or a list of names;
 * - `"*"` or `null`: any event;
 * - `{ event, filter }`: events of that name (or `"*"`, any name) whose row also meets a
 *   Polars expression (null counts as false), e.g. `pl.col("platform").eq(pl.lit("ios"))`;
 * - `{ event, properties }`: the same with column equalities (`{ tier: "Pro" }`; a `null`
 *   value matches a null cell).
 */
export type RetentionEvent =
  | string
  | readonly string[]
  | null
  | {
    /** Event name, or `"*"` for any. */
    event: string;
    /** Extra condition on the event's row. @default none */
    filter?: Expr;
    /** Columns that must equal these values. @default none */
    properties?: Readonly<Record<string, string | number | boolean | null>>;
  };

/**
 * A bracket of periods, for {@linkcode RetentionOptions.brackets}: one period (`3`) or an
 * inclusive range (`[2, 7]`).
 */
export type RetentionBracket = number | readonly [number, number];

/** Options for {@linkcode retention}. */
export interface RetentionOptions {
  /**
   * Events that put a user in a cohort (see {@linkcode RetentionEvent}). With `"first_time"`,
   * the cohort is the period of the user's first event that matches, filter included,
   * looking at all history before `to` (even before `from`).
   * @default null (any event)
   */
  targetEvent?: RetentionEvent;
  /** Events that count as a return (see {@linkcode RetentionEvent}). @default the target */
  returnEvent?: RetentionEvent;
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
   * A member counts as returned in a period only with at least this many return events in
   * that period (PostHog's `minimumOccurrences`); period 0 still counts the whole cohort.
   * @default 1
   */
  minimumOccurrences?: number;
  /**
   * Count a user in period k if they returned in period k or in any later period of the
   * table (up to `intervals − 1`, or the last bracket's end). See {@linkcode retention} for
   * how it relates to `unbounded` and `brackets`.
   * @default false
   */
  cumulative?: boolean;
  /**
   * Unbounded ("on or after") retention, as Amplitude and dbt_product_analytics define it:
   * count a user in period k if they returned in period k or in any later period at all,
   * up to `to` (not only the table's periods). Not combined with `cumulative`.
   * @default false
   */
  unbounded?: boolean;
  /**
   * Custom brackets instead of single periods, ascending and not overlapping, e.g.
   * `[0, 1, [2, 7], [8, 30]]` for day 0, day 1, days 2–7, days 8–30 (Amplitude's custom
   * brackets): a member counts in a bracket if they returned in any of its periods. A
   * bracket that holds period 0 must be period 0 alone (it counts the whole cohort).
   * `intervals` is then ignored; the output has `period_end` (see
   * {@linkcode RETENTION_BRACKET_COLUMNS}).
   * @default null (one row per period 0..intervals−1)
   */
  brackets?: readonly RetentionBracket[] | null;
  /** First day of a week period. @default "monday" */
  weekStart?: "monday" | "sunday";
  /** IANA time zone whose calendar defines days, weeks and months. @default "UTC" */
  timezone?: string;
  /** Ignore events before this instant. @default null */
  from?: Date | null;
  /**
   * Ignore events after this instant (inclusive) and judge the table here: periods that had
   * not begun before `to` are left out (a period starting exactly at `to` has not begun), and
   * a period is complete when it ended at or before `to`.
   * @default null (no cut; judged at the latest `ts` in the frame: periods after the one
   * holding it are left out)
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

/** Output columns of {@linkcode retention} with `brackets`, in order. */
export const RETENTION_BRACKET_COLUMNS = [
  "cohort",
  "cohort_size",
  "period",
  "period_end",
  "users",
  "retention_pct",
  "retention_ci_low",
  "retention_ci_high",
  "is_complete",
] as const satisfies readonly (keyof RetentionBracketRow)[];

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
  /**
   * False while the value may still change at a later `to`: a period (or, with brackets, its
   * last period; with `cumulative`, the table's last period) not fully elapsed; always false
   * with `unbounded`.
   */
  is_complete: boolean;
};

/** One row of {@linkcode retention}'s output with `brackets`: one cohort in one bracket. */
export type RetentionBracketRow = RetentionRow & {
  /** Last period of the bracket (`period` is its first). */
  period_end: number;
};

/**
 * Computes a cohort retention table from an event frame (`user_id`, `event`, `ts`).
 *
 * Period 0 is the cohort period itself and, as in PostHog, counts everyone in the cohort
 * (`users = cohort_size`, 100%). For k ≥ 1 a cohort member is retained in period k if they
 * did a return event (at least `minimumOccurrences` of them) in the calendar period
 * `cohort + k`.
 *
 * **Periods, brackets, cumulative and unbounded** all count, in each column of the table, the
 * members who returned in at least one period of a set S: the plain table has S = {k} for
 * period k; a bracket `[a, b]` has S = {a, …, b}; `cumulative` widens S to every later column
 * of the table, {k, …, last} (last = `intervals − 1`, or the last bracket's end); `unbounded`
 * widens it to every later period at all, {k, k + 1, …} up to `to`. So for one cohort and
 * column, plain ≤ cumulative ≤ unbounded, and cumulative equals unbounded when the table
 * reaches the end of the data; a bracket `[a, b]` lies between period a and cumulative from
 * a. With brackets, `cumulative`/`unbounded` apply from the bracket's first period.
 * `is_complete` follows S: the column is complete once the last period of S has fully
 * elapsed at `to` (never, for unbounded).
 *
 * Output ({@linkcode RETENTION_COLUMNS}, rows typed {@linkcode RetentionRow}; with
 * `brackets`, {@linkcode RETENTION_BRACKET_COLUMNS} and {@linkcode RetentionBracketRow}), one
 * row per cohort and period 0..intervals−1 (or bracket) that had begun at `to` (zeros
 * filled), sorted by cohort then period: `cohort` (Date, first day of the period in
 * `timezone`), `cohort_size`, `period` (a bracket's first period), `period_end` (brackets
 * only), `users`, `retention_pct` (0–100), `retention_ci_low`/`_high` (95% Wilson, percent)
 * and `is_complete`.
 *
 * A period that had not begun at `to` has no value (not 0%): its row is left out, so a young
 * cohort has fewer rows. "Begun" means it starts before `to`; a period starting exactly at
 * `to` has not begun (it would hold only events at the instant `to`; a user whose first target
 * event is exactly at `to` is in no row). Without `to`, the table is judged at the latest `ts`
 * in the frame and rows after the period holding it are left out. A bracket is left out when
 * its first period had not begun. Empty input gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-02T12:00Z") },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-04T12:00Z") },
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-10T12:00Z") },
 * ]);
 * const weekly = retention(events, {
 *   targetEvent: "session_start",
 *   returnEvent: "session_start",
 *   period: "week",
 *   intervals: 2,
 *   timezone: "Europe/Berlin",
 *   to: new Date("2026-03-16T00:00Z"),
 * });
 * // one cohort (the week of Monday 2 March): a and b; a returns the week after
 * assert.deepEqual(weekly.getColumn("period").toArray(), [0, 1]);
 * assert.deepEqual(weekly.getColumn("users").toArray(), [2, 1]);
 * assert.deepEqual(weekly.getColumn("retention_pct").toArray(), [100, 50]);
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
  const minimum = options.minimumOccurrences ?? 1;
  if (!Number.isInteger(minimum) || minimum < 1) {
    throw new RangeError(
      `Invalid retention option "minimumOccurrences": expected a positive integer, got ${minimum}`,
    );
  }
  if (options.cumulative && options.unbounded) {
    throw new RangeError(
      `Invalid retention options "cumulative" and "unbounded": choose one (unbounded already counts every later period)`,
    );
  }
  const mode = options.unbounded ? "unbounded" : options.cumulative ? "cumulative" : "plain";
  const brackets = options.brackets ? normaliseBrackets(options.brackets) : null;
  const columns = brackets ?? Array.from({ length: intervals }, (_, k) => ({ a: k, b: k }));
  const lastEnd = columns[columns.length - 1]!.b;
  const timezone = options.timezone ?? "UTC";
  const target = eventFilter(options.targetEvent ?? null, "targetEvent");
  const returning = options.returnEvent === undefined
    ? target
    : eventFilter(options.returnEvent, "returnEvent");
  requireColumns(
    events,
    [
      "user_id",
      "event",
      "ts",
      ...propertyColumns(options.targetEvent),
      ...propertyColumns(
        options.returnEvent,
      ),
    ],
    "retention()",
  );

  const key = (micros: Expr) => periodKey(micros, period, weekStart, timezone);
  const step = STEP[period];
  const fromUs = options.from ? dateToMicros(options.from, "from") : null;
  const toUs = options.to ? dateToMicros(options.to, "to") : null;

  let base = toLazy(events)
    .select(
      pl.col("user_id"),
      target.alias("_is_target"),
      returning.alias("_is_return"),
      microsUtc("ts").alias("_t"),
    )
    .filter(pl.col("user_id").isNotNull().and(pl.col("_t").isNotNull()));
  if (toUs !== null) base = base.filter(pl.col("_t").ltEq(int(toUs)));
  const afterFrom = fromUs === null ? null : pl.col("_t").gtEq(int(fromUs));
  base = base.withColumns(key(pl.col("_t")).alias("_p")).cache();

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
  const returnPeriods = minimum === 1
    ? returns.select(pl.col("user_id"), pl.col("_p").alias("_rp")).unique()
    : returns.groupBy(["user_id", "_p"], false)
      .agg(pl.len().alias("_n"))
      .filter(pl.col("_n").gtEq(minimum))
      .select(pl.col("user_id"), pl.col("_p").alias("_rp"));

  const counts = mode === "unbounded"
    ? furthestCounts(unboundedFurthest(cohorts, returnPeriods, step), columns)
    : mode === "cumulative"
    ? furthestCounts(
      hitsOf(type, cohorts, returnPeriods, step, lastEnd)
        .groupBy(["user_id", "_cp"], false)
        .agg(pl.col("_k").max()),
      columns,
    )
    : bracketCounts(hitsOf(type, cohorts, returnPeriods, step, lastEnd), columns, !!brackets);

  const columnFrame = pl.DataFrame({
    _c: pl.Series("_c", columns.map((_, i) => i), pl.Int32),
    _a: pl.Series("_a", columns.map((c) => c.a), pl.Int32),
    _b: pl.Series("_b", columns.map((c) => c.b), pl.Int32),
  }).lazy();
  // `_tk`: the period holding the judging instant (completeness); `_lk`: the last period that
  // began before it (later rows are left out). With `to`, a period starting exactly at `to`
  // has not begun: the last one that has holds the instant 1 µs before `to`.
  const toKey = toUs !== null
    ? pl.DataFrame({ _tk: [0] }).lazy().select(
      key(int(toUs)).alias("_tk"),
      key(int(toUs - 1)).alias("_lk"),
    )
    : base.select(key(pl.col("_t").max()).alias("_tk"), key(pl.col("_t").max()).alias("_lk"));
  let grid = cohorts.groupBy("_cp", false)
    .agg(pl.len().alias("cohort_size"))
    .join(columnFrame, { how: "cross" })
    .join(counts, { on: ["_cp", "_c"], how: "left" })
    .withColumns(pl.col("_n").fillNull(int(0)));
  if (mode !== "plain") {
    // users counted at their furthest column count in every column up to it
    grid = grid.sort(["_cp", "_c"], [false, true])
      .withColumns(pl.col("_n").cumSum().over("_cp").alias("_n"));
  }
  const startOf = (k: Expr) => pl.col("_cp").plus(k.cast(pl.Int64).mul(int(step)));
  grid = grid.join(toKey, { how: "cross" }).filter(startOf(pl.col("_a")).ltEq(pl.col("_lk")));
  const lastPeriod = mode === "cumulative" ? pl.lit(lastEnd) : pl.col("_b");
  const complete = mode === "unbounded"
    ? pl.col("_b").eq(0).and(startOf(pl.col("_b")).lt(pl.col("_tk")))
    : startOf(pl.when(pl.col("_a").eq(0)).then(pl.lit(0)).otherwise(lastPeriod)).lt(
      pl.col("_tk"),
    );
  const users = pl.when(pl.col("_a").eq(0))
    .then(pl.col("cohort_size"))
    .otherwise(pl.col("_n"))
    .cast(pl.Int64);
  const output = brackets ? RETENTION_BRACKET_COLUMNS : RETENTION_COLUMNS;
  const result = grid
    .select(
      periodStart(pl.col("_cp"), period).alias("cohort"),
      pl.col("cohort_size").cast(pl.Int64),
      pl.col("_a").alias("period"),
      pl.col("_b").alias("period_end"),
      users.alias("users"),
      complete.alias("is_complete"),
    )
    .withColumns(
      pl.col("users").cast(pl.Float64).div(pl.col("cohort_size").cast(pl.Float64)).mul(100)
        .alias("retention_pct"),
      wilsonLow("users", "cohort_size").mul(100).alias("retention_ci_low"),
      wilsonHigh("users", "cohort_size").mul(100).alias("retention_ci_high"),
    )
    .select(...output)
    .sort(["cohort", "period"]);
  return collect(result, options.engine);
}

/**
 * Returns of cohort members in periods 1..`last` after their cohort period: one row per
 * (user, cohort, period index `_k`).
 */
function hitsOf(
  type: "first_time" | "recurring",
  cohorts: LazyDataFrame,
  returnPeriods: LazyDataFrame,
  step: number,
  last: number,
): LazyDataFrame {
  if (type === "first_time") {
    // One cohort per user: pair it with the user's return periods and keep 1 <= k <= last
    // (faster here than expanding every cohort into its later periods).
    return cohorts
      .join(returnPeriods, { on: "user_id" })
      .withColumns(pl.col("_rp").minus(pl.col("_cp")).div(int(step)).cast(pl.Int32).alias("_k"))
      .filter(pl.col("_k").gtEq(1).and(pl.col("_k").ltEq(last)));
  }
  // Many cohorts per user: expand each into its later periods and keep those with a return,
  // which stays linear in cohorts × periods however long the history.
  const laterPeriods = pl.DataFrame({
    _k: pl.Series("_k", Array.from({ length: last }, (_, i) => i + 1), pl.Int32),
  }).lazy();
  return cohorts
    .join(laterPeriods, { how: "cross" })
    .withColumns(pl.col("_cp").plus(pl.col("_k").cast(pl.Int64).mul(int(step))).alias("_rp"))
    .join(returnPeriods, { on: ["user_id", "_rp"], how: "semi" });
}

/** Unbounded: per (user, cohort), the furthest period index with a return (`_k` ≥ 1). */
function unboundedFurthest(
  cohorts: LazyDataFrame,
  returnPeriods: LazyDataFrame,
  step: number,
): LazyDataFrame {
  const last = returnPeriods.groupBy("user_id", false).agg(pl.col("_rp").max());
  return cohorts
    .join(last, { on: "user_id" })
    .select(
      pl.col("user_id"),
      pl.col("_cp"),
      pl.col("_rp").minus(pl.col("_cp")).div(int(step)).floor().cast(pl.Int32).alias("_k"),
    )
    .filter(pl.col("_k").gtEq(1));
}

/** The index of the last column whose first period is at most `k` (null when none). */
function columnAtOrBefore(k: Expr, columns: { a: number; b: number }[]): Expr {
  // deno-lint-ignore no-explicit-any
  let chain: any = null;
  for (let i = columns.length - 1; i >= 0; i--) {
    const then = pl.lit(i).cast(pl.Int32);
    chain = chain === null
      ? pl.when(k.gtEq(columns[i]!.a)).then(then)
      : chain.when(k.gtEq(columns[i]!.a)).then(then);
  }
  return chain.otherwise(pl.lit(null).cast(pl.Int32));
}

/** Counts of members per (cohort, furthest column): summed from the top, they are the counts. */
function furthestCounts(furthest: LazyDataFrame, columns: { a: number; b: number }[]) {
  return furthest
    .withColumns(columnAtOrBefore(pl.col("_k"), columns).alias("_c"))
    .groupBy(["_cp", "_c"], false)
    .agg(pl.len().alias("_n"));
}

/** Members per (cohort, column) with a return in one of the column's periods. */
function bracketCounts(
  hits: LazyDataFrame,
  columns: { a: number; b: number }[],
  bracketed: boolean,
): LazyDataFrame {
  if (!bracketed) {
    return hits.groupBy(["_cp", "_k"], false).agg(pl.len().alias("_n"))
      .select(pl.col("_cp"), pl.col("_k").alias("_c"), pl.col("_n"));
  }
  const inBracket = columnAtOrBefore(pl.col("_k"), columns);
  const ends = columns.map((c) => c.b);
  const endOf = (c: Expr) => {
    // deno-lint-ignore no-explicit-any
    let chain: any = pl.when(c.eq(0)).then(pl.lit(ends[0]!));
    for (let i = 1; i < ends.length; i++) chain = chain.when(c.eq(i)).then(pl.lit(ends[i]!));
    return chain.otherwise(pl.lit(-1));
  };
  return hits
    .withColumns(inBracket.alias("_c"))
    .filter(pl.col("_c").isNotNull().and(pl.col("_k").ltEq(endOf(pl.col("_c")))))
    .select("user_id", "_cp", "_c")
    .unique()
    .groupBy(["_cp", "_c"], false)
    .agg(pl.len().alias("_n"));
}

function normaliseBrackets(list: readonly RetentionBracket[]): { a: number; b: number }[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new RangeError(`Invalid retention option "brackets": expected at least one bracket`);
  }
  const out = list.map((item, i) => {
    const [a, b] = typeof item === "number" ? [item, item] : [item[0], item[1]];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a) {
      throw new RangeError(
        `Invalid retention option "brackets": bracket ${i + 1} (${
          JSON.stringify(item)
        }) must be a period ≥ 0 or a range [first, last] with first ≤ last`,
      );
    }
    if (a === 0 && b > 0) {
      throw new RangeError(
        `Invalid retention option "brackets": bracket ${i + 1} (${
          JSON.stringify(item)
        }) holds period 0, which counts the whole cohort; use 0 alone and start the next at 1`,
      );
    }
    return { a, b };
  });
  out.forEach((c, i) => {
    if (i > 0 && c.a <= out[i - 1]!.b) {
      throw new RangeError(
        `Invalid retention option "brackets": bracket ${
          i + 1
        } starts at ${c.a}, not after the previous one (which ends at ${
          out[i - 1]!.b
        }); brackets must ascend without overlapping`,
      );
    }
  });
  return out;
}

function propertyColumns(spec: RetentionEvent | undefined): string[] {
  if (spec === null || spec === undefined || typeof spec === "string" || Array.isArray(spec)) {
    return [];
  }
  return Object.keys((spec as { properties?: object }).properties ?? {});
}

function eventFilter(spec: RetentionEvent | undefined, name: string): Expr {
  if (spec === null || spec === undefined || spec === "*") return pl.lit(true);
  if (typeof spec === "string") return pl.col("event").eq(pl.lit(spec)).fillNull(false);
  if (Array.isArray(spec)) {
    if (spec.length === 0) {
      throw new RangeError(
        `Invalid retention option "${name}": an empty event list matches nothing`,
      );
    }
    return spec.includes("*") ? pl.lit(true) : pl.col("event").isIn([...spec]).fillNull(false);
  }
  const object = spec as Exclude<RetentionEvent, string | readonly string[] | null>;
  if (typeof object.event !== "string" || object.event.length === 0) {
    throw new TypeError(`Invalid retention option "${name}": no event name (use "*" for any)`);
  }
  let match: Expr = object.event === "*"
    ? pl.lit(true)
    : pl.col("event").eq(pl.lit(object.event)).fillNull(false);
  if (object.filter) match = match.and(object.filter.fillNull(false));
  for (const [column, value] of Object.entries(object.properties ?? {})) {
    match = match.and(
      value === null ? pl.col(column).isNull() : pl.col(column).eq(pl.lit(value)).fillNull(false),
    );
  }
  return match;
}
