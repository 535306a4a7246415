/**
 * The load stage: a dataset directory into the warehouse's raw tables, idempotently.
 *
 * @module
 */

import { loadDataset, type LoadDatasetSummary } from "../load/mod.ts";
import type { LoadFileResult, Warehouse } from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/** One file loaded, passed to {@linkcode LoadStageOptions.onProgress}. */
export interface LoadProgress {
  /** What loading the file did. */
  file: LoadFileResult;
  /** Files done so far, this one included. */
  done: number;
  /** Files in the run. */
  total: number;
}

/** Options of {@linkcode runLoadStage}. */
export interface LoadStageOptions {
  /**
   * Dataset directory.
   * @default {PIPELINE_DEFAULTS.rawDir} ("data/raw")
   */
  dir?: string;
  /**
   * Also remove the rows of files no longer in `dir` (the pipeline does: its directory holds
   * one whole dataset).
   * @default {false}
   */
  prune?: boolean;
  /**
   * Called after each file is loaded.
   * @default {undefined}
   */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * The pipeline run id, put on every warehouse job as a label.
   * @default {the run id in force, or a new one}
   */
  runId?: string;
}

/** Rejected lines of one raw table, with the files they came from. */
export interface RejectedLines {
  /** Raw table, e.g. `raw.events` (rejected rows went to `<table>_rejected`). */
  table: string;
  /** Rejected lines in total. */
  lines: number;
  /** The files with rejected lines, in load order. */
  files: { sourceFile: string; rejected: number }[];
}

/** What {@linkcode runLoadStage} did: the loader's summary plus stage figures. */
export interface LoadStageSummary extends LoadDatasetSummary, StageSummaryBase<"load"> {
  /** Rejected lines by raw table (tables without rejects are left out). */
  rejectedLines: RejectedLines[];
}

/**
 * Load every raw file of a dataset directory into `warehouse`. Files whose bytes were loaded
 * before are skipped; each file loads wholly or not at all. Nothing is printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { runGenerateStage } from "./generate.ts";
 * const dir = await Deno.makeTempDir();
 * await runGenerateStage({ out: dir, users: 50, days: 2 });
 * const wh = await openDuckDb(":memory:");
 * const summary = await runLoadStage(wh, { dir });
 * assert.equal(summary.unchanged, 0);
 * assert.equal((await runLoadStage(wh, { dir })).rows, 0); // same bytes: nothing added
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runLoadStage(
  warehouse: Warehouse,
  options: LoadStageOptions = {},
): Promise<LoadStageSummary> {
  const dir = options.dir ?? PIPELINE_DEFAULTS.rawDir;
  const onProgress = options.onProgress;
  const summary = await withStageLabels("load", options.runId, () =>
    loadDataset(dir, warehouse, {
      prune: options.prune ?? false,
      onFile: onProgress
        ? (file, index, total) => onProgress({ file, done: index + 1, total })
        : undefined,
    }));
  return {
    ...summary,
    stage: "load",
    rejectedLines: rejectedLinesOf(summary.files),
    peakRssMiB: peakRssMiB(),
  };
}

function rejectedLinesOf(files: readonly LoadFileResult[]): RejectedLines[] {
  const byTable = new Map<string, RejectedLines>();
  for (const file of files) {
    if (file.rejected === 0) continue;
    const entry = byTable.get(file.table) ?? { table: file.table, lines: 0, files: [] };
    entry.lines += file.rejected;
    entry.files.push({ sourceFile: file.sourceFile, rejected: file.rejected });
    byTable.set(file.table, entry);
  }
  return [...byTable.values()];
}
