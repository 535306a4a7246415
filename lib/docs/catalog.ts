/**
 * Collect everything the docs page shows: the project's models, sources and tests, the
 * compiled SQL for both dialects, the warehouse's column types and row counts (when a
 * warehouse is given), and the latest test outcomes from `run_results.json`.
 *
 * @module
 */
import {
  compileProject,
  type DataTestSpec,
  loadProject,
  type Project,
  type RunResults,
  type TestResult,
} from "../models/mod.ts";
import type { ColumnInfo, Dialect, Materialization, Warehouse } from "../warehouse/mod.ts";
import { checkDictionary, type DictionaryProblem, readDictionaryExtras } from "./dictionary.ts";

/** Where a column's type came from. */
export type TypeOrigin = "warehouse" | "yaml";

/** One column of a model as the page shows it. */
export interface ColumnDoc {
  /** Column name. */
  name: string;
  /** Type name, or `null` when neither the warehouse nor the YAML gives one. */
  type: string | null;
  /** Where `type` came from. */
  typeFrom: TypeOrigin | null;
  /** Description from YAML, or `null` when undocumented. */
  description: string | null;
  /** Kinds of the column's data tests, e.g. `["unique", "not_null"]`. */
  tests: string[];
  /** Whether the built model has this column (`null` when the model is not built). */
  inWarehouse: boolean | null;
}

/** Latest outcome of a data test. */
export type TestStatus = TestResult["status"] | "not run";

/** One data test as the page shows it. */
export interface TestDoc {
  /** Test name. */
  name: string;
  /** Kind of test. */
  type: DataTestSpec["type"];
  /** Tested column, for column tests. */
  column: string | null;
  /** `error` or `warn`. */
  severity: DataTestSpec["severity"];
  /** Latest status from run results, or `not run`. */
  status: TestStatus;
  /** Failing rows in the latest run (`null` when it did not run). */
  failures: number | null;
  /** Error or skip message of the latest run. */
  message: string | null;
  /** The compiled DuckDB query returning failing rows. */
  sql: string;
}

/** One model as the page shows it. */
export interface ModelDoc {
  /** Model (table) name. */
  name: string;
  /** Schema, e.g. `staging`. */
  schema: string;
  /** SQL file. */
  path: string;
  /** YAML file that documents it. */
  yamlPath: string | null;
  /** Description from YAML. */
  description: string | null;
  /** Grain from YAML. */
  grain: string | null;
  /** `view` or `table`. */
  materialized: Materialization;
  /** Declared key column(s). */
  uniqueKey: string[];
  /** Models it reads. */
  parents: string[];
  /** Models that read it. */
  children: string[];
  /** Source tables it reads, as `source.table`. */
  sources: string[];
  /** Whether the warehouse has it (`null` without a warehouse). */
  built: boolean | null;
  /** Rows in the warehouse (`null` when unknown). */
  rowCount: number | null;
  /** Columns: the warehouse's order when built, then YAML-only columns; YAML order otherwise. */
  columns: ColumnDoc[];
  /** Data tests attached to it. */
  tests: TestDoc[];
  /** Compiled `select` per dialect. */
  sql: Record<Dialect, string>;
}

/** One declared source table. */
export interface SourceDoc {
  /** `source.table`, e.g. `raw.events`. */
  key: string;
  /** Warehouse relation, e.g. `raw.events`. */
  relation: string;
  /** Description from YAML (table, else its source). */
  description: string | null;
  /** Rows in the warehouse (`null` when unknown). */
  rowCount: number | null;
  /** Models that read it. */
  children: string[];
}

/** Everything the docs page shows. */
export interface DocsCatalog {
  /** Page title. */
  title: string;
  /** ISO-8601 UTC time the catalog was collected. */
  generatedAt: string;
  /** Models directory. */
  modelsDir: string;
  /** What was read from the warehouse, in words (shown on the page). */
  warehouseNote: string;
  /** Whether a warehouse was read. */
  hasWarehouse: boolean;
  /** What was read from run results, in words (shown on the page). */
  runResultsNote: string;
  /** Source tables, by key. */
  sources: SourceDoc[];
  /** Models in build order. */
  models: ModelDoc[];
  /** Gaps between YAML and warehouse (empty without a warehouse, except descriptions). */
  problems: DictionaryProblem[];
}

/** Options for {@linkcode collectDocs}. */
export interface CollectDocsOptions {
  /**
   * Models directory (ignored when `project` is given).
   * @default {"sql"}
   */
  modelsDir?: string;
  /**
   * An already loaded project.
   * @default {loaded from `modelsDir`}
   */
  project?: Project;
  /**
   * A warehouse to read column types and row counts from; it is only read. Without one,
   * types come from YAML and counts are not shown.
   * @default {null}
   */
  warehouse?: Warehouse | null;
  /**
   * How the warehouse is named on the page, e.g. its file.
   * @default {warehouse.description}
   */
  warehouseLabel?: string;
  /**
   * Why there is no warehouse, shown on the page when `warehouse` is null.
   * @default {"no warehouse given"}
   */
  noWarehouseReason?: string;
  /**
   * The latest models run, for test statuses (see {@linkcode readRunResults}).
   * @default {null}
   */
  runResults?: RunResults | null;
  /**
   * Where the run results came from, shown on the page.
   * @default {"run results"}
   */
  runResultsLabel?: string;
  /**
   * Why there are no run results, shown on the page when `runResults` is null.
   * @default {"no run results given"}
   */
  noRunResultsReason?: string;
  /**
   * Page title.
   * @default {"TerraLoop data dictionary"}
   */
  title?: string;
  /**
   * Clock, for reproducible pages in tests.
   * @default {() => new Date()}
   */
  now?: () => Date;
}

/**
 * Collect the catalog the docs page is built from. Reads the warehouse (when given) with
 * `exists`, `describe` and `select count(*)` only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * // A warehouse where only dim_users is built (the pipeline's: data/warehouse.duckdb)
 * const wh = await openDuckDb(":memory:");
 * await wh.execute("create schema marts");
 * await wh.execute("create table marts.dim_users as select 'U000001' as user_id");
 * const catalog = await collectDocs({ modelsDir: "sql", warehouse: wh });
 * const dimUsers = catalog.models.find((m) => m.name === "dim_users");
 * assert.equal(dimUsers?.rowCount, 1);
 * assert.equal(catalog.models.find((m) => m.name === "fct_events")?.built, false);
 * await wh.close();
 * ```
 */
export async function collectDocs(options: CollectDocsOptions = {}): Promise<DocsCatalog> {
  const modelsDir = options.project?.dir ?? options.modelsDir ?? "sql";
  const project = options.project ?? await loadProject(modelsDir);
  const extras = await readDictionaryExtras(project.dir);
  const compiled = {
    duckdb: await compileProject(project, { dialect: "duckdb" }),
    bigquery: await compileProject(project, { dialect: "bigquery" }),
  };
  const sqlOf = (dialect: Dialect, name: string) =>
    compiled[dialect].models.find((model) => model.name === name)?.sql ?? "";
  const testSql = new Map(compiled.duckdb.tests.map((test) => [test.name, test.sql]));
  const results = new Map(
    (options.runResults?.tests ?? []).map((result) => [result.name, result]),
  );
  const warehouse = options.warehouse ?? null;

  const actual = new Map<string, ColumnInfo[]>();
  const models: ModelDoc[] = [];
  for (const name of project.order) {
    const model = project.models.get(name)!;
    const relation = { schema: model.schema, name };
    let built: boolean | null = null;
    let rowCount: number | null = null;
    let described: ColumnInfo[] | null = null;
    if (warehouse) {
      built = await warehouse.exists(relation);
      if (built) {
        described = await warehouse.describe(relation);
        actual.set(name, described);
        rowCount = await _count(warehouse, warehouse.relation(relation));
      }
    }
    const columnTests = new Map<string, string[]>();
    for (const test of project.tests) {
      if (test.model !== name || !test.column) continue;
      columnTests.set(test.column, [...(columnTests.get(test.column) ?? []), test.type]);
    }
    const yamlTypes = extras.dataTypes.get(name);
    const yamlColumns = new Map(model.columns.map((column) => [column.name, column]));
    const toDoc = (column: string, warehouseType: string | null): ColumnDoc => {
      const yamlType = yamlTypes?.get(column) ?? null;
      const description = yamlColumns.get(column)?.description?.trim() || null;
      return {
        name: column,
        type: warehouseType ?? yamlType,
        typeFrom: warehouseType ? "warehouse" : yamlType ? "yaml" : null,
        description,
        tests: columnTests.get(column) ?? [],
        inWarehouse: described === null ? null : warehouseType !== null,
      };
    };
    const columns = described
      ? [
        ...described.map((column) => toDoc(column.name, column.type)),
        ...model.columns
          .filter((column) => !described!.some((info) => info.name === column.name))
          .map((column) => toDoc(column.name, null)),
      ]
      : model.columns.map((column) => toDoc(column.name, null));
    const tests = project.tests
      .filter((test) => test.model === name)
      .map((test): TestDoc => {
        const result = results.get(test.name);
        return {
          name: test.name,
          type: test.type,
          column: test.column,
          severity: test.severity,
          status: result?.status ?? "not run",
          failures: result?.failures ?? null,
          message: result?.message ?? null,
          sql: testSql.get(test.name) ?? "",
        };
      });
    models.push({
      name,
      schema: model.schema,
      path: model.path,
      yamlPath: model.yamlPath ?? null,
      description: model.description?.trim() || null,
      grain: model.grain ?? null,
      materialized: model.materialized,
      uniqueKey: model.uniqueKey === undefined
        ? []
        : Array.isArray(model.uniqueKey)
        ? model.uniqueKey
        : [model.uniqueKey],
      parents: [...(project.parents.get(name) ?? [])],
      children: [...(project.children.get(name) ?? [])],
      sources: [...model.sources],
      built,
      rowCount,
      columns,
      tests,
      sql: { duckdb: sqlOf("duckdb", name), bigquery: sqlOf("bigquery", name) },
    });
  }

  const sources: SourceDoc[] = [];
  for (const [key, source] of [...project.sources].sort(([a], [b]) => a.localeCompare(b))) {
    const relation = { schema: source.schema, name: source.identifier };
    let rowCount: number | null = null;
    if (warehouse && await warehouse.exists(relation)) {
      rowCount = await _count(warehouse, warehouse.relation(relation));
    }
    sources.push({
      key,
      relation: `${source.schema}.${source.identifier}`,
      description: extras.sourceDescriptions.get(key) ??
        extras.sourceGroupDescriptions.get(source.source) ?? null,
      rowCount,
      children: models.filter((model) => model.sources.includes(key)).map((model) => model.name),
    });
  }

  const problems = checkDictionary(project, extras, actual)
    .filter((problem) => warehouse !== null || problem.kind === "no_model_description");
  const warehouseNote = warehouse
    ? `Column types and row counts from ${options.warehouseLabel ?? warehouse.description} ` +
      `(${models.filter((m) => m.built).length} of ${models.length} models built).`
    : `No warehouse read (${
      options.noWarehouseReason ?? "no warehouse given"
    }): column types come from the YAML (data_type) and row counts are not shown.`;
  const runResultsNote = options.runResults
    ? `Data test statuses from ${
      options.runResultsLabel ?? "run results"
    } (run ${options.runResults.runId}, ${options.runResults.generatedAt}).`
    : `No data test statuses (${
      options.noRunResultsReason ?? "no run results given"
    }): run \`deno task models\` to produce them.`;
  return {
    title: options.title ?? "TerraLoop data dictionary",
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    modelsDir: project.dir,
    warehouseNote,
    hasWarehouse: warehouse !== null,
    runResultsNote,
    sources,
    models,
    problems,
  };
}

/**
 * Read `target/run_results.json`; `null` when the file does not exist. Throws a
 * `SyntaxError` naming the file when it is not the JSON a models run writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir(); // `deno task models` writes target/run_results.json
 * assert.equal(await readRunResults(`${dir}/run_results.json`), null); // no run yet
 * await Deno.writeTextFile(`${dir}/run_results.json`, "[]");
 * await assert.rejects(readRunResults(`${dir}/run_results.json`), SyntaxError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRunResults(path: string): Promise<RunResults | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read run results "${path}": not JSON (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
  const record = parsed as Partial<RunResults> | null;
  if (
    !record || typeof record !== "object" || !Array.isArray(record.tests) ||
    record.tests.some((test) => typeof test?.name !== "string" || typeof test?.status !== "string")
  ) {
    throw new SyntaxError(
      `Cannot read run results "${path}": expected the object a models run writes, with a ` +
        `"tests" list of { name, status }`,
    );
  }
  return record as RunResults;
}

async function _count(warehouse: Warehouse, relationSql: string): Promise<number> {
  const rows = await warehouse.query<{ n: number | bigint }>(
    `select count(*) as n from ${relationSql}`,
  );
  return Number(rows[0]?.n ?? 0);
}
