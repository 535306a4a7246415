/**
 * BigQuery query results as the REST API returns them (`f`/`v` rows of strings with a
 * schema), and their decoding into plain objects and typed Polars frames.
 *
 * @module
 */
import pl from "nodejs-polars";

/** A BigQuery field as the REST API describes it. */
export interface BigQueryField {
  /** Column name. */
  name: string;
  /** Legacy type name (`INTEGER`, `FLOAT`, `STRING`, `TIMESTAMP`, `RECORD`, …). */
  type: string;
  /** `NULLABLE`, `REQUIRED` or `REPEATED`. */
  mode?: string;
  /** Sub-fields of a `RECORD`. */
  fields?: BigQueryField[];
}

/** The rows of a finished query in the REST API's `f`/`v` form, with their schema. */
export interface BigQueryResult {
  /** Job id, e.g. for error messages. */
  jobId: string;
  /** Result schema (empty for statements that return nothing). */
  fields: BigQueryField[];
  /** Raw rows: `{ f: [{ v }] }`, values as the API sends them (strings, nested f/v). */
  rows: RawRow[];
}

/** A row in the REST API's `f`/`v` form. */
export interface RawRow {
  /** Cells, in schema order. */
  f: { v: unknown }[];
}

const STANDARD_TYPES: Record<string, string> = {
  INTEGER: "INT64",
  INT64: "INT64",
  FLOAT: "FLOAT64",
  FLOAT64: "FLOAT64",
  BOOLEAN: "BOOL",
  BOOL: "BOOL",
  RECORD: "STRUCT",
  STRUCT: "STRUCT",
};

/**
 * A field's type in standard-SQL spelling (`INT64`, `FLOAT64`, `BOOL`, `STRUCT<…>`,
 * `ARRAY<…>`), from the legacy names the REST API uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(standardType({ name: "n", type: "INTEGER", mode: "REPEATED" }), "ARRAY<INT64>");
 * ```
 */
export function standardType(field: BigQueryField): string {
  const base = STANDARD_TYPES[field.type] ?? field.type;
  const type = base === "STRUCT"
    ? `STRUCT<${(field.fields ?? []).map((f) => `${f.name} ${standardType(f)}`).join(", ")}>`
    : base;
  return field.mode === "REPEATED" ? `ARRAY<${type}>` : type;
}

// Values arrive as strings (TIMESTAMP as int64 microseconds, because the results are
// requested with formatOptions.useInt64Timestamp); RECORDs as nested f/v, REPEATED as
// lists of { v }.
function _decode(field: BigQueryField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.mode === "REPEATED") {
    const single = { ...field, mode: "NULLABLE" };
    return (value as { v: unknown }[]).map((cell) => _decode(single, cell.v));
  }
  const type = STANDARD_TYPES[field.type] ?? field.type;
  const text = value as string;
  switch (type) {
    case "INT64": {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case "FLOAT64":
    case "NUMERIC":
    case "BIGNUMERIC":
      return Number(text);
    case "BOOL":
      return text === "true";
    case "TIMESTAMP":
      return new Date(Number(BigInt(text) / 1000n));
    case "DATE":
      return new Date(`${text}T00:00:00Z`);
    case "DATETIME":
      return new Date(`${text}Z`);
    case "BYTES":
      return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    case "STRUCT":
      return rowObject(field.fields ?? [], value as RawRow);
    default:
      return text;
  }
}

/**
 * One REST row as a plain object keyed by field name, values decoded (INT64 → number or
 * bigint, TIMESTAMP/DATE/DATETIME → Date, BYTES → Uint8Array, RECORD → object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fields = [{ name: "n", type: "INTEGER" }, { name: "day", type: "DATE" }];
 * assert.deepEqual(rowObject(fields, { f: [{ v: "1" }, { v: "2026-03-02" }] }), {
 *   n: 1,
 *   day: new Date("2026-03-02T00:00:00Z"),
 * });
 * ```
 */
export function rowObject(fields: BigQueryField[], row: RawRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    out[field.name] = _decode(field, row.f[i]?.v);
  });
  return out;
}

function _jsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? _base64(v) : v,
  );
}

// Base64 without spreading the bytes into one call (which overflows the stack on big values).
function _base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  }
  return btoa(binary);
}

/**
 * A query result as a typed Polars frame (see `BigQueryWarehouse.queryFrame` for the
 * type mapping); values are cast by Polars from the API's strings, column by column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const frame = frameOf({
 *   fields: [{ name: "n", type: "INTEGER" }, { name: "tier", type: "STRING" }],
 *   rows: [{ f: [{ v: "1" }, { v: "Pro" }] }, { f: [{ v: "2" }, { v: null }] }],
 * });
 * assert.deepEqual(frame.toRecords(), [{ n: 1, tier: "Pro" }, { n: 2, tier: null }]);
 * ```
 */
export function frameOf(result: Pick<BigQueryResult, "fields" | "rows">): pl.DataFrame {
  const columns = result.fields.map((field, i) => {
    const cells = _column(result.rows, i);
    const type = STANDARD_TYPES[field.type] ?? field.type;
    if (field.mode === "REPEATED" || type === "STRUCT") {
      const texts = cells.map((v) => v === null ? null : _jsonText(_decode(field, v)));
      return pl.Series(field.name, texts, pl.Utf8);
    }
    if (type === "BOOL") {
      return pl.Series(field.name, cells.map((v) => v === null ? null : v === "true"), pl.Bool);
    }
    // Built from the API's strings and cast by Polars: exact for int64 beyond 2^53, and it
    // avoids nodejs-polars turning BigInt (and null in Int32) input into wrong values.
    const texts = pl.Series(field.name, cells as (string | null)[], pl.Utf8);
    switch (type) {
      case "INT64":
        return texts.cast(pl.Int64);
      case "FLOAT64":
      case "NUMERIC":
      case "BIGNUMERIC":
        return texts.cast(pl.Float64);
      case "TIMESTAMP":
        return texts.cast(pl.Int64).cast(pl.Datetime("us", "UTC"));
      case "DATE":
        return texts.cast(pl.Date);
      case "DATETIME":
        return texts.cast(pl.Datetime("us"));
      default:
        return texts;
    }
  });
  return pl.DataFrame(columns);
}

// One column of a page as an array, by index (no per-row objects).
function _column(rows: RawRow[], index: number): unknown[] {
  const cells = new Array<unknown>(rows.length);
  for (let r = 0; r < rows.length; r++) cells[r] = rows[r]!.f[index]?.v ?? null;
  return cells;
}

/**
 * Builds one typed Polars frame from result pages as they arrive: each page becomes a small
 * frame of typed columns (see {@linkcode frameOf}) and the page's JSON rows can be dropped;
 * the frames are concatenated once at the end. No row objects, no spreading of a page into
 * an array (which overflows the call stack at about 200k rows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const pages = new FramePages([{ name: "n", type: "INTEGER" }]);
 * pages.add([{ f: [{ v: "1" }] }]);
 * pages.add([{ f: [{ v: "2" }] }]);
 * assert.deepEqual(pages.frame().getColumn("n").cast(pl.Utf8).toArray(), ["1", "2"]);
 * ```
 */
export class FramePages {
  readonly #fields: BigQueryField[];
  readonly #frames: pl.DataFrame[] = [];
  #rows = 0;

  constructor(fields: BigQueryField[]) {
    this.#fields = fields;
  }

  /** Rows added so far. */
  get height(): number {
    return this.#rows;
  }

  /** Add one page of REST rows. */
  add(rows: RawRow[]): void {
    if (rows.length === 0) return;
    this.#frames.push(frameOf({ fields: this.#fields, rows }));
    this.#rows += rows.length;
  }

  /** The rows added, as one frame (typed empty columns when there were none). */
  frame(): pl.DataFrame {
    if (this.#frames.length === 0) return frameOf({ fields: this.#fields, rows: [] });
    if (this.#frames.length === 1) return this.#frames[0]!;
    return pl.concat(this.#frames, { how: "vertical", rechunk: true });
  }
}
