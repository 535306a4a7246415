/**
 * Data observability in the manner of Elementary: volume anomalies on daily counts, source
 * freshness with dbt's semantics, schema changes of raw JSON payloads, their declarations in
 * the models' YAML, and one result shape for all of them (pure functions: frames and values in,
 * frames and values out); plus evaluating declared checks on a warehouse (`evaluateChecks`)
 * and the run history kept in the audit tables (`AUDIT_TABLES`, `appendAuditRows`,
 * `readRunHistory`).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { checkFreshness, dailyCounts, diffPayloadSchemas, volumeAnomalies } from "./mod.ts";
 *
 * // Declarations: await loadCheckDeclarations("sql") reads the `checks:` of every YAML file.
 * const events = pl.DataFrame({
 *   ts: ["2026-03-01T10:00Z", "2026-03-01T11:00Z", "2026-03-02T09:00Z"].map((s) => new Date(s)),
 *   event: ["session_start", "search", "session_start"],
 * });
 * const counts = dailyCounts(events, { dimensions: ["event"] });
 * const scored = volumeAnomalies(counts, { dimensions: ["event"] });
 * // 2 series × 2 days (a day without rows counts 0); a day needs 7 days of history to be scored
 * assert.equal(scored.height, 4);
 * assert.ok(scored.getColumn("status").toArray().every((s) => s === "not_enough_data"));
 * const newest = new Date("2026-03-02T09:00Z");
 * const fresh = checkFreshness(newest, { warnAfter: { count: 1, period: "day" }, now: newest });
 * assert.equal(fresh.status, "pass");
 * const change = diffPayloadSchemas({ ts: "string" }, { ts: "number" });
 * assert.deepEqual(change.typeChanged, [{ key: "ts", from: "string", to: "number" }]);
 * ```
 *
 * @module
 */

export * from "./volume.ts";
export * from "./freshness.ts";
export * from "./schema_change.ts";
export * from "./checks.ts";
export * from "./results.ts";
export * from "./audit.ts";
export * from "./evaluate.ts";
