/**
 * How each dialect writes names and values: identifiers, literals and relations
 * (`{ schema, name }` → `marts.fct_events` or `` `project.terraloop_marts.fct_events` ``).
 * The one place outside the drivers that knows how a relation is spelled; the model
 * compiler and every reader go through it (usually as `warehouse.relation()`).
 *
 * @module
 */
import type { Dialect, Relation, RelationNaming } from "./types.ts";

export type { RelationNaming };

/** The BigQuery dataset prefix when none is configured: `marts` → `terraloop_marts`. */
export const DEFAULT_DATASET_PREFIX = "terraloop";

const SIMPLE_IDENT = /^[a-z_][a-z0-9_]*$/;

// Words that cannot stand unquoted as a column or table name in one of the dialects.
const RESERVED = new Set([
  "all",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "between",
  "by",
  "case",
  "cast",
  "collate",
  "create",
  "cross",
  "current_date",
  "current_timestamp",
  "default",
  "desc",
  "distinct",
  "else",
  "end",
  "except",
  "exists",
  "false",
  "fetch",
  "for",
  "from",
  "full",
  "group",
  "having",
  "in",
  "inner",
  "interval",
  "intersect",
  "into",
  "is",
  "join",
  "left",
  "like",
  "limit",
  "natural",
  "not",
  "null",
  "on",
  "or",
  "order",
  "outer",
  "over",
  "partition",
  "range",
  "right",
  "rows",
  "select",
  "struct",
  "table",
  "then",
  "to",
  "true",
  "union",
  "using",
  "when",
  "where",
  "window",
  "with",
]);

/**
 * Quote an identifier when it needs it (not lower-case snake_case, or a reserved word);
 * `force` always quotes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(quoteIdentifier("event_id", "duckdb"), "event_id");
 * assert.equal(quoteIdentifier("Order", "bigquery"), "`Order`");
 * assert.equal(quoteIdentifier("select", "duckdb"), '"select"'); // a reserved word
 * ```
 */
export function quoteIdentifier(name: string, dialect: Dialect, force = false): string {
  if (!force && SIMPLE_IDENT.test(name) && !RESERVED.has(name)) return name;
  return dialect === "duckdb"
    ? `"${name.replaceAll('"', '""')}"`
    : `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;
}

/**
 * SQL for a group number from 0 to `groups − 1` by a hash of `expr`: rows with equal values
 * fall in the same group, and the groups are about equal in size. DuckDB `hash()`; BigQuery
 * `farm_fingerprint()`. Readers use it to take users in groups (`… where <this> = 2`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(hashGroupSql("user_id", 4, "duckdb"), "(hash(user_id) % 4)");
 * assert.equal(hashGroupSql("user_id", 4, "bigquery"), "abs(mod(farm_fingerprint(user_id), 4))");
 * assert.throws(() => hashGroupSql("user_id", 0, "duckdb"), /whole number from 1/);
 * ```
 */
export function hashGroupSql(expr: string, groups: number, dialect: Dialect): string {
  if (!Number.isInteger(groups) || groups < 1) {
    throw new RangeError(`hashGroupSql(): groups must be a whole number from 1, got ${groups}`);
  }
  return dialect === "duckdb"
    ? `(hash(${expr}) % ${groups})`
    : `abs(mod(farm_fingerprint(${expr}), ${groups}))`;
}

/**
 * A value as a SQL literal: strings quoted for the dialect, numbers and booleans as is,
 * `null`/`undefined` as `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(sqlLiteral("it's", "duckdb"), "'it''s'");
 * assert.equal(sqlLiteral("it's", "bigquery"), "'it\\'s'");
 * assert.equal(sqlLiteral(null, "bigquery"), "null");
 * ```
 */
export function sqlLiteral(value: unknown, dialect: Dialect): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot write ${value} as a SQL literal`);
    return String(value);
  }
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  const text = String(value);
  if (dialect === "duckdb") return `'${text.replaceAll("'", "''")}'`;
  // A line feed or a carriage return would end a BigQuery quoted string: escape both.
  const escaped = text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r");
  return `'${escaped}'`;
}

/**
 * A table name as the dialect writes it: DuckDB `schema.name`; BigQuery
 * `` `project.<prefix>_schema.name` `` (project omitted when not configured).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fctEvents = { schema: "marts", name: "fct_events" };
 * assert.equal(renderRelation(fctEvents, "duckdb"), "marts.fct_events");
 * assert.equal(renderRelation(fctEvents, "bigquery"), "`terraloop_marts.fct_events`");
 * ```
 */
export function renderRelation(
  relation: Relation,
  dialect: Dialect,
  naming: RelationNaming = {},
): string {
  if (dialect === "duckdb") {
    return `${quoteIdentifier(relation.schema, dialect)}.${
      quoteIdentifier(relation.name, dialect)
    }`;
  }
  return _backticks([..._bigQueryDatasetPath(relation.schema, naming), relation.name]);
}

/**
 * A schema as the dialect writes it in DDL such as `create schema`: DuckDB `marts`;
 * BigQuery `` `project.<prefix>_marts` `` (the dataset; project omitted when not configured).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(renderSchema("marts", "duckdb"), "marts");
 * assert.equal(
 *   renderSchema("marts", "bigquery", { bigqueryProject: "acme-prod" }),
 *   "`acme-prod.terraloop_marts`",
 * );
 * ```
 */
export function renderSchema(
  schema: string,
  dialect: Dialect,
  naming: RelationNaming = {},
): string {
  if (dialect === "duckdb") return quoteIdentifier(schema, dialect);
  return _backticks(_bigQueryDatasetPath(schema, naming));
}

/**
 * The BigQuery dataset that holds a schema: `<prefix>_<schema>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(bigQueryDataset("staging"), "terraloop_staging");
 * assert.equal(bigQueryDataset("staging", { datasetPrefix: "" }), "staging");
 * ```
 */
export function bigQueryDataset(schema: string, naming: RelationNaming = {}): string {
  const prefix = naming.datasetPrefix ?? DEFAULT_DATASET_PREFIX;
  return prefix ? `${prefix}_${schema}` : schema;
}

function _bigQueryDatasetPath(schema: string, naming: RelationNaming): string[] {
  const dataset = bigQueryDataset(schema, naming);
  return naming.bigqueryProject ? [naming.bigqueryProject, dataset] : [dataset];
}

// BigQuery quotes a whole dotted path in one pair of backticks.
function _backticks(parts: string[]): string {
  return `\`${parts.join(".").replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;
}
