/**
 * The data dictionary: what the models' YAML says about each column (description and
 * `data_type`), what the sources' YAML says about each raw table, and a check of the YAML
 * against the columns a built warehouse really has.
 *
 * `loadProject()` keeps model and column descriptions but not a column's `data_type` nor a
 * source table's description, so those two are read here from the same YAML files.
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Project } from "../models/mod.ts";
import type { ColumnInfo } from "../warehouse/mod.ts";

/** What the YAML files add to a loaded project for documentation. */
export interface DictionaryExtras {
  /** `data_type` of each documented column, by model then column name. */
  dataTypes: Map<string, Map<string, string>>;
  /** Description of each declared source table, keyed `source.table`. */
  sourceDescriptions: Map<string, string>;
  /** Description of each source (`raw`), keyed by source name. */
  sourceGroupDescriptions: Map<string, string>;
}

/** Thrown when a YAML file cannot be read; the message names the file. */
export class DictionaryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DictionaryError";
  }
}

/**
 * Read column `data_type`s and source descriptions from every YAML file under `dir`
 * (`macros/` excepted), the files `loadProject()` reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const extras = await readDictionaryExtras("sql");
 * assert.equal(extras.dataTypes.get("fct_events")?.get("event_at"), "timestamptz");
 * assert.equal(
 *   extras.sourceDescriptions.get("raw.events"),
 *   "One row per accepted event line; payload is the JSON object as delivered.",
 * );
 * ```
 */
export async function readDictionaryExtras(dir = "sql"): Promise<DictionaryExtras> {
  const extras: DictionaryExtras = {
    dataTypes: new Map(),
    sourceDescriptions: new Map(),
    sourceGroupDescriptions: new Map(),
  };
  for (const file of await _yamlFiles(dir)) {
    const path = _display(file);
    let doc: unknown;
    try {
      doc = parseYaml(await Deno.readTextFile(file));
    } catch (error) {
      throw new DictionaryError(`Cannot read "${path}": ${_message(error)}`, { cause: error });
    }
    if (!_isRecord(doc)) continue;
    for (const model of _records(doc.models)) {
      if (typeof model.name !== "string") continue;
      const types = new Map<string, string>();
      for (const column of _records(model.columns)) {
        if (typeof column.name !== "string") continue;
        const type = column.data_type ?? column.type;
        if (type === undefined || type === null) continue;
        if (typeof type !== "string" || !type.trim()) {
          throw new DictionaryError(
            `Cannot read "${path}": column "${model.name}.${column.name}" has a data_type ` +
              `that is not a type name (${JSON.stringify(type)})`,
          );
        }
        types.set(column.name.trim(), type.trim());
      }
      if (types.size > 0) extras.dataTypes.set(model.name.trim(), types);
    }
    for (const source of _records(doc.sources)) {
      if (typeof source.name !== "string") continue;
      if (typeof source.description === "string") {
        extras.sourceGroupDescriptions.set(source.name.trim(), source.description.trim());
      }
      for (const table of _records(source.tables)) {
        if (typeof table.name !== "string" || typeof table.description !== "string") continue;
        extras.sourceDescriptions.set(
          `${source.name.trim()}.${table.name.trim()}`,
          table.description.trim(),
        );
      }
    }
  }
  return extras;
}

/** Kinds of gap between the YAML and the warehouse. */
export type DictionaryProblemKind =
  | "undocumented_column"
  | "unknown_column"
  | "type_mismatch"
  | "no_model_description"
  | "not_built";

/** One gap between the YAML and the warehouse, naming the model and column. */
export interface DictionaryProblem {
  /** What is wrong. */
  kind: DictionaryProblemKind;
  /** Model name. */
  model: string;
  /** Column name, for column problems. */
  column: string | null;
  /** A sentence naming the model, the column and the file to edit. */
  message: string;
}

/**
 * Compare the YAML of every model with the columns the warehouse has. Reports a column the
 * model produces that has no `description:` in YAML, a column described in YAML that the
 * model does not produce, a `data_type` that differs from the warehouse's type, a model
 * without a description, and a model missing from `actual`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProject } from "../models/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * // dim_users as built, with one column the YAML does not describe
 * const wh = await openDuckDb(":memory:");
 * await wh.execute("create schema marts");
 * await wh.execute(
 *   `create table marts.dim_users (user_id varchar, full_name varchar, email varchar,
 *      company varchar, tier varchar, region varchar, signup_at timestamptz, signup_date date,
 *      signup_week date, is_vip boolean)`,
 * );
 * const actual = new Map([["dim_users", await wh.describe({ schema: "marts", name: "dim_users" })]]);
 * const project = await loadProject("sql");
 * const problems = checkDictionary(project, await readDictionaryExtras("sql"), actual);
 * assert.deepEqual(problems.filter((p) => p.model === "dim_users"), [{
 *   kind: "undocumented_column",
 *   model: "dim_users",
 *   column: "is_vip",
 *   message: 'column "dim_users.is_vip" (BOOLEAN) has no description in sql/marts/schema.yml',
 * }]);
 * assert.equal(problems.find((p) => p.model === "fct_events")?.kind, "not_built");
 * await wh.close();
 * ```
 */
export function checkDictionary(
  project: Project,
  extras: DictionaryExtras,
  actual: ReadonlyMap<string, readonly ColumnInfo[]>,
): DictionaryProblem[] {
  const problems: DictionaryProblem[] = [];
  for (const name of project.order) {
    const model = project.models.get(name)!;
    const yaml = model.yamlPath ?? `the YAML next to ${model.path}`;
    if (!model.description?.trim()) {
      problems.push({
        kind: "no_model_description",
        model: name,
        column: null,
        message: `model "${name}" has no description (add "description:" to its entry in ${yaml})`,
      });
    }
    const columns = actual.get(name);
    if (!columns) {
      problems.push({
        kind: "not_built",
        model: name,
        column: null,
        message: `model "${name}" is not in the warehouse, so its columns cannot be checked`,
      });
      continue;
    }
    const documented = new Map(model.columns.map((column) => [column.name, column]));
    const types = extras.dataTypes.get(name);
    for (const column of columns) {
      const spec = documented.get(column.name);
      if (!spec?.description?.trim()) {
        problems.push({
          kind: "undocumented_column",
          model: name,
          column: column.name,
          message: `column "${name}.${column.name}" (${column.type}) has no description in ${yaml}`,
        });
      }
      const declared = types?.get(column.name);
      if (declared !== undefined && !sameType(declared, column.type)) {
        problems.push({
          kind: "type_mismatch",
          model: name,
          column: column.name,
          message: `column "${name}.${column.name}" is ${column.type} in the warehouse but ` +
            `data_type "${declared}" in ${yaml}`,
        });
      }
    }
    const present = new Set(columns.map((column) => column.name));
    for (const spec of model.columns) {
      if (!present.has(spec.name)) {
        problems.push({
          kind: "unknown_column",
          model: name,
          column: spec.name,
          message: `column "${name}.${spec.name}" is described in ${yaml} but the model ` +
            `does not produce it (it has ${[...present].join(", ") || "no columns"})`,
        });
      }
    }
  }
  return problems;
}

const TYPE_ALIASES: Record<string, string> = {
  "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
  "INT8": "BIGINT",
  "LONG": "BIGINT",
  "INT64": "BIGINT",
  "FLOAT8": "DOUBLE",
  "FLOAT64": "DOUBLE",
  "BOOL": "BOOLEAN",
  "STRING": "VARCHAR",
  "TEXT": "VARCHAR",
};

/**
 * Whether two type names mean the same type, ignoring case, spacing and common aliases
 * (`timestamptz` = `TIMESTAMP WITH TIME ZONE`, `STRING` = `VARCHAR`, `INT64` = `BIGINT`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(sameType("timestamptz", "TIMESTAMP WITH TIME ZONE"), true);
 * assert.equal(sameType("double", "BIGINT"), false);
 * ```
 */
export function sameType(a: string, b: string): boolean {
  return _canonicalType(a) === _canonicalType(b);
}

function _canonicalType(type: string): string {
  const upper = type.trim().replace(/\s+/g, " ").toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

async function _yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(folder: string, depth: number): Promise<void> {
    const entries: Deno.DirEntry[] = [];
    try {
      for await (const entry of Deno.readDir(folder)) entries.push(entry);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new DictionaryError(`Cannot read models directory "${dir}": it does not exist`);
      }
      throw error;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory && !(depth === 0 && entry.name === "macros")) {
        await visit(path, depth + 1);
      } else if (entry.isFile && /\.ya?ml$/.test(entry.name)) out.push(path);
    }
  }
  await visit(dir, 0);
  return out;
}

function _records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(_isRecord) : [];
}

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function _display(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel && !rel.startsWith("..") && !rel.startsWith(sep) ? rel.split(sep).join("/") : path;
}
