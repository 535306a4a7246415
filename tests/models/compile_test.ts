import assert from "node:assert/strict";
import { join } from "node:path";
import { compileProject, loadProject, tidySql, writeCompiled } from "../../lib/models/mod.ts";
import { FIXTURE_DIR } from "./_fixture.ts";
import { assertGoldenCompiled, compiledFiles } from "./golden.ts";

const GOLDEN_DIR = new URL("../testdata/models_golden", import.meta.url).pathname;

Deno.test("compileProject() output for DuckDB and BigQuery matches the golden files", async () => {
  await assertGoldenCompiled(FIXTURE_DIR, GOLDEN_DIR);
});

Deno.test("assertGoldenCompiled() fails when compiled SQL drifts from the golden files", async () => {
  const golden = await Deno.makeTempDir({ prefix: "golden-" });
  try {
    await assertGoldenCompiled(FIXTURE_DIR, golden, { update: true });
    await assertGoldenCompiled(FIXTURE_DIR, golden, { update: false });
    const file = join(golden, "bigquery", "fct_events.sql");
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace("left join", "inner join"),
    );
    await assert.rejects(
      () => assertGoldenCompiled(FIXTURE_DIR, golden, { update: false }),
      /bigquery\/fct_events\.sql differs/,
    );
    await Deno.writeTextFile(join(golden, "duckdb", "stale_model.sql"), "select 1\n");
    await assert.rejects(
      () => assertGoldenCompiled(FIXTURE_DIR, golden, { dialects: ["duckdb"], update: false }),
      /compiled duckdb files differ/,
    );
  } finally {
    await Deno.remove(golden, { recursive: true });
  }
});

Deno.test("compileProject() renders ref, source and this per dialect and naming options", async (t) => {
  const project = await loadProject(FIXTURE_DIR);
  await t.step("BigQuery project and dataset prefix", async () => {
    const files = await compiledFiles(project, {
      dialect: "bigquery",
      bigqueryProject: "acme-analytics",
      datasetPrefix: "tl",
    });
    assert.match(files.get("fct_events.sql")!, /from `acme-analytics\.tl_staging\.stg_events`/);
    assert.match(files.get("stg_events.sql")!, /from `acme-analytics\.tl_raw\.events`/);
    assert.match(
      files.get("tests/no_events_before_2020.sql")!,
      /from `acme-analytics\.tl_staging\.stg_events`/,
    );
  });
  await t.step("models come in build order with their materialisation", async () => {
    const compiled = await compileProject(project, { dialect: "duckdb" });
    assert.deepEqual(
      compiled.models.map((m) => `${m.relationSql}:${m.materialized}`),
      [
        "staging.stg_events:view",
        "staging.stg_users:table",
        "marts.dim_users:table",
        "marts.fct_events:table",
        "marts.mart_daily_activity:table",
      ],
    );
  });
});

Deno.test("writeCompiled() writes models and tests under <outDir>/<dialect>/, replacing old files", async () => {
  const out = await Deno.makeTempDir({ prefix: "compiled-" });
  try {
    await Deno.mkdir(join(out, "duckdb"), { recursive: true });
    await Deno.writeTextFile(join(out, "duckdb", "removed_model.sql"), "select 1\n");
    const compiled = await compileProject(FIXTURE_DIR, { dialect: "duckdb" });
    const written = await writeCompiled(compiled, { outDir: out });
    assert.equal(written.length, compiled.models.length + compiled.tests.length);
    assert.equal(
      await Deno.readTextFile(join(out, "duckdb", "dim_users.sql")),
      compiled.models.find((m) => m.name === "dim_users")!.sql,
    );
    assert.ok(
      (await Deno.stat(join(out, "duckdb", "tests", "unique_stg_events_event_id.sql"))).isFile,
    );
    await assert.rejects(
      () => Deno.stat(join(out, "duckdb", "removed_model.sql")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("tidySql() drops the blank lines config() leaves and a trailing semicolon", () => {
  assert.equal(tidySql("\n\nselect 1;  \n\n"), "select 1\n");
  assert.equal(
    tidySql("with a as (\n    select 1   \n)\nselect * from a"),
    "with a as (\n    select 1\n)\nselect * from a\n",
  );
});
