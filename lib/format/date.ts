/**
 * Dates and times as `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS`, always in UTC.
 *
 * @module
 */

/**
 * Format a date as `YYYY-MM-DD` when it falls on UTC midnight, else `YYYY-MM-DD HH:MM:SS` (UTC).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDate(new Date("2026-03-02T00:00:00Z")), "2026-03-02");
 * assert.equal(formatDate(new Date("2026-03-02T10:05:00Z"), true), "2026-03-02 10:05:00");
 * ```
 */
export function formatDate(value: Date, withTime?: boolean): string {
  if (Number.isNaN(value.getTime())) return "Invalid date";
  const iso = value.toISOString();
  const midnight = iso.endsWith("T00:00:00.000Z");
  if (withTime === false || (withTime === undefined && midnight)) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
