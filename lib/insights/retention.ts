/**
 * Retention in one sentence: the pooled share of cohort users active again one period after
 * their first, and in the latest period observed in full, from `retention()`'s rows.
 *
 * @module
 */
import {
  type MetricInput,
  metricRows,
  type RetentionRow,
  wilsonInterval,
} from "../analytics/mod.ts";
import { formatCount, formatInterval, formatPercent } from "../format/mod.ts";

/** Options for {@linkcode retentionSentence}. */
export interface RetentionSentenceOptions {
  /**
   * The period unit named in the text.
   * @default inferred from the spacing of the cohorts ("period" when it cannot be told)
   */
  unit?: "day" | "week" | "month";
}

/**
 * The share of cohort users active again in period 1 and in the latest period that at least
 * one cohort has complete, each pooled over the cohorts whose period is complete
 * (Σ users ÷ Σ cohort size, 95% Wilson interval, with the counts and the number of cohorts).
 * Incomplete periods (`is_complete` false) never enter a rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // retention(events, { period: "week", intervals: 2 }), abridged: the second cohort's
 * // week 1 is still in progress, so only the first cohort enters the rate
 * const table = pl.DataFrame({
 *   cohort: ["2026-03-02", "2026-03-02", "2026-03-09", "2026-03-09"].map((d) => new Date(d)),
 *   cohort_size: [50, 50, 40, 40],
 *   period: [0, 1, 0, 1],
 *   users: [50, 20, 40, 12],
 *   is_complete: [true, true, true, false],
 * });
 * assert.equal(
 *   retentionSentence(table),
 *   "Pooled over cohorts whose week is complete, 40.0% (95% CI 27.6–53.8%; 20 of 50 users, " +
 *     "1 cohort) are active again in week 1. Grey cells marked * are weeks still in progress " +
 *     "at the end of the data.",
 * );
 * ```
 */
export function retentionSentence(
  table: MetricInput<RetentionRow>,
  options: RetentionSentenceOptions = {},
): string {
  const rows = metricRows<RetentionRow>(table);
  const unit = options.unit ?? _inferUnit(rows) ?? "period";
  const complete = rows.filter((r) => r.is_complete && r.period > 0);
  if (complete.length === 0) {
    return `No cohort has a complete ${unit} after its first, so retention cannot be read yet.`;
  }
  const quote = (period: number) => {
    const cells = complete.filter((r) => r.period === period);
    const users = cells.reduce((s, r) => s + r.users, 0);
    const size = cells.reduce((s, r) => s + r.cohort_size, 0);
    const ci = wilsonInterval(users, size);
    const interval = size > 0
      ? formatInterval(ci.low * 100, ci.high * 100, { unit: "%" })
      : formatInterval(null, null);
    return `${formatPercent(size > 0 ? (users / size) * 100 : 0)} (95% CI ${interval}; ${
      formatCount(users)
    } of ${formatCount(size)} users, ${cells.length} cohort${cells.length === 1 ? "" : "s"})`;
  };
  const last = Math.max(...complete.map((r) => r.period));
  let sentence = `Pooled over cohorts whose ${unit} is complete, ${quote(1)} are active again ` +
    `in ${unit} 1`;
  if (last > 1) sentence += ` and ${quote(last)} in ${unit} ${last}`;
  return `${sentence}. Grey cells marked * are ${unit}s still in progress at the end of the data.`;
}

function _inferUnit(rows: readonly RetentionRow[]): "day" | "week" | "month" | null {
  const days = [...new Set(rows.map((r) => _dayNumber(r.cohort)))]
    .filter((d) => Number.isFinite(d))
    .sort((a, b) => a - b);
  if (days.length < 2) return null;
  const gap = Math.min(...days.slice(1).map((d, i) => d - days[i]!));
  if (gap === 1) return "day";
  if (gap === 7) return "week";
  if (gap >= 28 && gap <= 31) return "month";
  return null;
}

function _dayNumber(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(`${String(value)}T00:00:00Z`);
  return Math.round(ms / 86_400_000);
}
