/**
 * Default locations and scale of the pipeline, in one place: the stage functions use them
 * and the task help texts print them, so the two cannot disagree.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_DAYS,
  DEFAULT_OUT_DIR,
  DEFAULT_SEED,
  DEFAULT_START,
  DEFAULT_USERS,
} from "../generate/mod.ts";
import { WAREHOUSE_DEFAULTS } from "../warehouse/mod.ts";

/** The project root (where `deno.json`, `sql/` and `notebooks/` are), as an absolute path. */
export const PROJECT_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Defaults of every stage. Paths are relative to the working directory (the tasks run from
 * the project root); generator defaults are the generator's own constants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_USERS } from "../generate/mod.ts";
 * assert.equal(PIPELINE_DEFAULTS.users, DEFAULT_USERS);
 * assert.equal(PIPELINE_DEFAULTS.reportPath, "reports/terraloop-report.html");
 * ```
 */
export const PIPELINE_DEFAULTS = {
  /** Dataset directory written by generate and read by load. */
  rawDir: DEFAULT_OUT_DIR,
  /** The embedded DuckDB file (when neither a flag nor `TERRALOOP_DUCKDB_PATH` names one). */
  warehousePath: WAREHOUSE_DEFAULTS.duckdbPath,
  /** The SQL models directory. */
  modelsDir: "sql",
  /** Where `run_results.json` and compiled SQL go. */
  targetDir: "target",
  /** Folder of the HTML outputs. */
  reportsDir: "reports",
  /** The stakeholder report. */
  reportPath: "reports/terraloop-report.html",
  /** Registry users of a generated dataset. */
  users: DEFAULT_USERS,
  /** Days in a generated period. */
  days: DEFAULT_DAYS,
  /** First day of a generated period, `YYYY-MM-DD`. */
  start: DEFAULT_START,
  /** Seed of a generated dataset. */
  seed: DEFAULT_SEED,
} as const;
