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
export { readRawBytes, sha256Hex } from "./_raw_files.ts";
export { DuckDbWarehouse, openDuckDb, type OpenDuckDbOptions } from "./duckdb.ts";
export { BigQueryWarehouse, openBigQuery, type OpenBigQueryOptions } from "./bigquery.ts";
export {
  missingWarehouseProblem,
  openWarehouse,
  relationNamingOf,
  WAREHOUSE_DEFAULTS,
  warehouseConfigFromEnv,
  warehouseLabel,
} from "./config.ts";
export type { OpenWarehouseOptions, WarehouseConfig, WarehouseFlags } from "./config.ts";
