/**
 * The BigQuery raw tables: raw tables, rejected tables and the load manifest (the columns
 * docs/contracts.md lists), clustered by source file (reloads delete by it); `raw.events`
 * is also partitioned by the day it was loaded (`_loaded_at`), so a day's loads can be
 * read without scanning the rest. Tables created before partitioning was added keep their
 * layout (`create table if not exists` leaves them alone).
 *
 * @module
 */
import { type RelationNaming, renderRelation } from "./dialect.ts";
import { RAW_CSV_COLUMNS, RAW_SCHEMA } from "./raw_tables.ts";
import type { RawKind } from "./types.ts";

type CsvKind = Exclude<RawKind, "events">;

const METADATA_DDL = `_raw_id STRING not null,
    _source_file STRING not null,
    _line INT64 not null,
    _loaded_at TIMESTAMP not null`;

/**
 * DDL script creating the raw tables when missing (same columns as the DuckDB raw schema).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const ddl = rawTablesDdl({ bigqueryProject: "acme-prod" });
 * assert.ok(ddl.includes("create table if not exists `acme-prod.terraloop_raw.events`"));
 * ```
 */
export function rawTablesDdl(naming: RelationNaming): string {
  const raw = (name: string) => renderRelation({ schema: RAW_SCHEMA, name }, "bigquery", naming);
  const rejected = (kind: RawKind) => `
create table if not exists ${raw(`${kind}_rejected`)} (
    ${METADATA_DDL},
    raw_text STRING,
    reason STRING not null
)
cluster by _source_file;`;
  const csv = (kind: CsvKind) => `
create table if not exists ${raw(kind)} (
    ${METADATA_DDL},
    ${RAW_CSV_COLUMNS[kind].map((name) => `${name} STRING`).join(",\n    ")}
)
cluster by _source_file;`;
  return `-- TerraLoop Analytics: raw tables
create table if not exists ${raw("events")} (
    ${METADATA_DDL},
    payload JSON
)
partition by date(_loaded_at)
cluster by _source_file;
${rejected("events")}
${csv("users")}
${rejected("users")}
${csv("listings")}
${rejected("listings")}
create table if not exists ${raw("_load_manifest")} (
    source_file STRING not null,
    table_name STRING not null,
    bytes INT64 not null,
    sha256 STRING not null,
    n_rows INT64 not null,
    n_rejected INT64 not null,
    loaded_at TIMESTAMP not null,
    seconds FLOAT64 not null
);
`;
}
