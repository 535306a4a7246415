/**
 * Build models and run their data tests against a warehouse, as `dbt build` does: each
 * model is materialised in DAG order, its tests run as soon as every model they read is
 * built, and a failed model or a failed `error`-severity test skips everything downstream.
 *
 * @module
 */
import { join } from "node:path";
import type {
  Dialect,
  Materialization,
  MaterializeOptions,
  Relation,
  Warehouse,
} from "../warehouse/types.ts";
import { FullRefreshNeeded } from "../warehouse/incremental.ts";
import { withJobLabels } from "../warehouse/mod.ts";
import {
  type CompiledModel,
  type CompiledTest,
  type CompileOptions,
  ProjectCompiler,
  writeCompiled,
} from "./compile.ts";
import { ancestors, descendants, selectModels } from "./dag.ts";
import {
  type RelationNaming,
  renderRelation,
  renderSchema,
  sqlLiteral,
  sqlType,
} from "./macros.ts";
import { type DataTestType, loadProject, type Project, type Severity } from "./project.ts";
import { ModelStates, modelVersion } from "./state.ts";

/** Outcome of building one model. */
export interface ModelResult {
  /** Model name. */
  name: string;
  /** Schema it was built in. */
  schema: string;
  /** Relation as written in SQL. */
  relation: string;
  /** `view`, `table` or `incremental`. */
  materialized: Materialization;
  /**
   * Rows merged into the existing table, when an incremental model was built incrementally;
   * absent when it was built in full (first build, `fullRefresh`, or a change that needs it,
   * named in `message`).
   */
  batchRows?: number;
  /** `success`, `error` (build failed) or `skipped` (an upstream model or test failed). */
  status: "success" | "error" | "skipped";
  /** Rows in the built table; `null` for views and models not built. */
  rows: number | null;
  /** Wall-clock seconds. */
  seconds: number;
  /** Error or skip reason; on success `null`, or why an incremental model was built in full. */
  message: string | null;
}

/** Outcome of one data test. */
export interface TestResult {
  /** Test name. */
  name: string;
  /** Model it is attached to. */
  model: string | null;
  /** Tested column, for column tests. */
  column: string | null;
  /** Kind of test. */
  type: DataTestType;
  /** Declared severity. */
  severity: Severity;
  /**
   * `pass`; `fail` (failing rows, severity error); `warn` (failing rows, severity warn);
   * `error` (the query itself failed); `skipped` (a model it reads was not built).
   */
  status: "pass" | "fail" | "warn" | "error" | "skipped";
  /** Number of failing rows the query returned (`null` when it did not run). */
  failures: number | null;
  /** Up to five failing rows, JSON-safe. */
  sample: Record<string, unknown>[];
  /** The query returning failing rows. */
  sql: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** Query error or skip reason; `null` otherwise. */
  message: string | null;
}

/** Everything a run did; also written to `target/run_results.json`. */
export interface RunResults {
  /** Identifier of this run (also in `audit.data_test_results`). */
  runId: string;
  /** ISO-8601 UTC start time. */
  generatedAt: string;
  /** `build` (models then tests) or `test` (tests only). */
  mode: "build" | "test";
  /** Dialect the SQL was compiled to. */
  dialect: Dialect;
  /** Warehouse description. */
  warehouse: string;
  /** Selector used, or `null` for all models. */
  select: string | null;
  /** Models selected, in build order. */
  selected: string[];
  /** Whether no model errored and no error-severity test failed. */
  success: boolean;
  /** Wall-clock seconds for the whole run. */
  elapsedSeconds: number;
  /** Per-model outcomes in build order. */
  models: ModelResult[];
  /** Per-test outcomes in the order they ran. */
  tests: TestResult[];
  /** Counts by status. */
  summary: {
    models: Record<ModelResult["status"], number>;
    tests: Record<TestResult["status"], number>;
  };
  /** Messages of every model error and every failed `error` test. */
  errors: string[];
}

/** Progress reported by {@linkcode runProject}. */
export type RunEvent =
  | { type: "start"; runId: string; mode: "build" | "test"; models: string[]; tests: number }
  | {
    type: "model_start";
    index: number;
    total: number;
    model: string;
    relation: string;
    materialized: Materialization;
  }
  | { type: "model_done"; index: number; total: number; result: ModelResult }
  | { type: "test_done"; result: TestResult }
  | { type: "warning"; message: string }
  | { type: "done"; results: RunResults };

/** Options for {@linkcode runProject}. */
export interface RunOptions extends RelationNaming, Pick<CompileOptions, "lookbackHours"> {
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
   * dbt-style selector: `stg_events+`, `+fct_events`, names separated by commas or spaces.
   * @default {all models}
   */
  select?: string;
  /**
   * `build` materialises models and runs tests after each; `test` only runs tests.
   * @default {"build"}
   */
  mode?: "build" | "test";
  /**
   * Where `run_results.json` and `compiled/<dialect>/` go; `null` writes nothing.
   * @default {"target"}
   */
  targetDir?: string | null;
  /**
   * Append test outcomes to `audit.data_test_results` in the warehouse.
   * @default {true}
   */
  audit?: boolean;
  /**
   * Run identifier.
   * @default {a random UUID}
   */
  runId?: string;
  /**
   * Failing rows kept per test.
   * @default {5}
   */
  sampleSize?: number;
  /**
   * Rebuild incremental models in full instead of merging new rows (dbt `--full-refresh`).
   * @default {false}
   */
  fullRefresh?: boolean;
  /**
   * Called with progress; `lib/` never prints.
   * @default {no-op}
   */
  onEvent?: (event: RunEvent) => void;
}

/** Thrown when a model cannot be built; carries the model and the SQL that failed. */
export class ModelBuildError extends Error {
  /** Model name. */
  readonly model: string;
  /** Compiled `select` that failed. */
  readonly sql: string;
  constructor(model: string, path: string, sql: string, cause: unknown) {
    super(`Cannot build model "${model}" (${path}): ${_message(cause)}`, { cause });
    this.name = "ModelBuildError";
    this.model = model;
    this.sql = sql;
  }
}

/** Schema of the audit table. */
export const AUDIT_RELATION = { schema: "audit", name: "data_test_results" } as const;

/**
 * Build the selected models and run their data tests (dbt `build`), or run tests only.
 * Never throws for a failing model or test: outcomes are in the result (and in
 * `target/run_results.json`); it throws only when the project itself cannot be loaded.
 * Relations are named as the warehouse names them (`warehouse.naming`); a `bigqueryProject`
 * or `datasetPrefix` in the options overrides that setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/marts`);
 * await Deno.writeTextFile(`${dir}/marts/numbers.sql`, "select 1 as n union all select 1 as n");
 * await Deno.writeTextFile(
 *   `${dir}/marts/schema.yml`,
 *   "models:\n  - name: numbers\n    grain: one row per number\n" +
 *     "    columns:\n      - name: n\n        tests: [unique]\n",
 * );
 * const wh = await openDuckDb(":memory:"); // or openDuckDb("data/warehouse.duckdb") with sql/
 * const events: string[] = [];
 * const results = await runProject(wh, {
 *   modelsDir: dir,
 *   targetDir: `${dir}/target`, // default: target/
 *   onEvent: (event) => events.push(event.type),
 * });
 * assert.equal(results.success, false);
 * assert.match(results.errors[0] ?? "", /^Test "unique_numbers_n" on numbers failed with 1 failing/);
 * assert.deepEqual(events, ["start", "model_start", "model_done", "test_done", "done"]);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runProject(
  warehouse: Warehouse,
  options: RunOptions = {},
): Promise<RunResults> {
  const started = performance.now();
  const generatedAt = new Date().toISOString();
  const runId = options.runId ?? crypto.randomUUID();
  const mode = options.mode ?? "build";
  const emit = options.onEvent ?? (() => {});
  const dialect = warehouse.dialect;
  const naming = _naming(warehouse, options);
  const project = options.project ?? await loadProject(options.modelsDir ?? "sql");
  const compiler = new ProjectCompiler(project, { ...options, ...naming, dialect });
  const selected = selectModels(project, options.select);
  const selectedSet = new Set(selected);
  const everything = selected.length === project.order.length;
  const targetDir = options.targetDir === undefined ? "target" : options.targetDir;

  const inScope = project.tests.filter((test) =>
    test.type === "singular"
      ? (test.dependsOn.length === 0 ? everything : test.dependsOn.some((m) => selectedSet.has(m)))
      : selectedSet.has(test.model!)
  );
  const rank = new Map(project.order.map((name, i) => [name, i]));
  inScope.sort((a, b) => _lastRank(a.dependsOn, rank) - _lastRank(b.dependsOn, rank));
  emit({ type: "start", runId, mode, models: selected, tests: inScope.length });

  const models: ModelResult[] = [];
  const tests: TestResult[] = [];
  const errors: string[] = [];
  // Root cause for each model whose descendants must be skipped.
  const blocked = new Map<string, string>();
  const built = new Set<string>();
  // Incremental models built in full this run: their incremental children are rebuilt too.
  const rebuilt = new Set<string>();
  // Incremental models an earlier, interrupted run left to be rebuilt in full (see
  // _markPending): a crash between a parent's full rebuild and its children's must not
  // leave the children merging into tables that still hold rows the parent no longer has.
  const interrupted = mode === "build" ? await _pendingModels(warehouse, naming) : new Set();
  // Versions of the models at their last build: a table or view whose SQL and inputs are
  // unchanged is not built again (see state.ts).
  let states: ModelStates | undefined;
  if (mode === "build") {
    try {
      states = await ModelStates.begin(warehouse, naming, selected);
    } catch (error) {
      emit({
        type: "warning",
        message: `Cannot read audit.model_state (every model is built): ${_message(error)}`,
      });
    }
  }
  const finished = new Set<string>();
  const pending = [...inScope];
  const sampleSize = options.sampleSize ?? 5;

  async function runReadyTests(): Promise<void> {
    for (let i = 0; i < pending.length;) {
      const test = pending[i]!;
      const waiting = test.dependsOn.filter((m) => selectedSet.has(m) && mode === "build");
      if (!waiting.every((m) => finished.has(m))) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const compiled = _compileTest(compiler, test);
      const notBuilt = waiting.find((m) => !built.has(m));
      const result = notBuilt !== undefined
        ? _skippedTest(compiled, `model "${notBuilt}" was not built`)
        : await withJobLabels(
          { model: test.model, test: test.name },
          () => _runTest(warehouse, compiled, sampleSize),
        );
      tests.push(result);
      if (result.status === "fail" || result.status === "error") {
        const detail = result.status === "error"
          ? `errored: ${result.message}`
          : `failed with ${result.failures} failing row${result.failures === 1 ? "" : "s"}, e.g. ${
            JSON.stringify(result.sample.slice(0, 3))
          }`;
        errors.push(`Test "${result.name}" on ${result.model ?? "(no model)"} ${detail}`);
        const attached = test.type === "singular" ? test.dependsOn : [test.model!];
        for (const model of attached) {
          if (!blocked.has(model)) {
            blocked.set(model, `upstream "${model}" failed test "${test.name}"`);
          }
        }
      }
      emit({ type: "test_done", result });
    }
  }

  if (mode === "build") {
    const schemas = [...new Set(selected.map((name) => project.models.get(name)!.schema))];
    for (const schema of schemas) {
      await warehouse.execute(
        `create schema if not exists ${renderSchema(schema, dialect, naming)}`,
      );
    }
  }
  await runReadyTests();
  if (mode === "build") {
    for (const [i, name] of selected.entries()) {
      const model = project.models.get(name)!;
      const relationSql = compiler.relationOf(name);
      const index = i + 1;
      emit({
        type: "model_start",
        index,
        total: selected.length,
        model: name,
        relation: relationSql,
        materialized: model.materialized,
      });
      const t0 = performance.now();
      const base = {
        name,
        schema: model.schema,
        relation: relationSql,
        materialized: model.materialized,
      };
      const upstream = project.order.find((other) =>
        blocked.has(other) && ancestors(project.parents, name).has(other)
      );
      let result: ModelResult;
      if (upstream !== undefined) {
        const reason = blocked.get(upstream)!;
        blocked.set(name, reason);
        result = { ...base, status: "skipped", rows: null, seconds: 0, message: reason };
      } else {
        try {
          const compiled = compiler.model(name);
          const version = states && modelVersion(states.inputs(project, name, compiled.sql));
          const upToDate = states !== undefined && version !== undefined &&
            model.materialized !== "incremental" && !options.fullRefresh &&
            states.recorded.get(name) === version && await warehouse.exists(compiled.relation);
          if (upToDate) {
            states!.current.set(name, version);
            result = {
              ...base,
              status: "success",
              rows: model.materialized === "view" ? null : await _countRows(warehouse, compiled),
              seconds: _since(t0),
              message: "up to date: its SQL and inputs are unchanged since its last build",
            };
            built.add(name);
          } else {
            const parents = ancestors(project.parents, name);
            if (model.materialized === "incremental") {
              // Before the build, durably: should this run die after it, the incremental
              // models downstream are rebuilt in full next time (cleared as each is built).
              const downstream = [...descendants(project.children, name)]
                .filter((other) => project.models.get(other)?.materialized === "incremental");
              await _markPending(warehouse, naming, downstream);
            }
            // Jobs carry the model's name (cost per model); partitioning from its config.
            const built_ = await withJobLabels(
              { model: name },
              () =>
                _build(warehouse, compiled, model.path, {
                  materializeOptions: model.materializeOptions,
                  fullRefresh: options.fullRefresh ?? false,
                  columns: model.columns.map((column) => column.name),
                  rebuiltParent: project.order.find((other) =>
                    rebuilt.has(other) && parents.has(other)
                  ) ?? (interrupted.has(name) ? _INTERRUPTED : undefined),
                }),
            );
            if (interrupted.has(name) || model.materialized === "incremental") {
              await _clearPending(warehouse, naming, name);
            }
            if (model.materialized === "incremental" && built_.batchRows === undefined) {
              rebuilt.add(name);
            }
            result = {
              ...base,
              status: "success",
              rows: built_.rows,
              ...(built_.batchRows !== undefined ? { batchRows: built_.batchRows } : {}),
              seconds: _since(t0),
              message: built_.note,
            };
            built.add(name);
            states?.built(name, version, {
              incremental: model.materialized === "incremental",
              batchRows: built_.batchRows,
              runId,
            });
          }
        } catch (error) {
          const message = _message(error);
          errors.push(message);
          blocked.set(name, `upstream "${name}" failed`);
          result = { ...base, status: "error", rows: null, seconds: _since(t0), message };
        }
      }
      models.push(result);
      finished.add(name);
      emit({ type: "model_done", index, total: selected.length, result });
      await runReadyTests();
    }
  }

  const results: RunResults = {
    runId,
    generatedAt,
    mode,
    dialect,
    warehouse: warehouse.description,
    select: options.select?.trim() ? options.select.trim() : null,
    selected,
    success: errors.length === 0,
    elapsedSeconds: _since(started),
    models,
    tests,
    summary: {
      models: _count(models.map((m) => m.status), ["success", "error", "skipped"]),
      tests: _count(tests.map((t) => t.status), ["pass", "fail", "warn", "error", "skipped"]),
    },
    errors,
  };

  if (states) {
    try {
      await states.save(warehouse, naming);
    } catch (error) {
      emit({ type: "warning", message: `Cannot write audit.model_state: ${_message(error)}` });
    }
  }
  if (options.audit ?? true) {
    try {
      await appendAudit(warehouse, results, naming);
    } catch (error) {
      emit({
        type: "warning",
        message: `Cannot append to audit.data_test_results: ${_message(error)}`,
      });
    }
  }
  if (targetDir !== null) {
    await Deno.mkdir(targetDir, { recursive: true });
    await Deno.writeTextFile(
      join(targetDir, "run_results.json"),
      JSON.stringify(results, null, 2) + "\n",
    );
    try {
      const compiled = {
        dialect,
        project,
        models: project.order.map((name) => compiler.model(name)),
        tests: project.tests.map((test) => compiler.test(test)),
      };
      await writeCompiled(compiled, { outDir: join(targetDir, "compiled") });
    } catch (error) {
      emit({ type: "warning", message: `Cannot write compiled SQL: ${_message(error)}` });
    }
  }
  emit({ type: "done", results });
  return results;
}

/**
 * Append one row per test result to `audit.data_test_results` (created when missing):
 * run_id, run_at, test, model, severity, status, failures, sample (JSON text). The table
 * is named with `naming` (default: the warehouse's own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/marts`);
 * await Deno.writeTextFile(`${dir}/marts/numbers.sql`, "select 1 as n");
 * await Deno.writeTextFile(
 *   `${dir}/marts/schema.yml`,
 *   "models:\n  - name: numbers\n    grain: one row per number\n" +
 *     "    columns:\n      - name: n\n        tests: [not_null]\n",
 * );
 * const wh = await openDuckDb(":memory:");
 * const results = await runProject(wh, { modelsDir: dir, targetDir: null, audit: false });
 * await appendAudit(wh, results);
 * const rows = await wh.query("select test, status from audit.data_test_results");
 * assert.deepEqual(rows, [{ test: "not_null_numbers_n", status: "pass" }]);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendAudit(
  warehouse: Warehouse,
  results: RunResults,
  naming: RelationNaming = warehouse.naming,
): Promise<void> {
  if (results.tests.length === 0) return;
  const dialect = warehouse.dialect;
  const table = renderRelation(AUDIT_RELATION, dialect, naming);
  const t = (type: string) => sqlType(type, dialect);
  await warehouse.execute(
    `create schema if not exists ${renderSchema(AUDIT_RELATION.schema, dialect, naming)}`,
  );
  await warehouse.execute(
    `create table if not exists ${table} (run_id ${t("varchar")}, run_at ${t("timestamp")}, ` +
      `test ${t("varchar")}, model ${t("varchar")}, severity ${t("varchar")}, status ${
        t("varchar")
      }, ` +
      `failures ${t("bigint")}, sample ${t("varchar")})`,
  );
  const lit = (value: unknown) => sqlLiteral(value, dialect);
  const runAt = `cast(${lit(results.generatedAt)} as ${t("timestamp")})`;
  const rows = results.tests.map((test) =>
    `(${lit(results.runId)}, ${runAt}, ${lit(test.name)}, ${lit(test.model)}, ${
      lit(test.severity)
    }, ` +
    `${lit(test.status)}, ${test.failures === null ? "null" : test.failures}, ${
      lit(JSON.stringify(test.sample))
    })`
  );
  await warehouse.execute(
    `insert into ${table} (run_id, run_at, test, model, severity, status, failures, sample) values\n${
      rows.join(",\n")
    }`,
  );
}

/**
 * Build one compiled model: an incremental model with a table already in place merges its
 * batch (unless `fullRefresh`); anything else is materialised in full. An incremental model
 * is also built in full, with the reason returned as `note`, when an incremental parent was
 * rebuilt in this run (this table may hold rows the parent no longer has), when its
 * `full_refresh_if` holds, when its columns changed, or when the warehouse refuses the merge
 * with `FullRefreshNeeded`.
 */
async function _build(
  warehouse: Warehouse,
  compiled: CompiledModel,
  path: string,
  options: {
    materializeOptions: MaterializeOptions;
    fullRefresh: boolean;
    columns: string[];
    rebuiltParent: string | undefined;
  },
): Promise<{ rows: number | null; batchRows?: number; note: string | null }> {
  const relation: Relation = compiled.relation;
  let note: string | null = null;
  if (
    compiled.incremental && !options.fullRefresh && warehouse.merge &&
    await warehouse.exists(relation)
  ) {
    note = await _fullRefreshReason(warehouse, compiled, path, options);
    if (note === null) {
      try {
        const merged = await warehouse.merge(
          relation,
          compiled.incremental.sql,
          compiled.incremental.merge,
        );
        return { rows: merged.rows, batchRows: merged.batchRows, note: null };
      } catch (error) {
        if (!(error instanceof FullRefreshNeeded)) {
          throw new ModelBuildError(compiled.name, path, compiled.incremental.sql, error);
        }
        note = `built in full: ${error.message}`;
      }
    }
  }
  try {
    const rows = await warehouse.materialize(
      relation,
      compiled.sql,
      compiled.materialized,
      options.materializeOptions,
    );
    return { rows: rows === null ? null : Number(rows), note };
  } catch (error) {
    throw new ModelBuildError(compiled.name, path, compiled.sql, error);
  }
}

async function _countRows(warehouse: Warehouse, compiled: CompiledModel): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(
    `select count(*) as n from ${compiled.relationSql}`,
  );
  return Number(row?.n ?? 0);
}

const PENDING_RELATION: Relation = { schema: "audit", name: "incremental_pending" };
const _INTERRUPTED = "\u0000interrupted";

async function _pendingModels(warehouse: Warehouse, naming: RelationNaming): Promise<Set<string>> {
  if (!(await warehouse.exists(PENDING_RELATION))) return new Set();
  const rows = await warehouse.query<{ model: string }>(
    `select distinct model from ${renderRelation(PENDING_RELATION, warehouse.dialect, naming)}`,
  );
  return new Set(rows.map((row) => row.model));
}

async function _markPending(
  warehouse: Warehouse,
  naming: RelationNaming,
  models: string[],
): Promise<void> {
  if (models.length === 0) return;
  const dialect = warehouse.dialect;
  const table = renderRelation(PENDING_RELATION, dialect, naming);
  await warehouse.execute(
    `create schema if not exists ${renderSchema(PENDING_RELATION.schema, dialect, naming)}`,
  );
  await warehouse.execute(
    `create table if not exists ${table} (model ${sqlType("varchar", dialect)})`,
  );
  const values = models.map((model) => `(${sqlLiteral(model, dialect)})`).join(", ");
  await warehouse.execute(`insert into ${table} (model) values ${values}`);
}

async function _clearPending(
  warehouse: Warehouse,
  naming: RelationNaming,
  model: string,
): Promise<void> {
  if (!(await warehouse.exists(PENDING_RELATION))) return;
  await warehouse.execute(
    `delete from ${renderRelation(PENDING_RELATION, warehouse.dialect, naming)} where model = ${
      sqlLiteral(model, warehouse.dialect)
    }`,
  );
}

/**
 * Why an existing incremental table must be built in full rather than merged into, or
 * `null`: `this` is the table, so it must be one the model still describes.
 */
async function _fullRefreshReason(
  warehouse: Warehouse,
  compiled: CompiledModel,
  path: string,
  options: { columns: string[]; rebuiltParent: string | undefined },
): Promise<string | null> {
  if (options.rebuiltParent === _INTERRUPTED) {
    return "built in full: an earlier run stopped after an incremental parent was built";
  }
  if (options.rebuiltParent !== undefined) {
    return `built in full: incremental parent "${options.rebuiltParent}" was built in full`;
  }
  // The batch reads the table itself (its watermark, earlier rows): a table built before
  // the model's columns changed is rebuilt, not merged into.
  const existing = (await warehouse.describe(compiled.relation)).map((column) => column.name);
  const changed = [
    ...options.columns.filter((c) => !existing.includes(c)).map((c) => `+${c}`),
    ...existing.filter((c) => !options.columns.includes(c)).map((c) => `-${c}`),
  ];
  if (options.columns.length > 0 && changed.length > 0) {
    return `built in full: the columns of ${compiled.relationSql} changed (${changed.join(", ")})`;
  }
  const condition = compiled.incremental?.fullRefreshIf;
  if (condition !== undefined) {
    let holds: unknown;
    try {
      const [row] = await warehouse.query(condition);
      holds = row === undefined ? false : Object.values(row)[0];
    } catch (error) {
      throw new ModelBuildError(compiled.name, path, condition, error);
    }
    if (holds === true || holds === 1) return "built in full: its full_refresh_if holds";
  }
  return null;
}

function _compileTest(compiler: ProjectCompiler, test: Project["tests"][number]): CompiledTest {
  try {
    return compiler.test(test);
  } catch (error) {
    return { ...test, sql: `-- cannot compile: ${_message(error)}` };
  }
}

async function _runTest(
  warehouse: Warehouse,
  test: CompiledTest,
  sampleSize: number,
): Promise<TestResult> {
  const t0 = performance.now();
  const base = {
    name: test.name,
    model: test.model,
    column: test.column,
    type: test.type,
    severity: test.severity,
    sql: test.sql,
  };
  try {
    const body = test.sql.replace(/;\s*$/, "");
    const counted = await warehouse.query<{ failures: unknown }>(
      `select count(*) as failures from (\n${body}\n) as failing_rows`,
    );
    const failures = Number(counted[0]?.failures ?? 0);
    const sample = failures > 0 && sampleSize > 0
      ? (await warehouse.query(`select * from (\n${body}\n) as failing_rows limit ${sampleSize}`))
        .map((row) => _plain(row) as Record<string, unknown>)
      : [];
    const status = failures === 0 ? "pass" : test.severity === "warn" ? "warn" : "fail";
    return { ...base, status, failures, sample, seconds: _since(t0), message: null };
  } catch (error) {
    return {
      ...base,
      status: "error",
      failures: null,
      sample: [],
      seconds: _since(t0),
      message: _message(error),
    };
  }
}

function _skippedTest(test: CompiledTest, reason: string): TestResult {
  return {
    name: test.name,
    model: test.model,
    column: test.column,
    type: test.type,
    severity: test.severity,
    status: "skipped",
    failures: null,
    sample: [],
    sql: test.sql,
    seconds: 0,
    message: reason,
  };
}

/** A value made JSON-safe: bigints as numbers (or strings when too big), dates as ISO text. */
function _plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) {
    return `0x${[...value].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  if (Array.isArray(value)) return value.map(_plain);
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, _plain(v)]));
    }
    return String(value);
  }
  return value;
}

// Naming given in the options wins, setting by setting; the warehouse's fills the rest.
function _naming(warehouse: Warehouse, options: RelationNaming): RelationNaming {
  const bigqueryProject = options.bigqueryProject ?? warehouse.naming.bigqueryProject;
  const datasetPrefix = options.datasetPrefix ?? warehouse.naming.datasetPrefix;
  return {
    ...(bigqueryProject !== undefined ? { bigqueryProject } : {}),
    ...(datasetPrefix !== undefined ? { datasetPrefix } : {}),
  };
}

function _lastRank(models: string[], rank: Map<string, number>): number {
  return Math.max(-1, ...models.map((m) => rank.get(m) ?? -1));
}

function _count<T extends string>(values: T[], keys: T[]): Record<T, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
  for (const value of values) out[value] += 1;
  return out;
}

function _since(t0: number): number {
  return Math.round(performance.now() - t0) / 1000;
}

function _message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}
