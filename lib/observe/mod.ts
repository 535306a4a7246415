/**
 * Data observability in the manner of Elementary: volume anomalies on daily counts, source
 * freshness with dbt's semantics, schema changes of raw JSON payloads, their declarations in
 * the models' YAML, and one result shape for all of them. Pure functions: frames and values
 * in, frames and values out; reading the warehouse is the pipeline's job.
 *
 * ```ts
 * import {
 *   checkFreshness,
 *   dailyCounts,
 *   diffPayloadSchemas,
 *   loadCheckDeclarations,
 *   volumeAnomalies,
 * } from "./lib/observe/mod.ts";
 *
 * const checks = await loadCheckDeclarations("sql");
 * const scored = volumeAnomalies(dailyCounts(events, { dimensions: ["event"] }), {
 *   dimensions: ["event"],
 * });
 * const fresh = checkFreshness(newest, { warnAfter: { count: 1, period: "day" } });
 * const change = diffPayloadSchemas(previousSchema, currentSchema);
 * ```
 *
 * @module
 */

export * from "./volume.ts";
export * from "./freshness.ts";
export * from "./schema_change.ts";
export * from "./checks.ts";
export * from "./results.ts";
