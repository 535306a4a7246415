/**
 * The SQL that merges a batch of rows into an existing table, per dialect, for incremental
 * models (dbt's `materialized='incremental'`). Pure: the model compiler writes it to
 * `target/compiled/<dialect>/<model>.incremental.sql`, and the adapters run the same text.
 *
 * - `merge` (needs `uniqueKey`): rows of the batch replace the table's rows with the same key;
 *   new keys are inserted. DuckDB: delete + insert by key in one transaction; BigQuery: one
 *   `MERGE` statement, restricted to the batch's partitions when `partitionBy` is set.
 * - `insert_overwrite` (needs `partitionBy`): every partition (value of `partitionBy`) present
 *   in the batch is replaced by the batch's rows for it. DuckDB: delete + insert by partition
 *   in one transaction; BigQuery: `MERGE … on false` deleting the batch's partitions.
 *
 * `partitionBy` is the table's partitioning (the model's `partition_by`, the same spec
 * `materialize` partitions the BigQuery table by); a partition is the column's value
 * truncated to the granularity. With `merge` a key's partition must never change (true of
 * `event_at` for an event id).
 *
 * @module
 */
import { quoteIdentifier } from "./dialect.ts";
import type { Dialect, IncrementalStrategy, MergeOptions, PartitionSpec } from "./types.ts";

/** Incremental strategies, in a stable order. */
export const INCREMENTAL_STRATEGIES: readonly IncrementalStrategy[] = ["merge", "insert_overwrite"];

/** What {@linkcode incrementalSql} renders. */
export interface IncrementalSpec extends MergeOptions {
  /** The target relation as written in SQL (`marts.fct_events`). */
  target: string;
  /** Unquoted name of the temporary batch table (`fct_events__incremental`). */
  batch: string;
  /** The model's `select` in incremental mode (no trailing semicolon). */
  select: string;
  /** Columns of the table, in order: the ones written. */
  columns: string[];
}

/**
 * Thrown by `Warehouse.merge` when the batch cannot be merged and the model must be built
 * in full instead: no table yet, a view in its place, or columns that changed.
 */
export class FullRefreshNeeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FullRefreshNeeded";
  }
}

/**
 * The statements that merge `spec.select` into `spec.target`, in order. DuckDB's run in one
 * transaction (the adapter opens it); BigQuery's form one script.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const statements = incrementalSql("duckdb", {
 *   target: "marts.fct_events",
 *   batch: "fct_events__incremental",
 *   select: "select 'E1' as event_id, now() as event_at",
 *   columns: ["event_id", "event_at"],
 *   uniqueKey: ["event_id"],
 * });
 * assert.equal(statements.length, 4);
 * assert.match(statements[0]!, /^create or replace temp table "fct_events__incremental" as/);
 * assert.match(statements[1]!, /^delete from marts\.fct_events as target/);
 * assert.match(statements[2]!, /^insert into marts\.fct_events/);
 * ```
 */
export function incrementalSql(dialect: Dialect, spec: IncrementalSpec): string[] {
  checkMergeOptions(spec, spec.target);
  return dialect === "duckdb" ? _duckdb(spec) : _bigquery(spec);
}

/**
 * Throws a `TypeError` naming `what` when the options do not fit the strategy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => checkMergeOptions({ strategy: "insert_overwrite" }, "fct_events"),
 *   /the insert_overwrite strategy needs partition_by/,
 * );
 * checkMergeOptions({ uniqueKey: ["event_id"] }, "fct_events"); // fine
 * ```
 */
export function checkMergeOptions(options: MergeOptions, what: string): void {
  const strategy = options.strategy ?? "merge";
  if (!INCREMENTAL_STRATEGIES.includes(strategy)) {
    throw new TypeError(
      `Cannot merge into "${what}": unknown incremental strategy "${strategy}" (use ${
        INCREMENTAL_STRATEGIES.join(" or ")
      })`,
    );
  }
  if (strategy === "merge" && (options.uniqueKey ?? []).length === 0) {
    throw new TypeError(`Cannot merge into "${what}": the merge strategy needs a unique_key`);
  }
  if (strategy === "insert_overwrite" && !options.partitionBy) {
    throw new TypeError(
      `Cannot merge into "${what}": the insert_overwrite strategy needs partition_by`,
    );
  }
}

/**
 * {@linkcode incrementalSql} as one script, the way it runs: DuckDB's statements inside
 * `begin transaction … commit`, BigQuery's as a script (`MERGE` is atomic on its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const spec = {
 *   target: "marts.fct_events",
 *   batch: "fct_events__incremental",
 *   select: "select 'E1' as event_id",
 *   columns: ["event_id"],
 *   uniqueKey: ["event_id"],
 * };
 * const script = incrementalScript("duckdb", spec);
 * assert.match(script, /^begin transaction;/);
 * assert.match(script, /commit;\n$/);
 * ```
 */
export function incrementalScript(dialect: Dialect, spec: IncrementalSpec): string {
  const statements = incrementalSql(dialect, spec);
  const body = statements.map((s) => `${s};`).join("\n\n");
  return dialect === "duckdb" ? `begin transaction;\n\n${body}\n\ncommit;\n` : `${body}\n`;
}

/**
 * The partition a row of `column` (already qualified and quoted) belongs to: the column for
 * daily DATE partitions, else the column truncated to the granularity.
 */
function _partitionKey(spec: PartitionSpec, column: string, dialect: Dialect): string {
  if (spec.dataType === "date" && spec.granularity === "day") return column;
  if (dialect === "duckdb") return `date_trunc('${spec.granularity}', ${column})`;
  return `${spec.dataType}_trunc(${column}, ${spec.granularity})`;
}

function _duckdb(spec: IncrementalSpec): string[] {
  const q = (name: string) => quoteIdentifier(name, "duckdb");
  const batch = quoteIdentifier(spec.batch, "duckdb", true);
  const columns = spec.columns.map(q).join(", ");
  const remove = (spec.strategy ?? "merge") === "merge"
    ? `delete from ${spec.target} as target\nusing ${batch} as batch\nwhere ${
      spec.uniqueKey!.map((k) => `target.${q(k)} = batch.${q(k)}`).join("\n    and ")
    }`
    : `delete from ${spec.target}\nwhere ${
      _partitionKey(spec.partitionBy!, q(spec.partitionBy!.field), "duckdb")
    } in (select distinct ${
      _partitionKey(spec.partitionBy!, q(spec.partitionBy!.field), "duckdb")
    } from ${batch})`;
  return [
    `create or replace temp table ${batch} as\n${spec.select.replace(/[\s;]+$/, "")}`,
    remove,
    `insert into ${spec.target} (${columns})\nselect ${columns} from ${batch}`,
    `drop table ${batch}`,
  ];
}

function _bigquery(spec: IncrementalSpec): string[] {
  const q = (name: string) => quoteIdentifier(name, "bigquery", true);
  const batch = q(spec.batch);
  const part = spec.partitionBy;
  const key = (prefix: string) => _partitionKey(part!, `${prefix}${q(part!.field)}`, "bigquery");
  const partition = part ? key("") : undefined;
  const statements: string[] = [];
  if (part) statements.push(`declare incremental_partitions array<${part.dataType}>`);
  statements.push(`create temp table ${batch} as\n${spec.select.replace(/[\s;]+$/, "")}`);
  if (partition) {
    statements.push(
      `set incremental_partitions = (\n    select array_agg(distinct ${partition} ignore nulls) from ${batch}\n)`,
    );
  }
  const insert = `when not matched then insert (${spec.columns.map(q).join(", ")})\n    values (${
    spec.columns.map((c) => `batch.${q(c)}`).join(", ")
  })`;
  if ((spec.strategy ?? "merge") === "merge") {
    const on = [
      ...(partition ? [`${key("target.")} in unnest(incremental_partitions)`] : []),
      ...spec.uniqueKey!.map((k) => `target.${q(k)} = batch.${q(k)}`),
    ].join("\n    and ");
    const keys = new Set(spec.uniqueKey);
    const updates = spec.columns.filter((c) => !keys.has(c))
      .map((c) => `${q(c)} = batch.${q(c)}`);
    statements.push(
      `merge into ${spec.target} as target\nusing ${batch} as batch\non ${on}\n` +
        (updates.length > 0
          ? `when matched then update set\n    ${updates.join(",\n    ")}\n`
          : "") +
        insert,
    );
  } else {
    statements.push(
      `merge into ${spec.target} as target\nusing ${batch} as batch\non false\n` +
        `when not matched by source and ${key("target.")} in unnest(incremental_partitions) ` +
        `then delete\n${insert}`,
    );
  }
  statements.push(
    `select\n    (select count(*) from ${batch}) as batch_rows,\n` +
      `    (select count(*) from ${spec.target}) as n`,
  );
  return statements;
}
