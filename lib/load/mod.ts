/**
 * Loading generated (or delivered) datasets into a warehouse's raw tables, the way ELT
 * tools do: payload kept as delivered, load metadata added, bad lines quarantined.
 *
 * ```ts
 * import { loadDataset } from "./mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * const summary = await loadDataset("data/raw", wh);
 * ```
 *
 * @module
 */
export * from "./load_dataset.ts";
export * from "./plan.ts";
