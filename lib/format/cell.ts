/**
 * Table cell formats: one spec string per column (`"int"`, `"pct:1"`, `"share:1"`, `"date"`,
 * …) applied to any value, used by `tableHtml` in `lib/html`.
 *
 * @module
 */
import { formatDate } from "./date.ts";
import { formatNumber, formatPercent } from "./number.ts";

/**
 * How to show a value in a table cell.
 *
 * - `"int"`: rounded, thousands separators (`12,345`)
 * - `"fixed:N"`: N decimals with separators (`"fixed:2"` → `1,234.50`)
 * - `"pct:N"`: the value is already in percent units (`42.5` → `42.5%`); `"pct"` = `"pct:1"`
 * - `"share:N"`: the value is a fraction (`0.425` → `42.5%`); `"share"` = `"share:1"`
 * - `"date"`: `YYYY-MM-DD` (UTC); `"datetime"`: `YYYY-MM-DD HH:MM:SS` (UTC)
 * - `"text"`: `String(value)`
 * - a function for anything else (its result is escaped like any other cell)
 */
export type CellFormat =
  | "int"
  | "pct"
  | "share"
  | "date"
  | "datetime"
  | "text"
  | `fixed:${number}`
  | `pct:${number}`
  | `share:${number}`
  | ((value: unknown) => string);

function _decimals(spec: string, fallback: number): number {
  const part = spec.split(":")[1];
  if (part === undefined) return fallback;
  const n = Number(part);
  if (!Number.isInteger(n) || n < 0 || n > 20) {
    throw new RangeError(`Cannot format value: "${spec}" needs 0–20 decimals after the colon`);
  }
  return n;
}

function _toNumber(value: unknown): number | bigint | null {
  if (typeof value === "number" || typeof value === "bigint") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

/**
 * Format one value with a {@linkcode CellFormat}. `null` and `undefined` become `""`
 * (the table shows them as an em dash). Values that do not fit the format fall back to
 * `String(value)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatValue(1234.5, "int"), "1,235");
 * assert.equal(formatValue(0.1234, "share:1"), "12.3%");
 * assert.equal(formatValue(new Date("2026-03-02T00:00:00Z"), "date"), "2026-03-02");
 * ```
 */
export function formatValue(value: unknown, format: CellFormat = "text"): string {
  if (value === null || value === undefined) return "";
  if (typeof format === "function") return format(value);
  if (format === "date" || format === "datetime") {
    const d = value instanceof Date ? value : null;
    return d ? formatDate(d, format === "datetime") : String(value);
  }
  if (format === "text") return value instanceof Date ? formatDate(value) : String(value);
  const n = _toNumber(value);
  if (n === null) return String(value);
  if (format === "int") return formatNumber(typeof n === "bigint" ? n : Math.round(n), 0);
  const num = Number(n);
  if (format.startsWith("fixed")) return formatNumber(num, _decimals(format, 2));
  if (format.startsWith("pct")) return formatPercent(num, _decimals(format, 1));
  if (format.startsWith("share")) return formatPercent(num * 100, _decimals(format, 1));
  throw new RangeError(`Cannot format value: unknown format "${format}"`);
}
