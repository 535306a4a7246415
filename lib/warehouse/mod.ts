/**
 * Warehouses behind one interface: embedded DuckDB by default.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/users.csv`,
 *   "user_id,full_name,email,company,tier,region,signup_at\n" +
 *     "U1,Ada Lovelace,ada@example.com,Analytical Engines,Pro,EMEA,2026-01-02T09:00:00Z\n",
 * );
 * const wh = await openDuckDb(":memory:"); // or openDuckDb("data/warehouse.duckdb")
 * const result = await wh.loadFile({ path: `${dir}/users.csv`, kind: "users" });
 * assert.deepEqual([result.table, result.rows, result.status], ["raw.users", 1, "loaded"]);
 * const users = wh.relation({ schema: "raw", name: "users" });
 * const frame = await wh.queryFrame(`select user_id, tier from ${users}`);
 * assert.deepEqual(frame.toRecords(), [{ user_id: "U1", tier: "Pro" }]);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./raw_tables.ts";
export * from "./dialect.ts";
export * from "./incremental.ts";
export { readRawBytes, sha256Hex } from "./_raw_files.ts";
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
