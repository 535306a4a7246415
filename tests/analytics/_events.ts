/** Test helpers: tiny event frames built from readable rows. */
import pl, { type DataFrame } from "nodejs-polars";

/** Microseconds since the epoch of an ISO-8601 instant, plus optional extra microseconds. */
export function us(iso: string, extraMicros = 0): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test timestamp ${iso}`);
  return ms * 1000 + extraMicros;
}

/** One event row: user, event, ts (ISO string or µs number), extra property columns. */
export type Row = [string, string, string | number, Record<string, string | number | null>?];

/**
 * Builds an event frame with `user_id`, `event`, `ts` (Datetime("us", "UTC")) and any
 * property columns (Utf8, or Float64 when every non-null value is a number).
 */
export function events(rows: Row[], props: string[] = []): DataFrame {
  const micros = rows.map(([, , ts]) => (typeof ts === "number" ? ts : us(ts)));
  const columns = [
    pl.Series("user_id", rows.map((r) => r[0]), pl.Utf8),
    pl.Series("event", rows.map((r) => r[1]), pl.Utf8),
    pl.Series("ts", micros, pl.Float64).cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
  ];
  for (const p of props) {
    const values = rows.map((r) => r[3]?.[p] ?? null);
    const numeric = values.every((v) => v === null || typeof v === "number");
    columns.push(pl.Series(p, values, numeric ? pl.Float64 : pl.Utf8));
  }
  return pl.DataFrame(columns);
}

/** Column values of a frame as a plain array. */
export function col<T = unknown>(frame: DataFrame, name: string): T[] {
  return frame.getColumn(name).toArray() as T[];
}

/** Rounds to `digits` decimals (null stays null) for readable assertions. */
export function round(values: (number | null)[], digits = 2): (number | null)[] {
  const f = 10 ** digits;
  return values.map((v) => (v === null || v === undefined ? null : Math.round(v * f) / f));
}
