/**
 * The data dictionary and the docs page, in the spirit of `dbt docs`: every model's
 * description, grain, columns (types and descriptions), data tests with their latest
 * status, row counts and compiled SQL for both dialects, with a lineage graph laid out by
 * Graphviz, as one self-contained offline HTML file.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDictionary, readDictionaryExtras, writeDocs } from "./mod.ts";
 * import { loadProject } from "../models/mod.ts";
 *
 * // `deno task docs` writes reports/docs.html from data/warehouse.duckdb and target/
 * const dir = await Deno.makeTempDir();
 * const summary = await writeDocs({
 *   out: `${dir}/docs.html`,
 *   warehouseConfig: null, // no warehouse: column types come from the YAML
 *   runResultsPath: null,
 * });
 * assert.equal(summary.models, 12);
 *
 * // Gaps between the YAML and a warehouse, naming model and column:
 * const actual = new Map([["dim_users", [{ name: "user_id", type: "VARCHAR" }]]]);
 * const project = await loadProject("sql");
 * const problems = checkDictionary(project, await readDictionaryExtras("sql"), actual);
 * assert.ok(problems.some((p) => p.kind === "unknown_column" && p.column === "tier"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./dictionary.ts";
export * from "./catalog.ts";
export * from "./lineage.ts";
export * from "./build.ts";
export * from "./write.ts";
