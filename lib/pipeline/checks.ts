/**
 * The checks stage: evaluate the observability checks declared in the models' YAML
 * (`checks:` next to the data tests) on the warehouse, append them to the audit tables and
 * add a `checks` section to `run_results.json`.
 *
 * @module
 */

import { CheckQueryCompiler, loadProject, type Project } from "../models/mod.ts";
import {
  appendCheckHistory,
  type CheckResult,
  type CheckStatus,
  evaluateChecks,
  loadCheckDeclarations,
} from "../observe/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { stageRunId, withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/** Progress of {@linkcode runChecksStage}. */
export type ChecksEvent =
  /** The declarations are read; `now` is the time the checks compare with. */
  | { type: "start"; checks: number; now: string }
  /** One check evaluated. */
  | { type: "check_done"; result: CheckResult; seconds: number }
  /** Something went wrong that does not stop the run (e.g. the audit table refused rows). */
  | { type: "warning"; message: string };

/** Options of {@linkcode runChecksStage}. */
export interface ChecksStageOptions {
  /**
   * Models directory: its YAML files declare the checks (ignored for the project when
   * `project` is given).
   * @default {PIPELINE_DEFAULTS.modelsDir} ("sql")
   */
  modelsDir?: string;
  /**
   * The loaded model project (names the checks' relations).
   * @default {loaded from `modelsDir`}
   */
  project?: Project;
  /**
   * The time checks compare with (freshness age; volume days on or after its UTC day are
   * incomplete). For a generated dataset use its end (`datasetEnd()`): against the wall clock
   * its events are always stale.
   * @default {new Date()}
   */
  now?: Date;
  /**
   * Models built this run; checks on other models are `skipped`. `null`: all count as built.
   * @default {null}
   */
  built?: ReadonlySet<string> | null;
  /**
   * Run id written with every audit row (the models stage's, so tables join) and put on the
   * warehouse jobs' labels.
   * @default {the run id in force, else a new UUID}
   */
  runId?: string;
  /**
   * When the run started.
   * @default {the stage's start}
   */
  runAt?: Date;
  /**
   * Append results to `audit.check_results`, `audit.check_series`, `audit.payload_schemas`.
   * @default {true}
   */
  audit?: boolean;
  /**
   * A `run_results.json` to add the `checks` section to (`null`: none).
   * @default {null}
   */
  runResultsPath?: string | null;
  /**
   * Progress: start, each check, warnings.
   * @default {undefined}
   */
  onProgress?: (event: ChecksEvent) => void;
}

/** What {@linkcode runChecksStage} did. */
export interface ChecksStageSummary extends StageSummaryBase<"checks"> {
  /** No `error`-severity check failed or could not run. */
  success: boolean;
  /** The time the checks compared with (ISO). */
  now: string;
  /** Every check's result, in declaration order. */
  results: CheckResult[];
  /** Results by status. */
  counts: Record<CheckStatus, number>;
  /** One message per failed (or broken) `error`-severity check. */
  errors: string[];
  /** Problems that did not stop the stage (audit rows, run_results.json). */
  warnings: string[];
}

/**
 * Evaluate every declared check on `warehouse`; nothing is printed. A check whose query fails
 * is `error`; one on a model not built is `skipped`. The stage fails (`success: false`) when
 * an `error`-severity check fails or cannot run — as an `error` data test does — but it never
 * throws for a check; it throws only when the declarations cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { runGenerateStage } from "./generate.ts";
 * import { runLoadStage } from "./load.ts";
 * import { runModelsStage } from "./models.ts";
 * const dir = await Deno.makeTempDir();
 * await runGenerateStage({ out: `${dir}/raw`, users: 60, days: 10 });
 * const wh = await openDuckDb(":memory:");
 * await runLoadStage(wh, { dir: `${dir}/raw` });
 * await runModelsStage(wh, { targetDir: null });
 * const checks = await runChecksStage(wh, { now: await datasetEnd(`${dir}/raw/truth.json`) ?? undefined });
 * assert.ok(checks.results.length >= 3);
 * assert.equal(checks.now, "2026-01-11T00:00:00.000Z");
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function runChecksStage(
  warehouse: Warehouse,
  options: ChecksStageOptions = {},
): Promise<ChecksStageSummary> {
  const runId = stageRunId(options.runId);
  return withStageLabels("checks", runId, () => _runChecksStage(warehouse, { ...options, runId }));
}

async function _runChecksStage(
  warehouse: Warehouse,
  options: ChecksStageOptions,
): Promise<ChecksStageSummary> {
  const started = performance.now();
  const emit = options.onProgress ?? (() => {});
  const modelsDir = options.modelsDir ?? PIPELINE_DEFAULTS.modelsDir;
  const project = options.project ?? await loadProject(modelsDir);
  const checks = await loadCheckDeclarations(modelsDir, {
    models: project.models.keys(),
    sources: project.sources.keys(),
  });
  const now = options.now ?? new Date();
  const runAt = options.runAt ?? new Date();
  const runId = options.runId ?? crypto.randomUUID();
  emit({ type: "start", checks: checks.length, now: now.toISOString() });
  const compiler = new CheckQueryCompiler(project, {
    dialect: warehouse.dialect,
    ...warehouse.naming,
  });
  const evaluations = await evaluateChecks(warehouse, checks, {
    compiler,
    now,
    built: options.built ?? null,
    onCheck: (e) => emit({ type: "check_done", result: e.result, seconds: e.seconds }),
  });
  const results = evaluations.map((e) => e.result);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: "warning", message });
  };
  if (options.audit ?? true) {
    try {
      await appendCheckHistory(warehouse, evaluations, { runId, runAt, now });
    } catch (error) {
      warn(`Cannot append to the audit tables of checks: ${_message(error)}`);
    }
  }
  const counts = _counts(results);
  if (options.runResultsPath) {
    try {
      await addChecksToRunResults(options.runResultsPath, results, now);
    } catch (error) {
      warn(`Cannot add checks to "${options.runResultsPath}": ${_message(error)}`);
    }
  }
  const errors = results
    .filter((r) => r.status === "fail" || (r.status === "error" && r.severity === "error"))
    .map((r) =>
      `Check "${r.name}" on ${r.target} ${r.status === "fail" ? "failed" : "errored"}: ${r.message}`
    );
  return {
    stage: "checks",
    success: errors.length === 0,
    now: now.toISOString(),
    results,
    counts,
    errors,
    warnings,
    seconds: (performance.now() - started) / 1000,
    peakRssMiB: peakRssMiB(),
  };
}

/**
 * The end of a generated dataset (`parameters.end` of its truth.json, UTC midnight): the time
 * its checks should compare with. Null when the file is missing or has no end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/truth.json`, JSON.stringify({ parameters: { end: "2026-04-01" } }));
 * assert.equal((await datasetEnd(`${dir}/truth.json`))?.toISOString(), "2026-04-01T00:00:00.000Z");
 * assert.equal(await datasetEnd(`${dir}/missing.json`), null);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function datasetEnd(truthPath: string): Promise<Date | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(truthPath);
  } catch {
    return null;
  }
  try {
    const end = JSON.parse(text)?.parameters?.end;
    if (typeof end !== "string" || !/^\d{4}-\d\d-\d\d$/.test(end)) return null;
    const date = new Date(`${end}T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? null : date;
  } catch {
    return null;
  }
}

/**
 * Add (or replace) the `checks` section of a `run_results.json` written by the models stage:
 * `checks` (the results), `checks_now` and `summary.checks` (counts by status).
 *
 * @example
 * ```ts ignore
 * await addChecksToRunResults("target/run_results.json", summary.results, now);
 * ```
 */
export async function addChecksToRunResults(
  path: string,
  results: readonly CheckResult[],
  now: Date,
): Promise<void> {
  const json = JSON.parse(await Deno.readTextFile(path));
  json.checks_now = now.toISOString();
  json.checks = results;
  json.summary = { ...(json.summary ?? {}), checks: _counts(results) };
  await Deno.writeTextFile(path, JSON.stringify(json, null, 2) + "\n");
}

function _counts(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = {
    pass: 0,
    warn: 0,
    fail: 0,
    error: 0,
    skipped: 0,
    not_enough_data: 0,
  };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

function _message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}
