/**
 * A model's physical options from its config, as dbt-bigquery writes them:
 * `partition_by: { field, data_type, granularity }` and `cluster_by: [columns]`.
 *
 * @module
 */
import type { MaterializeOptions, PartitionSpec } from "./types.ts";

const DATA_TYPES: readonly PartitionSpec["dataType"][] = ["timestamp", "date", "datetime"];
const GRANULARITIES: readonly PartitionSpec["granularity"][] = ["hour", "day", "month", "year"];
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Read `partition_by` and `cluster_by` from a model config; throws a `TypeError` naming
 * `where` (the model) and the key when a value is wrong. Other keys are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const options = materializeOptionsOf({
 *   partition_by: { field: "event_at", data_type: "timestamp" },
 *   cluster_by: ["user_id", "event_name"],
 * }, 'model "fct_events"');
 * assert.deepEqual(options, {
 *   partitionBy: { field: "event_at", dataType: "timestamp", granularity: "day" },
 *   clusterBy: ["user_id", "event_name"],
 * });
 * ```
 */
export function materializeOptionsOf(
  config: Record<string, unknown>,
  where: string,
): MaterializeOptions {
  const options: MaterializeOptions = {};
  const partition = config.partition_by;
  if (partition !== undefined && partition !== null) {
    if (typeof partition !== "object" || Array.isArray(partition)) {
      throw new TypeError(
        `Cannot read ${where}: partition_by must be a mapping { field, data_type, granularity }`,
      );
    }
    const { field, data_type: dataType = "timestamp", granularity = "day" } = partition as Record<
      string,
      unknown
    >;
    if (typeof field !== "string" || !COLUMN.test(field)) {
      throw new TypeError(`Cannot read ${where}: partition_by.field must be a column name`);
    }
    if (!DATA_TYPES.includes(String(dataType).toLowerCase() as PartitionSpec["dataType"])) {
      throw new TypeError(
        `Cannot read ${where}: partition_by.data_type must be one of ${DATA_TYPES.join(", ")}, ` +
          `got "${dataType}"`,
      );
    }
    if (
      !GRANULARITIES.includes(String(granularity).toLowerCase() as PartitionSpec["granularity"])
    ) {
      throw new TypeError(
        `Cannot read ${where}: partition_by.granularity must be one of ` +
          `${GRANULARITIES.join(", ")}, got "${granularity}"`,
      );
    }
    options.partitionBy = {
      field,
      dataType: String(dataType).toLowerCase() as PartitionSpec["dataType"],
      granularity: String(granularity).toLowerCase() as PartitionSpec["granularity"],
    };
  }
  const cluster = config.cluster_by;
  if (cluster !== undefined && cluster !== null) {
    const columns = typeof cluster === "string" ? [cluster] : cluster;
    if (
      !Array.isArray(columns) || columns.length === 0 || columns.length > 4 ||
      !columns.every((c) => typeof c === "string" && COLUMN.test(c))
    ) {
      throw new TypeError(
        `Cannot read ${where}: cluster_by must be one to four column names`,
      );
    }
    options.clusterBy = [...columns];
  }
  return options;
}
