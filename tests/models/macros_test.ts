import assert from "node:assert/strict";
import {
  dialectMacros,
  MACRO_NAMES,
  quoteIdentifier,
  renderRelation,
  sqlLiteral,
  sqlType,
} from "../../lib/models/macros.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

const duck = dialectMacros("duckdb");
const bq = dialectMacros("bigquery");

// [macro, args, DuckDB SQL, BigQuery SQL]
const CASES: Array<[string, string[], string, string]> = [
  ["star_except", ["a", "order"], `* exclude (a, "order")`, "* except (a, `order`)"],
  ["sql_type", ["double"], "DOUBLE", "FLOAT64"],
  [
    "safe_cast",
    ["x", "double"],
    "case when regexp_full_match(cast(x as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(x as DOUBLE) end",
    "case when regexp_contains(cast(x as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(x as FLOAT64) end",
  ],
  [
    "safe_cast",
    ["x", "bigint"],
    "case when regexp_full_match(cast(x as VARCHAR), ' *[+-]?[0-9]+ *') then try_cast(x as BIGINT) end",
    "case when regexp_contains(cast(x as STRING), r'^(?: *[+-]?[0-9]+ *)$') then safe_cast(x as INT64) end",
  ],
  ["safe_cast", ["x", "varchar"], "try_cast(x as VARCHAR)", "safe_cast(x as STRING)"],
  ["safe_cast", ["x", "timestamp"], "try_cast(x as TIMESTAMPTZ)", "safe_cast(x as TIMESTAMP)"],
  [
    "safe_cast",
    ["x", "date"],
    "case when regexp_full_match(cast(x as VARCHAR), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') then try_cast(x as DATE) end",
    "case when regexp_contains(cast(x as STRING), r'^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})$') then safe_cast(x as DATE) end",
  ],
  [
    "safe_cast",
    ["x", "boolean"],
    "case when regexp_full_match(cast(x as VARCHAR), '(?i:true|false)') then try_cast(x as BOOLEAN) end",
    "case when regexp_contains(cast(x as STRING), r'^(?:(?i:true|false))$') then safe_cast(x as BOOL) end",
  ],
  ["safe_cast", ["x", "string"], "try_cast(x as VARCHAR)", "safe_cast(x as STRING)"],
  ["cast_to", ["x", "bigint"], "cast(x as BIGINT)", "cast(x as INT64)"],
  [
    "json_str",
    ["payload", "properties.weight_kg"],
    "case when json_type(payload, '$.properties.weight_kg') in ('OBJECT', 'ARRAY') then null " +
    "else json_extract_string(payload, '$.properties.weight_kg') end",
    "json_value(payload, '$.properties.weight_kg')",
  ],
  [
    "json_str",
    ["payload", "$.a[0]"],
    "case when json_type(payload, '$.a[0]') in ('OBJECT', 'ARRAY') then null " +
    "else json_extract_string(payload, '$.a[0]') end",
    "json_value(payload, '$.a[0]')",
  ],
  [
    "json_kind",
    ["payload", "ts"],
    "case json_type(payload, '$.ts') when 'VARCHAR' then 'string' when 'BIGINT' then 'number' " +
    "when 'UBIGINT' then 'number' when 'DOUBLE' then 'number' when 'HUGEINT' then 'number' " +
    "else lower(json_type(payload, '$.ts')) end",
    "json_type(json_query(payload, '$.ts'))",
  ],
  [
    "json_has",
    ["payload", "properties"],
    "json_exists(payload, '$.properties')",
    "(json_query(payload, '$.properties') is not null)",
  ],
  [
    "parse_timestamp_any",
    ["t", "k"],
    "case when regexp_full_match(t, '[0-9]{1,13}') and (k = 'number' or length(t) >= 11) " +
    "then timezone('UTC', epoch_ms(try_cast(t as BIGINT))) else coalesce(timezone('UTC', " +
    "try_strptime(t, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', " +
    "'%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), " +
    "try_strptime(t, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end",
    "case when regexp_contains(t, r'^[0-9]{1,13}$') and (k = 'number' or length(t) >= 11) " +
    "then timestamp_millis(safe_cast(t as INT64)) else coalesce(" +
    "safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', t), " +
    "safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', t), " +
    "safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', t), " +
    "safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', t)) end",
  ],
  ["date_trunc_ts", ["day", "ts"], "date_trunc('day', ts)", "timestamp_trunc(ts, day)"],
  ["date_trunc_ts", ["week", "ts"], "date_trunc('week', ts)", "timestamp_trunc(ts, week(monday))"],
  ["date_trunc_ts", ["month", "ts"], "date_trunc('month', ts)", "timestamp_trunc(ts, month)"],
  [
    "date_trunc_date",
    ["week", "d"],
    "cast(date_trunc('week', d) as DATE)",
    "date_trunc(d, week(monday))",
  ],
  [
    "date_trunc_date",
    ["month", "d"],
    "cast(date_trunc('month', d) as DATE)",
    "date_trunc(d, month)",
  ],
  ["to_date", ["ts"], "cast(ts as DATE)", "date(ts)"],
  [
    "datediff",
    ["day", "a", "b"],
    "date_diff('day', a, b)",
    "datetime_diff(cast(b as DATETIME), cast(a as DATETIME), day)",
  ],
  [
    "datediff",
    ["week", "a", "b"],
    "date_diff('week', date_trunc('week', a), date_trunc('week', b))",
    "datetime_diff(cast(b as DATETIME), cast(a as DATETIME), isoweek)",
  ],
  ["count_if", ["x > 1"], "count(case when x > 1 then 1 end)", "countif(x > 1)"],
  ["hash_md5", ["x"], "md5(cast(x as VARCHAR))", "to_hex(md5(cast(x as STRING)))"],
  ["ident", ["Order"], '"Order"', "`Order`"],
  ["literal", ["it's"], "'it''s'", "'it\\'s'"],
  ["current_ts", [], "current_timestamp", "current_timestamp()"],
  ["string_agg", ["name", ", "], "string_agg(name, ', ')", "string_agg(name, ', ')"],
  [
    "string_agg",
    ["name", "|", "name desc"],
    "string_agg(name, '|' order by name desc)",
    "string_agg(name, '|' order by name desc)",
  ],
  [
    "regexp_replace_all",
    ["x", "[ -]+", "_"],
    "regexp_replace(x, '[ -]+', '_', 'g')",
    "regexp_replace(x, r'[ -]+', r'_')",
  ],
  [
    "regexp_matches",
    ["x", "^U[0-9]+$"],
    "regexp_matches(x, '^U[0-9]+$')",
    "regexp_contains(x, r'^U[0-9]+$')",
  ],
  ["safe_divide", ["a", "b"], "(a) / nullif(b, 0)", "safe_divide(a, b)"],
  [
    "json_str_list",
    ["payload", "$.a", "b.c"],
    "case when contains(array_to_string(json_extract_string(payload, ['$.a', '$.b.c']), ''), '{') " +
    "or contains(array_to_string(json_extract_string(payload, ['$.a', '$.b.c']), ''), '[') " +
    "then list_transform(list_zip(json_extract_string(payload, ['$.a', '$.b.c']), " +
    "json_type(payload, ['$.a', '$.b.c'])), f -> case when f[2] in ('OBJECT', 'ARRAY') then null " +
    "else f[1] end) else json_extract_string(payload, ['$.a', '$.b.c']) end",
    "[json_value(payload, '$.a'), json_value(payload, '$.b.c')]",
  ],
  ["list_item", ["fields", "2"], "fields[2]", "fields[safe_ordinal(2)]"],
  [
    "trim_ws",
    ["upper(x)"],
    "regexp_replace(upper(x), '^[\\s\\x0b\\x85\\p{Z}]+|[\\s\\x0b\\x85\\p{Z}]+$', '', 'g')",
    "trim(upper(x))",
  ],
];

Deno.test("dialectMacros() renders every macro for DuckDB and BigQuery", async (t) => {
  for (const [macro, args, duckSql, bqSql] of CASES) {
    await t.step(`${macro}(${args.join(", ")})`, () => {
      assert.equal(duck[macro]!(...args), duckSql);
      assert.equal(bq[macro]!(...args), bqSql);
    });
  }
  await t.step("every macro has at least one case", () => {
    const covered = new Set(CASES.map(([macro]) => macro));
    assert.deepEqual(MACRO_NAMES.filter((name) => !covered.has(name)), []);
  });
});

Deno.test("dialect macros reject bad arguments with the macro named", async (t) => {
  await t.step("unknown type", () => {
    assert.throws(
      () => duck.safe_cast!("x", "dbl"),
      /Unknown type "dbl": use one of double, bigint/,
    );
  });
  await t.step("unknown date part", () => {
    assert.throws(
      () => bq.date_trunc_ts!("fortnight", "x"),
      /date_trunc_ts\(\): unknown date part "fortnight"/,
    );
  });
  await t.step("unsupported JSON path", () => {
    assert.throws(
      () => duck.json_str!("p", "a b"),
      /json_str\(\): JSON path "a b" is not supported/,
    );
  });
  await t.step("wrong number of arguments", () => {
    assert.throws(() => duck.safe_cast!("x"), /safe_cast\(\) takes 2 arguments but got 1/);
  });
});

Deno.test("relations, identifiers and literals follow the dialect", async (t) => {
  const rel = { schema: "marts", name: "fct_events" };
  await t.step("DuckDB relation is schema.name", () => {
    assert.equal(renderRelation(rel, "duckdb"), "marts.fct_events");
  });
  await t.step("BigQuery relation uses the dataset prefix and optional project", () => {
    assert.equal(renderRelation(rel, "bigquery"), "`terraloop_marts.fct_events`");
    assert.equal(
      renderRelation(rel, "bigquery", { bigqueryProject: "acme-prod", datasetPrefix: "tl" }),
      "`acme-prod.tl_marts.fct_events`",
    );
    assert.equal(renderRelation(rel, "bigquery", { datasetPrefix: "" }), "`marts.fct_events`");
  });
  await t.step("identifiers are quoted only when needed", () => {
    assert.equal(quoteIdentifier("event_id", "duckdb"), "event_id");
    assert.equal(quoteIdentifier("select", "duckdb"), '"select"');
    assert.equal(quoteIdentifier('we"ird', "duckdb"), '"we""ird"');
    assert.equal(quoteIdentifier("Tier", "bigquery"), "`Tier`");
  });
  await t.step("literals escape per dialect", () => {
    assert.equal(sqlLiteral("a\\b", "duckdb"), "'a\\b'");
    assert.equal(sqlLiteral("a\\b", "bigquery"), "'a\\\\b'");
    assert.equal(sqlLiteral("a\r\nb", "bigquery"), "'a\\r\\nb'");
    assert.equal(sqlLiteral(null, "bigquery"), "null");
    assert.equal(sqlLiteral(12.5, "duckdb"), "12.5");
  });
  await t.step("sqlType accepts aliases", () => {
    assert.equal(sqlType("int", "bigquery"), "INT64");
    assert.equal(sqlType("TEXT", "duckdb"), "VARCHAR");
  });
});

Deno.test("parse_timestamp_any() on DuckDB parses every event format to UTC and gives NULL for garbage", async (t) => {
  const warehouse = await openDuckDb(":memory:", { threads: 1 });
  try {
    // Each case is a JSON value as it appears in an event line.
    const cases: Array<[string, unknown, string | null]> = [
      ["ISO with Z and millis", "2026-03-01T10:00:00.000Z", "2026-03-01T10:00:00.000Z"],
      ["ISO with Z, no millis", "2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000Z"],
      ["ISO with micros", "2026-03-01T10:00:00.123456Z", "2026-03-01T10:00:00.123Z"],
      ["ISO with +02:00 offset", "2026-03-01T12:00:00.000+02:00", "2026-03-01T10:00:00.000Z"],
      [
        "ISO with -05:00 offset, no millis",
        "2026-03-01T05:00:00-05:00",
        "2026-03-01T10:00:00.000Z",
      ],
      ["epoch ms as JSON number", 1772359200000, "2026-03-01T10:00:00.000Z"],
      ["epoch ms with millis", 1772359200123, "2026-03-01T10:00:00.123Z"],
      ["epoch ms as digit string", "1772359200000", "2026-03-01T10:00:00.000Z"],
      ["naive means UTC", "2026-03-01 10:00:00", "2026-03-01T10:00:00.000Z"],
      ["naive with T", "2026-03-01T10:00:00", "2026-03-01T10:00:00.000Z"],
      ["garbage text", "not a time", null],
      ["date only", "2026-03-01", null],
      ["impossible month", "2026-13-01T10:00:00Z", null],
      ["short digit string", "20260301", null],
      ["too many digits", "17723592000001234", null],
      ["empty string", "", null],
      ["JSON null", null, null],
      ["JSON object", { a: 1 }, null],
      ["boolean", true, null],
    ];
    const sql = duck.parse_timestamp_any!(
      duck.json_str!("payload", "ts"),
      duck.json_kind!("payload", "ts"),
    );
    for (const [label, value, expected] of cases) {
      await t.step(label, async () => {
        const payload = JSON.stringify({ ts: value }).replaceAll("'", "''");
        const rows = await warehouse.query<{ at: Date | null; type: string }>(
          `select ${sql.replaceAll("payload", `'${payload}'::json`)} as at, ` +
            `typeof(${sql.replaceAll("payload", `'${payload}'::json`)}) as type`,
        );
        assert.equal(rows[0]!.at === null ? null : rows[0]!.at.toISOString(), expected);
        assert.equal(rows[0]!.type, "TIMESTAMP WITH TIME ZONE");
      });
    }
    await t.step("a whole column mixing formats never errors", async () => {
      const values = cases.map(([, value]) =>
        `('${JSON.stringify({ ts: value }).replaceAll("'", "''")}'::json)`
      );
      const rows = await warehouse.query<{ parsed: number; total: number }>(
        `select count(${sql}) as parsed, count(*) as total from (values ${
          values.join(", ")
        }) as t(payload)`,
      );
      assert.deepEqual(rows[0], {
        parsed: cases.filter(([, , e]) => e !== null).length,
        total: cases.length,
      });
    });
    await t.step("without a kind, digit strings of 11-13 digits are epoch ms", async () => {
      const one = duck.parse_timestamp_any!("'1772359200000'");
      const rows = await warehouse.query<{ at: Date }>(`select ${one} as at`);
      assert.equal(rows[0]!.at.toISOString(), "2026-03-01T10:00:00.000Z");
    });
  } finally {
    await warehouse.close();
  }
});

Deno.test("the other DuckDB macros compute what their names say", async (t) => {
  const warehouse = await openDuckDb(":memory:", { threads: 1 });
  const one = async (sql: string) => (await warehouse.query(`select ${sql} as v`))[0]!.v;
  try {
    const doc = `'{"a":1,"b":"x","c":null,"d":{"e":2.5},"f":[1],"g":true}'::json`;
    await t.step("json_kind normalises kinds to lower-case names", async () => {
      for (
        const [path, kind] of [
          ["a", "number"],
          ["b", "string"],
          ["c", "null"],
          ["d", "object"],
          [
            "d.e",
            "number",
          ],
          ["f", "array"],
          ["g", "boolean"],
          ["zz", null],
        ]
      ) {
        assert.equal(await one(duck.json_kind!(doc, path!)), kind, `path ${path}`);
      }
    });
    await t.step("json_str and json_has", async () => {
      assert.equal(await one(duck.json_str!(doc, "d.e")), "2.5");
      assert.equal(await one(duck.json_str!(doc, "c")), null);
      assert.equal(await one(duck.json_has!(doc, "c")), true);
      assert.equal(await one(duck.json_has!(doc, "zz")), false);
    });
    await t.step("safe_cast gives NULL instead of an error", async () => {
      assert.equal(await one(duck.safe_cast!("'12.5'", "double")), 12.5);
      assert.equal(await one(duck.safe_cast!("'heavy'", "double")), null);
    });
    await t.step("weeks start on Monday", async () => {
      const wed = "timestamptz '2026-03-04 15:00:00+00'";
      assert.equal(
        ((await one(duck.date_trunc_ts!("week", wed))) as Date).toISOString(),
        "2026-03-02T00:00:00.000Z",
      );
      assert.equal(
        ((await one(duck.date_trunc_date!("week", "date '2026-03-08'"))) as Date).toISOString(),
        "2026-03-02T00:00:00.000Z",
      );
    });
    await t.step("datediff counts day boundaries", async () => {
      assert.equal(
        await one(
          duck.datediff!(
            "day",
            "timestamptz '2026-03-01 23:00:00+00'",
            "timestamptz '2026-03-02 01:00:00+00'",
          ),
        ),
        1,
      );
    });
    await t.step("datediff counts ISO week boundaries (Sunday to Monday is one week)", async () => {
      const weeks = (a: string, b: string) =>
        one(duck.datediff!("week", `timestamptz '${a}+00'`, `timestamptz '${b}+00'`));
      assert.equal(await weeks("2026-01-04 23:00:00", "2026-01-05 01:00:00"), 1);
      assert.equal(await weeks("2026-01-05 00:00:00", "2026-01-11 23:59:59"), 0);
      assert.equal(await weeks("2026-01-11 12:00:00", "2026-01-04 12:00:00"), -1);
    });
    await t.step(
      "trim_ws removes Unicode White_Space (tab, CR, LF, NEL, no-break space …)",
      async () => {
        const text = "chr(9) || chr(160) || ' x y ' || chr(13) || chr(10) || chr(133) || chr(8232)";
        assert.equal(await one(duck.trim_ws!(text)), "x y");
        assert.equal(
          await one(duck.trim_ws!("chr(8203) || 'x'")),
          "\u200bx",
          "zero-width space stays",
        );
      },
    );
    await t.step("count_if is a BIGINT count", async () => {
      const rows = await warehouse.query(
        `select ${duck.count_if!("x > 1")} as n, typeof(${
          duck.count_if!("x > 1")
        }) as t from (values (1), (2), (3)) as v(x)`,
      );
      assert.deepEqual(rows[0], { n: 2, t: "BIGINT" });
    });
    await t.step("json_str_list and list_item read several paths in one parse", async () => {
      const list = duck.json_str_list!(`'{"a": 1, "b": {"c": "x"}}'::json`, "$.a", "$.b.c", "$.z");
      assert.equal(await one(duck.list_item!(`(${list})`, "2")), "x");
      assert.equal(await one(duck.list_item!(`(${list})`, "1")), "1");
      assert.equal(await one(duck.list_item!(`(${list})`, "3")), null);
    });
    await t.step(
      "json_str and json_str_list give NULL for an object or an array, as BigQuery does",
      async () => {
        const doc = `'{"a": {"x": 1}, "b": [1], "c": "{not json}", "d": "[x]", "e": null}'::json`;
        const list = duck.json_str_list!(doc, "$.a", "$.b", "$.c", "$.d", "$.e");
        const values = [];
        for (const n of ["1", "2", "3", "4", "5"]) {
          values.push(await one(duck.list_item!(`(${list})`, n)));
        }
        assert.deepEqual(values, [null, null, "{not json}", "[x]", null]);
        assert.equal(await one(duck.json_str!(doc, "$.a")), null);
        assert.equal(await one(duck.json_str!(doc, "$.c")), "{not json}");
      },
    );
    await t.step("hash_md5, regexp_replace_all, regexp_matches, safe_divide, to_date", async () => {
      assert.equal(await one(duck.hash_md5!("'a'")), "0cc175b9c0f1b6a831c399e269772661");
      assert.equal(
        await one(duck.regexp_replace_all!("'Publish - Listing'", "[ -]+", "_")),
        "Publish_Listing",
      );
      assert.equal(await one(duck.regexp_matches!("'U000042'", "^U[0-9]{6}$")), true);
      assert.equal(await one(duck.safe_divide!("1", "0")), null);
      assert.equal(
        ((await one(duck.to_date!("timestamptz '2026-03-01 23:59:00+00'"))) as Date).toISOString(),
        "2026-03-01T00:00:00.000Z",
      );
    });
  } finally {
    await warehouse.close();
  }
});
