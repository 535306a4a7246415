/**
 * The checks' queries: compiled for both dialects from the project, and run on DuckDB over
 * hand-made rows whose answers are known.
 */
import assert from "node:assert/strict";
import { CheckQueryCompiler, loadProject } from "../../lib/models/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";

const project = await loadProject("sql");
const duck = new CheckQueryCompiler(project, { dialect: "duckdb" });
const bq = new CheckQueryCompiler(project, { dialect: "bigquery", bigqueryProject: "acme" });
const EVENTS = { source: "raw", table: "events" } as const;
const PAYLOAD_TS =
  "{{ parse_timestamp_any(json_str('payload', '$.ts'), json_kind('payload', '$.ts')) }}";

async function withTables(fn: (wh: Warehouse) => Promise<void>): Promise<void> {
  const wh = await openDuckDb(":memory:");
  try {
    await wh.execute(`
      create schema if not exists raw;
      create schema if not exists staging;
      create or replace table raw.events (payload json);
      insert into raw.events values
        ('{"id": "E1", "ts": "2026-03-01T10:00:00Z", "props": {"w": 1.5, "q": "x"}}'),
        ('{"id": "E2", "ts": 1772445600000, "props": {"w": "2"}}'),
        ('{"id": "E3", "ts": "2026-03-02 23:30:00", "props": {}, "flag": true, "tags": ["a"]}'),
        ('{"id": null, "ts": "2026-03-01T00:00:00+02:00", "odd\\"key": 1}'),
        ('[1, 2]');
      create table staging.stg_events (event_name varchar, event_at timestamptz, platform varchar);
      insert into staging.stg_events values
        ('search', '2026-03-01 23:59:59+00', 'ios'),
        ('search', '2026-03-02 00:00:00+00', 'ios'),
        ('search', '2026-03-02 12:00:00+00', 'web'),
        ('view', '2026-03-02 12:00:00+00', 'ios'),
        ('view', null, 'ios');
    `);
    await fn(wh);
  } finally {
    await wh.close();
  }
}

Deno.test("CheckQueryCompiler.payloadKeyTypes() lists every key (two levels) with its JSON types", async () => {
  await withTables(async (wh) => {
    const rows = await wh.query<{ key: string; type: string }>(
      duck.payloadKeyTypes({ relation: EVENTS, column: "payload" }),
    );
    const pairs = rows.map((r) => `${r.key}:${r.type}`).sort();
    assert.deepEqual(pairs, [
      "flag:boolean",
      "id:null",
      "id:string",
      'odd"key:number',
      "props.q:string",
      "props.w:number",
      "props.w:string",
      "props:object", // {} counts as an object, not as "JSON"
      "tags:array",
      "ts:number",
      "ts:string",
    ]);
    // `where` limits the rows read (e.g. to recent loads on a large table).
    const recent = await wh.query<{ key: string; type: string }>(
      duck.payloadKeyTypes({
        relation: EVENTS,
        column: "payload",
        where: "{{ json_str('payload', '$.id') }} = 'E2'",
      }),
    );
    assert.deepEqual(recent.map((r) => `${r.key}:${r.type}`).sort(), [
      "id:string",
      "props.w:string",
      "props:object",
      "ts:number",
    ]);
  });
});

Deno.test("CheckQueryCompiler.dailyCounts() counts rows per UTC day and dimension, skipping null times", async () => {
  await withTables(async (wh) => {
    const sql = duck.dailyCounts({
      relation: { model: "stg_events" },
      timestampColumn: "event_at",
      dimensions: ["event_name"],
      where: null,
    });
    const rows = await wh.query<{ event_name: string; day: Date; value: number }>(
      `${sql} order by 1, 2`,
    );
    assert.deepEqual(
      rows.map((r) => `${r.event_name} ${r.day.toISOString().slice(0, 10)} ${r.value}`),
      ["search 2026-03-01 1", "search 2026-03-02 2", "view 2026-03-02 1"],
    );
    const filtered = await wh.query<{ value: number }>(
      duck.dailyCounts({
        relation: { model: "stg_events" },
        timestampColumn: "event_at",
        dimensions: [],
        where: "platform = 'ios'",
      }) + " order by day",
    );
    assert.deepEqual(filtered.map((r) => r.value), [1, 2]);
    const frame = await wh.queryFrame(sql);
    assert.deepEqual(frame.columns, ["event_name", "day", "value"]);
  });
});

Deno.test("CheckQueryCompiler.newest() takes a loaded_at_field expression with the dialect macros", async () => {
  await withTables(async (wh) => {
    const sql = duck.newest({ relation: EVENTS, timestampColumn: PAYLOAD_TS, where: null });
    assert.match(sql, /^select max\(case when regexp_full_match/);
    const [row] = await wh.query<{ newest: Date }>(sql);
    // "2026-03-02 23:30:00" (naive, UTC) is newer than epoch 1772445600000 (2026-03-02 10:00).
    assert.equal(row?.newest.toISOString(), "2026-03-02T23:30:00.000Z");
    const [filtered] = await wh.query<{ newest: Date }>(
      duck.newest({
        relation: EVENTS,
        timestampColumn: PAYLOAD_TS,
        where: "{{ json_str('payload', '$.id') }} = 'E2'",
      }),
    );
    assert.equal(filtered?.newest.toISOString(), "2026-03-02T10:00:00.000Z");
  });
});

Deno.test("CheckQueryCompiler compiles BigQuery: dataset-qualified names, json_keys, date()", () => {
  const daily = bq.dailyCounts({
    relation: { model: "stg_events" },
    timestampColumn: "event_at",
    dimensions: ["event_name"],
    where: null,
  });
  assert.equal(
    daily,
    [
      "select",
      "    event_name,",
      "    date(event_at) as day,",
      "    count(*) as value",
      "from `acme.terraloop_staging.stg_events`",
      "where (event_at) is not null",
      "group by 1, 2",
      "",
    ].join("\n"),
  );
  const keys = bq.payloadKeyTypes({ relation: EVENTS, column: "payload" });
  assert.match(
    keys,
    /from `acme\.terraloop_raw\.events`, unnest\(json_keys\(payload, 1\)\) as key/,
  );
  assert.match(keys, /json_type\(value\) as type/);
  const recent = bq.payloadKeyTypes({ relation: EVENTS, column: "payload", where: "_line < 10" });
  assert.match(
    recent,
    /from \(select payload from `acme\.terraloop_raw\.events` where \(_line < 10\)\) as rows_read, unnest/,
  );
  const newest = bq.newest({ relation: EVENTS, timestampColumn: PAYLOAD_TS, where: null });
  assert.match(newest, /safe\.parse_timestamp/);
  assert.match(newest, /json_value\(payload, '\$\.ts'\)/);
});

Deno.test("CheckQueryCompiler names the YAML line of a bad expression and unknown targets", () => {
  assert.throws(
    () =>
      duck.newest({
        relation: EVENTS,
        timestampColumn: "{{ no_such_macro('ts') }}",
        where: null,
        origin: { path: "sql/sources.yml", line: 15 },
      }),
    /sql\/sources\.yml:15: unknown macro or function "no_such_macro"/,
  );
  assert.throws(
    () => duck.relation({ model: "stg_nothing" }),
    /Cannot compile check: unknown model "stg_nothing"/,
  );
  assert.throws(
    () => duck.relation({ source: "raw", table: "nothing" }),
    /Cannot compile check: unknown source "raw\.nothing"/,
  );
});
