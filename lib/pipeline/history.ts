/**
 * The run's own rows in the audit tables: one `audit.pipeline_runs` row (id, start, end,
 * status, parameters, versions) and one `audit.model_runs` row per model. The data tests'
 * rows are written by the models stage and the checks' by the checks stage, under the same
 * run id.
 *
 * @module
 */

import type { ModelResult } from "../models/mod.ts";
import { appendAuditRows, AUDIT_TABLES } from "../observe/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";

/** What {@linkcode appendRunHistory} records. */
export interface RunRecord {
  /** Run id (shared by every audit table). */
  runId: string;
  /** When the run started. */
  startedAt: Date;
  /** When it ended. */
  endedAt: Date;
  /** `success`, `failed` (a model, error test or error check) or `error` (a stage threw). */
  status: "success" | "failed" | "error";
  /** What started it (`cli`, a GitHub event name such as `schedule`, `api`). */
  trigger: string;
  /** Parameters of the run (JSON-safe; never secrets). */
  parameters: Record<string, unknown>;
  /** Versions of what ran. */
  versions: Record<string, string>;
  /** Where to read more (workflow run URL or report path), or null. */
  link: string | null;
  /** Why it failed, or null. */
  message: string | null;
  /** The models stage's per-model outcomes (empty when it did not run). */
  models: readonly ModelResult[];
}

/**
 * Versions of the runtime: Deno, V8 and TypeScript.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(runtimeVersions().deno, Deno.version.deno);
 * ```
 */
export function runtimeVersions(): Record<string, string> {
  return { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript };
}

/**
 * Append the run's row to `audit.pipeline_runs` and its models to `audit.model_runs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const wh = await openDuckDb(":memory:");
 * const at = new Date("2026-04-01T05:00:00Z");
 * await appendRunHistory(wh, {
 *   runId: "r1", startedAt: at, endedAt: new Date(at.getTime() + 60_000), status: "success",
 *   trigger: "cli", parameters: { users: 100 }, versions: runtimeVersions(), link: null,
 *   message: null, models: [],
 * });
 * const [row] = await wh.query(`select run_id, status, parameters from audit.pipeline_runs`);
 * assert.deepEqual(row, { run_id: "r1", status: "success", parameters: '{"users":100}' });
 * await wh.close();
 * ```
 */
export async function appendRunHistory(warehouse: Warehouse, record: RunRecord): Promise<void> {
  await appendAuditRows(warehouse, AUDIT_TABLES.pipelineRuns, [{
    run_id: record.runId,
    started_at: record.startedAt,
    ended_at: record.endedAt,
    status: record.status,
    trigger: record.trigger,
    target: warehouse.dialect,
    warehouse: warehouse.description,
    parameters: JSON.stringify(record.parameters),
    versions: JSON.stringify(record.versions),
    link: record.link,
    message: record.message,
  }]);
  await appendAuditRows(
    warehouse,
    AUDIT_TABLES.modelRuns,
    record.models.map((m) => ({
      run_id: record.runId,
      run_at: record.startedAt,
      model: m.name,
      materialized: m.materialized,
      status: m.status,
      n_rows: m.rows,
      seconds: m.seconds,
      message: m.message,
    })),
  );
}
