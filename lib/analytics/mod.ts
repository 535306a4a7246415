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
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { funnel, type FunnelRow, metricRows, retention } from "./mod.ts";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-02T10:00Z"), tier: "Pro" },
 *   { user_id: "a", event: "start_listing", ts: new Date("2026-03-09T10:00Z"), tier: "Pro" },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-02T11:00Z"), tier: "Basic" },
 * ]);
 * const byTier = funnel(events, {
 *   steps: ["session_start", "start_listing"],
 *   window: { value: 7, unit: "day" },
 *   breakdown: "tier",
 * });
 * const rows = metricRows<FunnelRow & { tier: string }>(byTier);
 * assert.deepEqual(rows.map((r) => `${r.tier} ${r.step}: ${r.users}`), [
 *   "Basic 1: 1",
 *   "Basic 2: 0",
 *   "Pro 1: 1",
 *   "Pro 2: 1", // exactly 7 days later: the window's end is inclusive
 * ]);
 *
 * const weekly = retention(events, { targetEvent: "session_start", returnEvent: "start_listing" });
 * assert.deepEqual(weekly.getColumn("users").toArray().slice(0, 2), [2, 1]); // weeks 0 and 1
 * ```
 *
 * Each function collects once, with the streaming engine by default (`engine: "in-memory"`
 * to switch); the tests check that both engines give identical results.
 * The same definitions written as DuckDB SQL, for benchmarks and cross-checks, live in
 * `bench/sql_reference.ts`.
 *
 * @module
 */
export * from "./funnel.ts";
export * from "./funnel_trends.ts";
export * from "./time_to_convert.ts";
export * from "./retention.ts";
export * from "./paths.ts";
export * from "./rolling_average.ts";
export * from "./regional.ts";
export * from "./category_affinity.ts";
export * from "./intervals.ts";
export * from "./rows.ts";
export type { Engine, FrameLike } from "./_frame.ts";
