/**
 * Key coverage: is every model's key tested for uniqueness and presence?
 *
 * @module
 */
import type { Project } from "./project.ts";

/** A model whose key is not (fully) tested. */
export interface UntestedKey {
  /** Model name. */
  model: string;
  /** Key column(s), or `null` when none could be found. */
  key: string[] | null;
  /** Missing tests, e.g. `["unique"]`, `["not_null(region)"]`, `["key"]` when no key. */
  missing: string[];
  /** One sentence naming the model, its YAML file and what is missing. */
  message: string;
}

/**
 * Models whose key lacks `unique` + `not_null` tests. The key is the model's declared
 * `unique_key` (YAML `unique_key:` or `config: { unique_key: … }` or the header
 * `config(unique_key=…)`), else the first YAML column whose name ends in `_id`. A single
 * key column needs `unique` and `not_null` column tests (or a `unique_combination` of just
 * that column instead of `unique`); a composite key (a list) needs `not_null` on each column
 * and a `unique_combination` test over exactly those columns. A model with no key found is
 * reported too, so grains like "one row per day and region" must declare `unique_key`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProject } from "./project.ts";
 *
 * assert.deepEqual(untestedKeys(await loadProject("sql")), []); // every key is tested
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/marts`);
 * await Deno.writeTextFile(`${dir}/marts/mart_days.sql`, "select current_date as day");
 * await Deno.writeTextFile(
 *   `${dir}/marts/schema.yml`,
 *   "models:\n  - name: mart_days\n    grain: one row per day\n",
 * );
 * const [problem] = untestedKeys(await loadProject(dir));
 * assert.deepEqual([problem?.model, problem?.key, problem?.missing], ["mart_days", null, ["key"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function untestedKeys(project: Project): UntestedKey[] {
  const problems: UntestedKey[] = [];
  for (const name of project.order) {
    const model = project.models.get(name)!;
    const where = model.yamlPath ?? model.path;
    const declared = model.uniqueKey === undefined
      ? undefined
      : Array.isArray(model.uniqueKey)
      ? model.uniqueKey
      : [model.uniqueKey];
    const key = declared ??
      model.columns.filter((c) => c.name.endsWith("_id")).slice(0, 1).map((c) => c.name);
    if (key.length === 0) {
      problems.push({
        model: name,
        key: null,
        missing: ["key"],
        message:
          `${where}: model "${name}" has no key: declare unique_key or a column ending in _id`,
      });
      continue;
    }
    const tests = project.tests.filter((t) => t.model === name);
    const has = (type: string, column: string) =>
      tests.some((t) => t.type === type && t.column === column && !t.where);
    const combination = tests.some((t) =>
      t.type === "unique_combination" && !t.where && t.columns !== undefined &&
      t.columns.length === key.length && key.every((c) => t.columns!.includes(c))
    );
    const missing: string[] = [];
    if (key.length === 1) {
      if (!has("unique", key[0]!) && !combination) missing.push("unique");
      if (!has("not_null", key[0]!)) missing.push("not_null");
    } else {
      if (!combination) missing.push(`unique_combination(${key.join(", ")})`);
      for (const column of key) if (!has("not_null", column)) missing.push(`not_null(${column})`);
    }
    if (missing.length > 0) {
      problems.push({
        model: name,
        key,
        missing,
        message: `${where}: key (${key.join(", ")}) of model "${name}" lacks ${missing.join(", ")}`,
      });
    }
  }
  return problems;
}
