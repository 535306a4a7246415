import assert from "node:assert/strict";
import { loadProject, sourcesProblem } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { FIXTURE_DIR, seedRaw, tempWarehouse, writeProject } from "./_fixture.ts";

Deno.test("sourcesProblem() says to run load first until a source the models read has rows", async () => {
  const { warehouse, close } = await tempWarehouse();
  try {
    const project = await loadProject(FIXTURE_DIR);
    const problem = await sourcesProblem(warehouse, project);
    assert.match(
      problem ?? "",
      /^no raw tables: run load first \(raw\.events, raw\.users are missing or empty in duckdb:.*wh\.duckdb\)$/,
    );
    await seedRaw(warehouse, [], [["U1", "A", "a@x", "", "Basic", "NA", "2026-01-01T00:00:00Z"]]);
    assert.equal(await sourcesProblem(warehouse, project), null, "one source with rows is enough");
  } finally {
    await close();
  }
});

Deno.test("sourcesProblem() counts a missing source table as empty, and ignores sources no model reads", async () => {
  const dir = await writeProject({
    "sources.yml":
      "sources:\n  - name: landing\n    tables:\n      - name: orders\n      - name: unused\n",
    "staging/stg_orders.sql": "select * from {{ source('landing', 'orders') }}",
    "staging/schema.yml": "models:\n  - name: stg_orders\n    grain: one row per order\n",
  });
  const warehouse = await openDuckDb(":memory:");
  try {
    const project = await loadProject(dir);
    assert.match(
      (await sourcesProblem(warehouse, project)) ?? "",
      /\(landing\.orders is missing or empty in duckdb::memory:\)$/,
    );
    await warehouse.execute("create schema landing; create table landing.orders as select 1 as id");
    assert.equal(await sourcesProblem(warehouse, project), null);
  } finally {
    await warehouse.close();
    await Deno.remove(dir, { recursive: true });
  }
});
