// Up-to-date models: a table or view whose compiled SQL and inputs (raw tables by their load
// manifest and row count, parents by their versions) are unchanged since its last build is
// not built again; anything that changes an input builds it and what depends on it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateDataset } from "../../lib/generate/mod.ts";
import { listDatasetFiles } from "../../lib/load/mod.ts";
import { runProject, type RunResults } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { FIXTURE_DIR, seedRaw, tempWarehouse } from "./_fixture.ts";

const UP_TO_DATE = /^up to date/;

function upToDate(results: RunResults): string[] {
  return results.models.filter((m) => UP_TO_DATE.test(m.message ?? "")).map((m) => m.name);
}

function rowsOf(results: RunResults): Record<string, number | null> {
  return Object.fromEntries(results.models.map((m) => [m.name, m.rows]));
}

Deno.test("models whose SQL and inputs are unchanged are not built again", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-state-" });
  const data = join(dir, "raw");
  await generateDataset(data, { users: 120, days: 4, seed: 5 });
  const files = await listDatasetFiles(data);
  const events = files.filter((f) => f.kind === "events");
  const wh = await openDuckDb(join(dir, "wh.duckdb"), { threads: 2 });
  const build = async (options: { modelsDir?: string; fullRefresh?: boolean } = {}) => {
    const results = await runProject(wh, { targetDir: null, audit: false, ...options });
    assert.ok(results.success, results.errors.join("\n"));
    return results;
  };
  try {
    await wh.loadFiles([...files.filter((f) => f.kind !== "events"), ...events.slice(0, -1)]);
    const first = await build();
    assert.deepEqual(upToDate(first), [], "a first build builds everything");

    await t.step("nothing changed: every table and view is up to date, with its rows", async () => {
      const again = await build();
      const incremental = again.models.filter((m) => m.materialized === "incremental");
      assert.ok(incremental.length > 0);
      for (const model of incremental) assert.equal(model.batchRows, 0, model.name);
      assert.deepEqual(
        upToDate(again).sort(),
        again.models.filter((m) => m.materialized !== "incremental").map((m) => m.name).sort(),
      );
      assert.deepEqual(rowsOf(again), rowsOf(first));
      // Their tests still run.
      assert.ok(again.tests.some((test) => test.model === "dim_users" && test.status === "pass"));
    });

    await t.step("a new events file builds what reads events, not the registries", async () => {
      await wh.loadFiles([events.at(-1)!]);
      const results = await build();
      assert.deepEqual(upToDate(results).sort(), ["dim_users", "stg_listings", "stg_users"]);
      const [fresh] = await wh.query<{ n: number }>(
        "select count(*) as n from marts.mart_user_funnel",
      );
      assert.equal(rowsOf(results).mart_user_funnel, fresh!.n);
    });

    await t.step("rows written into a raw table by hand build its models", async () => {
      await wh.execute(
        `insert into raw.users (_raw_id, _source_file, _line, _loaded_at, user_id, full_name,
           email, company, tier, region, signup_at)
         values ('hand:1', 'hand.csv', 2, current_timestamp, 'U999999', 'Hand Made',
           'hand@example.com', '', 'Basic', 'NA', '2026-01-01T00:00:00Z')`,
      );
      const results = await build();
      assert.ok(!upToDate(results).includes("stg_users"));
      assert.ok(!upToDate(results).includes("dim_users"));
      assert.equal(rowsOf(results).dim_users, rowsOf(first).dim_users! + 1);
      assert.ok(upToDate(results).includes("stg_listings"));
    });

    await t.step("a dropped table is built again", async () => {
      await wh.execute("drop table marts.dim_users");
      const results = await build();
      assert.ok(!upToDate(results).includes("dim_users"));
      assert.ok(upToDate(results).includes("stg_users"));
      assert.ok(await wh.exists({ schema: "marts", name: "dim_users" }));
    });

    await t.step("changed SQL builds the model and its children", async () => {
      const project = join(dir, "sql");
      await Deno.mkdir(project);
      for await (const entry of Deno.readDir("sql")) {
        if (entry.isDirectory) {
          await Deno.mkdir(join(project, entry.name));
          for await (const file of Deno.readDir(join("sql", entry.name))) {
            await Deno.copyFile(
              join("sql", entry.name, file.name),
              join(project, entry.name, file.name),
            );
          }
        } else {
          await Deno.copyFile(join("sql", entry.name), join(project, entry.name));
        }
      }
      const path = join(project, "marts", "dim_users.sql");
      await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace(/^/, "-- edited\n"));
      const results = await build({ modelsDir: project });
      const current = upToDate(results);
      assert.ok(!current.includes("dim_users"));
      assert.ok(!current.includes("mart_user_funnel"), "a child of a changed model is built");
      assert.ok(current.includes("stg_users"));
    });

    await t.step("--full-refresh builds everything", async () => {
      const results = await build({ fullRefresh: true });
      assert.deepEqual(upToDate(results), []);
    });
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models reading raw tables the load manifest does not cover are always built", async () => {
  const { warehouse, close } = await tempWarehouse();
  try {
    await seedRaw(warehouse);
    const run = () => runProject(warehouse, { modelsDir: FIXTURE_DIR, targetDir: null });
    const first = await run();
    assert.ok(first.success, first.errors.join("\n"));
    const second = await run();
    assert.deepEqual(upToDate(second), []);
    assert.ok(second.models.every((m) => m.status === "success"));
  } finally {
    await close();
  }
});
