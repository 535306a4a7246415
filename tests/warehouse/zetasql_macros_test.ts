// Each dialect macro, and the SQL functions the models call directly, on the same inputs in
// both engines: DuckDB runs the DuckDB rendering, ZetaSQL's reference evaluator the
// BigQuery rendering; the values must be the same. Inputs are chosen at the edges (ISO
// weeks, midnight, offsets, numbers as text that one parser accepts and another does not).
import assert from "node:assert/strict";
import { dialectMacros, sqlLiteral } from "../../lib/models/macros.ts";
import { openDuckDb } from "../../lib/warehouse/duckdb.ts";
import type { Dialect } from "../../lib/warehouse/types.ts";
import { Catalog, type Cell, type Column, startZetaSql } from "./_zetasql.ts";
import { assertSameTable, duckTable } from "./_parity.ts";

type Macros = ReturnType<typeof dialectMacros>;

/** One comparison: input columns and rows, and an expression over them per dialect. */
interface MacroCase {
  name: string;
  columns: Column[];
  rows: Cell[][];
  expr: (m: Macros, dialect: Dialect) => string;
}

const us = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
const strings = (values: (string | null)[]): Cell[][] => values.map((v) => [v]);
const S: Column[] = [{ name: "s", type: "STRING" }];

const DATE_PARTS = ["second", "minute", "hour", "day", "week", "month", "quarter", "year"];
const INSTANTS = [
  "2025-12-28T23:59:59.999Z", // a Sunday, the last instant of ISO week 52
  "2025-12-29T00:00:00Z", // the Monday after
  "2026-01-01T00:00:00Z",
  "2026-01-04T12:30:00Z", // Sunday
  "2026-01-05T00:00:00Z", // Monday
  "2026-01-11T23:00:00Z", // Sunday
  "2026-01-12T00:00:00.5Z",
  "2026-03-31T23:59:59Z",
  "2026-04-01T00:00:01Z",
  "2027-01-01T00:00:00Z",
];
const PAIRS: Cell[][] = INSTANTS.flatMap((a) => INSTANTS.map((b) => [us(a), us(b)]));
const TS_PAIRS: Column[] = [{ name: "a", type: "TIMESTAMP" }, { name: "b", type: "TIMESTAMP" }];

const JSON_DOCS = [
  '{"a":"x"}',
  '{"a":" x\\t"}',
  '{"a":1.50}',
  '{"a":1.0}',
  '{"a":1e2}',
  '{"a":0.1}',
  '{"a":-0}',
  '{"a":12}',
  '{"a":-7}',
  '{"a":true}',
  '{"a":null}',
  '{"a":{"b":1}}',
  '{"a":[1,"x"]}',
  '{"a":[]}',
  '{"b":1}',
  '{"a":"\\u00e9\\n"}',
];

const CASES: MacroCase[] = [
  {
    name: "safe_cast(s, double)",
    columns: S,
    rows: strings([
      "12.5",
      " 12.5 ",
      "-3",
      "+5",
      ".5",
      "5.",
      "1e3",
      "1E-2",
      "1e400",
      "1e-400",
      "NaN",
      "inf",
      "-Infinity",
      "1_000",
      "0x10",
      "1,5",
      "",
      "abc",
      "12.5kg",
      "\t12",
      "1.5e+3",
      "-.5e-2",
      "Inf",
      "NAN",
      "++1",
      "0x1p3",
      null,
    ]),
    expr: (m) => m.safe_cast!("s", "double"),
  },
  {
    name: "safe_cast(s, bigint)",
    columns: S,
    rows: strings([
      "12",
      " 12 ",
      "-0",
      "+7",
      "12.0",
      "1e3",
      "0x10",
      "1_0",
      "9223372036854775808",
      "",
    ]),
    expr: (m) => m.safe_cast!("s", "bigint"),
  },
  {
    name: "safe_cast(s, date)",
    columns: S,
    rows: strings([
      "2026-01-05",
      "2026-1-5",
      "2026-02-30",
      "20260105",
      " 2026-01-05",
      "2026-01-05T00:00:00",
    ]),
    expr: (m) => m.safe_cast!("s", "date"),
  },
  {
    name: "safe_cast(s, boolean)",
    columns: S,
    rows: strings(["true", "TRUE", "false", "t", "1", "0", "yes", " true", ""]),
    expr: (m) => m.safe_cast!("s", "boolean"),
  },
  {
    name: "parse_timestamp_any(s)",
    columns: S,
    rows: strings([
      "2026-03-01T10:00:00.000Z",
      "2026-03-01T10:00:00Z",
      "2026-03-01 10:00:00",
      "2026-03-01 10:00:00.25",
      "2026-03-01T10:00:00",
      "2026-03-01T10:00:00.123456Z",
      "2026-03-01T10:00:00.5+02:00",
      "2026-03-01T10:00:00.000-03:00",
      "2026-03-01T10:00:00+05:30",
      "1767225600000",
      "17672256000",
      "1767225600",
      "2026-03-01",
      "2026-02-29T00:00:00Z",
      "garbage",
      "",
    ]),
    expr: (m) => m.parse_timestamp_any!("s"),
  },
  {
    name: "parse_timestamp_any(s, kind)",
    columns: [...S, { name: "k", type: "STRING" }],
    rows: [["1767225600", "number"], ["1767225600", "string"], ["123", "number"]],
    expr: (m) => m.parse_timestamp_any!("s", "k"),
  },
  {
    name: "to_date(ts)",
    columns: [{ name: "a", type: "TIMESTAMP" }],
    rows: INSTANTS.map((i) => [us(i)]),
    expr: (m) => m.to_date!("a"),
  },
  ...DATE_PARTS.map((part): MacroCase => ({
    name: `date_trunc_ts(${part}, ts)`,
    columns: [{ name: "a", type: "TIMESTAMP" }],
    rows: INSTANTS.map((i) => [us(i)]),
    expr: (m) => m.date_trunc_ts!(part, "a"),
  })),
  ...DATE_PARTS.filter((p) => !["second", "minute", "hour"].includes(p)).map((part): MacroCase => ({
    name: `date_trunc_date(${part}, date)`,
    columns: [{ name: "d", type: "DATE" }],
    rows: INSTANTS.map((i) => [i.slice(0, 10)]),
    expr: (m) => m.date_trunc_date!(part, "d"),
  })),
  ...DATE_PARTS.map((part): MacroCase => ({
    name: `datediff(${part}, a, b)`,
    columns: TS_PAIRS,
    rows: PAIRS,
    expr: (m) => m.datediff!(part, "a", "b"),
  })),
  {
    name: "json_str(j, a)",
    columns: [{ name: "j", type: "JSON" }],
    rows: JSON_DOCS.map((d) => [d]),
    expr: (m) => m.json_str!("j", "a"),
  },
  {
    name: "json_str_list(j, a, b) via list_item",
    columns: [{ name: "j", type: "JSON" }],
    rows: JSON_DOCS.map((d) => [d]),
    expr: (m) => m.list_item!(m.json_str_list!("j", "a", "b"), "1"),
  },
  {
    name: "json_kind(j, a)",
    columns: [{ name: "j", type: "JSON" }],
    rows: JSON_DOCS.map((d) => [d]),
    expr: (m) => m.json_kind!("j", "a"),
  },
  {
    name: "json_has(j, a)",
    columns: [{ name: "j", type: "JSON" }],
    rows: JSON_DOCS.map((d) => [d]),
    expr: (m) => m.json_has!("j", "a"),
  },
  {
    name: "hash_md5(s)",
    columns: S,
    rows: strings(["", "abc", "é", "U000001"]),
    expr: (m) => m.hash_md5!("s"),
  },
  {
    name: "regexp_replace_all(s, [ -], _)",
    columns: S,
    rows: strings(["View-Listing now", "a--b", "é é", ""]),
    expr: (m) => m.regexp_replace_all!("s", "[ -]+", "_"),
  },
  {
    name: "regexp_matches(s, ^[0-9]{1,13}$)",
    columns: S,
    rows: strings(["123", "12345678901234", "12a", "", "١٢"]),
    expr: (m) => m.regexp_matches!("s", "^[0-9]{1,13}$"),
  },
  {
    name: "safe_divide(a, b)",
    columns: [{ name: "x", type: "FLOAT64" }, { name: "y", type: "FLOAT64" }],
    rows: [[1, 4], [1, 0], [0, 0], [null, 2], [-3, 0.5]],
    expr: (m) => m.safe_divide!("x", "y"),
  },
  {
    name: "literal(value) round-trips",
    columns: [{ name: "n", type: "INT64" }],
    rows: [[1n]],
    expr: (m) =>
      ["it's", "back\\slash", "new\nline", "carriage\rreturn", "tab\tbed", "é ü ✓", "%_?"]
        .map((text) => m.literal!(text)).join(" || "),
  },
  {
    name: "trim_ws(s)",
    columns: S,
    rows: strings([
      " x ",
      "\tx\t",
      "x\r\n",
      "\u000b\u000cx\u0085",
      "\u00a0x\u2028",
      "\u3000x\u2029",
      "\u200bx",
      "\ufeffx",
      " \t x y \t ",
      "x",
      "",
    ]),
    expr: (m) => m.trim_ws!("s"),
  },
  {
    name: "upper(s), lower(s) (called directly by the models)",
    columns: S,
    rows: strings(["u000001", "straße", "ǅ", "İ", "é"]),
    expr: () => "upper(s) || '|' || lower(s)",
  },
];

/** The inputs as a DuckDB `values` list, typed like the ZetaSQL table. */
function duckValues(c: MacroCase): string {
  const literal = (cell: Cell, type: string): string => {
    if (cell === null) return "null";
    switch (type) {
      case "STRING":
        return sqlLiteral(cell, "duckdb");
      case "JSON":
        return `cast(${sqlLiteral(cell, "duckdb")} as JSON)`;
      case "TIMESTAMP":
        return `make_timestamptz(${cell}::bigint)`;
      case "DATE":
        return `date '${cell}'`;
      case "INT64":
        return `${cell}::bigint`;
      case "FLOAT64":
        return `${cell}::double`;
      default:
        throw new TypeError(type);
    }
  };
  const rows = c.rows.map((row, i) =>
    `(${
      [`${i + 1}::bigint`, ...row.map((cell, j) => literal(cell, c.columns[j]!.type))].join(", ")
    })`
  );
  return `(values ${rows.join(", ")}) as inputs(i, ${c.columns.map((col) => col.name).join(", ")})`;
}

/**
 * Cases where the engines still disagree, with why; each is asserted to still disagree, so
 * a fix shows up here as a failure asking to remove the entry.
 */
const KNOWN_DIVERGENCES: Record<string, string> = {
  "upper(s), lower(s) (called directly by the models)":
    "Unicode case mapping: BigQuery uses full mappings (ß → SS, İ → i̇), DuckDB simple ones; ids are ASCII",
};

Deno.test("models call trim_ws(), not trim(): the engines trim different characters", async () => {
  const offenders: string[] = [];
  for (const dir of ["sql/staging", "sql/marts", "sql/tests"]) {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".sql")) continue;
      const text = await Deno.readTextFile(`${dir}/${entry.name}`);
      text.split("\n").forEach((line, i) => {
        const code = line.replace(/--.*$/, "").replace(/\{\{.*?\}\}/g, "");
        if (/\btrim\s*\(/i.test(code)) {
          offenders.push(`${dir}/${entry.name}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("every dialect macro computes the same values on DuckDB and on ZetaSQL (BigQuery)", async (t) => {
  const duck = await openDuckDb(":memory:");
  await using zeta = await startZetaSql();
  const duckMacros = dialectMacros("duckdb");
  const bqMacros = dialectMacros("bigquery");
  const differences: string[] = [];
  try {
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const expected = await duckTable(
          duck,
          `select i, ${c.expr(duckMacros, "duckdb")} as v from ${duckValues(c)}`,
          c.name,
        );
        const inputs = {
          name: "inputs",
          columns: [{ name: "i", type: "INT64" }, ...c.columns],
          rows: c.rows.map((row, i) => [BigInt(i + 1), ...row]),
        };
        let message: string | undefined;
        try {
          const actual = await zeta.evaluate(
            `select i, ${c.expr(bqMacros, "bigquery")} as v from inputs`,
            new Catalog([inputs]),
            `evaluate ${c.name}`,
          );
          assertSameTable(c.name, expected, actual, 20);
        } catch (error) {
          message = (error as Error).message;
        }
        if (c.name in KNOWN_DIVERGENCES) {
          if (!message) differences.push(`${c.name}: now agrees, remove it from KNOWN_DIVERGENCES`);
        } else if (message) {
          differences.push(message);
        }
      });
    }
  } finally {
    await duck.close();
  }
  assert.deepEqual(differences, [], differences.join("\n"));
});
