/**
 * Conversion funnels over event frames, with PostHog's semantics (conversion window from each
 * step-1 event, furthest attempt counts, cumulative distinct users).
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  addMonthsMicros,
  collect,
  type Engine,
  firstTrueIndex,
  type FrameLike,
  int,
  MAX_KEY,
  microsUtc,
  requireColumns,
  timeRangeFilter,
  toLazy,
  US_PER,
} from "./_frame.ts";
import { wilsonHigh, wilsonLow } from "./intervals.ts";
import { sequence } from "./_sequence.ts";

/** A funnel step: an event name, or an event name with a filter on that event's columns. */
export type FunnelStep = string | {
  /** Event name to match in the `event` column. */
  event: string;
  /** Extra condition on the event's row (e.g. `pl.col("platform").eq(pl.lit("ios"))`); null counts as false. */
  filter?: Expr;
  /** Label in the output. @default the event name */
  label?: string;
};

/** Unit of a conversion window. */
export type WindowUnit = "minute" | "hour" | "day" | "week" | "month";

/** A conversion window: how long after the step-1 event the last step may happen (inclusive). */
export interface ConversionWindow {
  /** Number of units (a positive integer). */
  value: number;
  /**
   * Unit. `minute`, `hour`, `day`, `week` are fixed lengths (a day is 24 h: the data is UTC).
   * `month` is a calendar-month offset with the day clamped to the month's length
   * (Jan 31 + 1 month = Feb 28 or 29, time of day kept), as PostHog's calendar intervals.
   */
  unit: WindowUnit;
}

/**
 * Output columns of {@linkcode funnel}, in order, after the breakdown column (named by the
 * `breakdown` option) when there is one.
 */
export const FUNNEL_COLUMNS = [
  "step",
  "label",
  "users",
  "conversion_pct",
  "conversion_ci_low",
  "conversion_ci_high",
  "step_conversion_pct",
  "step_conversion_ci_low",
  "step_conversion_ci_high",
  "median_time_to_convert_s",
  "p90_time_to_convert_s",
] as const satisfies readonly (keyof FunnelRow)[];

/**
 * One row of {@linkcode funnel}'s output: one step (of one breakdown value). With a
 * breakdown, rows also carry that column: `Keyed<FunnelRow, "tier">`.
 */
export type FunnelRow = {
  /** Step number, 1-based. */
  step: number;
  /** Step label (the event name unless the step has a `label`). */
  label: string;
  /** Users who reached the step (cumulative: a subset of the previous step's users). */
  users: number;
  /** `users` as % of the step-1 users (0–100). */
  conversion_pct: number;
  /** Lower bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_low: number | null;
  /** Upper bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_high: number | null;
  /** `users` as % of the previous step's users; null for step 1. */
  step_conversion_pct: number | null;
  /** Lower bound of the 95% Wilson interval of `step_conversion_pct`, in %. */
  step_conversion_ci_low: number | null;
  /** Upper bound of the 95% Wilson interval of `step_conversion_pct`, in %. */
  step_conversion_ci_high: number | null;
  /** Median seconds from the previous step to this one; null for step 1 and unordered funnels. */
  median_time_to_convert_s: number | null;
  /** 90th percentile of the same times, in seconds. */
  p90_time_to_convert_s: number | null;
};

/** How the steps must follow each other. */
export type FunnelOrder = "ordered" | "strict" | "unordered";

/** Options for {@linkcode funnel}. */
export interface FunnelOptions {
  /** The steps, in order (at least one). */
  steps: FunnelStep[];
  /**
   * Conversion window measured from each step-1 event; the end is inclusive. `null` means no
   * limit.
   * @default { value: 14, unit: "day" }
   */
  window?: ConversionWindow | null;
  /**
   * - `"ordered"`: each step at or after the previous one; other events may happen between.
   * - `"strict"`: each step must be the user's very next event after the previous step (any
   *   event of the user in between, funnel step or not, breaks the attempt).
   * - `"unordered"`: the steps in any order within the window after the first of them.
   * @default "ordered"
   */
  order?: FunnelOrder;
  /**
   * Column to break down by. Each user is counted once, in the value carried by the step-1
   * event of the attempt that counts for them (the attempt that got furthest; the earliest
   * such attempt on ties). For `"unordered"`, the anchoring event of that attempt.
   * @default null (no breakdown)
   */
  breakdown?: string | null;
  /** Keep only events with `ts >= from`. @default null */
  from?: Date | null;
  /** Keep only events with `ts <= to` (inclusive, millisecond precision of a JS Date). @default null */
  to?: Date | null;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

interface NormalStep {
  event: string;
  filter: Expr | null;
  label: string;
  key: string;
}

/** One row per user and attempt, before choosing the attempt that counts. */
interface Attempts {
  frame: LazyDataFrame;
  hasTimes: boolean;
  /** One row, `_clash`: whether the fast user sort met a hash collision (see _sequence.ts). */
  clash: LazyDataFrame | null;
}

const ORDER_SPAN = 2 ** 40;
/** Steps are ranked 1..n (and n + 1 for other events) inside a 6-bit field of the sort key. */
const MAX_STEPS = 62;

/**
 * Computes a conversion funnel from an event frame (`user_id`, `event`, `ts`, properties).
 *
 * Semantics (PostHog's):
 * - Every step-1 event starts an attempt; the window runs from that event's `ts` and its end
 *   is inclusive (an event exactly at `ts + window` converts, 1 µs later does not).
 * - A user counts at step k if some attempt reaches step k within the window; the attempt
 *   that gets furthest counts (the earliest one among equals) and supplies the breakdown value
 *   and the times to convert. Counts are cumulative: users at step k ⊆ users at step k−1.
 * - Each occurrence of a step needs its own event row: a step repeated in the list needs as
 *   many distinct events. In `"ordered"` mode the next step is the earliest matching event
 *   after the previous step's event, in the order (ts, position of the first step the event
 *   matches, input order); so a later step at the same timestamp as the previous one still
 *   converts as long as it is a different row. `"strict"` uses the same order over all the
 *   user's events, with non-step events last among equal timestamps (they do not interrupt a
 *   chain at the same instant). Limit: a chain needing another order inside one instant
 *   (A→B→A with all three rows at the same ts) is not found.
 * - `from`/`to` filter events before anything else: an attempt cannot use events outside
 *   `[from, to]`, so its window is cut at `to`.
 * - Events with a null `user_id` or `ts` are ignored.
 *
 * Output ({@linkcode FUNNEL_COLUMNS}, rows typed {@linkcode FunnelRow}), one row per
 * (breakdown value,) step, sorted by breakdown then step: the breakdown column, `step`
 * (1-based), `label`, `users`, `conversion_pct` (of step-1 users, 0–100),
 * `conversion_ci_low`/`_high` (95% Wilson, percent), `step_conversion_pct` (of the previous
 * step; null for step 1), `step_conversion_ci_low`/`_high`, `median_time_to_convert_s` and
 * `p90_time_to_convert_s` (seconds from the previous step's event to this step's event in the
 * counted attempt, over users who reached the step, linear interpolation; null for step 1 and
 * for unordered funnels). A breakdown value with no step-1 user has no rows; an empty input
 * gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * const byTier = funnel(events, {
 *   steps: ["session_start", "view_listing", { event: "start_listing", label: "listing" }],
 *   window: { value: 7, unit: "day" },
 *   breakdown: "tier",
 * });
 * ```
 */
export function funnel(events: FrameLike, options: FunnelOptions): DataFrame {
  const steps = normaliseSteps(options.steps);
  const window = options.window === undefined
    ? { value: 14, unit: "day" as const }
    : options.window;
  if (window) validateWindow(window);
  const order = options.order ?? "ordered";
  const breakdown = options.breakdown ?? null;
  const required = ["user_id", "event", "ts"];
  if (breakdown) required.push(breakdown);
  requireColumns(events, required, "funnel()");

  const matches = steps.map((s, i) => stepMatch(s).alias(`_m${i + 1}`));
  let base = toLazy(events)
    .withColumns(microsUtc("ts").alias("_t"))
    .select(
      pl.col("user_id"),
      pl.col("_t"),
      (breakdown ? pl.col(breakdown) : pl.lit(null).cast(pl.Utf8)).alias("_bd"),
      ...matches,
    )
    .filter(pl.col("user_id").isNotNull().and(pl.col("_t").isNotNull()));
  const range = timeRangeFilter(options.from, options.to);
  if (range) base = base.filter(range);

  if (!["ordered", "strict", "unordered"].includes(order)) {
    throw new RangeError(`Invalid funnel option "order": ${JSON.stringify(order)}`);
  }
  const run = (exact: boolean) => {
    const attempts = order === "ordered"
      ? orderedAttempts(base, steps.length, window, exact)
      : order === "strict"
      ? strictAttempts(base, steps.length, window, exact)
      : unorderedAttempts(base, steps, window, exact);
    return collect(summarise(attempts, steps), options.engine);
  };
  // The fast user sort is exact unless two user ids share a 64-bit hash; then run again.
  let out = run(false);
  if (out.getColumn("_clash").any()) out = run(true);
  return breakdown
    ? out.rename({ _bd: breakdown }).select(breakdown, ...FUNNEL_COLUMNS)
    : out.select(...FUNNEL_COLUMNS);
}

function normaliseSteps(steps: FunnelStep[] | undefined): NormalStep[] {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    throw new RangeError(
      `Invalid funnel option "steps": expected 1 to ${MAX_STEPS} steps, got ${steps?.length}`,
    );
  }
  return steps.map((s, i) => {
    const step = typeof s === "string" ? { event: s } : s;
    if (typeof step.event !== "string" || step.event.length === 0) {
      throw new TypeError(`Invalid funnel option "steps": step ${i + 1} has no event name`);
    }
    const filter = step.filter ?? null;
    return {
      event: step.event,
      filter,
      label: step.label ?? step.event,
      key: `${step.event}\u0000${filter ? filter.toString() : ""}`,
    };
  });
}

function validateWindow(window: ConversionWindow): void {
  if (!Number.isInteger(window.value) || window.value <= 0) {
    throw new RangeError(
      `Invalid funnel option "window.value": expected a positive integer, got ${window.value}`,
    );
  }
  if (!["minute", "hour", "day", "week", "month"].includes(window.unit)) {
    throw new RangeError(`Invalid funnel option "window.unit": ${JSON.stringify(window.unit)}`);
  }
}

function stepMatch(step: NormalStep): Expr {
  const isEvent = pl.col("event").eq(pl.lit(step.event)).fillNull(false);
  return step.filter ? isEvent.and(step.filter.fillNull(false)) : isEvent;
}

/** The inclusive window end for an attempt starting at `start` (Int64 µs), or null for none. */
function windowEnd(start: Expr, window: ConversionWindow | null): Expr {
  if (!window) return int(MAX_KEY);
  if (window.unit === "month") return addMonthsMicros(start, window.value);
  return start.plus(int(window.value * US_PER[window.unit]));
}

function anyOf(n: number): Expr {
  let any = pl.col("_m1");
  for (let j = 2; j <= n; j++) any = any.or(pl.col(`_m${j}`));
  return any;
}

/** Reached step count from per-link success flags (a chain stops at its first failure). */
function reachedFrom(links: Expr[]): Expr {
  let reached: Expr = pl.lit(1).cast(pl.Int32);
  let prefix: Expr | null = null;
  for (const link of links) {
    prefix = prefix ? prefix.and(link) : link;
    reached = reached.plus(prefix.cast(pl.Int32));
  }
  return reached;
}

function stepTimes(n: number): Expr[] {
  const out: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    out.push(
      pl.when(pl.col("_reached").gtEq(j))
        .then(pl.col(`_t${j}`).minus(pl.col(`_t${j - 1}`)).cast(pl.Float64).div(1e6))
        .otherwise(pl.lit(null).cast(pl.Float64))
        .alias(`_dt${j}`),
    );
  }
  return out;
}

/**
 * Ordered funnel: for each step-1 event, the next step is the first matching event with a
 * larger sequence number, found with one forward as-of join per step on the global sequence
 * (rows sorted by user, time, step position). A lookup that lands in another user's rows
 * means the step was not reached; sequence keys stay sorted so the next join still works.
 */
function orderedAttempts(
  base: LazyDataFrame,
  n: number,
  window: ConversionWindow | null,
  exact: boolean,
): Attempts {
  const firstStep = firstTrueIndex(Array.from({ length: n }, (_, i) => pl.col(`_m${i + 1}`)));
  const seq = sequence(
    base.filter(anyOf(n)).withColumns(firstStep.alias("_r")),
    true,
    exact,
  ).cache();
  let a = seq.filter(pl.col("_m1")).select(
    pl.col("_seq").alias("_s1"),
    pl.col("_uc"),
    pl.col("_bd"),
    pl.col("_t").alias("_t1"),
    windowEnd(pl.col("_t"), window).alias("_end"),
  );
  const links: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    const next = seq.filter(pl.col(`_m${j}`)).select(
      pl.col("_seq").alias(`_k${j}`),
      pl.col("_uc").alias(`_u${j}`),
      pl.col("_t").alias(`_t${j}`),
    );
    a = a
      .joinAsof(next, {
        leftOn: `_s${j - 1}`,
        rightOn: `_k${j}`,
        strategy: "forward",
        allowExactMatches: false,
        checkSortedness: false,
      })
      .withColumns(pl.col(`_k${j}`).fillNull(int(MAX_KEY)).alias(`_s${j}`));
    links.push(
      pl.col(`_u${j}`).eq(pl.col("_uc")).and(pl.col(`_t${j}`).ltEq(pl.col("_end"))).fillNull(
        false,
      ),
    );
  }
  const frame = a
    .withColumns(reachedFrom(links).alias("_reached"), pl.col("_s1").alias("_order"))
    .withColumns(...stepTimes(n));
  return { frame, hasTimes: true, clash: clashOf(seq, exact) };
}

/**
 * Strict funnel: every event of the user counts as an interruption, so step j of an attempt
 * starting at row i must be row i + j − 1 of the same user. Rows are sorted by (user, ts,
 * position of the first step matched, non-step events last, input order).
 */
function strictAttempts(
  base: LazyDataFrame,
  n: number,
  window: ConversionWindow | null,
  exact: boolean,
): Attempts {
  const firstStep = firstTrueIndex(Array.from({ length: n }, (_, i) => pl.col(`_m${i + 1}`)))
    .fillNull(pl.lit(n + 1).cast(pl.Int32));
  const seq = sequence(base.withColumns(firstStep.alias("_r")), true, exact).cache();
  const ahead: Expr[] = [];
  const links: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    const k = j - 1;
    ahead.push(pl.col("_t").shift(-k).alias(`_t${j}`));
    links.push(
      pl.col(`_m${j}`).shift(-k)
        .and(pl.col("_uc").shift(-k).eq(pl.col("_uc")))
        .and(pl.col("_t").shift(-k).ltEq(pl.col("_end")))
        .fillNull(false),
    );
  }
  const frame = seq
    .withColumns(windowEnd(pl.col("_t"), window).alias("_end"))
    .withColumns(pl.col("_t").alias("_t1"), ...ahead, reachedFrom(links).alias("_reached"))
    .filter(pl.col("_m1"))
    .withColumns(pl.col("_seq").alias("_order"))
    .withColumns(...stepTimes(n));
  return { frame, hasTimes: true, clash: clashOf(seq, exact) };
}

/**
 * Unordered funnel: every event matching any step anchors an attempt whose window is
 * `[ts, ts + window]` (both ends inclusive, ties at the start included). For each distinct step
 * definition used c times in the list, the attempt gets min(c, matching events in the window)
 * steps. Counts come from per-definition running totals: the total at the last row of the
 * user with `ts <= end` (a backward as-of join by user) minus the total before the anchor's
 * first tied row. An event matching two different definitions counts for both.
 */
function unorderedAttempts(
  base: LazyDataFrame,
  steps: NormalStep[],
  window: ConversionWindow | null,
  exact: boolean,
): Attempts {
  const groups = new Map<string, { index: number; count: number }>();
  steps.forEach((s, i) => {
    const g = groups.get(s.key);
    if (g) g.count++;
    else groups.set(s.key, { index: i + 1, count: 1 });
  });
  const defs = [...groups.values()];
  const seq = sequence(base.filter(anyOf(steps.length)), false, exact);
  const newTime = pl.col("_uc").neq(pl.col("_uc").shift(1))
    .or(pl.col("_t").neq(pl.col("_t").shift(1)))
    .fillNull(true);
  const lastOfTime = pl.col("_uc").neq(pl.col("_uc").shift(-1))
    .or(pl.col("_t").neq(pl.col("_t").shift(-1)))
    .fillNull(true);
  const running = seq.withColumns(
    ...defs.map((d, i) => pl.col(`_m${d.index}`).cast(pl.Int64).cumSum().alias(`_c${i}`)),
    newTime.alias("_new"),
    lastOfTime.alias("_last"),
  ).cache();
  const anchors = running
    .withColumns(
      ...defs.map((d, i) =>
        pl.when(pl.col("_new"))
          .then(pl.col(`_c${i}`).minus(pl.col(`_m${d.index}`).cast(pl.Int64)))
          .otherwise(pl.lit(null).cast(pl.Int64))
          .forwardFill()
          .alias(`_before${i}`)
      ),
      windowEnd(pl.col("_t"), window).alias("_end"),
    )
    .select("_seq", "_uc", "_bd", "_end", ...defs.map((_, i) => `_before${i}`));
  const totals = running.filter(pl.col("_last")).select(
    pl.col("_uc"),
    pl.col("_t").alias("_tr"),
    ...defs.map((_, i) => pl.col(`_c${i}`).alias(`_upto${i}`)),
  );
  let reached: Expr = pl.lit(0).cast(pl.Int64);
  defs.forEach((d, i) => {
    const inWindow = pl.col(`_upto${i}`).minus(pl.col(`_before${i}`));
    reached = reached.plus(
      pl.when(inWindow.gt(d.count)).then(int(d.count)).otherwise(inWindow),
    );
  });
  const frame = anchors
    .joinAsof(totals, {
      leftOn: "_end",
      rightOn: "_tr",
      by: "_uc",
      strategy: "backward",
      checkSortedness: false,
    })
    .withColumns(reached.cast(pl.Int32).alias("_reached"), pl.col("_seq").alias("_order"));
  return { frame, hasTimes: false, clash: clashOf(running, exact) };
}

/** A one-row frame: whether any row of the sequence has `_clash`, or null when exact. */
function clashOf(seq: LazyDataFrame, exact: boolean): LazyDataFrame | null {
  return exact ? null : seq.select(pl.col("_clash").any().alias("_clash"));
}

/**
 * Picks each user's counted attempt, then aggregates per breakdown value and step. The result
 * carries the `_clash` flag of the attempts (false when exact).
 */
function summarise(attempts: Attempts, steps: NormalStep[]): LazyDataFrame {
  const n = steps.length;
  const timeCols = attempts.hasTimes ? Array.from({ length: n - 1 }, (_, i) => `_dt${i + 2}`) : [];
  // Furthest attempt first, earliest among equals: one Int64 key, unique per attempt, so the
  // rows holding their user's maximum are exactly one per user. (A window max was 4x faster
  // here than a per-user group-by picking columns with filter().first().)
  const key = pl.col("_reached").cast(pl.Int64).mul(int(ORDER_SPAN))
    .plus(int(ORDER_SPAN - 1).minus(pl.col("_order")));
  const perUser = attempts.frame
    .withColumns(key.alias("_key"))
    .filter(pl.col("_key").eq(pl.col("_key").max().over("_uc")))
    .select("_bd", "_reached", ...timeCols);
  const aggs: Expr[] = [];
  for (let k = 1; k <= n; k++) {
    aggs.push(pl.col("_reached").gtEq(k).sum().alias(`_n${k}`));
    if (k > 1 && attempts.hasTimes) {
      aggs.push(
        pl.col(`_dt${k}`).median().alias(`_med${k}`),
        pl.col(`_dt${k}`).quantile(0.9, "linear").alias(`_p90${k}`),
      );
    }
  }
  const grouped = perUser.groupBy("_bd", false).agg(...aggs).cache();
  const nullFloat = pl.lit(null).cast(pl.Float64);
  const perStep = steps.map((s, i) => {
    const k = i + 1;
    return grouped.select(
      pl.col("_bd"),
      pl.lit(k).cast(pl.Int32).alias("step"),
      pl.lit(s.label).cast(pl.Utf8).alias("label"),
      pl.col(`_n${k}`).cast(pl.Int64).alias("users"),
      pl.col("_n1").cast(pl.Int64).alias("_first"),
      (k > 1 ? pl.col(`_n${k - 1}`).cast(pl.Int64) : pl.lit(null).cast(pl.Int64)).alias("_prev"),
      (k > 1 && attempts.hasTimes ? pl.col(`_med${k}`) : nullFloat).alias(
        "median_time_to_convert_s",
      ),
      (k > 1 && attempts.hasTimes ? pl.col(`_p90${k}`) : nullFloat).alias(
        "p90_time_to_convert_s",
      ),
    );
  });
  const users = pl.col("users").cast(pl.Float64);
  const rows = pl.concat(perStep, { how: "vertical" }).filter(pl.col("_first").gt(0));
  const flagged = attempts.clash
    ? rows.join(attempts.clash, { how: "cross" })
    : rows.withColumns(pl.lit(false).alias("_clash"));
  return flagged
    .select(
      pl.col("_bd"),
      pl.col("step"),
      pl.col("label"),
      pl.col("users"),
      users.div(pl.col("_first").cast(pl.Float64)).mul(100).alias("conversion_pct"),
      wilsonLow("users", "_first").mul(100).alias("conversion_ci_low"),
      wilsonHigh("users", "_first").mul(100).alias("conversion_ci_high"),
      pl.when(pl.col("_prev").gt(0))
        .then(users.div(pl.col("_prev").cast(pl.Float64)).mul(100))
        .otherwise(pl.lit(null).cast(pl.Float64))
        .alias("step_conversion_pct"),
      wilsonLow("users", "_prev").mul(100).alias("step_conversion_ci_low"),
      wilsonHigh("users", "_prev").mul(100).alias("step_conversion_ci_high"),
      pl.col("median_time_to_convert_s"),
      pl.col("p90_time_to_convert_s"),
      pl.col("_clash"),
    )
    .sort(["_bd", "step"], false, true);
}
