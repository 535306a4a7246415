/**
 * One place for how numbers read: counts, decimals, percentages and shares, intervals,
 * p-values, dates, durations and table cell formats. A leaf: it imports nothing from the
 * project, and sentences (`lib/insights`), charts, tables, the report, notebooks and the
 * command line all format through it, so the same number reads the same everywhere.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCount, formatInterval, formatPercent, formatSeconds } from "./mod.ts";
 *
 * const ci = formatInterval(23.3, 28.4, { unit: "%" });
 * assert.equal(
 *   `${formatPercent(25.71)} (95% CI ${ci}, n=${formatCount(1123)})`,
 *   "25.7% (95% CI 23.3–28.4%, n=1,123)",
 * );
 * assert.equal(formatSeconds(0.6412), "0.64 s");
 * ```
 *
 * @module
 */
export * from "./number.ts";
export * from "./interval.ts";
export * from "./date.ts";
export * from "./duration.ts";
export * from "./cell.ts";
