/**
 * The models stage: build the SQL models in DAG order and run their data tests (or only the
 * tests), on any warehouse, with relation names from the warehouse itself.
 *
 * @module
 */

import { join } from "node:path";
import { type RunEvent, type RunOptions, runProject, type RunResults } from "../models/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { stageRunId, withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/**
 * Options of {@linkcode runModelsStage}: those of `runProject` except naming (the
 * warehouse's own `naming` is used) and progress (`onProgress` here).
 */
export interface ModelsStageOptions
  extends Omit<RunOptions, "onEvent" | "bigqueryProject" | "datasetPrefix"> {
  /**
   * Models directory (ignored when `project` is given).
   * @default {PIPELINE_DEFAULTS.modelsDir} ("sql")
   */
  modelsDir?: string;
  /**
   * Where `run_results.json` and `compiled/<dialect>/` go; `null` writes nothing.
   * @default {PIPELINE_DEFAULTS.targetDir} ("target")
   */
  targetDir?: string | null;
  /**
   * Progress of the run: start, each model, each test, done.
   * @default {undefined}
   */
  onProgress?: (event: RunEvent) => void;
}

/** What {@linkcode runModelsStage} did. */
export interface ModelsStageSummary extends StageSummaryBase<"models"> {
  /** No model errored and no error-severity test failed. */
  success: boolean;
  /** Rows of the tables built (views count none). */
  rows: number;
  /** Models built successfully. */
  modelsBuilt: number;
  /** Models selected. */
  modelsTotal: number;
  /** Data tests run (skipped ones included). */
  tests: number;
  /** Tests that warned. */
  testsWarned: number;
  /** Tests that failed or errored. */
  testsFailed: number;
  /** Messages of every model error and every failed `error` test. */
  errors: string[];
  /** The `run_results.json` written, or `null` when `targetDir` is `null`. */
  runResultsPath: string | null;
  /** The full results, as written to `run_results.json`. */
  results: RunResults;
}

/**
 * Build (or test) the models on `warehouse`. A failed model or error-severity test skips
 * everything downstream and gives `success: false` with the reasons in `errors`; nothing is
 * printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { runGenerateStage } from "./generate.ts";
 * import { runLoadStage } from "./load.ts";
 * const dir = await Deno.makeTempDir();
 * await runGenerateStage({ out: `${dir}/raw`, users: 60, days: 3 });
 * const wh = await openDuckDb(":memory:");
 * await runLoadStage(wh, { dir: `${dir}/raw` });
 * const models = await runModelsStage(wh, { targetDir: `${dir}/target` });
 * assert.ok(models.success, models.errors.join("\n"));
 * assert.equal(models.runResultsPath, `${dir}/target/run_results.json`);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runModelsStage(
  warehouse: Warehouse,
  options: ModelsStageOptions = {},
): Promise<ModelsStageSummary> {
  const started = performance.now();
  const { onProgress, ...run } = options;
  const targetDir = run.targetDir === undefined ? PIPELINE_DEFAULTS.targetDir : run.targetDir;
  // One run id for the audit rows and the jobs' labels.
  const runId = stageRunId(run.runId);
  const results = await withStageLabels("models", runId, () =>
    runProject(warehouse, {
      ...run,
      runId,
      modelsDir: run.modelsDir ?? PIPELINE_DEFAULTS.modelsDir,
      targetDir,
      onEvent: onProgress,
    }));
  const built = results.models.filter((m) => m.status === "success");
  return {
    stage: "models",
    success: results.success,
    rows: built.reduce((sum, m) => sum + (m.rows ?? 0), 0),
    modelsBuilt: built.length,
    modelsTotal: results.models.length,
    tests: results.tests.length,
    testsWarned: results.tests.filter((t) => t.status === "warn").length,
    testsFailed: results.tests.filter((t) => t.status === "fail" || t.status === "error").length,
    errors: results.errors,
    runResultsPath: targetDir === null ? null : join(targetDir, "run_results.json"),
    results,
    seconds: (performance.now() - started) / 1000,
    peakRssMiB: peakRssMiB(),
  };
}
