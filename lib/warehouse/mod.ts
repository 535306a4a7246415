/**
 * Warehouses behind one interface: embedded DuckDB by default.
 *
 * ```ts
 * import { openDuckDb } from "./mod.ts";
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * await wh.loadFile({ path: "data/raw/users.csv", kind: "users" });
 * const users = await wh.queryFrame("select * from raw.users");
 * await wh.close();
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./raw_tables.ts";
export * from "./dialect.ts";
export * from "./incremental.ts";
export {
  type DuckDbLimits,
  DuckDbWarehouse,
  openDuckDb,
  type OpenDuckDbOptions,
} from "./duckdb.ts";
export {
  BigQueryWarehouse,
  CredentialsError,
  formatBytes,
  openBigQuery,
  type OpenBigQueryOptions,
} from "./bigquery.ts";
export { currentJobLabels, labelKey, labelValue, withJobLabels } from "./job_labels.ts";
export { materializeOptionsOf } from "./materialize_options.ts";
export {
  formatMemorySize,
  missingWarehouseProblem,
  openWarehouse,
  parseMemorySize,
  relationNamingOf,
  WAREHOUSE_DEFAULTS,
  warehouseConfigFromEnv,
  warehouseLabel,
  warehouseMemoryLabel,
} from "./config.ts";
export type { OpenWarehouseOptions, WarehouseConfig, WarehouseFlags } from "./config.ts";
