/**
 * DuckDB tables as ZetaSQL tables, and an order-insensitive comparison of two tables that
 * names the rows only one side has.
 *
 * ```ts
 * const duck = await duckTable(wh, "select * from staging.stg_events", "stg_events");
 * assertSameTable('model "stg_events"', duck, evaluatedByZetaSql);
 * ```
 *
 * @module
 */
import type { DuckDbWarehouse } from "../../lib/warehouse/duckdb.ts";
import { type Cell, type Column, rowKey, type Table, type ZetaType } from "./_zetasql.ts";

/** DuckDB type → GoogleSQL type, and how to select the value so it reads back exactly. */
function _duckColumn(name: string, duckType: string): { type: ZetaType; select: string } {
  const q = `"${name.replaceAll('"', '""')}"`;
  const t = duckType.toUpperCase();
  if (t === "VARCHAR") return { type: "STRING", select: q };
  if (t === "JSON") return { type: "JSON", select: `${q}::varchar` };
  if (["BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "UBIGINT"].includes(t)) {
    return { type: t === "BIGINT" ? "INT64" : `INT64 (DuckDB ${t})`, select: `${q}::varchar` };
  }
  if (t === "DOUBLE") return { type: "FLOAT64", select: q };
  if (t === "BOOLEAN") return { type: "BOOL", select: q };
  if (t === "DATE") return { type: "DATE", select: `strftime(${q}, '%Y-%m-%d')` };
  if (t === "TIMESTAMP WITH TIME ZONE") {
    return { type: "TIMESTAMP", select: `epoch_us(${q})::varchar` };
  }
  if (t === "VARCHAR[]") return { type: "ARRAY<STRING>", select: `to_json(${q})::varchar` };
  if (t.startsWith("DECIMAL")) return { type: `NUMERIC (DuckDB ${t})`, select: `${q}::double` };
  return { type: `DuckDB ${t}`, select: `${q}::varchar` };
}

/** A DuckDB query's result as a table of GoogleSQL-typed cells. */
export async function duckTable(wh: DuckDbWarehouse, sql: string, name: string): Promise<Table> {
  const described = await wh.query<{ column_name: string; column_type: string }>(
    `describe ${sql}`,
  );
  const mapped = described.map((c) => ({
    name: c.column_name,
    ..._duckColumn(c.column_name, c.column_type),
  }));
  const rows = await wh.query<Record<string, unknown>>(
    `select ${mapped.map((c, i) => `${c.select} as c${i}`).join(", ")} from (${sql}) as t`,
  );
  const columns: Column[] = mapped.map((c) => ({ name: c.name, type: c.type }));
  return {
    name,
    columns,
    rows: rows.map((row) => columns.map((column, i) => _cell(row[`c${i}`], column.type))),
  };
}

function _cell(value: unknown, type: ZetaType): Cell {
  if (value === null || value === undefined) return null;
  if (type.startsWith("INT64") || type === "TIMESTAMP") return BigInt(value as string);
  if (type === "ARRAY<STRING>") return JSON.parse(value as string) as Cell[];
  return value as Cell;
}

/**
 * Assert two tables hold the same columns (names and types, in order) and the same rows
 * as a multiset; the message lists up to `show` rows found on only one side.
 */
export function assertSameTable(label: string, duck: Table, zeta: Table, show = 8): void {
  const names = (t: Table) => t.columns.map((c) => `${c.name} ${c.type}`).join(", ");
  if (names(duck) !== names(zeta)) {
    throw new Error(
      `${label}: the columns differ\n  DuckDB:  ${names(duck)}\n  ZetaSQL: ${names(zeta)}`,
    );
  }
  const { onlyLeft, onlyRight } = diffRows(duck.rows, zeta.rows, duck.columns);
  if (onlyLeft.length === 0 && onlyRight.length === 0) return;
  const header = duck.columns.map((c) => c.name).join(" | ");
  const list = (rows: string[]) =>
    rows.slice(0, show).map((r) => `    ${r}`).join("\n") +
    (rows.length > show ? `\n    … ${rows.length - show} more` : "");
  throw new Error(
    `${label}: ${onlyLeft.length} row(s) only in DuckDB, ${onlyRight.length} only in ZetaSQL ` +
      `(DuckDB ${duck.rows.length} rows, ZetaSQL ${zeta.rows.length})\n  columns: ${header}\n` +
      (onlyLeft.length ? `  only in DuckDB:\n${list(onlyLeft)}\n` : "") +
      (onlyRight.length ? `  only in ZetaSQL:\n${list(onlyRight)}\n` : ""),
  );
}

/** Rows (as keys) in one multiset and not the other. */
export function diffRows(
  left: Cell[][],
  right: Cell[][],
  columns: Column[],
): { onlyLeft: string[]; onlyRight: string[] } {
  const counts = new Map<string, number>();
  for (const row of left) {
    const key = rowKey(row, columns);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const onlyRight: string[] = [];
  for (const row of right) {
    const key = rowKey(row, columns);
    const n = counts.get(key) ?? 0;
    if (n === 0) onlyRight.push(key);
    else counts.set(key, n - 1);
  }
  const onlyLeft = [...counts].flatMap(([key, n]) => Array<string>(n).fill(key));
  return { onlyLeft: onlyLeft.sort(), onlyRight: onlyRight.sort() };
}
