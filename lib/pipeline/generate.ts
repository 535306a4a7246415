/**
 * The generate stage: write a simulated dataset directory.
 *
 * @module
 */

import { generateDataset, type GenerateOptions, type GenerateSummary } from "../generate/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/** Options of {@linkcode runGenerateStage}: the generator's options plus where to write. */
export interface GenerateStageOptions extends GenerateOptions {
  /**
   * Dataset directory; previous dataset files there are replaced, other files are kept.
   * @default {PIPELINE_DEFAULTS.rawDir} ("data/raw")
   */
  out?: string;
}

/** What {@linkcode runGenerateStage} wrote: the generator's summary plus stage figures. */
export interface GenerateStageSummary extends GenerateSummary, StageSummaryBase<"generate"> {
  /** True events generated (`counts.events`). */
  rows: number;
}

/**
 * Generate a dataset directory (users.csv, listings.csv, events-*.ndjson, truth.json).
 * Progress goes to `options.onProgress`; nothing is printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const out = await Deno.makeTempDir();
 * const summary = await runGenerateStage({ out, users: 50, days: 2 });
 * assert.equal(summary.stage, "generate");
 * assert.equal(summary.rows, summary.counts.events);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function runGenerateStage(
  options: GenerateStageOptions = {},
): Promise<GenerateStageSummary> {
  const { out = PIPELINE_DEFAULTS.rawDir, ...generate } = options;
  const summary = await generateDataset(out, generate);
  return {
    ...summary,
    stage: "generate",
    rows: summary.counts.events,
    peakRssMiB: peakRssMiB(),
  };
}
