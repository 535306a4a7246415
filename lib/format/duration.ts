/**
 * Durations and throughput for progress lines and timing tables.
 *
 * @module
 */
import { formatNumber } from "./number.ts";

/**
 * Seconds with a precision that suits their size: two decimals below 10 s, one above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatSeconds(1.234), "1.23 s");
 * assert.equal(formatSeconds(95.25), "95.3 s");
 * ```
 */
export function formatSeconds(seconds: number): string {
  return `${formatNumber(seconds, seconds < 10 ? 2 : 1)} s`;
}

/**
 * Rows per second, compact: `"1.25M rows/s"`, `"512k rows/s"`, `"87 rows/s"`; `"-"` when no
 * time has passed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatRate(1_024_000, 2), "512k rows/s");
 * assert.equal(formatRate(2_500_000, 2), "1.25M rows/s");
 * ```
 */
export function formatRate(rows: number, seconds: number): string {
  if (seconds <= 0) return "-";
  const rate = rows / seconds;
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M rows/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(0)}k rows/s`;
  return `${rate.toFixed(0)} rows/s`;
}
