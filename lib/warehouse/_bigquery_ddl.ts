/**
 * The DDL the BigQuery adapter builds models with: `partition by` / `cluster by` clauses from
 * a model's options, whether an existing table already has that layout, and the scripts that
 * swap a relation for one of another kind or layout without ever leaving its name missing
 * after a failure.
 *
 * Why the swaps: `create or replace table` fails when the partitioning or clustering changes
 * ("Cannot replace a table with a different partitioning spec") and cannot replace a view,
 * and a view cannot replace a table. So the new table is first built under `<name>__building`
 * (a failure there leaves the old relation alone), then one script moves the old relation
 * aside, renames the new one into place and, if that fails, puts the old one back.
 *
 * @module
 */
import { quoteIdentifier } from "./dialect.ts";
import type { MaterializeOptions, PartitionSpec } from "./types.ts";

/** What `tables.get` says about a table's layout. */
export interface TableLayout {
  /** `TABLE`, `VIEW`, `MATERIALIZED_VIEW`, … */
  type?: string;
  /** Time partitioning, when the table has one. */
  timePartitioning?: { type?: string; field?: string };
  /** Integer-range partitioning, when the table has one. */
  rangePartitioning?: unknown;
  /** Clustering columns, when the table has them. */
  clustering?: { fields?: string[] };
  /** A view's SQL. */
  view?: { query?: string; useLegacySql?: boolean };
}

/** Suffix of the name a changed table is built under before the swap. */
export const BUILDING_SUFFIX = "__building";
/** Suffix of the name the old table is moved to during the swap. */
export const PREVIOUS_SUFFIX = "__previous";

/**
 * `partition by …` and `cluster by …` for a `create table`, or `""`.
 *
 * @example
 * ```ts
 * layoutClauses({ partitionBy: { field: "event_at", dataType: "timestamp", granularity: "day" },
 *   clusterBy: ["user_id", "event_name"] });
 * // "partition by timestamp_trunc(event_at, day)\ncluster by user_id, event_name\n"
 * ```
 */
export function layoutClauses(options: MaterializeOptions): string {
  let out = "";
  if (options.partitionBy) out += `partition by ${partitionExpression(options.partitionBy)}\n`;
  if (options.clusterBy?.length) {
    out += `cluster by ${
      options.clusterBy.map((c) => quoteIdentifier(c, "bigquery")).join(", ")
    }\n`;
  }
  return out;
}

/**
 * The partitioning expression of a spec: `timestamp_trunc(event_at, day)`, `event_date`,
 * `date_trunc(event_date, month)`, `datetime_trunc(at, hour)`.
 */
export function partitionExpression(spec: PartitionSpec): string {
  const column = quoteIdentifier(spec.field, "bigquery");
  switch (spec.dataType) {
    case "timestamp":
      return `timestamp_trunc(${column}, ${spec.granularity})`;
    case "datetime":
      return `datetime_trunc(${column}, ${spec.granularity})`;
    case "date":
      if (spec.granularity === "hour") {
        throw new TypeError(`Cannot partition by date column "${spec.field}" by hour`);
      }
      return spec.granularity === "day" ? column : `date_trunc(${column}, ${spec.granularity})`;
  }
}

/**
 * Whether an existing table's partitioning and clustering are the ones `options` ask for
 * (then `create or replace table` can rebuild it in place).
 *
 * @example
 * ```ts
 * layoutMatches({ type: "TABLE" }, {}); // true
 * layoutMatches({ type: "TABLE", clustering: { fields: ["user_id"] } }, {}); // false
 * ```
 */
export function layoutMatches(table: TableLayout, options: MaterializeOptions): boolean {
  if (table.rangePartitioning) return false;
  const want = options.partitionBy;
  const have = table.timePartitioning;
  if (want) {
    if (!have || (have.field ?? "").toLowerCase() !== want.field.toLowerCase()) return false;
    if ((have.type ?? "DAY").toUpperCase() !== want.granularity.toUpperCase()) return false;
  } else if (have) {
    return false;
  }
  const wantCluster = (options.clusterBy ?? []).map((c) => c.toLowerCase());
  const haveCluster = (table.clustering?.fields ?? []).map((c) => c.toLowerCase());
  return wantCluster.length === haveCluster.length &&
    wantCluster.every((c, i) => c === haveCluster[i]);
}

/** Names used by a swap: the relation, its building and previous twins (all quoted). */
export interface SwapNames {
  /** The fully qualified relation, e.g. `` `p.terraloop_marts.fct_events` ``. */
  target: string;
  /** The fully qualified building table. */
  building: string;
  /** The fully qualified previous table. */
  previous: string;
  /** The bare name, e.g. `fct_events`. */
  name: string;
}

/**
 * The script that puts a table built under `building` in place of an existing table (of
 * another layout): the old one is renamed to `previous`, the new one renamed into place,
 * and on failure the old one is renamed back; then the old one is dropped.
 */
export function swapTableForTable(names: SwapNames): string {
  const name = _bare(names.name);
  const previous = _bare(`${names.name}${PREVIOUS_SUFFIX}`);
  return `-- TerraLoop Analytics: replace table ${names.name} (new layout)
alter table ${names.building} set options (expiration_timestamp = null);
drop table if exists ${names.previous};
alter table ${names.target} rename to ${previous};
begin
    alter table ${names.building} rename to ${name};
exception when error then
    alter table ${names.previous} rename to ${name};
    raise;
end;
drop table ${names.previous};
`;
}

/**
 * The script that puts a table built under `building` in place of a view: the view is
 * dropped and the table renamed into place; if the rename fails the view is created again
 * from its own SQL.
 */
export function swapViewForTable(names: SwapNames, oldViewSql: string | undefined): string {
  const name = _bare(names.name);
  const restore = oldViewSql
    ? `    create view if not exists ${names.target} as\n${
      oldViewSql.replace(/[\s;]+$/, "")
    }\n    ;\n`
    : "";
  return `-- TerraLoop Analytics: replace view ${names.name} by a table
alter table ${names.building} set options (expiration_timestamp = null);
drop view ${names.target};
begin
    alter table ${names.building} rename to ${name};
exception when error then
${restore}    raise;
end;
`;
}

/**
 * The script that puts a view in place of a table: the table is renamed aside, the view
 * created, and on failure the table is renamed back; then the old table is dropped.
 */
export function swapTableForView(names: SwapNames, selectSql: string): string {
  const name = _bare(names.name);
  const previous = _bare(`${names.name}${PREVIOUS_SUFFIX}`);
  return `-- TerraLoop Analytics: replace table ${names.name} by a view
drop table if exists ${names.previous};
alter table ${names.target} rename to ${previous};
begin
    create view ${names.target} as
${selectSql}
    ;
exception when error then
    alter table ${names.previous} rename to ${name};
    raise;
end;
drop table ${names.previous};
`;
}

function _bare(name: string): string {
  return quoteIdentifier(name, "bigquery", true);
}
