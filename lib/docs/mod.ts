/**
 * The data dictionary and the docs page, in the spirit of `dbt docs`: every model's
 * description, grain, columns (types and descriptions), data tests with their latest
 * status, row counts and compiled SQL for both dialects, with a lineage graph laid out by
 * Graphviz, as one self-contained offline HTML file.
 *
 * ```ts
 * import { checkDictionary, loadProjectForDocs, writeDocs } from "./mod.ts";
 *
 * await writeDocs({ out: "reports/docs.html" });
 *
 * // Gaps between the YAML and a built warehouse, naming model and column:
 * const { project, extras } = await loadProjectForDocs("sql");
 * checkDictionary(project, extras, new Map([["fct_events", await wh.describe(rel)]]));
 * ```
 *
 * @module
 */
export * from "./dictionary.ts";
export * from "./catalog.ts";
export * from "./lineage.ts";
export * from "./build.ts";
export * from "./write.ts";
