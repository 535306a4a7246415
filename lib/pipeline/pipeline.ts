/**
 * The whole pipeline as one call: generate → load → models (build + data tests) → report, on
 * whichever warehouse it is given.
 *
 * @module
 */

import { join } from "node:path";
import type { GenerateOptions, GenerateProgress } from "../generate/mod.ts";
import type { RunEvent } from "../models/mod.ts";
import { type IdSyncRow, readIdSync } from "../report/mod.ts";
import { openWarehouse, type Warehouse, type WarehouseConfig } from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { type GenerateStageSummary, runGenerateStage } from "./generate.ts";
import { type LoadProgress, type LoadStageSummary, runLoadStage } from "./load.ts";
import { withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import { type ModelsStageSummary, runModelsStage } from "./models.ts";
import { type ReportStageSummary, runReportStage } from "./report.ts";
import type { StageName } from "./types.ts";

/** Any stage's summary; `stage` tells which. */
export type StageSummary =
  | GenerateStageSummary
  | LoadStageSummary
  | ModelsStageSummary
  | ReportStageSummary;

/** Progress of {@linkcode runPipeline}, in the order it happens. */
export type PipelineEvent =
  /** The warehouse is open (before any stage runs). */
  | { type: "warehouse_open"; warehouse: string }
  /** A stage starts. */
  | { type: "stage_start"; stage: StageName }
  /** The generator finished a step or wrote a file. */
  | { type: "generate_progress"; progress: GenerateProgress }
  /** The loader finished a file. */
  | { type: "load_progress"; progress: LoadProgress }
  /** The models run started, built a model, ran a test, warned or finished. */
  | { type: "models_progress"; event: RunEvent }
  /** A stage finished. */
  | { type: "stage_done"; summary: StageSummary }
  /** The ID match rates of `mart_id_sync`, read after a successful models stage. */
  | { type: "id_sync"; idSync: IdSyncRow };

/** Options of {@linkcode runPipeline}. */
export interface PipelineOptions {
  /**
   * Which warehouse to open (before generating, so a bad configuration stops the run before
   * any work); closed at the end. Ignored when `warehouse` is given.
   * @default {{ kind: "duckdb", path: PIPELINE_DEFAULTS.warehousePath }}
   */
  warehouseConfig?: WarehouseConfig;
  /**
   * An open warehouse to use instead of `warehouseConfig`; the caller closes it.
   * @default {undefined}
   */
  warehouse?: Warehouse;
  /**
   * Generator options (scale, period, seed, gzip, mess and effects).
   * @default {{}} (the generator's defaults)
   */
  generate?: Omit<GenerateOptions, "onProgress">;
  /**
   * Dataset directory, written by generate and read by load (which prunes files no longer
   * in it).
   * @default {PIPELINE_DEFAULTS.rawDir} ("data/raw")
   */
  out?: string;
  /**
   * Reuse the dataset already in `out` instead of generating.
   * @default {false}
   */
  skipGenerate?: boolean;
  /**
   * The SQL models directory.
   * @default {PIPELINE_DEFAULTS.modelsDir} ("sql")
   */
  modelsDir?: string;
  /**
   * Where `run_results.json` and compiled SQL go.
   * @default {PIPELINE_DEFAULTS.targetDir} ("target")
   */
  targetDir?: string;
  /**
   * The HTML report.
   * @default {PIPELINE_DEFAULTS.reportPath} ("reports/terraloop-report.html")
   */
  reportPath?: string;
  /**
   * Progress of every stage; the pipeline itself never prints.
   * @default {undefined}
   */
  onEvent?: (event: PipelineEvent) => void;
  /**
   * This run's id: the audit rows' `run_id` and a label on every warehouse job.
   * @default {a new UUID}
   */
  runId?: string;
}

/** What {@linkcode runPipeline} did, stage by stage. */
export interface PipelineSummary {
  /** Every stage ran and no model or error-severity data test failed. */
  success: boolean;
  /** This run's id (audit rows, job labels). */
  runId: string;
  /** The warehouse's description, e.g. `duckdb:data/warehouse.duckdb`. */
  warehouse: string;
  /** The generate stage; `null` with `skipGenerate`. */
  generate: GenerateStageSummary | null;
  /** The load stage. */
  load: LoadStageSummary;
  /** The models stage. */
  models: ModelsStageSummary;
  /** `mart_id_sync`'s row; `null` when the models failed or the project has no such mart. */
  idSync: IdSyncRow | null;
  /** The report stage; `null` when the models stage failed (the report is not written). */
  report: ReportStageSummary | null;
  /** Why the run stopped early (the models' errors), empty on success. */
  errors: string[];
  /** Wall-clock seconds from opening the warehouse to the end. */
  seconds: number;
  /** Peak resident memory of the process, in MiB. */
  peakRssMiB: number;
}

/**
 * Run every stage in order on one warehouse: open it first, generate (unless
 * `skipGenerate`), load with pruning, build the models and run their data tests, read the ID
 * match rates, write the report. A failing model or error-severity test stops the run after
 * the models stage with `success: false` and the reasons in `errors`; other failures throw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const summary = await runPipeline({
 *   warehouseConfig: { kind: "duckdb", path: `${dir}/warehouse.duckdb` },
 *   generate: { users: 80, days: 3 },
 *   out: `${dir}/raw`,
 *   targetDir: `${dir}/target`,
 *   reportPath: `${dir}/report.html`,
 * });
 * assert.ok(summary.success, summary.errors.join("\n"));
 * assert.equal(summary.report?.path, `${dir}/report.html`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runPipeline(options: PipelineOptions = {}): Promise<PipelineSummary> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const out = options.out ?? PIPELINE_DEFAULTS.rawDir;
  const targetDir = options.targetDir ?? PIPELINE_DEFAULTS.targetDir;
  const runId = options.runId ?? crypto.randomUUID();
  const warehouse = options.warehouse ??
    await openWarehouse(
      options.warehouseConfig ?? { kind: "duckdb", path: PIPELINE_DEFAULTS.warehousePath },
    );
  const done = <T extends StageSummary>(summary: T): T => {
    emit({ type: "stage_done", summary });
    return summary;
  };
  try {
    emit({ type: "warehouse_open", warehouse: warehouse.description });

    let generate: GenerateStageSummary | null = null;
    if (!options.skipGenerate) {
      emit({ type: "stage_start", stage: "generate" });
      generate = done(
        await runGenerateStage({
          ...options.generate,
          out,
          onProgress: (progress) => emit({ type: "generate_progress", progress }),
        }),
      );
    }

    emit({ type: "stage_start", stage: "load" });
    const load = done(
      await runLoadStage(warehouse, {
        dir: out,
        prune: true,
        runId,
        onProgress: (progress) => emit({ type: "load_progress", progress }),
      }),
    );

    emit({ type: "stage_start", stage: "models" });
    const models = done(
      await runModelsStage(warehouse, {
        modelsDir: options.modelsDir,
        targetDir,
        runId,
        onProgress: (event) => emit({ type: "models_progress", event }),
      }),
    );

    const finish = (rest: Pick<PipelineSummary, "idSync" | "report">): PipelineSummary => ({
      success: models.success,
      runId,
      warehouse: warehouse.description,
      generate,
      load,
      models,
      ...rest,
      errors: models.success ? [] : models.errors,
      seconds: (performance.now() - started) / 1000,
      peakRssMiB: peakRssMiB(),
    });
    if (!models.success) return finish({ idSync: null, report: null });

    const idSync = await withStageLabels("report", runId, () => readIdSync(warehouse));
    if (idSync) emit({ type: "id_sync", idSync });

    emit({ type: "stage_start", stage: "report" });
    const report = done(
      await runReportStage(warehouse, {
        truthPath: join(out, "truth.json"),
        runResultsPath: models.runResultsPath ?? undefined,
        out: options.reportPath ?? PIPELINE_DEFAULTS.reportPath,
        runId,
      }),
    );
    return finish({ idSync, report });
  } finally {
    if (!options.warehouse) await warehouse.close();
  }
}
