/**
 * The configured warehouse in one call, for notebooks and scripts: the same settings the
 * tasks read (`TERRALOOP_WAREHOUSE`, `TERRALOOP_DUCKDB_PATH`, `TERRALOOP_BQ_*`, flags), so a
 * notebook runs on BigQuery when the pipeline does, and on its own DuckDB file otherwise.
 *
 * @module
 */

import {
  openWarehouse,
  type OpenWarehouseOptions,
  type Warehouse,
  type WarehouseConfig,
  warehouseConfigFromEnv,
  type WarehouseFlags,
} from "../warehouse/mod.ts";

/** Options of {@linkcode openConfiguredWarehouse} and {@linkcode configuredWarehouse}. */
export interface ConfiguredWarehouseOptions {
  /**
   * The DuckDB file to use when DuckDB is chosen and neither a flag nor
   * `TERRALOOP_DUCKDB_PATH` names one (a notebook passes its workspace's file).
   * @default {"data/warehouse.duckdb"}
   */
  duckdbPath?: string;
  /**
   * Settings that override the environment, as the tasks' flags do.
   * @default {{}}
   */
  flags?: WarehouseFlags;
  /**
   * The environment to read.
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
  /**
   * Adapter options (e.g. `{ duckdb: { threads: 2 } }`, `{ bigquery: { authClient } }`).
   * @default {{}}
   */
  open?: OpenWarehouseOptions;
}

/**
 * Which warehouse the settings choose (see {@linkcode openConfiguredWarehouse}); throws a
 * `TypeError` naming a wrong setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = configuredWarehouse({ env: {}, duckdbPath: "ws/warehouse.duckdb" });
 * assert.equal(config.kind, "duckdb");
 * assert.equal(config.kind === "duckdb" && config.path, "ws/warehouse.duckdb");
 * ```
 */
export function configuredWarehouse(options: ConfiguredWarehouseOptions = {}): WarehouseConfig {
  const env = { ...(options.env ?? Deno.env.toObject()) };
  if (options.duckdbPath && !env.TERRALOOP_DUCKDB_PATH?.trim()) {
    env.TERRALOOP_DUCKDB_PATH = options.duckdbPath;
  }
  return warehouseConfigFromEnv(env, options.flags);
}

/**
 * Open the warehouse the settings choose: BigQuery when `TERRALOOP_WAREHOUSE=bigquery` (with
 * `TERRALOOP_BQ_PROJECT` or `GOOGLE_CLOUD_PROJECT`, and Application Default Credentials),
 * otherwise DuckDB at `TERRALOOP_DUCKDB_PATH`, or `duckdbPath`, or the pipeline's default
 * file. The caller closes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // In a notebook: openConfiguredWarehouse({ duckdbPath: ws.duckdbPath }), the workspace's file
 * // or BigQuery when TERRALOOP_WAREHOUSE=bigquery. Here no settings, and an in-memory DuckDB:
 * const wh = await openConfiguredWarehouse({ duckdbPath: ":memory:", env: {} });
 * assert.equal(wh.dialect, "duckdb");
 * const daily = wh.relation({ schema: "marts", name: "mart_daily_activity" });
 * assert.equal(daily, "marts.mart_daily_activity"); // then: wh.queryFrame(`select … ${daily}`)
 * await wh.close();
 * ```
 */
export async function openConfiguredWarehouse(
  options: ConfiguredWarehouseOptions = {},
): Promise<Warehouse> {
  return await openWarehouse(configuredWarehouse(options), options.open);
}
