import assert from "node:assert/strict";
import { join } from "node:path";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

Deno.test("openDuckDb() creates the raw schema and reports UTC", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    assert.equal(await wh.exists({ schema: "raw", name: "events" }), true);
    assert.equal(await wh.exists({ schema: "raw", name: "nope" }), false);
    const columns = await wh.describe({ schema: "raw", name: "events" });
    assert.deepEqual(columns.map((c) => c.name), [
      "_raw_id",
      "_source_file",
      "_line",
      "_loaded_at",
      "payload",
    ]);
    const [zone] = await wh.query<{ tz: string }>("select current_setting('TimeZone') as tz");
    assert.equal(zone?.tz, "UTC");
  } finally {
    await wh.close();
  }
});

Deno.test("materialize() builds a table atomically: a failing build keeps the old table", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    const relation = { schema: "marts", name: "t" };
    assert.equal(await wh.materialize(relation, "select 1 as a union all select 2", "table"), 2);
    await wh.execute("create view marts.v as select * from marts.t");
    await assert.rejects(
      () => wh.materialize(relation, "select no_such_column", "table"),
      /no_such_column/,
    );
    assert.deepEqual(await wh.query("select a from marts.t order by a"), [{ a: 1 }, { a: 2 }]);
    assert.equal(await wh.exists({ schema: "marts", name: "t__building" }), false);
    assert.equal(await wh.materialize(relation, "select 7 as a", "table"), 1);
    // A view over the table sees the new version after the swap.
    assert.deepEqual(await wh.query("select a from marts.v"), [{ a: 7 }]);
  } finally {
    await wh.close();
  }
});

Deno.test("materialize() switches between view and table and keeps a view on failure", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    const relation = { schema: "staging", name: "s" };
    assert.equal(await wh.materialize(relation, "select 1 as a", "view"), null);
    await assert.rejects(() => wh.materialize(relation, "select nope", "view"));
    assert.deepEqual(await wh.query("select a from staging.s"), [{ a: 1 }]);
    assert.equal(await wh.materialize(relation, "select 3 as a", "table"), 1);
    const [kind] = await wh.query<{ t: string }>(
      "select table_type as t from information_schema.tables where table_name = 's'",
    );
    assert.equal(kind?.t, "BASE TABLE");
  } finally {
    await wh.close();
  }
});

Deno.test("queryFrame() hands a typed frame to Polars through Parquet", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    const frame = await wh.queryFrame(
      "select 'U1' as user_id, timestamp '2026-03-01 10:00:00' as ts, 3::bigint as n",
    );
    assert.equal(frame.height, 1);
    assert.equal(frame.getColumn("user_id").dtype.variant, "String");
    assert.equal(frame.getColumn("ts").dtype.variant, "Datetime");
    assert.equal(frame.getColumn("n").toArray()[0], 3);
  } finally {
    await wh.close();
  }
});

Deno.test("a warehouse file persists between opens", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "nested", "w.duckdb");
  const first = await openDuckDb(path);
  await first.materialize({ schema: "marts", name: "kept" }, "select 42 as answer", "table");
  await first.close();
  const second = await openDuckDb(path);
  try {
    assert.deepEqual(await second.query("select answer from marts.kept"), [{ answer: 42 }]);
  } finally {
    await second.close();
    await Deno.remove(dir, { recursive: true });
  }
});
