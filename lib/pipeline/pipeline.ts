/**
 * The whole pipeline as one call: generate → load → models (build + data tests) → checks →
 * report → alerts, on whichever warehouse it is given, every run recorded in the audit tables.
 *
 * @module
 */

import { join } from "node:path";
import type { GenerateOptions, GenerateProgress } from "../generate/mod.ts";
import type { SendOptions } from "../alerts/mod.ts";
import { loadProject, type Project, type RunEvent } from "../models/mod.ts";
import { type IdSyncRow, readIdSync } from "../report/mod.ts";
import {
  openWarehouse,
  type Warehouse,
  type WarehouseConfig,
  withJobLabels,
} from "../warehouse/mod.ts";
import { alertResultsOf, type AlertsStageSummary, runAlertsStage } from "./alerts.ts";
import { type ChecksEvent, type ChecksStageSummary, datasetEnd, runChecksStage } from "./checks.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { type GenerateStageSummary, runGenerateStage } from "./generate.ts";
import { appendRunHistory, runtimeVersions } from "./history.ts";
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
  | ChecksStageSummary
  | ReportStageSummary
  | AlertsStageSummary;

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
  /** The checks stage started, evaluated a check or warned. */
  | { type: "checks_progress"; event: ChecksEvent }
  /** Something that does not stop the run went wrong (an audit table refused rows). */
  | { type: "warning"; message: string }
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
   * This run's id: in `run_results.json`, the `run_id` of every audit row and a label on every
   * warehouse job.
   * @default {a new UUID}
   */
  runId?: string;
  /**
   * Run the observability checks declared in the models' YAML after the models.
   * @default {true}
   */
  checks?: boolean;
  /**
   * The time the checks compare with (freshness ages, complete days for volume). A generated
   * dataset ends at its truth.json `parameters.end`, so that is the default when `out` has a
   * truth.json; otherwise the wall clock.
   * @default {the dataset's end, else new Date()}
   */
  checksNow?: Date;
  /**
   * Alerting after the run (`false`: none). See {@linkcode PipelineAlertOptions}.
   * @default {{}} (console text, 24 h suppression)
   */
  alerts?: PipelineAlertOptions | false;
  /**
   * Append the run to the audit tables (`pipeline_runs`, `model_runs`, `data_test_results`,
   * `check_results`, `check_series`, `payload_schemas`, `alert_state`).
   * @default {true}
   */
  audit?: boolean;
  /**
   * What started the run, recorded in `audit.pipeline_runs` (`cli`, `schedule`, …).
   * @default {"api"}
   */
  trigger?: string;
  /**
   * Versions recorded besides Deno's (e.g. `{ git: "<commit>" }`).
   * @default {{}}
   */
  versions?: Record<string, string>;
  /**
   * Progress of every stage; the pipeline itself never prints.
   * @default {undefined}
   */
  onEvent?: (event: PipelineEvent) => void;
}

/** Alerting options of {@linkcode runPipeline}. */
export interface PipelineAlertOptions {
  /**
   * Slack incoming webhook (`SLACK_WEBHOOK_URL`); a secret, never recorded or returned.
   * Without it the alert comes back as `summary.alerts.text` for the console.
   * @default {undefined}
   */
  webhookUrl?: string | null;
  /**
   * Where to read more (the workflow run URL inside GitHub Actions).
   * @default {the report path, or run_results.json when no report was written}
   */
  link?: string;
  /**
   * Hours an unchanged failure is not repeated (a check's `alert_suppression_interval` wins).
   * @default {24}
   */
  suppressionHours?: number;
  /**
   * Delivery settings other than the URL (timeout, attempts, backoff).
   * @default {{}}
   */
  send?: Omit<SendOptions, "webhookUrl">;
}

/** What {@linkcode runPipeline} did, stage by stage. */
export interface PipelineSummary {
  /** Every stage ran and no model, error-severity data test or error-severity check failed. */
  success: boolean;
  /** The run id (in run_results.json and every audit table). */
  runId: string;
  /** The warehouse's description, e.g. `duckdb:data/warehouse.duckdb`. */
  warehouse: string;
  /** The generate stage; `null` with `skipGenerate`. */
  generate: GenerateStageSummary | null;
  /** The load stage. */
  load: LoadStageSummary;
  /** The models stage. */
  models: ModelsStageSummary;
  /** The checks stage; `null` when checks are off. */
  checks: ChecksStageSummary | null;
  /** `mart_id_sync`'s row; `null` when the models failed or the project has no such mart. */
  idSync: IdSyncRow | null;
  /** The report stage; `null` when the models stage failed (the report is not written). */
  report: ReportStageSummary | null;
  /** The alerts stage; `null` when alerts are off. */
  alerts: AlertsStageSummary | null;
  /** Why the run failed (model, error-test and error-check messages), empty on success. */
  errors: string[];
  /** Problems that did not fail the run (audit rows not written, Slack not reached). */
  warnings: string[];
  /** Wall-clock seconds from opening the warehouse to the end. */
  seconds: number;
  /** Peak resident memory of the process, in MiB. */
  peakRssMiB: number;
}

/**
 * Run every stage in order on one warehouse: open it first, generate (unless
 * `skipGenerate`), load with pruning, build the models and run their data tests, evaluate the
 * declared checks, read the ID match rates, write the report, then alert (one message) and
 * append the run to the audit tables.
 *
 * A failing model or error-severity test skips what depends on it and the report, and gives
 * `success: false` with the reasons in `errors`; an error-severity check that fails (or
 * cannot run) gives `success: false` too, but the report is still written. Checks, alerts
 * and audit rows run in either case. Alerting and audit problems are `warnings`, never
 * failures. Other failures (a generator or loader error) throw, after the run is recorded
 * with status `error`.
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
  const startedAt = new Date();
  const runId = options.runId ?? crypto.randomUUID();
  const audit = options.audit ?? true;
  const emit = options.onEvent ?? (() => {});
  const out = options.out ?? PIPELINE_DEFAULTS.rawDir;
  const targetDir = options.targetDir ?? PIPELINE_DEFAULTS.targetDir;
  const modelsDir = options.modelsDir ?? PIPELINE_DEFAULTS.modelsDir;
  const reportPath = options.reportPath ?? PIPELINE_DEFAULTS.reportPath;
  const warehouse = options.warehouse ??
    await openWarehouse(
      options.warehouseConfig ?? { kind: "duckdb", path: PIPELINE_DEFAULTS.warehousePath },
    );
  const done = <T extends StageSummary>(summary: T): T => {
    emit({ type: "stage_done", summary });
    return summary;
  };
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: "warning", message });
  };
  const alertOptions = options.alerts === false ? null : options.alerts ?? {};
  const parameters = _parameters(options, { out, targetDir, modelsDir, reportPath, alertOptions });
  let models: ModelsStageSummary | null = null;
  let link: string | null = alertOptions?.link ?? null;
  const record = async (status: "success" | "failed" | "error", message: string | null) => {
    if (!audit) return;
    try {
      const versions = {
        ...runtimeVersions(),
        ...(await _generatorVersion(out)),
        ...options.versions,
      };
      await withJobLabels({ stage: "audit", run_id: runId }, () =>
        appendRunHistory(warehouse, {
          runId,
          startedAt,
          endedAt: new Date(),
          status,
          trigger: options.trigger ?? "api",
          parameters,
          versions,
          link,
          message,
          models: models?.results.models ?? [],
        }));
    } catch (error) {
      warn(`Cannot append the run to the audit tables: ${_message(error)}`);
    }
  };
  try {
    emit({ type: "warehouse_open", warehouse: warehouse.description });

    let generate: GenerateStageSummary | null = null;
    let load: LoadStageSummary;
    let project: Project;
    try {
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
      load = done(
        await runLoadStage(warehouse, {
          dir: out,
          prune: true,
          runId,
          onProgress: (progress) => emit({ type: "load_progress", progress }),
        }),
      );

      // Each stage starts without the pages the one before it cached (memory stays bounded by
      // the limit plus one stage's own frames, not by what earlier stages read).
      await warehouse.releaseMemory?.();
      emit({ type: "stage_start", stage: "models" });
      project = await loadProject(modelsDir);
      models = done(
        await runModelsStage(warehouse, {
          project,
          modelsDir,
          targetDir,
          runId,
          audit,
          onProgress: (event) => emit({ type: "models_progress", event }),
        }),
      );
    } catch (error) {
      await record("error", _message(error));
      throw error;
    }

    let checks: ChecksStageSummary | null = null;
    if (options.checks ?? true) {
      emit({ type: "stage_start", stage: "checks" });
      const built = new Set(
        models.results.models.filter((m) => m.status === "success").map((m) => m.name),
      );
      try {
        checks = done(
          await runChecksStage(warehouse, {
            project,
            modelsDir,
            now: options.checksNow ?? await datasetEnd(join(out, "truth.json")) ?? new Date(),
            built: models.results.mode === "build" ? built : null,
            runId,
            runAt: startedAt,
            audit,
            runResultsPath: models.runResultsPath,
            onProgress: (event) => emit({ type: "checks_progress", event }),
          }),
        );
      } catch (error) {
        await record("error", _message(error));
        throw error;
      }
      for (const message of checks.warnings) warnings.push(message);
    }

    let idSync: IdSyncRow | null = null;
    let report: ReportStageSummary | null = null;
    if (models.success) {
      idSync = await withStageLabels("report", runId, () => readIdSync(warehouse));
      if (idSync) emit({ type: "id_sync", idSync });
      await warehouse.releaseMemory?.();
      emit({ type: "stage_start", stage: "report" });
      report = done(
        await runReportStage(warehouse, {
          truthPath: join(out, "truth.json"),
          runResultsPath: models.runResultsPath ?? undefined,
          out: reportPath,
          runId,
        }),
      );
    }
    link ??= report?.path ?? models.runResultsPath;

    const errors = [...models.errors, ...(checks?.errors ?? [])];
    const success = models.success && (checks?.success ?? true);

    let alerts: AlertsStageSummary | null = null;
    if (alertOptions) {
      emit({ type: "stage_start", stage: "alerts" });
      alerts = done(
        await runAlertsStage(
          warehouse,
          alertResultsOf(models.results.models, models.results.tests, checks?.results ?? []),
          {
            webhookUrl: alertOptions.webhookUrl ?? null,
            ...(link ? { link } : {}),
            runLabel: runId.slice(0, 8),
            ...(alertOptions.suppressionHours === undefined
              ? {}
              : { suppressionHours: alertOptions.suppressionHours }),
            runId,
            runAt: startedAt,
            audit,
            ...(alertOptions.send ? { send: alertOptions.send } : {}),
          },
        ),
      );
      if (alerts.warning) warnings.push(alerts.warning);
    }

    await record(
      success ? "success" : "failed",
      errors.length > 0 ? errors.slice(0, 5).join("\n") : null,
    );
    return {
      success,
      runId,
      warehouse: warehouse.description,
      generate,
      load,
      models,
      checks,
      idSync,
      report,
      alerts,
      errors,
      warnings,
      seconds: (performance.now() - started) / 1000,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    if (!options.warehouse) await warehouse.close();
  }
}

// The run's parameters as recorded in audit.pipeline_runs: never the webhook URL.
function _parameters(
  options: PipelineOptions,
  resolved: {
    out: string;
    targetDir: string;
    modelsDir: string;
    reportPath: string;
    alertOptions: PipelineAlertOptions | null;
  },
): Record<string, unknown> {
  const { onProgress: _, ...generate } = { ...options.generate, onProgress: undefined };
  return {
    generate: options.skipGenerate ? null : generate,
    skip_generate: options.skipGenerate ?? false,
    out: resolved.out,
    models_dir: resolved.modelsDir,
    target_dir: resolved.targetDir,
    report: resolved.reportPath,
    checks: options.checks ?? true,
    checks_now: options.checksNow?.toISOString() ?? null,
    alerts: resolved.alertOptions === null ? false : {
      slack: Boolean(resolved.alertOptions.webhookUrl),
      suppression_hours: resolved.alertOptions.suppressionHours ?? null,
    },
  };
}

async function _generatorVersion(out: string): Promise<Record<string, string>> {
  try {
    const truth = JSON.parse(await Deno.readTextFile(join(out, "truth.json")));
    return typeof truth?.generator === "string" ? { generator: truth.generator } : {};
  } catch {
    return {};
  }
}

function _message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}
