/**
 * A dbt-style model runner: SQL templates (Jinja via nunjucks) under `sql/<schema>/`, YAML
 * properties and data tests next to them, dialect macros for DuckDB and BigQuery, a DAG
 * from `ref()`/`source()`, atomic builds and `dbt build` semantics.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileProject, loadProject, runProject, untestedKeys } from "./mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const project = await loadProject("sql");
 * assert.deepEqual(untestedKeys(project), []); // every model's key is tested
 * const compiled = await compileProject(project, { dialect: "bigquery" });
 * assert.equal(compiled.models.length, project.order.length);
 *
 * // Build a one-model project and run its data tests, as `deno task models` does with sql/:
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/marts`);
 * await Deno.writeTextFile(`${dir}/marts/numbers.sql`, "select 1 as n union all select 2 as n");
 * await Deno.writeTextFile(
 *   `${dir}/marts/schema.yml`,
 *   "models:\n  - name: numbers\n    grain: one row per number\n" +
 *     "    columns:\n      - name: n\n        tests: [unique, not_null]\n",
 * );
 * const wh = await openDuckDb(":memory:");
 * const results = await runProject(wh, { modelsDir: dir, targetDir: `${dir}/target` });
 * assert.deepEqual(results.summary.tests.pass, 2);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./macros.ts";
export * from "./project.ts";
export * from "./dag.ts";
export * from "./compile.ts";
export * from "./run.ts";
export * from "./coverage.ts";
export * from "./sources.ts";
export * from "./check_sql.ts";
