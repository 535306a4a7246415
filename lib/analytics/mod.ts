/**
 * Product-analytics metrics on nodejs-polars frames: pure functions, a DataFrame or
 * LazyDataFrame plus options in, a DataFrame out. No I/O, no globals.
 *
 * Event frames have `user_id` (Utf8), `event` (Utf8) and `ts` (Datetime of any unit; zoned
 * columns keep their instant, naive ones are read as UTC) plus property columns. Every rate
 * comes with its denominator and a 95% interval; `insights.ts` turns results into sentences.
 *
 * ```ts
 * import { funnel, retention, activationGapSentence } from "./lib/analytics/mod.ts";
 *
 * const byTier = funnel(events, {
 *   steps: ["session_start", "view_listing", "start_listing"],
 *   window: { value: 7, unit: "day" },
 *   breakdown: "tier",
 * });
 * activationGapSentence(byTier); // "Basic users convert from session_start to … vs …"
 *
 * const weekly = retention(events, { targetEvent: "session_start", period: "week", intervals: 8 });
 * const dau = rollingAverage(mart, { value: "n_active_users", by: "region", ts: "activity_date" });
 * ```
 *
 * Each function collects once, with the streaming engine by default (`engine: "in-memory"`
 * to switch); the tests check that both engines give identical results.
 * The same definitions written as DuckDB SQL, for benchmarks and cross-checks, live in
 * `tests/analytics/_sql_reference.ts`.
 *
 * @module
 */
export * from "./funnel.ts";
export * from "./retention.ts";
export * from "./rolling_average.ts";
export * from "./regional.ts";
export * from "./category_affinity.ts";
export * from "./intervals.ts";
export * from "./insights.ts";
export type { Engine, FrameLike } from "./_frame.ts";
