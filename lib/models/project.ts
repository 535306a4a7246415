/**
 * Model project discovery: SQL files, YAML properties, sources, data tests and the DAG.
 *
 * @module
 */
import { basename, join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Materialization, MaterializeOptions, MergeOptions } from "../warehouse/types.ts";
import { checkMergeOptions } from "../warehouse/incremental.ts";
import { materializeOptionsOf } from "../warehouse/materialize_options.ts";
import { type MacroFile, macroNamesIn, Renderer, TemplateRenderError } from "./_render.ts";
import { levelOrder } from "./dag.ts";
import { suggest } from "./_suggest.ts";

/** Test severity: `error` stops downstream models, `warn` is reported only. */
export type Severity = "error" | "warn";

/** Kinds of data test. */
export type DataTestType =
  | "unique"
  | "not_null"
  | "accepted_values"
  | "relationships"
  | "unique_combination"
  | "custom"
  | "singular";

/** A data test, independent of dialect. */
export interface DataTestSpec {
  /** Unique name, e.g. `unique_stg_events_event_id`. */
  name: string;
  /** Kind of test. */
  type: DataTestType;
  /** Model the test is attached to (`null` for a singular test that refs no model). */
  model: string | null;
  /** Tested column, for column tests. */
  column: string | null;
  /** `error` (default) or `warn`. */
  severity: Severity;
  /** Allowed values (`accepted_values`). */
  values?: unknown[];
  /** Whether `values` are quoted as strings (`accepted_values`). */
  quote?: boolean;
  /** Parent model of a `relationships` test. */
  to?: string;
  /** Parent column of a `relationships` test. */
  field?: string;
  /** Columns of a `unique_combination` test. */
  columns?: string[];
  /** SQL condition limiting the rows tested. */
  where?: string;
  /** Template returning failing rows (`custom`, `singular`). */
  template?: string;
  /** File that declares the test. */
  path: string;
  /** Models the test reads (the attached model first). */
  dependsOn: string[];
}

/** One column's YAML properties. */
export interface ColumnSpec {
  /** Column name. */
  name: string;
  /** Description from YAML. */
  description?: string;
}

/** A declared source table (`{{ source('raw', 'events') }}`). */
export interface SourceTable {
  /** Source name, e.g. `raw`. */
  source: string;
  /** Table name used in `source()`. */
  name: string;
  /** Warehouse schema (dataset) it lives in. */
  schema: string;
  /** Table name in the warehouse. */
  identifier: string;
}

/** A model: one SQL file. */
export interface ModelNode {
  /** Table name (file name without `.sql`). */
  name: string;
  /** Schema, from the folder. */
  schema: string;
  /** File path as shown in messages. */
  path: string;
  /** Template text. */
  template: string;
  /** How it is built. */
  materialized: Materialization;
  /** Merged config (folder default < YAML `config:` < header `config()`). */
  config: Record<string, unknown>;
  /** Description from YAML. */
  description?: string;
  /** Grain from YAML, e.g. "one row per event". */
  grain?: string;
  /** Declared key column(s): YAML `unique_key` or `config.unique_key`. */
  uniqueKey?: string | string[];
  /**
   * Physical options of its table, from `partition_by` / `cluster_by` in its config (see
   * `materializeOptionsOf`): BigQuery partitions and clusters by them, and the partitions an
   * `insert_overwrite` model replaces are those of `partition_by`.
   */
  materializeOptions: MaterializeOptions;
  /** How an incremental model merges its batches; set only when `materialized` is `incremental`. */
  incremental?: IncrementalConfig;
  /** Columns declared in YAML, in order. */
  columns: ColumnSpec[];
  /** Models it refs, sorted. */
  refs: string[];
  /** Sources it reads, as `source.table`. */
  sources: string[];
  /** YAML file that documents it. */
  yamlPath?: string;
}

/**
 * An incremental model's settings, from its config: `incremental_strategy` (`merge`, the
 * default, by `unique_key`; or `insert_overwrite`, by `partition_by`), `unique_key`,
 * `partition_by`, `lookback_hours` (how far before the newest `_loaded_at` already built
 * `incremental_watermark()` reaches back, to pick up rows committed late) and
 * `full_refresh_if` (a query that says when merging would go wrong).
 */
export interface IncrementalConfig extends MergeOptions {
  /** Merge strategy. */
  strategy: NonNullable<MergeOptions["strategy"]>;
  /** Key columns (as a list). */
  uniqueKey: string[];
  /** Hours subtracted from the watermark (`lookback_hours`, default 0). */
  lookbackHours: number;
  /**
   * `full_refresh_if`: a template of a query whose first value is true when the table can no
   * longer be merged into (e.g. raw rows were replaced or removed since the last build).
   */
  fullRefreshIf?: string;
}

/** A loaded project. */
export interface Project {
  /** Models directory as given. */
  dir: string;
  /** Models by name. */
  models: Map<string, ModelNode>;
  /** Model names in build order (dependencies first, then by name). */
  order: string[];
  /** Direct parents (models referenced) of each model. */
  parents: Map<string, string[]>;
  /** Direct children of each model. */
  children: Map<string, string[]>;
  /** Declared source tables keyed `source.table`. */
  sources: Map<string, SourceTable>;
  /** All data tests, in declaration order. */
  tests: DataTestSpec[];
  /** User macro files (`<dir>/macros/*.sql`). */
  macroFiles: MacroFile[];
}

/** Options for {@linkcode loadProject}. */
export interface LoadProjectOptions {
  /**
   * Default materialisation per schema folder; other folders default to `view`.
   * @default {{ staging: "view", marts: "table" }}
   */
  defaultMaterialized?: Record<string, Materialization>;
  /**
   * Require a `grain` in YAML for every model.
   * @default {true}
   */
  requireGrain?: boolean;
}

const RESERVED_FOLDERS = new Set(["macros", "tests"]);
const MATERIALIZATIONS: readonly Materialization[] = ["view", "table", "incremental"];

/** Thrown when a project cannot be loaded; the message names the file and the problem. */
export class ProjectError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProjectError";
  }
}

/**
 * Discover and validate a model project: every `*.sql` under `dir` (except `macros/` and
 * `tests/`) is a model named after its file, in the schema named after its top folder;
 * YAML files (`*.yml`, `*.yaml`) declare sources, model properties and data tests;
 * `tests/*.sql` are singular tests. Dependencies come from rendering each template.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const project = await loadProject("sql");
 * assert.equal(project.order[0], "base_events"); // dependencies first
 * assert.equal(project.models.get("fct_events")?.grain, "one row per event");
 * assert.deepEqual(project.parents.get("dim_users"), ["stg_users"]);
 * ```
 */
export async function loadProject(dir = "sql", options: LoadProjectOptions = {}): Promise<Project> {
  const files = await _walk(dir);
  const macroFiles = await _readMacroFiles(dir, files);
  const models = await _discoverModels(
    dir,
    files,
    options.defaultMaterialized ?? { staging: "view", marts: "table" },
  );
  const { sources, modelEntries } = await _readYamlFiles(dir, files);
  const yamlTests = _applyModelEntries(modelEntries, models, dir);
  if (options.requireGrain ?? true) _requireGrain(models);
  const renderer = new Renderer("duckdb", macroFiles);
  _resolveModelDependencies(renderer, models, sources);
  const tests = [
    ..._resolveYamlTests(renderer, yamlTests, models, sources),
    ...await _readSingularTests(dir, files, renderer, models, sources),
  ];
  _requireUniqueTestNames(tests);
  return { dir, models, ..._graph(models), sources, tests, macroFiles };
}

/** A model entry of a YAML file, with the file it came from. */
interface ModelEntry {
  entry: Record<string, unknown>;
  path: string;
}

/** A data test declared in YAML, before its dependencies are known. */
interface YamlTest {
  spec: Omit<DataTestSpec, "dependsOn">;
  /** The template of a custom (`{ name, sql }`) test. */
  customSql?: string;
}

// Discovery: files on disk.

/** `<dir>/macros/*.sql` and `*.njk`, with the macro names each defines. */
async function _readMacroFiles(dir: string, files: string[]): Promise<MacroFile[]> {
  const macroFiles: MacroFile[] = [];
  for (const file of files.filter((f) => f.startsWith(`macros${sep}`) && /\.(sql|njk)$/.test(f))) {
    const source = await Deno.readTextFile(join(dir, file));
    macroFiles.push({ name: file.split(sep).join("/"), source, macros: macroNamesIn(source) });
  }
  return macroFiles;
}

/** Every `<schema>/…/<name>.sql` outside `macros/` and `tests/` is a model. */
async function _discoverModels(
  dir: string,
  files: string[],
  defaults: Record<string, Materialization>,
): Promise<Map<string, ModelNode>> {
  const models = new Map<string, ModelNode>();
  for (const file of files.filter((f) => f.endsWith(".sql"))) {
    const parts = file.split(sep);
    if (RESERVED_FOLDERS.has(parts[0]!)) continue;
    const path = _display(join(dir, file));
    if (parts.length < 2) {
      throw new ProjectError(
        `${path}: a model must live in a folder named after its schema (e.g. ${
          _display(join(dir, "staging"))
        }/)`,
      );
    }
    const name = basename(file, ".sql");
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ProjectError(`${path}: model name "${name}" must be letters, digits and _`);
    }
    const other = models.get(name);
    if (other) {
      throw new ProjectError(`${path}: model "${name}" is also defined in ${other.path}`);
    }
    const schema = parts[0]!;
    models.set(name, {
      name,
      schema,
      path,
      template: await Deno.readTextFile(join(dir, file)),
      materialized: defaults[schema] ?? "view",
      config: { materialized: defaults[schema] ?? "view" },
      materializeOptions: {},
      columns: [],
      refs: [],
      sources: [],
    });
  }
  return models;
}

/** `tests/*.sql`: singular tests, attached to the first model they ref. */
async function _readSingularTests(
  dir: string,
  files: string[],
  renderer: Renderer,
  models: Map<string, ModelNode>,
  sources: Map<string, SourceTable>,
): Promise<DataTestSpec[]> {
  const tests: DataTestSpec[] = [];
  for (const file of files.filter((f) => f.startsWith(`tests${sep}`) && f.endsWith(".sql"))) {
    const path = _display(join(dir, file));
    const template = await Deno.readTextFile(join(dir, file));
    const refs = new Set<string>();
    const header = _scanTemplate(renderer, template, path, models, sources, refs);
    const attached = [...refs];
    tests.push({
      name: basename(file, ".sql"),
      type: "singular",
      model: attached[0] ?? null,
      column: null,
      severity: _severity(header.severity, path, basename(file, ".sql")),
      template,
      path,
      dependsOn: attached,
    });
  }
  return tests;
}

// YAML: sources, model properties and the data tests declared on them.

/** Parse every YAML file (outside `macros/`): its sources, and its model entries. */
async function _readYamlFiles(
  dir: string,
  files: string[],
): Promise<{ sources: Map<string, SourceTable>; modelEntries: ModelEntry[] }> {
  const sources = new Map<string, SourceTable>();
  const modelEntries: ModelEntry[] = [];
  for (const file of files.filter((f) => /\.ya?ml$/.test(f) && !f.startsWith(`macros${sep}`))) {
    const path = _display(join(dir, file));
    let doc: unknown;
    try {
      doc = parseYaml(await Deno.readTextFile(join(dir, file)));
    } catch (error) {
      throw new ProjectError(`Cannot read "${path}": ${_message(error)}`, { cause: error });
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== "object" || Array.isArray(doc)) {
      throw new ProjectError(`${path}: expected a mapping with "models:" and/or "sources:"`);
    }
    const record = doc as Record<string, unknown>;
    _addSources(record.sources, path, sources);
    for (const entry of _list(record.models, path, "models")) modelEntries.push({ entry, path });
  }
  return { sources, modelEntries };
}

/** A YAML `sources:` list into `sources`, keyed `source.table`; refuses duplicates. */
function _addSources(list: unknown, path: string, sources: Map<string, SourceTable>): void {
  for (const source of _list(list, path, "sources")) {
    const sourceName = _string(source.name, path, "a source without a name");
    const schema = source.schema === undefined ? sourceName : String(source.schema);
    for (const table of _list(source.tables, path, `source "${sourceName}" tables`)) {
      const tableName = _string(
        table.name,
        path,
        `a table of source "${sourceName}" without a name`,
      );
      const key = `${sourceName}.${tableName}`;
      if (sources.has(key)) {
        throw new ProjectError(`${path}: source table "${key}" is declared twice`);
      }
      sources.set(key, {
        source: sourceName,
        name: tableName,
        schema,
        identifier: table.identifier === undefined ? tableName : String(table.identifier),
      });
    }
  }
}

/**
 * Apply each YAML model entry to its model (description, grain, config, key, columns);
 * returns the data tests the entries declare, in declaration order.
 */
function _applyModelEntries(
  entries: ModelEntry[],
  models: Map<string, ModelNode>,
  dir: string,
): YamlTest[] {
  const tests: YamlTest[] = [];
  for (const { entry, path } of entries) {
    const name = _string(entry.name, path, "a model entry without a name");
    const model = models.get(name);
    if (!model) {
      throw new ProjectError(
        `${path}: model "${name}" has no SQL file (no ${name}.sql under ${_display(dir)}/)`,
      );
    }
    if (model.yamlPath) {
      throw new ProjectError(`${path}: model "${name}" is also described in ${model.yamlPath}`);
    }
    model.yamlPath = path;
    if (entry.description !== undefined) model.description = String(entry.description);
    if (entry.grain !== undefined && entry.grain !== null) model.grain = String(entry.grain).trim();
    const config = entry.config === undefined
      ? {}
      : _record(entry.config, path, `model "${name}" config`);
    Object.assign(model.config, config);
    const key = entry.unique_key ?? config.unique_key;
    if (key !== undefined) model.uniqueKey = _key(key, path, name);
    for (const column of _list(entry.columns, path, `model "${name}" columns`)) {
      const columnName = _string(column.name, path, `a column of model "${name}" without a name`);
      model.columns.push({
        name: columnName,
        ...(column.description !== undefined ? { description: String(column.description) } : {}),
      });
      for (const test of _testList(column, path, `column "${name}.${columnName}" tests`)) {
        tests.push({ spec: _columnTest(test, name, columnName, path) });
      }
    }
    for (const test of _testList(entry, path, `model "${name}" tests`)) {
      tests.push(_modelTest(test, name, path));
    }
  }
  return tests;
}

// Validation and dependencies.

function _requireGrain(models: Map<string, ModelNode>): void {
  for (const model of models.values()) {
    if (!model.grain) {
      const where = model.yamlPath ?? model.path;
      throw new ProjectError(
        `${where}: model "${model.name}" has no grain (add "grain: one row per …" to its YAML entry)`,
      );
    }
  }
}

/**
 * Render each model's template once to learn its refs, sources and header `config()`;
 * checks every ref and source and the final materialisation.
 */
function _resolveModelDependencies(
  renderer: Renderer,
  models: Map<string, ModelNode>,
  sources: Map<string, SourceTable>,
): void {
  const names = [...models.keys()];
  for (const model of models.values()) {
    const refs = new Set<string>();
    const used = new Set<string>();
    const header: Record<string, unknown> = {};
    // An incremental model is rendered both ways: its `is_incremental()` branch may read more.
    const scan = (incremental: boolean, template = model.template, path = model.path) =>
      renderer.render(template, path, {
        ref: (name) => {
          _checkRef(name, models, names);
          refs.add(name);
          return name;
        },
        source: (source, table) => {
          _checkSource(source, table, sources);
          used.add(`${source}.${table}`);
          return `${source}.${table}`;
        },
        config: (options) => Object.assign(header, options),
        this: { schema: model.schema, name: model.name, toString: () => model.name },
        target: { type: "duckdb", name: "duckdb" },
        incremental,
        watermark: () => "null",
      });
    scan(false);
    Object.assign(model.config, header);
    if (header.unique_key !== undefined) {
      model.uniqueKey = _key(header.unique_key, model.path, model.name);
    }
    const materialized = String(model.config.materialized);
    if (!MATERIALIZATIONS.includes(materialized as Materialization)) {
      throw new ProjectError(
        `${model.path}: materialized "${materialized}" is not supported (use view, table or incremental)`,
      );
    }
    model.materialized = materialized as Materialization;
    try {
      model.materializeOptions = materializeOptionsOf(model.config, `model "${model.name}"`);
    } catch (error) {
      throw new ProjectError(`${model.path}: ${(error as Error).message}`);
    }
    if (model.materialized === "incremental") {
      model.incremental = _incrementalConfig(model);
      scan(true);
      if (model.incremental.fullRefreshIf !== undefined) {
        const where = `${model.yamlPath ?? model.path} (full_refresh_if of "${model.name}")`;
        scan(true, model.incremental.fullRefreshIf, where);
      }
    }
    model.refs = [...refs].sort();
    model.sources = [...used].sort();
  }
}

/** The models each YAML test reads: its model, a relationships parent, a custom test's refs. */
function _resolveYamlTests(
  renderer: Renderer,
  yamlTests: YamlTest[],
  models: Map<string, ModelNode>,
  sources: Map<string, SourceTable>,
): DataTestSpec[] {
  const names = [...models.keys()];
  return yamlTests.map(({ spec, customSql }) => {
    const dependsOn = new Set<string>([spec.model!]);
    if (spec.type === "relationships") {
      if (!models.has(spec.to!)) {
        throw new ProjectError(
          `${spec.path}: test "${spec.name}": unknown model "${spec.to}" in relationships "to"${
            suggest(spec.to!, names)
          }`,
        );
      }
      dependsOn.add(spec.to!);
    }
    if (customSql !== undefined) {
      _scanTemplate(
        renderer,
        customSql,
        `${spec.path} (test "${spec.name}")`,
        models,
        sources,
        dependsOn,
      );
    }
    return { ...spec, dependsOn: [...dependsOn] };
  });
}

function _requireUniqueTestNames(tests: DataTestSpec[]): void {
  const seen = new Map<string, DataTestSpec>();
  for (const test of tests) {
    const other = seen.get(test.name);
    if (other) {
      throw new ProjectError(
        `${test.path}: test name "${test.name}" is used twice (also in ${other.path})`,
      );
    }
    seen.set(test.name, test);
  }
}

/** Parents, build order (refuses a cycle, naming it) and children of every model. */
function _graph(
  models: Map<string, ModelNode>,
): Pick<Project, "order" | "parents" | "children"> {
  const names = [...models.keys()];
  const parents = new Map<string, string[]>(names.map((name) => [name, models.get(name)!.refs]));
  const order = levelOrder(parents);
  const children = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const name of order) {
    for (const parent of parents.get(name)!) children.get(parent)!.push(name);
  }
  return { order, parents, children };
}

function _scanTemplate(
  renderer: Renderer,
  template: string,
  path: string,
  models: Map<string, ModelNode>,
  sources: Map<string, SourceTable>,
  refs: Set<string>,
): Record<string, unknown> {
  const names = [...models.keys()];
  const header: Record<string, unknown> = {};
  renderer.render(template, path, {
    ref: (name) => {
      _checkRef(name, models, names);
      refs.add(name);
      return name;
    },
    source: (source, table) => {
      _checkSource(source, table, sources);
      return `${source}.${table}`;
    },
    config: (options) => Object.assign(header, options),
    this: "this",
    target: { type: "duckdb", name: "duckdb" },
  });
  return header;
}

function _checkRef(name: string, models: Map<string, ModelNode>, names: string[]): void {
  if (!models.has(name)) {
    throw new ReferenceError(`unknown model "${name}" in ref()${suggest(name, names)}`);
  }
}

function _checkSource(source: string, table: string, sources: Map<string, SourceTable>): void {
  if (!sources.has(`${source}.${table}`)) {
    const known = [...sources.keys()];
    throw new ReferenceError(
      `unknown source "${source}.${table}" in source()${
        known.length ? suggest(`${source}.${table}`, known) : " (no sources are declared in YAML)"
      }`,
    );
  }
}

const COLUMN_TESTS = new Set(["unique", "not_null", "accepted_values", "relationships"]);

function _testList(
  owner: Record<string, unknown>,
  path: string,
  what: string,
): Array<string | Record<string, unknown>> {
  const list = owner.data_tests ?? owner.tests;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ProjectError(`${path}: ${what} must be a list`);
  return list as Array<string | Record<string, unknown>>;
}

function _columnTest(
  test: string | Record<string, unknown>,
  model: string,
  column: string,
  path: string,
): Omit<DataTestSpec, "dependsOn"> {
  const [type, rawArgs] = _testEntry(test, path, `column "${model}.${column}"`);
  if (!COLUMN_TESTS.has(type)) {
    throw new ProjectError(
      `${path}: column "${model}.${column}": unknown test "${type}" (use ${
        [...COLUMN_TESTS].join(", ")
      })`,
    );
  }
  const args = rawArgs ?? {};
  const base = {
    type: type as DataTestType,
    model,
    column,
    severity: _severity(_arg(args, "severity"), path, `${type} on ${model}.${column}`),
    path,
    ...(_arg(args, "where") !== undefined ? { where: String(_arg(args, "where")) } : {}),
  };
  if (type === "accepted_values") {
    const values = args.values;
    if (!Array.isArray(values) || values.length === 0) {
      throw new ProjectError(
        `${path}: accepted_values on "${model}.${column}" needs a "values" list`,
      );
    }
    return {
      ...base,
      name: `accepted_values_${model}_${column}`,
      values,
      quote: args.quote === undefined ? true : Boolean(args.quote),
    };
  }
  if (type === "relationships") {
    const to = _refName(args.to, path, `${model}.${column}`);
    const field = args.field === undefined ? column : String(args.field);
    return { ...base, name: `relationships_${model}_${column}__${to}_${field}`, to, field };
  }
  return { ...base, name: `${type}_${model}_${column}` };
}

function _modelTest(
  test: string | Record<string, unknown>,
  model: string,
  path: string,
): { spec: Omit<DataTestSpec, "dependsOn">; customSql?: string } {
  if (typeof test === "object" && test !== null && typeof test.sql === "string") {
    const name = _string(test.name, path, `a custom test of model "${model}" without a name`);
    return {
      spec: {
        name,
        type: "custom",
        model,
        column: null,
        severity: _severity(test.severity ?? _arg(test, "severity"), path, name),
        template: test.sql,
        path,
      },
      customSql: test.sql,
    };
  }
  const [type, rawArgs] = _testEntry(test, path, `model "${model}"`);
  const args = rawArgs ?? {};
  if (type === "unique_combination" || type === "dbt_utils.unique_combination_of_columns") {
    const columns = args.columns ?? args.combination_of_columns;
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new ProjectError(`${path}: unique_combination on "${model}" needs a "columns" list`);
    }
    const names = columns.map(String);
    return {
      spec: {
        name: `unique_combination_${model}__${names.join("__")}`,
        type: "unique_combination",
        model,
        column: null,
        columns: names,
        severity: _severity(_arg(args, "severity"), path, `unique_combination on ${model}`),
        path,
        ...(_arg(args, "where") !== undefined ? { where: String(_arg(args, "where")) } : {}),
      },
    };
  }
  throw new ProjectError(
    `${path}: model "${model}": unknown model-level test "${type}" (use unique_combination or { name, sql })`,
  );
}

function _testEntry(
  test: string | Record<string, unknown>,
  path: string,
  owner: string,
): [string, Record<string, unknown> | undefined] {
  if (typeof test === "string") return [test, undefined];
  if (test && typeof test === "object" && !Array.isArray(test)) {
    const keys = Object.keys(test);
    if (keys.length === 1) {
      const args = test[keys[0]!];
      if (args === null || args === undefined) return [keys[0]!, undefined];
      if (typeof args === "object" && !Array.isArray(args)) {
        return [keys[0]!, args as Record<string, unknown>];
      }
    }
  }
  throw new ProjectError(`${path}: ${owner}: cannot read test ${JSON.stringify(test)}`);
}

// Arguments may sit at the top level or under `config:` as in dbt 1.8.
function _arg(args: Record<string, unknown>, key: string): unknown {
  const config = args.config as Record<string, unknown> | undefined;
  return args[key] ?? config?.[key];
}

function _severity(value: unknown, path: string, test: string): Severity {
  if (value === undefined || value === null) return "error";
  const severity = String(value).toLowerCase();
  if (severity !== "error" && severity !== "warn") {
    throw new ProjectError(`${path}: test "${test}": severity "${value}" must be error or warn`);
  }
  return severity;
}

function _refName(value: unknown, path: string, owner: string): string {
  const text = String(value ?? "").trim();
  const match = /^ref\(\s*['"]([^'"]+)['"]\s*\)$/.exec(text) ??
    /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  if (!match) {
    throw new ProjectError(
      `${path}: relationships on "${owner}": "to" must be ref('model') or a model name, not "${text}"`,
    );
  }
  return match[1]!;
}

function _key(value: unknown, path: string, model: string): string | string[] {
  if (typeof value === "string" && value.trim()) return value.trim();
  if (Array.isArray(value) && value.length > 0) return value.map(String);
  throw new ProjectError(
    `${path}: model "${model}": unique_key must be a column or a list of columns`,
  );
}

function _fullRefreshIf(value: unknown, model: ModelNode): string {
  if (typeof value === "string" && value.trim()) return value;
  throw new ProjectError(
    `${model.path}: model "${model.name}": full_refresh_if must be a query (text), got ${
      JSON.stringify(value)
    }`,
  );
}

function _incrementalConfig(model: ModelNode): IncrementalConfig {
  const config = model.config;
  const strategy = String(config.incremental_strategy ?? "merge");
  const uniqueKey = model.uniqueKey === undefined
    ? []
    : Array.isArray(model.uniqueKey)
    ? model.uniqueKey
    : [model.uniqueKey];
  const lookback = config.lookback_hours ?? 0;
  if (typeof lookback !== "number" || !Number.isFinite(lookback) || lookback < 0) {
    throw new ProjectError(
      `${model.path}: model "${model.name}": lookback_hours must be a number of hours >= 0, got ${
        JSON.stringify(lookback)
      }`,
    );
  }
  const options = {
    strategy: strategy as IncrementalConfig["strategy"],
    uniqueKey,
    ...(model.materializeOptions.partitionBy !== undefined
      ? { partitionBy: model.materializeOptions.partitionBy }
      : {}),
    lookbackHours: lookback,
    ...(config.full_refresh_if !== undefined
      ? { fullRefreshIf: _fullRefreshIf(config.full_refresh_if, model) }
      : {}),
  };
  try {
    checkMergeOptions(options, model.name);
  } catch (error) {
    throw new ProjectError(
      `${model.path}: incremental model "${model.name}": ${
        _message(error).replace(/^Cannot merge into "[^"]*": /, "")
      }`,
    );
  }
  return options;
}

function _list(value: unknown, path: string, what: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProjectError(`${path}: ${what} must be a list`);
  return value.map((item) => _record(item, path, `an item of ${what}`));
}

function _record(value: unknown, path: string, what: string): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new ProjectError(`${path}: ${what} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function _string(value: unknown, path: string, problem: string): string {
  if (typeof value !== "string" || !value.trim()) throw new ProjectError(`${path}: ${problem}`);
  return value.trim();
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Path relative to the working directory when inside it, else as is. */
function _display(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel && !rel.startsWith("..") && !rel.startsWith(sep) ? rel.split(sep).join("/") : path;
}

async function _walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(sub: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = [];
      for await (const entry of Deno.readDir(join(dir, sub))) entries.push(entry);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ProjectError(`Cannot read models directory "${dir}": it does not exist`);
      }
      throw error;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const rel = sub ? join(sub, entry.name) : entry.name;
      if (entry.isDirectory) await visit(rel);
      else if (entry.isFile) out.push(rel);
    }
  }
  await visit("");
  return out;
}

export { TemplateRenderError };
