/**
 * Compile a model project for one dialect: every model's `select`, and every data test's
 * query returning failing rows. Compiled SQL can be written to `target/compiled/<dialect>/`.
 *
 * @module
 */
import { join } from "node:path";
import type { Dialect, Materialization, MergeOptions, Relation } from "../warehouse/types.ts";
import { incrementalScript } from "../warehouse/incremental.ts";
import { Renderer } from "./_render.ts";
import { quoteIdentifier, type RelationNaming, renderRelation, sqlLiteral } from "./macros.ts";
import { type DataTestSpec, loadProject, type ModelNode, type Project } from "./project.ts";

/** Options for {@linkcode compileProject}. */
export interface CompileOptions extends RelationNaming {
  /** Dialect to render for. */
  dialect: Dialect;
  /**
   * Lookback of every incremental model's `incremental_watermark()`, in hours, instead of
   * each model's `lookback_hours`.
   * @default {each model's own}
   */
  lookbackHours?: number;
}

/** An incremental model's second rendering: the batch it merges into an existing table. */
export interface CompiledIncremental {
  /** The `select` with `is_incremental()` true: the rows to merge. */
  sql: string;
  /** `full_refresh_if`, rendered: true when the model must be built in full instead. */
  fullRefreshIf?: string;
  /** How the batch is merged. */
  merge: MergeOptions;
  /**
   * The whole merge (batch table, delete/insert or `MERGE`) as it runs, with the columns
   * declared in YAML; written to `<model>.incremental.sql`.
   */
  script: string;
}

/** A model rendered for one dialect. */
export interface CompiledModel {
  /** Model name. */
  name: string;
  /** Schema and table name. */
  relation: Relation;
  /** The relation as written in SQL, e.g. `marts.fct_events`. */
  relationSql: string;
  /** `view` or `table`. */
  materialized: Materialization;
  /** The rendered `select` (no trailing semicolon): the full build. */
  sql: string;
  /** Source file. */
  path: string;
  /** For incremental models: the batch select and the merge script. */
  incremental?: CompiledIncremental;
}

/** A data test rendered for one dialect. */
export interface CompiledTest extends DataTestSpec {
  /** Query returning the failing rows. */
  sql: string;
}

/** A whole project rendered for one dialect. */
export interface CompiledProject {
  /** Dialect rendered for. */
  dialect: Dialect;
  /** The loaded project. */
  project: Project;
  /** Models in build order. */
  models: CompiledModel[];
  /** Data tests in declaration order. */
  tests: CompiledTest[];
}

/**
 * Render every model and data test of a project (a directory, or one already loaded) for
 * a dialect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const options = { dialect: "bigquery", bigqueryProject: "acme-prod" } as const;
 * const compiled = await compileProject("sql", options);
 * const fct = compiled.models.find((m) => m.name === "fct_events");
 * assert.equal(fct?.relationSql, "`acme-prod.terraloop_marts.fct_events`");
 * assert.ok(fct?.sql.includes("`acme-prod.terraloop_staging.stg_events`"));
 * ```
 */
export async function compileProject(
  dirOrProject: string | Project,
  options: CompileOptions,
): Promise<CompiledProject> {
  const project = typeof dirOrProject === "string" ? await loadProject(dirOrProject) : dirOrProject;
  const compiler = new ProjectCompiler(project, options);
  return {
    dialect: options.dialect,
    project,
    models: project.order.map((name) => compiler.model(name)),
    tests: project.tests.map((test) => compiler.test(test)),
  };
}

/** Renders the models and tests of one loaded project for one dialect. */
export class ProjectCompiler {
  readonly project: Project;
  readonly options: CompileOptions;
  #renderer: Renderer;

  constructor(project: Project, options: CompileOptions) {
    this.project = project;
    this.options = options;
    this.#renderer = new Renderer(options.dialect, project.macroFiles);
  }

  /** The SQL name of a model's relation. */
  relationOf(name: string): string {
    const model = this.#model(name);
    return renderRelation(
      { schema: model.schema, name: model.name },
      this.options.dialect,
      this.options,
    );
  }

  /** Render one model (both ways for an incremental model). */
  model(name: string): CompiledModel {
    const model = this.#model(name);
    const relation = { schema: model.schema, name: model.name };
    const relationSql = this.relationOf(name);
    const sql = this.#render(model.template, model.path, relation);
    const compiled: CompiledModel = {
      name,
      relation,
      relationSql,
      materialized: model.materialized,
      sql,
      path: model.path,
    };
    if (model.incremental) {
      const { lookbackHours, fullRefreshIf, ...merge } = model.incremental;
      const incremental = { lookbackHours: this.options.lookbackHours ?? lookbackHours };
      const batch = this.#render(model.template, model.path, relation, incremental);
      const condition = fullRefreshIf === undefined ? undefined : this.#render(
        fullRefreshIf,
        `${model.yamlPath ?? model.path} (full_refresh_if of "${name}")`,
        relation,
        incremental,
      );
      const script = incrementalScript(this.options.dialect, {
        ...merge,
        target: relationSql,
        batch: `${name}__incremental`,
        select: batch,
        columns: model.columns.map((column) => column.name),
      });
      compiled.incremental = {
        sql: batch,
        ...(condition !== undefined ? { fullRefreshIf: condition } : {}),
        merge,
        // The runner asks the condition first; the file shows it, commented out.
        script: condition === undefined ? script : [
          "-- full_refresh_if: when this query returns true, the model is built in full instead",
          ...condition.trimEnd().split("\n").map((line) => `-- ${line}`.trimEnd()),
          "",
          script,
        ].join("\n"),
      };
    }
    return compiled;
  }

  /** Render one data test's failing-rows query. */
  test(test: DataTestSpec): CompiledTest {
    return { ...test, sql: this.#testSql(test) };
  }

  #model(name: string): ModelNode {
    const model = this.project.models.get(name);
    if (!model) throw new RangeError(`Cannot compile: unknown model "${name}"`);
    return model;
  }

  #render(
    template: string,
    path: string,
    self: Relation | undefined,
    incremental?: { lookbackHours: number },
  ): string {
    const dialect = this.options.dialect;
    const thisValue = self
      ? { ...self, toString: () => renderRelation(self, dialect, this.options) }
      : undefined;
    const watermark = (column: string) =>
      incrementalWatermark(dialect, String(thisValue), column, incremental?.lookbackHours ?? 0);
    const text = this.#renderer.render(template, path, {
      ref: (name) => this.relationOf(name),
      source: (source, table) => {
        const found = this.project.sources.get(`${source}.${table}`);
        if (!found) throw new ReferenceError(`unknown source "${source}.${table}" in source()`);
        return renderRelation(
          { schema: found.schema, name: found.identifier },
          dialect,
          this.options,
        );
      },
      config: () => {},
      this: thisValue,
      target: { type: dialect, name: dialect },
      incremental: incremental !== undefined,
      watermark,
    });
    return tidySql(text);
  }

  #testSql(test: DataTestSpec): string {
    const dialect = this.options.dialect;
    const q = (name: string) => quoteIdentifier(name, dialect);
    const model = test.model ? this.#model(test.model) : undefined;
    const self = model ? { schema: model.schema, name: model.name } : undefined;
    if (test.type === "custom" || test.type === "singular") {
      return this.#render(test.template ?? "", test.path, self);
    }
    const relation = this.relationOf(test.model!);
    const fromAs = (alias: string) =>
      test.where
        ? `(select * from ${relation} where ${test.where}) as ${alias}`
        : `${relation} as ${alias}`;
    const from = test.where ? fromAs("dbt_subquery") : relation;
    const column = test.column ? q(test.column) : "";
    const header = `-- ${test.type}: ${test.model}${test.column ? `.${test.column}` : ""}`;
    switch (test.type) {
      case "not_null":
        return `${header}\nselect *\nfrom ${from}\nwhere ${column} is null\n`;
      case "unique":
        return [
          header,
          "select",
          `    ${column} as unique_field,`,
          "    count(*) as n_records",
          `from ${from}`,
          `where ${column} is not null`,
          `group by ${column}`,
          "having count(*) > 1",
          "",
        ].join("\n");
      case "accepted_values": {
        const values = (test.values ?? [])
          .map((value) => test.quote === false ? String(value) : sqlLiteral(String(value), dialect))
          .join(", ");
        return [
          header,
          "select",
          `    ${column} as value_field,`,
          "    count(*) as n_records",
          `from ${from}`,
          `where ${column} is not null`,
          `    and ${column} not in (${values})`,
          `group by ${column}`,
          "",
        ].join("\n");
      }
      case "relationships": {
        const parent = this.relationOf(test.to!);
        return [
          `${header} -> ${test.to}.${test.field}`,
          "select child.*",
          `from ${fromAs("child")}`,
          `left join ${parent} as parent`,
          `    on child.${column} = parent.${q(test.field!)}`,
          `where child.${column} is not null`,
          `    and parent.${q(test.field!)} is null`,
          "",
        ].join("\n");
      }
      case "unique_combination": {
        const columns = (test.columns ?? []).map(q).join(", ");
        return [
          `-- unique_combination: ${test.model}(${(test.columns ?? []).join(", ")})`,
          "select",
          `    ${columns},`,
          "    count(*) as n_records",
          `from ${from}`,
          `group by ${columns}`,
          "having count(*) > 1",
          "",
        ].join("\n");
      }
    }
  }
}

/**
 * `incremental_watermark(column)`: the newest `column` (a timestamp) already in `table`, less
 * `lookbackHours`; the earliest timestamp when the table is empty, so everything is new.
 * Filters such as `_loaded_at > {{ incremental_watermark('_loaded_at') }}` select the rows
 * loaded since the last build (DuckDB prunes the scan with it as a dynamic filter).
 *
 * @example
 * ```ts
 * incrementalWatermark("duckdb", "marts.fct_events", "_loaded_at", 0);
 * // "(select coalesce(max(built._loaded_at), timestamptz '0001-01-01 00:00:00+00')
 * //   from marts.fct_events as built)"
 * ```
 */
export function incrementalWatermark(
  dialect: Dialect,
  table: string,
  column: string,
  lookbackHours: number,
): string {
  // Qualified, so a column missing from the table fails rather than binding to the outer query.
  const col = `built.${quoteIdentifier(column, dialect)}`;
  const hours = Number.isInteger(lookbackHours) ? `${lookbackHours} hour` : null;
  const minutes = `${Math.round(lookbackHours * 60)} minute`;
  const newest = lookbackHours <= 0
    ? `max(${col})`
    : dialect === "duckdb"
    ? `max(${col}) - interval ${hours ?? minutes}`
    : `timestamp_sub(max(${col}), interval ${hours ?? minutes})`;
  const earliest = dialect === "duckdb"
    ? "timestamptz '0001-01-01 00:00:00+00'"
    : "timestamp '0001-01-01 00:00:00+00'";
  return `(select coalesce(${newest}, ${earliest}) from ${table} as built)`;
}

/**
 * Tidy rendered SQL: drop blank lines left by `{{ config() }}` at the top, trailing spaces
 * and a trailing semicolon; end with one newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(tidySql("\n\nselect 1;  \n"), "select 1\n");
 * ```
 */
export function tidySql(text: string): string {
  const lines = text.split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const body = lines.join("\n").replace(/;\s*$/, "");
  return `${body}\n`;
}

/** Options for {@linkcode writeCompiled}. */
export interface WriteCompiledOptions {
  /**
   * Root directory; files go to `<outDir>/<dialect>/`.
   * @default {"target/compiled"}
   */
  outDir?: string;
}

/**
 * Write a compiled project to `<outDir>/<dialect>/<model>.sql` (and
 * `<model>.incremental.sql`, the merge of an incremental model) and
 * `<outDir>/<dialect>/tests/<test>.sql`, replacing what was there. Returns the files written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const outDir = await Deno.makeTempDir(); // default: target/compiled
 * const compiled = await compileProject("sql", { dialect: "duckdb" });
 * const files = await writeCompiled(compiled, { outDir });
 * assert.ok(files.includes(`${outDir}/duckdb/fct_events.sql`));
 * await Deno.remove(outDir, { recursive: true });
 * ```
 */
export async function writeCompiled(
  compiled: CompiledProject,
  options: WriteCompiledOptions = {},
): Promise<string[]> {
  const root = join(options.outDir ?? "target/compiled", compiled.dialect);
  await Deno.remove(root, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(join(root, "tests"), { recursive: true });
  const written: string[] = [];
  for (const model of compiled.models) {
    const file = join(root, `${model.name}.sql`);
    await Deno.writeTextFile(file, model.sql);
    written.push(file);
    if (model.incremental) {
      const merge = join(root, `${model.name}.incremental.sql`);
      await Deno.writeTextFile(merge, model.incremental.script);
      written.push(merge);
    }
  }
  for (const test of compiled.tests) {
    const file = join(root, "tests", `${test.name}.sql`);
    await Deno.writeTextFile(file, test.sql);
    written.push(file);
  }
  return written;
}
