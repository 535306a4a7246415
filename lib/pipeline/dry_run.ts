/**
 * `models --dry-run`: what building each model would process, from the warehouse's own
 * estimate (BigQuery dry-run jobs: nothing runs, nothing is billed), and whether a table
 * would exceed a bytes-billed limit.
 *
 * @module
 */

import { compileProject, loadProject, type Project, selectModels } from "../models/mod.ts";
import {
  formatBytes,
  type Materialization,
  type Warehouse,
  withJobLabels,
} from "../warehouse/mod.ts";
import { PIPELINE_DEFAULTS } from "./defaults.ts";

/** One model's estimate. */
export interface ModelEstimate {
  /** Model name. */
  name: string;
  /** The relation as the warehouse spells it. */
  relation: string;
  /** `table`, `view` or `incremental` (estimated as the table a full build makes). */
  materialized: Materialization;
  /**
   * Bytes the model's `select` would process: what building a table costs, or what every
   * read of a view costs (building a view processes nothing). `null` when not estimated.
   */
  bytesProcessed: number | null;
  /** Whether a table's estimate is over the limit. */
  overLimit: boolean;
  /** Why it could not be estimated, or why it is over the limit; `null` otherwise. */
  message: string | null;
}

/** What {@linkcode dryRunModels} found. */
export interface DryRunSummary {
  /** Per model, in build order. */
  models: ModelEstimate[];
  /** Bytes the tables would process in all (what a build of the selection processes). */
  totalBytes: number;
  /** The limit checked against, or `null`. */
  limit: number | null;
  /** Every model was estimated and no table is over the limit. */
  success: boolean;
  /** One line per model that failed or is over the limit. */
  errors: string[];
}

/** Options of {@linkcode dryRunModels}. */
export interface DryRunOptions {
  /**
   * Models directory (ignored when `project` is given).
   * @default {PIPELINE_DEFAULTS.modelsDir} ("sql")
   */
  modelsDir?: string;
  /**
   * An already loaded project.
   * @default {loaded from `modelsDir`}
   */
  project?: Project;
  /**
   * dbt-style selector.
   * @default {all models}
   */
  select?: string;
  /**
   * A table whose estimate is over this many bytes is flagged (and fails the dry run).
   * @default {the limit the warehouse's jobs carry (`--maximum-bytes-billed`), if any}
   */
  maximumBytesBilled?: number;
}

/**
 * Estimate, model by model in build order, the bytes building would process. A model that
 * reads a model not yet built cannot be estimated (its input does not exist): it is reported
 * with BigQuery's message. Throws a `TypeError` on a warehouse that cannot estimate (DuckDB).
 *
 * @example
 * ```ts ignore
 * const summary = await dryRunModels(wh, { maximumBytesBilled: 10e9 });
 * summary.models.map((m) => [m.name, m.bytesProcessed]);
 * ```
 */
export async function dryRunModels(
  warehouse: Warehouse,
  options: DryRunOptions = {},
): Promise<DryRunSummary> {
  const estimate = warehouse.estimate?.bind(warehouse);
  if (!estimate) {
    throw new TypeError(
      `Cannot dry-run models on the ${warehouse.dialect} warehouse: only a warehouse that ` +
        `bills by the byte estimates them (use --target bigquery)`,
    );
  }
  const project = options.project ??
    await loadProject(options.modelsDir ?? PIPELINE_DEFAULTS.modelsDir);
  const selected = new Set(selectModels(project, options.select));
  const compiled = await compileProject(project, {
    dialect: warehouse.dialect,
    ...warehouse.naming,
  });
  let limit = options.maximumBytesBilled ?? null;
  const models: ModelEstimate[] = [];
  const errors: string[] = [];
  await withJobLabels({ stage: "models-dry-run" }, async () => {
    for (const model of compiled.models) {
      if (!selected.has(model.name)) continue;
      const base = {
        name: model.name,
        relation: warehouse.relation(model.relation),
        materialized: model.materialized,
      };
      try {
        const estimated = await withJobLabels({ model: model.name }, () => estimate(model.sql));
        const { bytesProcessed } = estimated;
        const max = options.maximumBytesBilled ?? estimated.maximumBytesBilled;
        limit = max;
        // An incremental model is a table; its full build is what is estimated here.
        const overLimit = max !== null && model.materialized !== "view" && bytesProcessed > max;
        const message = overLimit
          ? `would process ${formatBytes(bytesProcessed)}, over the maximum bytes billed of ` +
            `${formatBytes(max)}`
          : null;
        if (message) errors.push(`Model "${model.name}" ${message}`);
        models.push({ ...base, bytesProcessed, overLimit, message });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        errors.push(`Model "${model.name}" cannot be estimated: ${message}`);
        models.push({ ...base, bytesProcessed: null, overLimit: false, message });
      }
    }
  });
  const totalBytes = models
    .filter((m) => m.materialized !== "view")
    .reduce((sum, m) => sum + (m.bytesProcessed ?? 0), 0);
  return { models, totalBytes, limit, success: errors.length === 0, errors };
}
