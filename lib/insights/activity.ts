/**
 * Daily activity: which group (region) has the most and the fewest daily active users at the
 * end of the period, from `rollingAverage()`'s rows.
 *
 * @module
 */
import { type MetricInput, metricRows, type RollingAverageRow } from "../analytics/mod.ts";
import { formatDate, formatNumber } from "../format/mod.ts";
import type { Insight } from "./types.ts";

/** Options for {@linkcode activityInsight}. */
export interface ActivityInsightOptions {
  /**
   * The group column (`rollingAverage()`'s `by`).
   * @default "region"
   */
  by?: string;
  /**
   * The rolling window in days, as `rollingAverage()` was called.
   * @default 7
   */
  window?: number;
}

/** Which group is busiest and which quietest on the last day. */
export interface ActivityInsight extends Insight {
  /** Group with the highest rolling mean on the last day, or null without data. */
  busiest: string | null;
  /** Group with the lowest rolling mean on the last day, or null without data. */
  quietest: string | null;
}

/**
 * The groups with the highest and the lowest trailing mean of daily active users on the
 * last day of the series (`rolling_mean`, rounded to whole users).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // rollingAverage(daily, { value: "n_active_users", by: "region" }), abridged
 * const dau = pl.DataFrame({
 *   date: ["2026-03-30", "2026-03-31", "2026-03-30", "2026-03-31"].map((d) => new Date(d)),
 *   region: ["APAC", "APAC", "EMEA", "EMEA"],
 *   value: [300, 320, 400, 420],
 *   rolling_mean: [301, 305.4, 405, 411.6],
 * });
 * const insight = activityInsight(dau);
 * assert.equal(
 *   insight.title,
 *   "EMEA has the most daily active users: 412 a day (7-day mean to 2026-03-31)",
 * );
 * assert.equal(insight.quietest, "APAC");
 * ```
 */
export function activityInsight(
  rows: MetricInput<RollingAverageRow>,
  options: ActivityInsightOptions = {},
): ActivityInsight {
  const by = options.by ?? "region";
  const window = options.window ?? 7;
  const series = metricRows<RollingAverageRow>(rows);
  const nameOf = (r: RollingAverageRow) => String((r as Record<string, unknown>)[by] ?? "(none)");
  let last: Date | null = null;
  for (const r of series) if (!last || r.date > last) last = r.date;
  const latest = last === null ? [] : series
    .filter((r) => r.date.getTime() === last!.getTime() && r.rolling_mean !== null)
    .sort((a, b) => (b.rolling_mean ?? 0) - (a.rolling_mean ?? 0));
  const top = latest[0];
  const bottom = latest[latest.length - 1];
  if (!last || !top || !bottom) {
    return {
      title: `Daily active users by ${by}`,
      sentence: "There is no activity to compare.",
      busiest: null,
      quietest: null,
    };
  }
  const perDay = (r: RollingAverageRow) => formatNumber(r.rolling_mean ?? 0, 0);
  const day = formatDate(last);
  const title = `${nameOf(top)} has the most daily active users: ${perDay(top)} a day ` +
    `(${window}-day mean to ${day})`;
  const sentence = latest.length === 1
    ? `In the ${window} days to ${day}, ${nameOf(top)} had ${perDay(top)} daily active users ` +
      `a day on average.`
    : `In the ${window} days to ${day}, ${nameOf(top)} had the most daily active users ` +
      `(${perDay(top)} a day on average) and ${nameOf(bottom)} the fewest (${perDay(bottom)}).`;
  return { title, sentence, busiest: nameOf(top), quietest: nameOf(bottom) };
}
