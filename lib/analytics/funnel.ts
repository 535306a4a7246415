/**
 * Conversion funnels over event frames, with PostHog's semantics (conversion window from each
 * step-1 event, furthest attempt counts, cumulative distinct users, exclusion steps) or, on
 * request, ClickHouse's `windowFunnel` and its modes.
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import type { FrameLike } from "./_frame.ts";
import { wilsonHigh, wilsonLow } from "./intervals.ts";
import {
  collectWithRetry,
  type FunnelOptions,
  normaliseSteps,
  type NormalStep,
  type PerUser,
  prepareFunnel,
  withClash,
} from "./_funnel_core.ts";
import { funnelPerUser } from "./_funnel_users.ts";

export type {
  ConversionWindow,
  FunnelExclusion,
  FunnelOptions,
  FunnelOrder,
  FunnelStep,
  WindowFunnelMode,
  WindowUnit,
} from "./_funnel_core.ts";
export { WINDOW_FUNNEL_MODES } from "./_funnel_core.ts";

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
 * - `exclusions` disqualify attempts (PostHog's definition, see
 *   {@linkcode FunnelOptions.exclusions}); users are counted by their best attempt that is not
 *   disqualified.
 * - `from`/`to` filter events before anything else: an attempt cannot use events outside
 *   `[from, to]`, so its window is cut at `to`.
 * - Events with a null `user_id` or `ts` are ignored.
 *
 * With `windowFunnel` (or `stepEvents: "shared"`), the step a user reaches is ClickHouse's
 * `windowFunnel(window, modes…)` of the user's events instead (see
 * {@linkcode FunnelOptions.windowFunnel}); the breakdown value and the times come from the
 * chain that first reached that step. ClickHouse sorts a user's events by time, then by the
 * number of the step an event matches (an event matching several steps appears once per
 * step); it keeps, per step, the latest chain that reached it and extends it when the next
 * step's event comes within the window of that chain's first event. Its default lets one
 * event satisfy consecutive steps (`A → A` from one `A`); PostHog's each-step-its-own-event is
 * `strict_once` (or `stepEvents: "distinct"`). With `strict_once`, users who have an event
 * matching two different step definitions (say `view` and `view` filtered to iOS) are scanned
 * one by one, as ClickHouse scans them (which event serves which step is then a search); that
 * is slower than the vectorized chains everyone else goes through.
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
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-02T10:00Z"), tier: "Pro" },
 *   { user_id: "a", event: "view_listing", ts: new Date("2026-03-02T10:05Z"), tier: "Pro" },
 *   { user_id: "a", event: "start_listing", ts: new Date("2026-03-03T09:00Z"), tier: "Pro" },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-02T11:00Z"), tier: "Basic" },
 *   { user_id: "b", event: "view_listing", ts: new Date("2026-03-20T11:00Z"), tier: "Basic" },
 *   { user_id: "c", event: "session_start", ts: new Date("2026-03-05T08:00Z"), tier: "Basic" },
 * ]);
 * const byTier = funnel(events, {
 *   steps: ["session_start", "view_listing", { event: "start_listing", label: "listing" }],
 *   window: { value: 7, unit: "day" },
 *   breakdown: "tier",
 * });
 * // steps 1–3 of Basic (b, c), then of Pro (a); b's view_listing is outside the 7-day window
 * assert.deepEqual(byTier.getColumn("users").toArray(), [2, 0, 0, 1, 1, 1]);
 * assert.deepEqual(byTier.getColumn("conversion_pct").toArray(), [100, 0, 0, 100, 100, 100]);
 * assert.equal(byTier.getColumn("label").toArray()[2], "listing");
 * ```
 */
export function funnel(events: FrameLike, options: FunnelOptions): DataFrame {
  const p = prepareFunnel(events, options, "funnel()");
  const out = collectWithRetry(
    (exact) => summarise(funnelPerUser(p, exact), p.steps),
    p.engine,
  );
  return p.breakdown
    ? out.rename({ _bd: p.breakdown }).select(p.breakdown, ...FUNNEL_COLUMNS)
    : out.select(...FUNNEL_COLUMNS);
}

/**
 * The attempt {@linkcode funnel} counts for each user, one row per user who entered the
 * funnel: `_bd` (the breakdown value), `_reached` (steps reached) and `_t1`…`_tn` (the step
 * events' times in µs since the epoch, null beyond `_reached`; only `_t1` for unordered
 * funnels). A user's row depends on that user's events alone, so the rows of disjoint groups
 * of users may be concatenated and handed to {@linkcode funnelFromUsers}, which then gives
 * exactly what `funnel()` gives on all the events at once. That is how a caller bounds memory
 * on more events than one frame should hold: read the users in groups (the report does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const at = (h: number) => new Date(Date.UTC(2026, 2, 2, h));
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "b", "c", "c"],
 *   event: ["visit", "buy", "visit", "visit", "buy"],
 *   ts: [at(1), at(2), at(1), at(3), at(9)],
 * });
 * const options = { steps: ["visit", "buy"] };
 * const isA = pl.col("user_id").eq(pl.lit("a"));
 * const users = pl.concat([
 *   funnelUsers(events.filter(isA), options),
 *   funnelUsers(events.filter(isA.not()), options),
 * ]);
 * assert.deepEqual(users.getColumn("_reached").toArray().sort(), [1, 2, 2]);
 * const whole = funnel(events, options);
 * assert.deepEqual(funnelFromUsers(users, options).toRecords(), whole.toRecords());
 * assert.deepEqual(whole.getColumn("median_time_to_convert_s").toArray(), [null, 12_600]);
 * ```
 */
export function funnelUsers(events: FrameLike, options: FunnelOptions): DataFrame {
  const p = prepareFunnel(events, options, "funnelUsers()");
  return collectWithRetry((exact) => {
    const perUser = funnelPerUser(p, exact);
    const times = perUser.frame.columns.filter((c) => /^_t[0-9]+$/.test(c));
    return withClash(perUser.frame.select("_bd", "_reached", ...times), perUser.clash);
  }, p.engine);
}

/**
 * {@linkcode funnel}'s rows from the per-user rows of {@linkcode funnelUsers} (of all users,
 * or concatenated from disjoint groups of them), for the same `options`.
 */
export function funnelFromUsers(users: DataFrame, options: FunnelOptions): DataFrame {
  const steps = normaliseSteps(options.steps);
  const hasTimes = steps.length === 1 || users.columns.includes("_t2");
  const out = summarise({ frame: users.lazy(), hasTimes, clash: null }, steps)
    .collectSync({ engine: "in-memory" })
    .drop("_clash");
  const breakdown = options.breakdown ?? null;
  return breakdown
    ? out.rename({ _bd: breakdown }).select(breakdown, ...FUNNEL_COLUMNS)
    : out.select(...FUNNEL_COLUMNS);
}

/**
 * Aggregates the counted attempts per breakdown value and step. The result carries the
 * `_clash` flag of the attempts (false when exact).
 */
function summarise(perUser: PerUser, steps: NormalStep[]): LazyDataFrame {
  const n = steps.length;
  const timeCols: Expr[] = [];
  if (perUser.hasTimes) {
    for (let j = 2; j <= n; j++) {
      timeCols.push(
        pl.col(`_t${j}`).minus(pl.col(`_t${j - 1}`)).cast(pl.Float64).div(1e6).alias(`_dt${j}`),
      );
    }
  }
  const rows = perUser.frame.select("_bd", "_reached", ...timeCols);
  const aggs: Expr[] = [];
  for (let k = 1; k <= n; k++) {
    aggs.push(pl.col("_reached").gtEq(k).sum().alias(`_n${k}`));
    if (k > 1 && perUser.hasTimes) {
      aggs.push(
        pl.col(`_dt${k}`).median().alias(`_med${k}`),
        pl.col(`_dt${k}`).quantile(0.9, "linear").alias(`_p90${k}`),
      );
    }
  }
  const grouped = rows.groupBy("_bd", false).agg(...aggs).cache();
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
      (k > 1 && perUser.hasTimes ? pl.col(`_med${k}`) : nullFloat).alias(
        "median_time_to_convert_s",
      ),
      (k > 1 && perUser.hasTimes ? pl.col(`_p90${k}`) : nullFloat).alias(
        "p90_time_to_convert_s",
      ),
    );
  });
  const users = pl.col("users").cast(pl.Float64);
  const stepRows = pl.concat(perStep, { how: "vertical" }).filter(pl.col("_first").gt(0));
  return withClash(stepRows, perUser.clash)
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
