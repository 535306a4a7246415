import assert from "node:assert/strict";
import { join } from "node:path";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { cliEnv } from "../_env.ts";

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

Deno.test("openDuckDb() refuses an existing file that is not a DuckDB database, naming it", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "duckdb-open-" });
  try {
    const cases: [string, Uint8Array][] = [
      ["users.csv", new TextEncoder().encode("user_id,tier\nU000001,Basic\n")],
      ["wh.duckdb", new TextEncoder().encode("not a database, just some text\n")],
      ["tiny.duckdb", new Uint8Array([1, 2, 3])],
    ];
    for (const [name, bytes] of cases) {
      await t.step(name, async () => {
        const path = join(dir, name);
        await Deno.writeFile(path, bytes);
        await assert.rejects(
          () => openDuckDb(path),
          (error: Error) => {
            assert.match(error.message, /^Cannot open DuckDB warehouse "/);
            assert.ok(error.message.includes(`"${path}"`), error.message);
            assert.match(error.message, /not a DuckDB database/);
            return true;
          },
        );
        assert.deepEqual(await Deno.readFile(path), bytes, "the file is left as it was");
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDuckDb() replaces a 0-byte leftover of an interrupted creation", async () => {
  const dir = await Deno.makeTempDir({ prefix: "duckdb-open-" });
  const path = join(dir, "wh.duckdb");
  try {
    await Deno.writeFile(path, new Uint8Array());
    const first = await openDuckDb(path);
    await first.materialize({ schema: "marts", name: "kept" }, "select 1 as one", "table");
    await first.close();
    const second = await openDuckDb(path);
    try {
      assert.deepEqual(await second.query("select one from marts.kept"), [{ one: 1 }]);
    } finally {
      await second.close();
    }
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["wh.duckdb"], "no temporary file is left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDuckDb({ create: false }) and { readOnly: true } never create a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "duckdb-open-" });
  const path = join(dir, "missing.duckdb");
  try {
    for (const options of [{ create: false }, { readOnly: true }]) {
      await assert.rejects(
        () => openDuckDb(path, options),
        /Cannot open DuckDB warehouse ".*missing\.duckdb"( read-only)?: the file does not exist/,
      );
      await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    }
    const writer = await openDuckDb(path);
    await writer.materialize({ schema: "marts", name: "t" }, "select 2 as two", "table");
    await writer.close();
    const reader = await openDuckDb(path, { readOnly: true });
    try {
      assert.deepEqual(await reader.query("select two from marts.t"), [{ two: 2 }]);
      await assert.rejects(() => reader.execute("create table marts.u as select 1"), /read-only/i);
    } finally {
      await reader.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a warehouse creation killed with SIGKILL leaves nothing that later opens refuse", async () => {
  // A child creates warehouse after warehouse; killing it lands inside some creation.
  const dir = await Deno.makeTempDir({ prefix: "duckdb-kill-" });
  const module = new URL("../../lib/warehouse/duckdb.ts", import.meta.url).href;
  const script = join(dir, "create_many.ts");
  await Deno.writeTextFile(
    script,
    `import { openDuckDb } from ${JSON.stringify(module)};
     console.log("ready");
     for (let i = 0; ; i++) {
       const wh = await openDuckDb(Deno.args[0] + "/wh-" + i + ".duckdb", { threads: 1 });
       await wh.close();
     }`,
  );
  try {
    for (const delayMs of [150, 400]) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
          script,
          dir,
        ],
        stdout: "piped",
        stderr: "null",
        clearEnv: true,
        env: cliEnv(),
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read(); // "ready": the loop has started
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill("SIGKILL");
      await child.status;
      reader.releaseLock();
      await child.stdout.cancel();
    }
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (/^wh-\d+\.duckdb$/.test(entry.name)) names.push(entry.name);
    }
    assert.ok(names.length > 0, "the child created some warehouses before it was killed");
    for (const name of names) {
      const wh = await openDuckDb(join(dir, name), { threads: 1 });
      assert.equal(await wh.exists({ schema: "raw", name: "events" }), true, name);
      await wh.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
