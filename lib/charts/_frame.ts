// Reading small result frames (or records) column by column for the chart builders.
import type pl from "nodejs-polars";
import { formatDate } from "../format/mod.ts";

/** A Polars frame or plain records: what every builder accepts. */
export type ChartInput = pl.DataFrame | readonly Readonly<Record<string, unknown>>[];

/** Column access over either input kind, with errors that name the chart and column. */
export interface Columns {
  height: number;
  has(name: string): boolean;
  values(name: string): unknown[];
  numbers(name: string): (number | null)[];
  labels(name: string): string[];
}

const MAX_ROWS = 100_000;

function _isFrame(data: unknown): data is pl.DataFrame {
  return typeof data === "object" && data !== null &&
    typeof (data as { getColumn?: unknown }).getColumn === "function" &&
    Array.isArray((data as { columns?: unknown }).columns);
}

/** Escape text for Plotly's pseudo-HTML (labels, hover text) so data shows literally. */
export function plotlyText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A label for a category or date value: dates as `YYYY-MM-DD` (UTC), null as "(missing)". */
export function labelOf(value: unknown): string {
  if (value === null || value === undefined) return "(missing)";
  if (value instanceof Date) return formatDate(value);
  return String(value);
}

/** Convert a cell to a finite number, or null. */
export function numberOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Column access for `chart`; throws `TypeError` naming a missing column, `RangeError` on size. */
export function columnsOf(data: ChartInput, chart: string): Columns {
  const isFrame = _isFrame(data);
  const height = isFrame ? data.height : data.length;
  if (height > MAX_ROWS) {
    throw new RangeError(
      `Cannot build ${chart}: the frame has ${height} rows (limit ${MAX_ROWS}); aggregate first`,
    );
  }
  const names = isFrame ? new Set(data.columns) : new Set(data.flatMap((row) => Object.keys(row)));
  const cache = new Map<string, unknown[]>();
  const values = (name: string): unknown[] => {
    if (!names.has(name)) {
      throw new TypeError(
        `Cannot build ${chart}: column "${name}" is missing (columns: ${[...names].join(", ")})`,
      );
    }
    let vals = cache.get(name);
    if (!vals) {
      vals = isFrame ? data.getColumn(name).toArray() as unknown[] : data.map((r) => r[name]);
      cache.set(name, vals);
    }
    return vals;
  };
  return {
    height,
    has: (name) => names.has(name),
    values,
    numbers: (name) => values(name).map(numberOf),
    labels: (name) => values(name).map(labelOf),
  };
}

/** Distinct values in first-seen order, with `preferred` (if given) first in its own order. */
export function orderedKeys(values: readonly string[], preferred?: readonly string[]): string[] {
  const present = new Set(values);
  const out = (preferred ?? []).filter((k) => present.has(k));
  const taken = new Set(out);
  for (const v of values) {
    if (!taken.has(v)) {
      taken.add(v);
      out.push(v);
    }
  }
  return out;
}
