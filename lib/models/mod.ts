/**
 * A dbt-style model runner: SQL templates (Jinja via nunjucks) under `sql/<schema>/`, YAML
 * properties and data tests next to them, dialect macros for DuckDB and BigQuery, a DAG
 * from `ref()`/`source()`, atomic builds and `dbt build` semantics.
 *
 * ```ts
 * import { compileProject, runProject, untestedKeys, loadProject } from "./mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const compiled = await compileProject("sql", { dialect: "bigquery" });
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * const results = await runProject(wh, { select: "stg_events+" });
 * untestedKeys(await loadProject("sql")); // [] when every key is tested
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
