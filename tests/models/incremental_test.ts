// Incremental models against full refreshes on the same raw rows: a generated dataset with
// duplicate deliveries and late arrivals is loaded in daily batches, each batch is built
// incrementally, and every model (incremental or not) must equal, row for row, what a full
// refresh of a copy of the same warehouse builds. Doubles are compared rounded to 9 decimals,
// since a sum's last bits depend on the order rows are added in.
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateDataset } from "../../lib/generate/mod.ts";
import { listDatasetFiles } from "../../lib/load/mod.ts";
import {
  loadProject,
  type ModelResult,
  runProject,
  type RunResults,
} from "../../lib/models/mod.ts";
import { type DuckDbWarehouse, openDuckDb, type RawFile } from "../../lib/warehouse/mod.ts";

const INCREMENTAL = ["base_events", "stg_events", "fct_events", "mart_daily_activity"];

async function build(wh: DuckDbWarehouse, options: { lookbackHours?: number } = {}) {
  const results = await runProject(wh, { targetDir: null, audit: false, ...options });
  assert.ok(results.success, results.errors.join("\n"));
  return results;
}

function byName(results: RunResults): Map<string, ModelResult> {
  return new Map(results.models.map((m) => [m.name, m]));
}

/**
 * Close `wh`, fully refresh a copy of its file, and compare every model of the two with
 * EXCEPT ALL both ways; returns the reopened incremental warehouse.
 */
async function assertSameAsFullRefresh(
  wh: DuckDbWarehouse,
  path: string,
  label: string,
): Promise<DuckDbWarehouse> {
  await wh.close();
  const fullPath = path.replace(/\.duckdb$/, `-full-${label}.duckdb`);
  await Deno.copyFile(path, fullPath);
  const full = await openDuckDb(fullPath, { threads: 2 });
  try {
    const refreshed = await runProject(full, { targetDir: null, audit: false, fullRefresh: true });
    assert.ok(refreshed.success, refreshed.errors.join("\n"));
    assert.ok(refreshed.models.every((m) => m.batchRows === undefined), "full refresh merged");
  } finally {
    await full.close();
  }
  const reopened = await openDuckDb(path, { threads: 2 });
  await reopened.execute(`attach ${reopened.literal(fullPath)} as full_build (read_only)`);
  try {
    const project = await loadProject("sql");
    for (const name of project.order) {
      const schema = project.models.get(name)!.schema;
      const columnsOf = (catalog: string) =>
        reopened.query<{ name: string; type: string }>(
          `select column_name as name, data_type as type from information_schema.columns
           where table_catalog = ${catalog} and table_schema = '${schema}'
             and table_name = '${name}' order by ordinal_position`,
        );
      const columns = await columnsOf("current_database()");
      assert.ok(columns.length > 0, `${label}: ${schema}.${name} has no columns`);
      assert.deepEqual(
        columns,
        await columnsOf("'full_build'"),
        `${label}: columns of ${schema}.${name}`,
      );
      const list = columns.map((c) =>
        c.type === "DOUBLE" ? `round(${c.name}, 9) as ${c.name}` : c.name
      ).join(", ");
      const [diff] = await reopened.query<{ n: number; inc: number; full: number }>(
        `select
           (select count(*) from (
             select ${list} from ${schema}.${name}
             except all select ${list} from full_build.${schema}.${name})) +
           (select count(*) from (
             select ${list} from full_build.${schema}.${name}
             except all select ${list} from ${schema}.${name})) as n,
           (select count(*) from ${schema}.${name}) as inc,
           (select count(*) from full_build.${schema}.${name}) as full`,
      );
      assert.equal(diff!.n, 0, `${label}: ${schema}.${name} differs from a full refresh`);
      assert.equal(diff!.inc, diff!.full, `${label}: ${schema}.${name} row count`);
    }
  } finally {
    await reopened.execute("detach full_build");
  }
  await Deno.remove(fullPath);
  return reopened;
}

Deno.test("incremental builds give exactly the rows of a full refresh, batch after batch", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-incremental-" });
  const data = join(dir, "raw");
  const path = join(dir, "incremental.duckdb");
  // Plenty of duplicates and late arrivals, so later files re-deliver earlier files' events.
  await generateDataset(data, {
    users: 400,
    days: 10,
    seed: 11,
    mess: { duplicate_delivery: 0.04, late_arrival: 0.2, orphan_user: 0.01 },
  });
  const files = await listDatasetFiles(data);
  const registry = files.filter((f) => f.kind !== "events");
  const events = files.filter((f) => f.kind === "events");
  const users = registry.find((f) => f.kind === "users")!;
  let wh = await openDuckDb(path, { threads: 2 });
  try {
    await wh.loadFiles([...registry, ...events.slice(0, -2)]);
    const first = byName(await build(wh));
    for (const name of INCREMENTAL) {
      assert.equal(first.get(name)!.materialized, "incremental");
      assert.equal(first.get(name)!.batchRows, undefined, `${name}: first build is full`);
    }

    await t.step("a day with re-delivered and late events merges only its rows", async () => {
      const day: RawFile = events.at(-2)!;
      const file = day.path.split("/").at(-1)!;
      await wh.loadFiles([day]);
      const results = byName(await build(wh));
      for (const name of INCREMENTAL) {
        const model = results.get(name)!;
        assert.ok(model.batchRows !== undefined && model.batchRows > 0, `${name} merged`);
        assert.ok(model.batchRows < model.rows!, `${name}: ${model.batchRows} of ${model.rows}`);
      }
      // The batch really holds what makes merging hard.
      const [mess] = await wh.query<{ redelivered: number; late: number }>(
        `select
           (select count(*) from staging.base_events as b
            where b._source_file = '${file}' and b.is_duplicate
              and exists (select 1 from staging.base_events as e
                          where e.event_id = b.event_id and e._source_file < '${file}'))
             as redelivered,
           (select count(*) from staging.stg_events
            where _source_file = '${file}' and is_late_arrival) as late`,
      );
      assert.ok(mess!.redelivered > 0, "no duplicate of an already built event in the batch");
      assert.ok(mess!.late > 0, "no late arrival in the batch");
      wh = await assertSameAsFullRefresh(wh, path, "day");
    });

    await t.step(
      "a new users.csv re-joins every event: tiers, orphans and marts follow",
      async () => {
        const lines = (await Deno.readTextFile(users.path)).trimEnd().split("\n");
        const [orphan] = await wh.query<{ user_id: string }>(
          "select min(user_id) as user_id from marts.fct_events where is_orphan",
        );
        const [active] = await wh.query<{ user_id: string }>(
          `select min(user_id) as user_id from marts.fct_events
         where not is_orphan and user_id not in (select user_id from staging.stg_listings)`,
        );
        assert.ok(orphan?.user_id && active?.user_id);
        const changed = lines.filter((line) => !line.startsWith(`${active.user_id},`)).map((
          line,
          i,
        ) =>
          i > 0 && i <= 40
            ? line.replace(
              /,(Basic|Pro|Enterprise),/,
              (_, tier) => `,${tier === "Basic" ? "Pro" : "Basic"},`,
            )
            : line
        );
        changed.push(
          `${orphan.user_id},New Person,new@example.com,Acme,Pro,EMEA,2026-01-02T00:00:00Z`,
        );
        await Deno.writeTextFile(users.path, changed.join("\n") + "\n");
        await wh.loadFiles([users, events.at(-1)!]);
        const results = byName(await build(wh));
        const fct = results.get("fct_events")!;
        assert.equal(fct.batchRows, fct.rows, "every event is merged again after a new registry");
        const [flags] = await wh.query<{ removed_orphan: boolean; added_orphan: boolean }>(
          `select
           bool_and(is_orphan) filter (where user_id = '${active.user_id}') as removed_orphan,
           bool_or(is_orphan) filter (where user_id = '${orphan.user_id}') as added_orphan
         from marts.fct_events`,
        );
        assert.deepEqual(flags, { removed_orphan: true, added_orphan: false });
        wh = await assertSameAsFullRefresh(wh, path, "registry");
      },
    );

    await t.step("a run with nothing new merges nothing and changes nothing", async () => {
      const results = byName(await build(wh));
      for (const name of INCREMENTAL) assert.equal(results.get(name)!.batchRows, 0, name);
      wh = await assertSameAsFullRefresh(wh, path, "idle");
    });

    await t.step("a lookback that re-reads every row still gives the same rows", async () => {
      const results = byName(await build(wh, { lookbackHours: 48 }));
      assert.equal(results.get("base_events")!.batchRows, results.get("base_events")!.rows);
      wh = await assertSameAsFullRefresh(wh, path, "lookback");
    });
    await t.step(
      "a file loaded again with fewer lines rebuilds what it feeds, in full",
      async () => {
        const last = events.at(-1)!;
        const lines = (await Deno.readTextFile(last.path)).trimEnd().split("\n");
        await Deno.writeTextFile(last.path, lines.slice(0, -30).join("\n") + "\n");
        const [loaded] = await wh.loadFiles([last]);
        assert.equal(loaded!.status, "reloaded");
        const results = byName(await build(wh));
        assert.match(results.get("base_events")!.message ?? "", /its full_refresh_if holds/);
        for (const name of INCREMENTAL.slice(1)) {
          assert.equal(results.get(name)!.batchRows, undefined, name);
          assert.match(
            results.get(name)!.message ?? "",
            /incremental parent "\w+" was built in full/,
          );
        }
        wh = await assertSameAsFullRefresh(wh, path, "reloaded");
      },
    );

    await t.step("a file pruned from raw rebuilds what it fed, in full", async () => {
      const file = events.at(-3)!.path.split("/").at(-1)!;
      await wh.execute(`delete from raw.events where _source_file = '${file}'`);
      const results = byName(await build(wh));
      assert.match(results.get("base_events")!.message ?? "", /its full_refresh_if holds/);
      const [gone] = await wh.query<{ n: number }>(
        `select count(*) as n from staging.base_events where _source_file = '${file}'`,
      );
      assert.equal(gone!.n, 0);
      wh = await assertSameAsFullRefresh(wh, path, "pruned");
    });

    await t.step(
      "a run that stops after a parent's full rebuild (crash, --select) rebuilds the children next time",
      async () => {
        // As a kill -9 between base_events' commit and stg_events' build would leave it.
        const file = events.at(-4)!.path.split("/").at(-1)!;
        await wh.execute(`delete from raw.events where _source_file = '${file}'`);
        const parentOnly = byName(
          await runProject(wh, { targetDir: null, audit: false, select: "base_events" }),
        );
        assert.match(parentOnly.get("base_events")!.message ?? "", /its full_refresh_if holds/);
        assert.equal(parentOnly.size, 1);
        const results = byName(await build(wh));
        for (const name of INCREMENTAL.slice(1)) {
          assert.equal(results.get(name)!.batchRows, undefined, `${name} was merged`);
          assert.match(
            results.get(name)!.message ?? "",
            /an earlier run stopped|incremental parent "\w+" was built in full/,
            name,
          );
        }
        assert.match(results.get("stg_events")!.message ?? "", /an earlier run stopped/);
        const [stale] = await wh.query<{ n: number }>(
          `select count(*) as n from marts.fct_events
           where event_id not in (select event_id from staging.base_events)`,
        );
        assert.equal(stale!.n, 0);
        wh = await assertSameAsFullRefresh(wh, path, "interrupted");
        const again = byName(await build(wh));
        assert.notEqual(again.get("fct_events")!.batchRows, undefined, "the marker is cleared");
      },
    );
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A one-model project: raw.things merged into marts.things by thing_id. */
function thingsProject(columns: string): Record<string, string> {
  return {
    "sources.yml": "sources:\n  - name: raw\n    tables:\n      - name: things\n",
    "marts/things.sql": "{{ config(materialized='incremental', unique_key='thing_id') }}\n" +
      `select ${columns} from {{ source('raw', 'things') }}\n` +
      "{% if is_incremental() %}\n" +
      "where loaded_at > {{ incremental_watermark('loaded_at') }}\n" +
      "{% endif %}\n",
    "marts/schema.yml": "models:\n  - name: things\n    grain: one row per thing\n" +
      "    columns:\n" +
      columns.split(", ").map((c) => `      - name: ${c}\n`).join(""),
  };
}

Deno.test("runProject() merges by unique_key, and builds in full when it must", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-incremental-" });
  const wh = await openDuckDb(join(dir, "wh.duckdb"), { threads: 1 });
  const project = async (columns: string) =>
    await loadProject(
      await Deno.makeTempDir({ dir, prefix: "things-" }).then(async (root) => {
        for (const [file, text] of Object.entries(thingsProject(columns))) {
          await Deno.mkdir(join(root, file, ".."), { recursive: true });
          await Deno.writeTextFile(join(root, file), text);
        }
        return root;
      }),
    );
  const run = async (columns = "thing_id, label, loaded_at", fullRefresh = false) => {
    const results = await runProject(wh, {
      project: await project(columns),
      targetDir: null,
      audit: false,
      fullRefresh,
    });
    assert.ok(results.success, results.errors.join("\n"));
    return results.models[0]!;
  };
  const things = () =>
    wh.query<{ thing_id: number; label: string }>(
      "select thing_id, label from marts.things order by thing_id",
    );
  try {
    await wh.execute(
      `create table raw.things as select * from (values
         (1, 'a', timestamptz '2026-01-01 00:00:00+00'),
         (2, 'b', timestamptz '2026-01-01 00:00:00+00')) as t(thing_id, label, loaded_at)`,
    );
    await t.step("the first build is full", async () => {
      const model = await run();
      assert.deepEqual([model.batchRows, model.rows, model.message], [undefined, 2, null]);
    });
    await t.step("later rows replace rows with the same key and add new keys", async () => {
      await wh.execute(
        `insert into raw.things values
           (2, 'b2', timestamptz '2026-01-02 00:00:00+00'),
           (3, 'c', timestamptz '2026-01-02 00:00:00+00')`,
      );
      const model = await run();
      assert.deepEqual([model.batchRows, model.rows], [2, 3]);
      assert.deepEqual(await things(), [
        { thing_id: 1, label: "a" },
        { thing_id: 2, label: "b2" },
        { thing_id: 3, label: "c" },
      ]);
    });
    await t.step("fullRefresh rebuilds from every raw row", async () => {
      const model = await run(undefined, true);
      assert.deepEqual([model.batchRows, model.rows], [undefined, 4]); // keys 1, 2, 2, 3
    });
    await t.step("changed columns rebuild in full and say why", async () => {
      await wh.execute("create or replace table marts.things as select 1 as thing_id");
      const model = await run();
      assert.equal(model.batchRows, undefined);
      assert.match(model.message ?? "", /built in full: the columns of marts\.things changed/);
    });
    await t.step("a view in the table's place is replaced by a full build", async () => {
      await wh.execute(
        "drop table marts.things; create view marts.things as " +
          "select thing_id, label, loaded_at from raw.things",
      );
      const model = await run();
      assert.equal(model.batchRows, undefined);
      assert.match(model.message ?? "", /built in full: marts\.things is a view, not a table/);
      assert.equal(model.rows, 4);
    });
    await t.step("a merge that fails after its delete leaves the table as it was", async () => {
      // An integer label column: the batch's text labels fail on insert, after the delete.
      await wh.execute(
        `create or replace table marts.things as
         select thing_id, thing_id * 10 as label, loaded_at from raw.things where thing_id < 3`,
      );
      const before = await things();
      await wh.execute(
        "insert into raw.things values (2, 'zz', timestamptz '2026-02-01 00:00:00+00')",
      );
      const results = await runProject(wh, {
        project: await project("thing_id, label, loaded_at"),
        targetDir: null,
        audit: false,
      });
      assert.equal(results.models[0]!.status, "error");
      assert.match(results.models[0]!.message ?? "", /Cannot build model "things"/);
      assert.deepEqual(await things(), before);
    });
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});
