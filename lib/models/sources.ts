/**
 * Whether a project's sources hold anything to build from: `models` on a warehouse where
 * nothing was loaded would build empty models and fail on an unrelated data test.
 *
 * @module
 */
import type { Warehouse } from "../warehouse/types.ts";
import type { Project } from "./project.ts";

/**
 * Why the models of `project` cannot be built from `warehouse` yet, or `null` when they
 * can: every source table the models read is missing or empty, which means nothing has
 * been loaded (`"no raw tables: run load first (…)"`). One source with rows is enough; a
 * project that reads no source has no problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { loadProject } from "./project.ts";
 * const wh = await openDuckDb(":memory:");
 * const problem = await sourcesProblem(wh, await loadProject("sql"));
 * assert.match(problem ?? "", /^no raw tables: run load first/);
 * await wh.close();
 * ```
 */
export async function sourcesProblem(
  warehouse: Warehouse,
  project: Project,
): Promise<string | null> {
  const used = new Set([...project.models.values()].flatMap((model) => model.sources));
  const tables = [...project.sources.entries()].filter(([key]) => used.has(key));
  if (tables.length === 0) return null;
  const names: string[] = [];
  for (const [, table] of tables) {
    const relation = { schema: table.schema, name: table.identifier };
    names.push(`${table.schema}.${table.identifier}`);
    if (!await warehouse.exists(relation)) continue;
    const [row] = await warehouse.query<{ n: number }>(
      `select count(*) as n from (select 1 as one from ${warehouse.relation(relation)} limit 1)`,
    );
    if (Number(row?.n ?? 0) > 0) return null;
  }
  names.sort();
  return `no raw tables: run load first (${names.join(", ")} ${
    names.length === 1 ? "is" : "are"
  } missing or empty in ${warehouse.description})`;
}
