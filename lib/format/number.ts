/**
 * Numbers, counts, percentages and shares as people read them: `en-US` grouping on every
 * machine, a fixed number of decimals, no `-0`.
 *
 * @module
 */

const _formatters = new Map<number, Intl.NumberFormat>();

function _formatter(decimals: number): Intl.NumberFormat {
  let f = _formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    _formatters.set(decimals, f);
  }
  return f;
}

/**
 * Format a number with thousands separators and a fixed number of decimals.
 * Non-finite numbers come back as `"NaN"`, `"∞"` or `"-∞"`; negative zero as `0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatNumber(1234567.891, 2), "1,234,567.89");
 * assert.equal(formatNumber(12345), "12,345");
 * ```
 */
export function formatNumber(value: number | bigint, decimals = 0): string {
  if (typeof value === "bigint") return _formatter(0).format(value);
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const out = _formatter(decimals).format(value);
  // -0.00 reads as a sign error to people; show it unsigned.
  return /^-[0.,]+$/.test(out) ? out.slice(1) : out;
}

/**
 * Format a count: rounded to a whole number, with thousands separators.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatCount(5120), "5,120");
 * assert.equal(formatCount(1234.6), "1,235");
 * ```
 */
export function formatCount(value: number | bigint): string {
  return typeof value === "bigint" ? formatNumber(value) : formatNumber(Math.round(value), 0);
}

/**
 * Format a value that is already in percent units (`conversion_pct` = 42.5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPercent(42.567), "42.6%");
 * assert.equal(formatPercent(0.4, 2), "0.40%");
 * ```
 */
export function formatPercent(value: number, decimals = 1): string {
  return `${formatNumber(value, decimals)}%`;
}

/**
 * Format a fraction (0–1, e.g. `share`) as a percentage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatShare(0.2814), "28.1%");
 * assert.equal(formatShare(0.5, 0), "50%");
 * ```
 */
export function formatShare(fraction: number, decimals = 1): string {
  return formatPercent(fraction * 100, decimals);
}

/**
 * Format a p-value for a table: `< 0.001` below one in a thousand, else three decimals;
 * `""` when it is not a finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPValue(0.04213), "0.042");
 * assert.equal(formatPValue(1e-9), "< 0.001");
 * ```
 */
export function formatPValue(p: unknown): string {
  const value = Number(p);
  if (p === null || p === undefined || !Number.isFinite(value)) return "";
  return value < 0.001 ? "< 0.001" : formatNumber(value, 3);
}
