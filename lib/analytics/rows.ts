/**
 * Result frames as typed rows. Each metric exports its row type and its output column list
 * (`FunnelRow` and `FUNNEL_COLUMNS`, …); the report, the sentences, the charts and the
 * notebooks read these names and never rename them.
 *
 * @module
 */
import type { DataFrame } from "nodejs-polars";

/** A metric's result as a Polars frame or as the plain rows of one. */
export type MetricInput<T> = DataFrame | readonly T[];

/** Rows that carry extra key columns named by an option (a breakdown, a group, a region). */
export type Keyed<T, K extends string> = T & { [P in K]: string };

function _isFrame(value: unknown): value is DataFrame {
  return typeof value === "object" && value !== null &&
    typeof (value as { toRecords?: unknown }).toRecords === "function" &&
    Array.isArray((value as { columns?: unknown }).columns);
}

/**
 * The rows of a metric's result: a frame's records (integers as numbers, `Date` columns as
 * `Date`s, nulls as `null`), or the rows themselves when already given as rows. The type is
 * the caller's claim about the frame's columns; pass the metric's row type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { funnel, type FunnelRow } from "./funnel.ts";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "signup", ts: new Date("2026-03-02T10:00Z") },
 *   { user_id: "a", event: "publish", ts: new Date("2026-03-02T10:30Z") },
 *   { user_id: "b", event: "signup", ts: new Date("2026-03-02T11:00Z") },
 * ]);
 * const rows = metricRows<FunnelRow>(funnel(events, { steps: ["signup", "publish"] }));
 * assert.equal(rows[0]?.conversion_pct, 100);
 * assert.equal(rows[1]?.conversion_pct, 50);
 * ```
 */
export function metricRows<T>(input: MetricInput<T>): T[] {
  if (_isFrame(input)) return input.toRecords() as T[];
  if (Array.isArray(input)) return [...input] as T[];
  throw new TypeError("Cannot read metric rows: expected a Polars DataFrame or an array of rows");
}

/**
 * The key column of a metric's rows: the first column that is not one of the metric's own
 * output columns (the breakdown of a funnel, the region of a density table), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUNNEL_COLUMNS } from "./funnel.ts";
 *
 * const rows = [{ tier: "Pro", step: 1, label: "signup", users: 3 }];
 * assert.equal(keyColumnOf(rows, FUNNEL_COLUMNS), "tier");
 * assert.equal(keyColumnOf([{ step: 1, users: 3 }], FUNNEL_COLUMNS), null);
 * ```
 */
export function keyColumnOf(
  input: MetricInput<unknown>,
  metricColumns: readonly string[],
): string | null {
  const own = new Set(metricColumns);
  const columns = _isFrame(input)
    ? input.columns
    : [...new Set(input.flatMap((row) => Object.keys(row as Record<string, unknown>)))];
  return columns.find((c) => !own.has(c)) ?? null;
}
