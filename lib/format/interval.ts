/**
 * Confidence intervals as text: `27.0–29.4%`, or `-1.7 to 23.7` when a bound is negative
 * (an en dash after a minus sign reads as a range of negative numbers).
 *
 * @module
 */
import { formatNumber } from "./number.ts";

/** Options for {@linkcode formatInterval}. */
export interface IntervalFormatOptions {
  /**
   * Decimals of both bounds.
   * @default 1
   */
  decimals?: number;
  /**
   * Unit written once, after the upper bound (`"%"`, `" kg"`).
   * @default ""
   */
  unit?: string;
  /**
   * Text when a bound is missing (null, undefined or not finite).
   * @default "interval n/a"
   */
  missing?: string;
}

/**
 * Format the bounds of an interval, in the units of the value (for a percentage, pass
 * percent units and `unit: "%"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatInterval(27.04, 29.38, { unit: "%" }), "27.0–29.4%");
 * assert.equal(formatInterval(-1.66, 23.7), "-1.7 to 23.7");
 * assert.equal(formatInterval(null, 3), "interval n/a");
 * ```
 */
export function formatInterval(
  low: number | null | undefined,
  high: number | null | undefined,
  options: IntervalFormatOptions = {},
): string {
  const { decimals = 1, unit = "", missing = "interval n/a" } = options;
  if (
    low === null || low === undefined || high === null || high === undefined ||
    !Number.isFinite(low) || !Number.isFinite(high)
  ) {
    return missing;
  }
  const lo = formatNumber(low, decimals);
  const hi = formatNumber(high, decimals);
  const joint = lo.startsWith("-") || hi.startsWith("-") ? " to " : "–";
  return `${lo}${joint}${hi}${unit}`;
}
