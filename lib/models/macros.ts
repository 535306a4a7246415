/**
 * Dialect macros: the one place where DuckDB and BigQuery SQL differ. Each macro takes SQL
 * fragments as strings and returns a SQL fragment for the chosen dialect, as dbt's
 * cross-database macros do. Templates call them as `{{ safe_cast("payload ->> 'w'", "double") }}`.
 *
 * @module
 */
import type { Dialect } from "../warehouse/types.ts";
import { quoteIdentifier, sqlLiteral } from "../warehouse/dialect.ts";

export {
  bigQueryDataset,
  quoteIdentifier,
  type RelationNaming,
  renderRelation,
  renderSchema,
  sqlLiteral,
} from "../warehouse/dialect.ts";

/** Portable type names accepted by {@linkcode sqlType}, `safe_cast` and `cast_to`. */
export type PortableType = "double" | "bigint" | "varchar" | "timestamp" | "date" | "boolean";

/** Date parts accepted by the truncation and difference macros. */
export type DatePart = "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year";

const TYPES: Record<PortableType, Record<Dialect, string>> = {
  double: { duckdb: "DOUBLE", bigquery: "FLOAT64" },
  bigint: { duckdb: "BIGINT", bigquery: "INT64" },
  varchar: { duckdb: "VARCHAR", bigquery: "STRING" },
  timestamp: { duckdb: "TIMESTAMPTZ", bigquery: "TIMESTAMP" },
  date: { duckdb: "DATE", bigquery: "DATE" },
  boolean: { duckdb: "BOOLEAN", bigquery: "BOOL" },
};

const TYPE_ALIASES: Record<string, PortableType> = {
  double: "double",
  float: "double",
  float64: "double",
  bigint: "bigint",
  int: "bigint",
  integer: "bigint",
  int64: "bigint",
  varchar: "varchar",
  string: "varchar",
  text: "varchar",
  timestamp: "timestamp",
  timestamptz: "timestamp",
  date: "date",
  boolean: "boolean",
  bool: "boolean",
};

/**
 * The text `safe_cast` reads as each type, the same in both engines (RE2 syntax; anything
 * else gives NULL): decimal numbers with an optional exponent, inf and nan (as BigQuery
 * documents), integers, `YYYY-M-D` dates, true/false. Spaces around numbers are allowed.
 */
const CAST_TEXT: Partial<Record<PortableType, string>> = {
  double: " *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *",
  bigint: " *[+-]?[0-9]+ *",
  date: "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
  boolean: "(?i:true|false)",
};

const DATE_PARTS: readonly DatePart[] = [
  "second",
  "minute",
  "hour",
  "day",
  "week",
  "month",
  "quarter",
  "year",
];

/**
 * The engine type name for a portable type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(sqlType("double", "bigquery"), "FLOAT64");
 * assert.equal(sqlType("timestamp", "duckdb"), "TIMESTAMPTZ");
 * ```
 */
export function sqlType(type: string, dialect: Dialect): string {
  const portable = TYPE_ALIASES[String(type).toLowerCase()];
  if (!portable) {
    throw new TypeError(
      `Unknown type "${type}": use one of ${Object.keys(TYPES).join(", ")}`,
    );
  }
  return TYPES[portable][dialect];
}

function _jsonPath(path: string, macro: string): string {
  const full = path.startsWith("$") ? path : `$.${path}`;
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/.test(full)) {
    throw new SyntaxError(
      `${macro}(): JSON path "${path}" is not supported (use a.b.c or $.a.b[0] with plain keys)`,
    );
  }
  return `'${full}'`;
}

function _part(part: string, macro: string): DatePart {
  const lower = String(part).toLowerCase() as DatePart;
  if (!DATE_PARTS.includes(lower)) {
    throw new RangeError(`${macro}(): unknown date part "${part}" (use ${DATE_PARTS.join(", ")})`);
  }
  return lower;
}

function _bigQueryPart(part: DatePart, forDiff: boolean): string {
  if (part === "week") return forDiff ? "isoweek" : "week(monday)";
  return part;
}

// BigQuery regular expressions go in raw strings so backslashes reach RE2 unchanged.
function _regex(pattern: string, dialect: Dialect): string {
  if (dialect === "duckdb") return sqlLiteral(pattern, dialect);
  if (!pattern.includes("'")) return `r'${pattern}'`;
  if (!pattern.includes('"')) return `r"${pattern}"`;
  throw new SyntaxError(`Regular expression ${pattern} mixes both quote characters`);
}

function _arity(macro: string, args: unknown[], min: number, max = min): void {
  const given = args.filter((arg) => arg !== undefined).length;
  if (given < min || args.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    throw new TypeError(`${macro}() takes ${wanted} arguments but got ${given}`);
  }
}

/**
 * The dialect macros for one dialect, keyed by the name templates call them by.
 *
 * | macro | DuckDB | BigQuery |
 * | --- | --- | --- |
 * | `safe_cast(expr, type)` | `try_cast(expr as DOUBLE)` (text checked first) | `safe_cast(expr as FLOAT64)` (same check) |
 * | `cast_to(expr, type)` | `cast(expr as DOUBLE)` | `cast(expr as FLOAT64)` |
 * | `sql_type(type)` | `DOUBLE` | `FLOAT64` |
 * | `json_str(json, path)` | `json_extract_string(j, '$.a')` (NULL for objects, arrays) | `json_value(j, '$.a')` |
 * | `json_kind(json, path)` | normalised `json_type` | `json_type(json_query(j, '$.a'))` |
 * | `json_has(json, path)` | `json_exists(j, '$.a')` | `json_query(j, '$.a') is not null` |
 * | `json_str_list(json, path, …)` | `json_extract_string(j, ['$.a', '$.b'])` (+ types) | `[json_value(j, '$.a'), …]` |
 * | `list_item(list, n)` (1-based) | `list[n]` | `list[safe_ordinal(n)]` |
 * | `parse_timestamp_any(text, kind?)` | `try_strptime` formats / `epoch_ms` | `safe.parse_timestamp` / `timestamp_millis` |
 * | `date_trunc_ts(part, ts)` | `date_trunc('week', ts)` | `timestamp_trunc(ts, week(monday))` |
 * | `date_trunc_date(part, d)` | `cast(date_trunc('week', d) as date)` | `date_trunc(d, week(monday))` |
 * | `trim_ws(text)` | `regexp_replace(x, '^[\s\x0b\x85\p{Z}]+\|…', '', 'g')` | `trim(x)` |
 * | `to_date(ts)` | `cast(ts as date)` | `date(ts)` |
 * | `datediff(part, a, b)` | `date_diff('day', a, b)` (weeks: between Mondays) | `datetime_diff(…, day)` |
 * | `count_if(cond)` | `count(case when cond then 1 end)` | `countif(cond)` |
 * | `hash_md5(expr)` | `md5(cast(x as VARCHAR))` | `to_hex(md5(cast(x as STRING)))` |
 * | `ident(name)` | `"name"` | `` `name` `` |
 * | `literal(value)` | `'it''s'` | `'it\'s'` |
 * | `current_ts()` | `current_timestamp` | `current_timestamp()` |
 * | `string_agg(expr, sep, order_by?)` | `string_agg(x, ',' order by y)` | same |
 * | `regexp_replace_all(expr, re, repl)` | `regexp_replace(x, 're', 'r', 'g')` | `regexp_replace(x, r're', 'r')` |
 * | `regexp_matches(expr, re)` | `regexp_matches(x, 're')` | `regexp_contains(x, r're')` |
 * | `safe_divide(a, b)` | `(a) / nullif(b, 0)` | `safe_divide(a, b)` |
 * | `star_except(col, …)` | `* exclude (a, b)` | `* except (a, b)` |
 *
 * Week truncation starts on Monday in both; `datediff` counts boundaries crossed (ISO weeks).
 * Timestamps are UTC: DuckDB `TIMESTAMPTZ` in a UTC session, BigQuery `TIMESTAMP`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const bigquery = dialectMacros("bigquery");
 * assert.equal(bigquery.safe_divide?.("a", "b"), "safe_divide(a, b)");
 * assert.equal(dialectMacros("duckdb").safe_divide?.("a", "b"), "(a) / nullif(b, 0)");
 * assert.match(bigquery.safe_cast?.("x", "double") ?? "", /then safe_cast\(x as FLOAT64\) end$/);
 * ```
 */
export function dialectMacros(dialect: Dialect): Record<string, (...args: string[]) => string> {
  const duck = dialect === "duckdb";
  return {
    sql_type(...args: string[]): string {
      _arity("sql_type", args, 1);
      return sqlType(args[0]!, dialect);
    },
    safe_cast(...args: string[]): string {
      _arity("safe_cast", args, 2);
      const [expr, type] = args as [string, string];
      const cast = `${duck ? "try_cast" : "safe_cast"}(${expr} as ${sqlType(type, dialect)})`;
      const pattern = CAST_TEXT[TYPE_ALIASES[String(type).toLowerCase()]!];
      if (!pattern) return cast;
      // The engines read different text as numbers, dates and booleans (DuckDB: 1_000, 12.0
      // as BIGINT, t/yes; BigQuery: 0x10 as FLOAT64): both first check the same pattern.
      const text = `cast(${expr} as ${sqlType("varchar", dialect)})`;
      const check = duck
        ? `regexp_full_match(${text}, ${sqlLiteral(pattern, dialect)})`
        : `regexp_contains(${text}, ${_regex(`^(?:${pattern})$`, dialect)})`;
      return `case when ${check} then ${cast} end`;
    },
    cast_to(...args: string[]): string {
      _arity("cast_to", args, 2);
      const [expr, type] = args as [string, string];
      return `cast(${expr} as ${sqlType(type, dialect)})`;
    },
    json_str(...args: string[]): string {
      _arity("json_str", args, 2);
      const [json, path] = args as [string, string];
      const p = _jsonPath(path, "json_str");
      // BigQuery's json_value gives NULL for an object or an array; DuckDB would give its text.
      return duck
        ? `case when json_type(${json}, ${p}) in ('OBJECT', 'ARRAY') then null` +
          ` else json_extract_string(${json}, ${p}) end`
        : `json_value(${json}, ${p})`;
    },
    json_kind(...args: string[]): string {
      _arity("json_kind", args, 2);
      const [json, path] = args as [string, string];
      const p = _jsonPath(path, "json_kind");
      if (!duck) return `json_type(json_query(${json}, ${p}))`;
      const type = `json_type(${json}, ${p})`;
      return `case ${type} when 'VARCHAR' then 'string' when 'BIGINT' then 'number'` +
        ` when 'UBIGINT' then 'number' when 'DOUBLE' then 'number' when 'HUGEINT' then 'number'` +
        ` else lower(${type}) end`;
    },
    json_has(...args: string[]): string {
      _arity("json_has", args, 2);
      const [json, path] = args as [string, string];
      const p = _jsonPath(path, "json_has");
      return duck ? `json_exists(${json}, ${p})` : `(json_query(${json}, ${p}) is not null)`;
    },
    json_str_list(...args: string[]): string {
      if (args.length < 2) {
        throw new TypeError(`json_str_list() takes a JSON expression and at least one path`);
      }
      const [json, ...paths] = args as [string, ...string[]];
      const quoted = paths.map((path) => _jsonPath(path, "json_str_list"));
      if (!duck) return `[${quoted.map((p) => `json_value(${json}, ${p})`).join(", ")}]`;
      // DuckDB parses the document once for a list of paths: ~5x faster than one call per
      // path. An object or an array gives NULL, as BigQuery's json_value does
      // (json_extract_string would give its text).
      // Reading the types costs a second parse, so it is done only for rows where some
      // value has a brace or a bracket (an object's or an array's text has one).
      const list = `[${quoted.join(", ")}]`;
      const strings = `json_extract_string(${json}, ${list})`;
      const joined = `array_to_string(${strings}, '')`;
      return `case when contains(${joined}, '{') or contains(${joined}, '[') ` +
        `then list_transform(list_zip(${strings}, json_type(${json}, ${list})), ` +
        `f -> case when f[2] in ('OBJECT', 'ARRAY') then null else f[1] end) else ${strings} end`;
    },
    list_item(...args: string[]): string {
      _arity("list_item", args, 2);
      const [list, n] = args as [string, string];
      if (!/^[1-9][0-9]*$/.test(String(n))) {
        throw new RangeError(`list_item(): position must be a whole number from 1, got "${n}"`);
      }
      return duck ? `${list}[${n}]` : `${list}[safe_ordinal(${n})]`;
    },
    parse_timestamp_any(...args: string[]): string {
      _arity("parse_timestamp_any", args, 1, 2);
      const [text, kind] = args as [string, string | undefined];
      // Digits are epoch milliseconds when the JSON value was a number, or when a digit
      // string is long enough (11-13 digits) not to be mistaken for something else.
      const isEpoch = kind
        ? `(${kind} = 'number' or length(${text}) >= 11)`
        : `length(${text}) >= 11`;
      if (duck) {
        const naive = [
          "%Y-%m-%dT%H:%M:%S.%fZ",
          "%Y-%m-%dT%H:%M:%SZ",
          "%Y-%m-%d %H:%M:%S",
          "%Y-%m-%d %H:%M:%S.%f",
          "%Y-%m-%dT%H:%M:%S",
          "%Y-%m-%dT%H:%M:%S.%f",
        ].map((f) => `'${f}'`).join(", ");
        const offset = ["%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"]
          .map((f) => `'${f}'`).join(", ");
        return `case when regexp_full_match(${text}, '[0-9]{1,13}') and ${isEpoch}` +
          ` then timezone('UTC', epoch_ms(try_cast(${text} as BIGINT)))` +
          ` else coalesce(timezone('UTC', try_strptime(${text}, [${naive}])),` +
          ` try_strptime(${text}, [${offset}])) end`;
      }
      const formats = [
        "%Y-%m-%dT%H:%M:%E*SZ",
        "%Y-%m-%dT%H:%M:%E*S%Ez",
        "%Y-%m-%d %H:%M:%E*S",
        "%Y-%m-%dT%H:%M:%E*S",
      ].map((f) => `safe.parse_timestamp('${f}', ${text})`).join(", ");
      return `case when regexp_contains(${text}, r'^[0-9]{1,13}$') and ${isEpoch}` +
        ` then timestamp_millis(safe_cast(${text} as INT64))` +
        ` else coalesce(${formats}) end`;
    },
    date_trunc_ts(...args: string[]): string {
      _arity("date_trunc_ts", args, 2);
      const part = _part(args[0]!, "date_trunc_ts");
      return duck
        ? `date_trunc('${part}', ${args[1]})`
        : `timestamp_trunc(${args[1]}, ${_bigQueryPart(part, false)})`;
    },
    date_trunc_date(...args: string[]): string {
      _arity("date_trunc_date", args, 2);
      const part = _part(args[0]!, "date_trunc_date");
      return duck
        ? `cast(date_trunc('${part}', ${args[1]}) as DATE)`
        : `date_trunc(${args[1]}, ${_bigQueryPart(part, false)})`;
    },
    trim_ws(...args: string[]): string {
      _arity("trim_ws", args, 1);
      // BigQuery's TRIM removes Unicode White_Space; DuckDB's trim() only space separators
      // (Zs), keeping tab, LF, VT, FF, CR, NEL and U+2028/9. White_Space is exactly those
      // plus Z (RE2: \s is tab, LF, FF, CR, space). A set of characters for DuckDB's trim()
      // ran ~8x slower than this expression.
      return duck
        ? `regexp_replace(${args[0]}, '^[\\s\\x0b\\x85\\p{Z}]+|[\\s\\x0b\\x85\\p{Z}]+$', '', 'g')`
        : `trim(${args[0]})`;
    },
    to_date(...args: string[]): string {
      _arity("to_date", args, 1);
      return duck ? `cast(${args[0]} as DATE)` : `date(${args[0]})`;
    },
    datediff(...args: string[]): string {
      _arity("datediff", args, 3);
      const part = _part(args[0]!, "datediff");
      const [, a, b] = args;
      // DuckDB's date_diff('week') counts whole 7-day spans; BigQuery counts the ISO week
      // boundaries crossed: count weeks between the Mondays that start a's and b's weeks.
      if (duck && part === "week") {
        return `date_diff('week', date_trunc('week', ${a}), date_trunc('week', ${b}))`;
      }
      return duck
        ? `date_diff('${part}', ${a}, ${b})`
        : `datetime_diff(cast(${b} as DATETIME), cast(${a} as DATETIME), ${
          _bigQueryPart(part, true)
        })`;
    },
    count_if(...args: string[]): string {
      _arity("count_if", args, 1);
      // DuckDB's own count_if returns HUGEINT; this form stays BIGINT.
      return duck ? `count(case when ${args[0]} then 1 end)` : `countif(${args[0]})`;
    },
    hash_md5(...args: string[]): string {
      _arity("hash_md5", args, 1);
      return duck ? `md5(cast(${args[0]} as VARCHAR))` : `to_hex(md5(cast(${args[0]} as STRING)))`;
    },
    ident(...args: string[]): string {
      _arity("ident", args, 1);
      return quoteIdentifier(String(args[0]), dialect, true);
    },
    literal(...args: string[]): string {
      _arity("literal", args, 1);
      return sqlLiteral(args[0], dialect);
    },
    current_ts(...args: string[]): string {
      _arity("current_ts", args, 0);
      return duck ? "current_timestamp" : "current_timestamp()";
    },
    string_agg(...args: string[]): string {
      _arity("string_agg", args, 1, 3);
      const [expr, separator, orderBy] = args;
      const order = orderBy ? ` order by ${orderBy}` : "";
      return `string_agg(${expr}, ${sqlLiteral(separator ?? ",", dialect)}${order})`;
    },
    regexp_replace_all(...args: string[]): string {
      _arity("regexp_replace_all", args, 3);
      const [expr, pattern, replacement] = args as [string, string, string];
      return duck
        ? `regexp_replace(${expr}, ${_regex(pattern, dialect)}, ${
          sqlLiteral(replacement, dialect)
        }, 'g')`
        : `regexp_replace(${expr}, ${_regex(pattern, dialect)}, ${_regex(replacement, dialect)})`;
    },
    regexp_matches(...args: string[]): string {
      _arity("regexp_matches", args, 2);
      const [expr, pattern] = args as [string, string];
      return duck
        ? `regexp_matches(${expr}, ${_regex(pattern, dialect)})`
        : `regexp_contains(${expr}, ${_regex(pattern, dialect)})`;
    },
    star_except(...args: string[]): string {
      if (args.length === 0) throw new TypeError("star_except() takes at least 1 argument");
      const names = args.map((name) => quoteIdentifier(name, dialect)).join(", ");
      return duck ? `* exclude (${names})` : `* except (${names})`;
    },
    safe_divide(...args: string[]): string {
      _arity("safe_divide", args, 2);
      return duck ? `(${args[0]}) / nullif(${args[1]}, 0)` : `safe_divide(${args[0]}, ${args[1]})`;
    },
  };
}

/** Names of all dialect macros, sorted. */
export const MACRO_NAMES: readonly string[] = Object.keys(dialectMacros("duckdb")).sort();
