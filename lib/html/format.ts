/**
 * Number, percent and date formatting shared by tables and chart hover text.
 * Always `en-US` grouping so output is the same on every machine.
 *
 * @module
 */

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
 * formatNumber(1234567.891, 2); // "1,234,567.89"
 * formatNumber(12345); // "12,345"
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
 * Format a value that is already in percent units (`conversion_pct` = 42.5).
 *
 * @example
 * ```ts
 * formatPercent(42.567); // "42.6%"
 * formatPercent(0.4, 2); // "0.40%"
 * ```
 */
export function formatPercent(value: number, decimals = 1): string {
  return `${formatNumber(value, decimals)}%`;
}

/**
 * Format a date as `YYYY-MM-DD` when it falls on UTC midnight, else `YYYY-MM-DD HH:MM:SS` (UTC).
 *
 * @example
 * ```ts
 * formatDate(new Date("2026-03-02T00:00:00Z")); // "2026-03-02"
 * formatDate(new Date("2026-03-02T10:05:00Z")); // "2026-03-02 10:05:00"
 * ```
 */
export function formatDate(value: Date, withTime?: boolean): string {
  if (Number.isNaN(value.getTime())) return "Invalid date";
  const iso = value.toISOString();
  const midnight = iso.endsWith("T00:00:00.000Z");
  if (withTime === false || (withTime === undefined && midnight)) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

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
 * formatValue(1234.5, "int"); // "1,235"
 * formatValue(0.1234, "share:1"); // "12.3%"
 * formatValue(new Date("2026-03-02T00:00:00Z"), "date"); // "2026-03-02"
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
