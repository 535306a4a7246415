/**
 * Product-analytics metrics on nodejs-polars frames: pure functions, a DataFrame or
 * LazyDataFrame plus options in, a DataFrame out. No I/O, no globals.
 *
 * Event frames have `user_id` (Utf8), `event` (Utf8) and `ts` (Datetime of any unit; zoned
 * columns keep their instant, naive ones are read as UTC) plus property columns. Every rate
 * comes with its denominator and a 95% interval.
 *
 * This module owns the metrics' vocabulary: each metric exports its output column list and
 * its row type (`FUNNEL_COLUMNS` and `FunnelRow`, `RETENTION_COLUMNS` and `RetentionRow`, …),
 * and every consumer (sentences in `lib/insights`, charts, the report, notebooks) uses those
 * names unchanged. `metricRows()` turns a result frame into typed rows.
 *
 * ```ts
 * import { funnel, type FunnelRow, metricRows, retention } from "./lib/analytics/mod.ts";
 *
 * const byTier = funnel(events, {
 *   steps: ["session_start", "view_listing", "start_listing"],
 *   window: { value: 7, unit: "day" },
 *   breakdown: "tier",
 * });
 * const rows = metricRows<FunnelRow & { tier: string }>(byTier);
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
export * from "./rows.ts";
export type { Engine, FrameLike } from "./_frame.ts";
