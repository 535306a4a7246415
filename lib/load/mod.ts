/**
 * Loading generated (or delivered) datasets into a warehouse's raw tables, the way ELT
 * tools do: payload kept as delivered, load metadata added, bad lines quarantined.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDataset } from "./mod.ts";
 * import { generateDataset } from "../generate/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const dir = await Deno.makeTempDir(); // the pipeline's dataset is data/raw
 * await generateDataset(dir, { users: 20, days: 2 });
 * const wh = await openDuckDb(":memory:"); // the pipeline's is data/warehouse.duckdb
 * const summary = await loadDataset(dir, wh, { prune: true });
 * assert.ok(summary.rows > 0);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./load_dataset.ts";
export * from "./plan.ts";
