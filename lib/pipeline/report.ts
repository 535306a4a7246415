/**
 * The report stage: collect the report's numbers from the warehouse's marts, render the
 * self-contained HTML page and write it.
 *
 * @module
 */

import { join } from "node:path";
import { writeTextFileAtomic } from "../html/mod.ts";
import { buildReport, collectReportData, reportHeadlines } from "../report/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/** Options of {@linkcode runReportStage}. */
export interface ReportStageOptions {
  /**
   * The dataset's truth.json, for seed and scale (a missing file is noted, not fatal).
   * @default {"data/raw/truth.json"}
   */
  truthPath?: string;
  /**
   * `run_results.json` of the models run, for data tests and model timings.
   * @default {"target/run_results.json"}
   */
  runResultsPath?: string;
  /**
   * Output file.
   * @default {PIPELINE_DEFAULTS.reportPath} ("reports/terraloop-report.html")
   */
  out?: string;
  /**
   * The pipeline run id, put on every warehouse job as a label.
   * @default {the run id in force, or a new one}
   */
  runId?: string;
}

/** What {@linkcode runReportStage} wrote. */
export interface ReportStageSummary extends StageSummaryBase<"report"> {
  /** Path written. */
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Seconds for queries and metrics (part of `seconds`). */
  collectSeconds: number;
  /** The titles of the headline findings, in the report's order. */
  headlines: string[];
  /** What the report could not show and why (e.g. a missing truth.json), one line each. */
  notes: string[];
}

/**
 * Collect, render and write the report from `warehouse`'s marts; nothing is printed.
 * Throws `MissingMartsError` (from `lib/report`) when the marts are not built.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { runPipeline } from "./pipeline.ts";
 * const dir = await Deno.makeTempDir();
 * const wh = await openDuckDb(":memory:");
 * const options = { generate: { users: 80, days: 3 }, out: dir, targetDir: dir };
 * await runPipeline({ ...options, warehouse: wh, reportPath: `${dir}/report.html` });
 * const report = await runReportStage(wh, {
 *   truthPath: `${dir}/truth.json`,
 *   runResultsPath: `${dir}/run_results.json`,
 *   out: `${dir}/again.html`,
 * });
 * assert.equal(report.headlines.length, 3);
 * assert.equal(report.bytes, (await Deno.stat(`${dir}/again.html`)).size);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runReportStage(
  warehouse: Warehouse,
  options: ReportStageOptions = {},
): Promise<ReportStageSummary> {
  const started = performance.now();
  const out = options.out ?? PIPELINE_DEFAULTS.reportPath;
  const data = await withStageLabels("report", options.runId, () =>
    collectReportData(warehouse, {
      truthPath: options.truthPath ?? join(PIPELINE_DEFAULTS.rawDir, "truth.json"),
      runResultsPath: options.runResultsPath ??
        join(PIPELINE_DEFAULTS.targetDir, "run_results.json"),
    }));
  const html = buildReport(data);
  await writeTextFileAtomic(out, html);
  const bytes = (await Deno.stat(out)).size;
  const problem = data.parameters.datasetProblem;
  return {
    stage: "report",
    path: out,
    bytes,
    collectSeconds: data.timing.collectSeconds,
    headlines: Object.values(reportHeadlines(data)).map((insight) => insight.title),
    notes: problem ? [`${problem}; seed and scale are not shown`] : [],
    seconds: (performance.now() - started) / 1000,
    peakRssMiB: peakRssMiB(),
  };
}
