/**
 * The job labels a stage puts on its warehouse work: the stage's name and the pipeline run
 * id, so every BigQuery job can be traced to the run and stage that started it (the model
 * runner adds the model).
 *
 * @module
 */

import { currentJobLabels, withJobLabels } from "../warehouse/mod.ts";
import type { StageName } from "./types.ts";

/**
 * Run a stage's warehouse work under the labels `stage` and `run_id` (the given run id, the
 * one already in force, or a new one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentJobLabels } from "../warehouse/mod.ts";
 * const labels = await withStageLabels("load", "run-1", () => Promise.resolve(currentJobLabels()));
 * assert.deepEqual(labels, { stage: "load", run_id: "run-1" });
 * ```
 */
export function withStageLabels<T>(
  stage: StageName,
  runId: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return withJobLabels({ stage, run_id: stageRunId(runId) }, fn);
}

/** The run id a stage runs under: the given one, the one in force, or a new UUID. */
export function stageRunId(runId: string | undefined): string {
  return runId ?? currentJobLabels().run_id ?? crypto.randomUUID();
}
