import assert from "node:assert/strict";
import { join } from "node:path";
import {
  collectDocs,
  DictionaryError,
  readDictionaryExtras,
  readRunResults,
  writeDocs,
} from "../../lib/docs/mod.ts";
import { runProject } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { PROJECT_FILES, seedThings, writeDocsProject } from "./_project.ts";

const FIXED_NOW = () => new Date("2026-03-01T12:00:00Z");

Deno.test("collectDocs() without a warehouse: types from YAML, no counts, tests not run", async () => {
  const dir = await writeDocsProject();
  try {
    const catalog = await collectDocs({ modelsDir: dir, now: FIXED_NOW });
    assert.deepEqual(catalog.models.map((m) => m.name), ["stg_things", "mart_kinds"]);
    const stg = catalog.models[0]!;
    assert.equal(stg.built, null);
    assert.equal(stg.rowCount, null);
    assert.deepEqual(
      stg.columns.map((c) => [c.name, c.type, c.typeFrom, c.inWarehouse]),
      [
        ["thing_id", "varchar", "yaml", null],
        ["kind", "varchar", "yaml", null],
        ["weight_kg", "double", "yaml", null],
      ],
    );
    assert.deepEqual(stg.columns[0]!.tests, ["unique", "not_null"]);
    assert.ok(stg.tests.every((test) => test.status === "not run"));
    assert.match(catalog.warehouseNote, /^No warehouse read \(no warehouse given\)/);
    assert.match(catalog.runResultsNote, /^No data test statuses/);
    assert.equal(catalog.generatedAt, "2026-03-01T12:00:00.000Z");
    assert.deepEqual(catalog.sources.map((s) => [s.key, s.children]), [["raw.things", [
      "stg_things",
    ]]]);
    assert.match(catalog.sources[0]!.description ?? "", /^Things as delivered/);
    // Only description gaps can be known without a warehouse.
    assert.deepEqual(catalog.problems, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectDocs() with a warehouse: its types, row counts, gaps and latest test statuses", async (t) => {
  const dir = await writeDocsProject();
  const wh = await openDuckDb(":memory:", { threads: 1 });
  try {
    await seedThings(wh);
    const results = await runProject(wh, { modelsDir: dir, targetDir: null, audit: false });
    assert.equal(results.success, true, results.errors.join("; "));
    const catalog = await collectDocs({
      modelsDir: dir,
      warehouse: wh,
      warehouseLabel: "test.duckdb",
      runResults: {
        ...results,
        tests: results.tests.filter((r) => r.name !== "unique_mart_kinds_kind"),
      },
      runResultsLabel: "results.json",
    });
    const [stg, mart] = catalog.models;

    await t.step("types come from the warehouse, row counts from count(*)", () => {
      assert.equal(stg!.built, true);
      assert.equal(stg!.rowCount, 3);
      assert.equal(mart!.rowCount, 2);
      assert.deepEqual(
        stg!.columns.map((c) => [c.name, c.type, c.typeFrom]),
        [["thing_id", "VARCHAR", "warehouse"], ["kind", "VARCHAR", "warehouse"], [
          "weight_kg",
          "DECIMAL(3,2)",
          "warehouse",
        ]],
      );
      assert.deepEqual(catalog.sources.map((s) => s.rowCount), [3]);
      assert.match(catalog.warehouseNote, /from test\.duckdb \(2 of 2 models built\)/);
    });

    await t.step("columns only in the warehouse or only in YAML are marked", () => {
      assert.deepEqual(
        mart!.columns.map((c) => [c.name, c.inWarehouse, c.description !== null]),
        [["kind", true, true], ["n_things", true, false], ["weight_kg", true, false], [
          "ghost",
          false,
          true,
        ]],
      );
      assert.deepEqual(
        catalog.problems.map((p) => `${p.kind} ${p.model}.${p.column}`),
        [
          "type_mismatch stg_things.weight_kg",
          "undocumented_column mart_kinds.n_things",
          "undocumented_column mart_kinds.weight_kg",
          "unknown_column mart_kinds.ghost",
        ],
      );
    });

    await t.step("test statuses come from the run results by name; others are not run", () => {
      const statuses = Object.fromEntries(
        catalog.models.flatMap((m) => m.tests).map((test) => [test.name, test.status]),
      );
      assert.equal(statuses["unique_stg_things_thing_id"], "pass");
      assert.equal(statuses["accepted_values_stg_things_kind"], "pass");
      assert.equal(statuses["unique_mart_kinds_kind"], "not run");
      assert.match(catalog.runResultsNote, /^Data test statuses from results\.json \(run /);
    });

    await t.step("compiled SQL for both dialects", () => {
      assert.match(mart!.sql.duckdb, /from staging\.stg_things group by kind/);
      assert.match(mart!.sql.bigquery, /from `terraloop_staging\.stg_things` group by kind/);
      assert.match(stg!.tests[0]!.sql, /^-- unique: stg_things\.thing_id/);
    });
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRunResults(): null for a missing file, a clear error naming a bad one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-docs-results-" });
  try {
    assert.equal(await readRunResults(join(dir, "missing.json")), null);
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, "{ not json");
    await assert.rejects(
      () => readRunResults(bad),
      (error: Error) =>
        error instanceof SyntaxError &&
        error.message.startsWith(`Cannot read run results "${bad}": not JSON`),
    );
    await Deno.writeTextFile(bad, JSON.stringify({ models: [] }));
    await assert.rejects(() => readRunResults(bad), /expected the object a models run writes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad YAML and a missing models directory are errors naming the file", async () => {
  const dir = await writeDocsProject({ "marts/schema.yml": "models: [\n  - name: x\n" });
  try {
    await assert.rejects(
      () => readDictionaryExtras(dir),
      (error: Error) =>
        error instanceof DictionaryError && error.message.includes("marts/schema.yml"),
    );
    await assert.rejects(
      () =>
        writeDocs({
          modelsDir: dir,
          warehouseConfig: null,
          runResultsPath: null,
          out: join(dir, "d.html"),
        }),
      /marts\/schema\.yml/,
    );
    await assert.rejects(
      () =>
        writeDocs({
          modelsDir: join(dir, "nope"),
          warehouseConfig: null,
          out: join(dir, "d.html"),
        }),
      /Cannot read models directory ".*nope": it does not exist/,
    );
    const typed = await writeDocsProject({
      "marts/schema.yml": PROJECT_FILES["marts/schema.yml"]!.replace(
        "data_type: bigint",
        "data_type: [1]",
      ),
    });
    try {
      await assert.rejects(
        () => readDictionaryExtras(typed),
        /marts\/schema\.yml": column "mart_kinds\.n_things" has a data_type that is not a type name/,
      );
    } finally {
      await Deno.remove(typed, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeDocs() reads a DuckDB file read-only: the file is unchanged, two readers at once", async () => {
  const project = await writeDocsProject();
  const dir = await Deno.makeTempDir({ prefix: "tl-docs-write-" });
  try {
    const path = join(dir, "wh.duckdb");
    const wh = await openDuckDb(path, { threads: 1 });
    await seedThings(wh);
    await runProject(wh, { modelsDir: project, targetDir: join(dir, "target"), audit: false });
    await wh.close();
    const before = await Deno.readFile(path);
    const write = (name: string) =>
      writeDocs({
        modelsDir: project,
        warehouseConfig: { kind: "duckdb", path },
        runResultsPath: join(dir, "target", "run_results.json"),
        out: join(dir, "out", name),
      });
    const [summary, other] = await Promise.all([write("docs.html"), write("docs-2.html")]);
    const after = await Deno.readFile(path);
    assert.deepEqual(after, before, "the warehouse file changed");
    assert.equal(summary.builtModels, 2);
    assert.equal(other.builtModels, 2);
    assert.equal(summary.testsWithStatus, 4);
    assert.equal(summary.bytes, (await Deno.stat(summary.path)).size);
    const page = await Deno.readTextFile(summary.path);
    assert.match(page, /Column types and row counts from .*wh\.duckdb \(2 of 2 models built\)/);

    const missing = await writeDocs({
      modelsDir: project,
      warehouseConfig: { kind: "duckdb", path: join(dir, "absent.duckdb") },
      runResultsPath: join(dir, "absent.json"),
      out: join(dir, "out", "docs-3.html"),
    });
    assert.equal(missing.builtModels, null);
    assert.match(missing.notes[0]!, /absent\.duckdb" does not exist; run `deno task pipeline`/);
    assert.match(missing.notes[1]!, /absent\.json" does not exist/);
    await assert.rejects(() => Deno.stat(join(dir, "absent.duckdb")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(project, { recursive: true });
  }
});
