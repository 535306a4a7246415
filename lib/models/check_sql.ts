/**
 * The queries behind the observability checks (`checks:` in the models' YAML), compiled for a
 * dialect as data tests are: relations named as the warehouse names them, and expressions in a
 * check's settings (`timestamp_column`, `where`) rendered with the dialect macros, so a
 * freshness check can read a timestamp out of a JSON payload:
 * `loaded_at_field: "{{ parse_timestamp_any(json_str('payload', '$.ts')) }}"`.
 *
 * @module
 */
import type { Relation } from "../warehouse/types.ts";
import type { CompileOptions } from "./compile.ts";
import { ProjectCompiler } from "./compile.ts";
import { dialectMacros, quoteIdentifier, renderRelation } from "./macros.ts";
import type { Project } from "./project.ts";
import { Renderer } from "./_render.ts";

/** What a check reads: a model of the project, or a source table. */
export type CheckRelation = { model: string } | { source: string; table: string };

/** Where a check's settings were declared, for error messages (`schema.yml:42`). */
export interface CheckOrigin {
  /** YAML file. */
  path: string;
  /** 1-based line. */
  line: number;
}

/** Settings of {@linkcode CheckQueryCompiler.dailyCounts}. */
export interface DailyCountsQuery {
  /** The model or source table counted. */
  relation: CheckRelation;
  /** Timestamp column or expression (macros allowed) whose UTC day buckets the rows. */
  timestampColumn: string;
  /** Columns with one series per value combination. */
  dimensions: readonly string[];
  /** SQL condition on the rows counted (macros allowed), or null. */
  where: string | null;
  /** For error messages. */
  origin?: CheckOrigin;
}

/** Settings of {@linkcode CheckQueryCompiler.newest}. */
export interface NewestQuery {
  /** The model or source table. */
  relation: CheckRelation;
  /** Timestamp column or expression (macros allowed): dbt's `loaded_at_field`. */
  timestampColumn: string;
  /** SQL condition on the rows considered (dbt's `filter`), or null. */
  where: string | null;
  /** For error messages. */
  origin?: CheckOrigin;
}

/** Settings of {@linkcode CheckQueryCompiler.payloadKeyTypes}. */
export interface PayloadKeysQuery {
  /** The model or source table holding the JSON column. */
  relation: CheckRelation;
  /** The JSON column, e.g. `payload`. */
  column: string;
  /** SQL condition on the rows read (macros allowed), or null. @default {null} */
  where?: string | null;
  /** For error messages. */
  origin?: CheckOrigin;
}

/**
 * Compiles the checks' queries for one project and dialect. Each query is one `select`
 * whose columns are named for the caller:
 *
 * - {@linkcode dailyCounts}: the dimension columns, `day` (DATE, UTC) and `value` (rows);
 * - {@linkcode newest}: `newest` (the largest timestamp, null without rows);
 * - {@linkcode payloadKeyTypes}: `key` (top-level keys and one level of nesting as dotted
 *   paths, `properties.weight_kg`) and `type` (`string`, `number`, `boolean`, `null`,
 *   `object`, `array`; lower-case JSON type names on both dialects), one row per pair seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProject } from "./project.ts";
 * const project = await loadProject("sql");
 * const duck = new CheckQueryCompiler(project, { dialect: "duckdb" });
 * const sql = duck.dailyCounts({
 *   relation: { model: "stg_events" },
 *   timestampColumn: "event_at",
 *   dimensions: ["event_name"],
 *   where: null,
 * });
 * assert.match(sql, /cast\(event_at as DATE\) as day/);
 * assert.match(sql, /from staging\.stg_events/);
 * const bq = new CheckQueryCompiler(project, { dialect: "bigquery" });
 * assert.match(bq.newest({ relation: { source: "raw", table: "events" }, timestampColumn: "_loaded_at", where: null }),
 *   /from `terraloop_raw\.events`/);
 * ```
 */
export class CheckQueryCompiler {
  readonly project: Project;
  readonly options: CompileOptions;
  #compiler: ProjectCompiler;
  #renderer: Renderer;

  constructor(project: Project, options: CompileOptions) {
    this.project = project;
    this.options = options;
    this.#compiler = new ProjectCompiler(project, options);
    this.#renderer = new Renderer(options.dialect, project.macroFiles);
  }

  /** The relation a check reads, as this dialect spells it. */
  relation(target: CheckRelation): string {
    return renderRelation(this.#relation(target), this.options.dialect, this.options);
  }

  /** Rows per UTC day (and dimension values) of a model or source table. */
  dailyCounts(query: DailyCountsQuery): string {
    const d = this.options.dialect;
    const dims = query.dimensions.map((c) => quoteIdentifier(c, d));
    const ts = this.#expression(query.timestampColumn, query.origin, query.relation);
    const day = this.#macro("to_date", ts);
    const where = [`(${ts}) is not null`];
    if (query.where) where.push(`(${this.#expression(query.where, query.origin, query.relation)})`);
    const keys = dims.map((_, i) => String(i + 1)).concat(String(dims.length + 1));
    return [
      "select",
      ...dims.map((c) => `    ${c},`),
      `    ${day} as day,`,
      "    count(*) as value",
      `from ${this.relation(query.relation)}`,
      `where ${where.join("\n    and ")}`,
      `group by ${keys.join(", ")}`,
      "",
    ].join("\n");
  }

  /** The newest value of a timestamp column or expression (dbt source freshness). */
  newest(query: NewestQuery): string {
    const ts = this.#expression(query.timestampColumn, query.origin, query.relation);
    const where = query.where
      ? `\nwhere ${this.#expression(query.where, query.origin, query.relation)}`
      : "";
    return `select max(${ts}) as newest\nfrom ${this.relation(query.relation)}${where}\n`;
  }

  /**
   * Every (key, JSON type) pair of a JSON column, to two levels. DuckDB reads the structure of
   * each document once (`json_structure`, where an empty object reads `"JSON"`) and expands the
   * few distinct structures; BigQuery lists keys with `json_keys` and types them with
   * `json_type`.
   */
  payloadKeyTypes(query: PayloadKeysQuery): string {
    const d = this.options.dialect;
    const column = quoteIdentifier(query.column, d);
    const where = query.where
      ? `(${this.#expression(query.where, query.origin, query.relation)})`
      : null;
    const from = where === null
      ? this.relation(query.relation)
      : `(select ${column} from ${this.relation(query.relation)} where ${where}) as rows_read`;
    if (d === "duckdb") {
      const path = (key: string) => `'$."' || replace(${key}, '"', '\\"') || '"'`;
      const type = (json: string) =>
        `case json_type(${json}) when 'OBJECT' then 'object' when 'ARRAY' then 'array'` +
        ` else case json_extract_string(${json}, '$') when 'VARCHAR' then 'string'` +
        ` when 'BOOLEAN' then 'boolean' when 'NULL' then 'null'` +
        ` when 'JSON' then 'object' else 'number' end end`;
      return [
        "with structures as (",
        `    select distinct json_structure(${column}) as structure`,
        `    from ${from}`,
        `    where json_type(${column}) = 'OBJECT'`,
        "),",
        "level_1 as (",
        "    select",
        "        keys.key as key,",
        `        json_extract(structures.structure, ${path("keys.key")}) as structure`,
        "    from structures, unnest(json_keys(structures.structure)) as keys(key)",
        "),",
        "level_2 as (",
        "    select",
        "        level_1.key || '.' || keys.key as key,",
        `        json_extract(level_1.structure, ${path("keys.key")}) as structure`,
        "    from level_1, unnest(json_keys(level_1.structure)) as keys(key)",
        "    where json_type(level_1.structure) = 'OBJECT'",
        "),",
        "final as (",
        `    select key, ${type("structure")} as type from level_1`,
        "    union all",
        `    select key, ${type("structure")} as type from level_2`,
        ")",
        "select distinct key, type from final",
        "",
      ].join("\n");
    }
    return [
      "with level_1 as (",
      `    select key, ${column}[key] as value`,
      `    from ${from}, unnest(json_keys(${column}, 1)) as key`,
      "),",
      "level_2 as (",
      "    select",
      "        concat(level_1.key, '.', nested_key) as key,",
      "        level_1.value[nested_key] as value",
      "    from level_1, unnest(json_keys(level_1.value, 1)) as nested_key",
      "    where json_type(level_1.value) = 'object'",
      "),",
      "final as (",
      "    select key, json_type(value) as type from level_1",
      "    union all",
      "    select key, json_type(value) as type from level_2",
      ")",
      "select distinct key, type from final",
      "",
    ].join("\n");
  }

  #relation(target: CheckRelation): Relation {
    if ("model" in target) {
      const model = this.project.models.get(target.model);
      if (!model) throw new RangeError(`Cannot compile check: unknown model "${target.model}"`);
      return { schema: model.schema, name: model.name };
    }
    const found = this.project.sources.get(`${target.source}.${target.table}`);
    if (!found) {
      throw new RangeError(
        `Cannot compile check: unknown source "${target.source}.${target.table}"`,
      );
    }
    return { schema: found.schema, name: found.identifier };
  }

  #macro(name: string, ...args: string[]): string {
    return dialectMacros(this.options.dialect)[name]!(...args);
  }

  // A setting as SQL: plain text as written; `{{ … }}` rendered with the macros, ref() and source().
  #expression(text: string, origin: CheckOrigin | undefined, target: CheckRelation): string {
    if (!text.includes("{{") && !text.includes("{%")) return text;
    const where = origin ? `${origin.path}` : "(check)";
    // Put the text on the declaration's line so a template error names the YAML line.
    const padding = origin ? "\n".repeat(Math.max(0, origin.line - 1)) : "";
    return this.#renderer.render(padding + text, where, this.#hooks(target)).trim();
  }

  #hooks(target: CheckRelation | undefined) {
    const self = target ? this.#relation(target) : undefined;
    return {
      ref: (name: string) => this.#compiler.relationOf(name),
      source: (source: string, table: string) => this.relation({ source, table }),
      config: () => {},
      this: self
        ? {
          ...self,
          toString: () => renderRelation(self, this.options.dialect, this.options),
        }
        : undefined,
      target: { type: this.options.dialect, name: this.options.dialect },
    };
  }
}
