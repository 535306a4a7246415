/**
 * Notebook workspaces: the analyst notebooks keep their own dataset and DuckDB file under
 * `data/notebooks/<key>/` (the key names scale, period and seed), so they never clobber the
 * pipeline's `data/raw` and `data/warehouse.duckdb`. The `ensure*` steps run an earlier
 * stage only when its output is missing or stale, so any notebook runs by itself on a fresh
 * checkout and re-running one repeats no work. {@linkcode ensureWorkspace} does that with the
 * DuckDB file open for writing only while something is built, so notebooks then read it
 * read-only, many at once; {@linkcode openNotebookWarehouse} also reads the pipeline's
 * warehouse (or BigQuery) instead.
 *
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // In a notebook: notebookWorkspace({ users: 35_000, days: 90, seed: 42, start: "2026-01-01" })
 * // keeps its data in data/notebooks/u35000-d90-s42-2026-01-01/; here a small one in a temp dir.
 * const baseDir = await Deno.makeTempDir();
 * const ws = notebookWorkspace({ users: 200, days: 7 }, { baseDir });
 * const { warehouse: wh, messages } = await openNotebookWarehouse(ws);
 * assert.match(messages[2] ?? "", /^Built 12 models/);
 * assert.match(messages.at(-1) ?? "", /^Reading duckdb:.* read-only\.$/);
 * await wh.close();
 * const again = await openNotebookWarehouse(ws);
 * assert.match(again.messages[2] ?? "", /^Reused the 12 models built at /);
 * await again.warehouse.close();
 * await Deno.remove(baseDir, { recursive: true });
 * ```
 *
 * @module
 */

import { join, resolve } from "node:path";
import {
  type GenerateProgress,
  MESS_KINDS,
  resolveOptions,
  type TruthFile,
} from "../generate/mod.ts";
import { type LoadPlan, planDatasetLoad } from "../load/mod.ts";
import { loadProject, type RunEvent, type RunResults } from "../models/mod.ts";
import { readEventRange } from "../report/mod.ts";
import {
  LOAD_MANIFEST_RELATION,
  missingWarehouseProblem,
  openDuckDb,
  openWarehouse,
  type Warehouse,
  WAREHOUSE_DEFAULTS,
  warehouseConfigFromEnv,
  warehouseLabel,
} from "../warehouse/mod.ts";
import { PROJECT_ROOT } from "./defaults.ts";
import { type GenerateStageSummary, runGenerateStage } from "./generate.ts";
import { type LoadStageSummary, runLoadStage } from "./load.ts";
import { runModelsStage } from "./models.ts";

/** The generator parameters a workspace is keyed by; unset ones take the generator's defaults. */
export interface WorkspaceParams {
  /**
   * Registry users.
   * @default {35000}
   */
  users?: number;
  /**
   * Days in the period.
   * @default {90}
   */
  days?: number;
  /**
   * Seed of every random draw.
   * @default {42}
   */
  seed?: number;
  /**
   * First day of the period, `YYYY-MM-DD` (UTC).
   * @default {"2026-01-01"}
   */
  start?: string;
}

/** Options for {@linkcode notebookWorkspace}. */
export interface NotebookWorkspaceOptions {
  /**
   * Folder holding one sub-folder per workspace; relative paths resolve against the
   * working directory (a kernel's is the notebook's folder).
   * @default {"<project root>/data/notebooks"}
   */
  baseDir?: string;
  /**
   * The SQL models directory.
   * @default {"<project root>/sql"}
   */
  modelsDir?: string;
}

/** Where one workspace keeps its files, and the parameters it stands for (all resolved). */
export interface NotebookWorkspace {
  /** Folder name: `u<users>-d<days>-s<seed>-<start>`, e.g. `u35000-d90-s42-2026-01-01`. */
  key: string;
  /** `<baseDir>/<key>` (absolute). */
  dir: string;
  /** The generated dataset directory, `<dir>/raw`. */
  datasetDir: string;
  /** `<datasetDir>/truth.json`. */
  truthPath: string;
  /** The workspace's DuckDB file, `<dir>/warehouse.duckdb`. */
  duckdbPath: string;
  /** Where `run_results.json` and compiled SQL go, `<dir>/target`. */
  targetDir: string;
  /** The SQL models directory (absolute). */
  modelsDir: string;
  /** Registry users. */
  users: number;
  /** Days in the period. */
  days: number;
  /** Seed. */
  seed: number;
  /** First day, `YYYY-MM-DD`. */
  start: string;
  /** 00:00 UTC of the first day. */
  periodStart: Date;
  /** 00:00 UTC of the day after the last day (exclusive end). */
  periodEnd: Date;
}

/** Options for {@linkcode ensureDataset}. */
export interface EnsureDatasetOptions {
  /**
   * Generate even when a matching dataset exists.
   * @default {false}
   */
  force?: boolean;
  /**
   * Generator progress, when it runs.
   * @default {undefined}
   */
  onProgress?: (progress: GenerateProgress) => void;
}

/** What {@linkcode ensureDataset} did. */
export interface EnsureDatasetResult {
  /** `generated`, or `reused` when truth.json and every file matched the parameters. */
  action: "generated" | "reused";
  /** The dataset's truth.json. */
  truth: TruthFile;
  /** The generator's summary; null when reused. */
  summary: GenerateStageSummary | null;
  /** One sentence saying what happened, for a notebook cell. */
  message: string;
}

/** Options for {@linkcode ensureLoaded}. */
export interface EnsureLoadedOptions {
  /**
   * Passed to {@linkcode ensureDataset}.
   * @default {{}}
   */
  dataset?: EnsureDatasetOptions;
}

/** What {@linkcode ensureLoaded} did. */
export interface EnsureLoadedResult {
  /** `loaded` when rows were added or removed, `unchanged` when every file was loaded before. */
  action: "loaded" | "unchanged";
  /** What happened to the dataset first. */
  dataset: EnsureDatasetResult;
  /** The loader's summary (files skipped as unchanged count in `unchanged`). */
  load: LoadStageSummary;
  /** One sentence saying what happened. */
  message: string;
}

/** Options for {@linkcode ensureModels}. */
export interface EnsureModelsOptions {
  /**
   * Build even when the previous build is current.
   * @default {false}
   */
  force?: boolean;
  /**
   * Progress of the models run, when it runs.
   * @default {undefined}
   */
  onEvent?: (event: RunEvent) => void;
}

/** What {@linkcode ensureModels} did. */
export interface EnsureModelsResult {
  /** `built`, or `reused` when the last successful build is newer than the data and the SQL. */
  action: "built" | "reused";
  /** Why the models were (re)built; null when reused. */
  reason: string | null;
  /** What happened to the raw tables first. */
  loaded: EnsureLoadedResult;
  /** The build's results (read from `run_results.json` when reused). */
  results: RunResults;
  /** One sentence saying what happened. */
  message: string;
}

/**
 * Paths and resolved parameters of the workspace for these generator parameters. Pure
 * (nothing is created); parameters are validated as the generator does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ws = notebookWorkspace({ users: 1500, days: 28 }, { baseDir: "/tmp/nb" });
 * assert.equal(ws.key, "u1500-d28-s42-2026-01-01");
 * assert.equal(ws.duckdbPath, "/tmp/nb/u1500-d28-s42-2026-01-01/warehouse.duckdb");
 * ```
 */
export function notebookWorkspace(
  params: WorkspaceParams = {},
  options: NotebookWorkspaceOptions = {},
): NotebookWorkspace {
  const resolved = resolveOptions(_generateOptions(params));
  const key = `u${resolved.users}-d${resolved.days}-s${resolved.seed}-${resolved.start}`;
  const dir = resolve(options.baseDir ?? join(PROJECT_ROOT, "data", "notebooks"), key);
  const datasetDir = join(dir, "raw");
  return {
    key,
    dir,
    datasetDir,
    truthPath: join(datasetDir, "truth.json"),
    duckdbPath: join(dir, "warehouse.duckdb"),
    targetDir: join(dir, "target"),
    modelsDir: resolve(options.modelsDir ?? join(PROJECT_ROOT, "sql")),
    users: resolved.users,
    days: resolved.days,
    seed: resolved.seed,
    start: resolved.start,
    periodStart: new Date(resolved.startMs),
    periodEnd: new Date(resolved.startMs + resolved.days * 86_400_000),
  };
}

/**
 * Generates the workspace's dataset unless one with the same parameters is already there:
 * reused when `truth.json` names the same users, days, start, seed, planted effects and mess
 * rates (the generator's defaults) and every file it lists exists with its recorded size.
 * The same parameters give byte-identical files, so reuse is exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const baseDir = await Deno.makeTempDir();
 * const ws = notebookWorkspace({ users: 60, days: 3 }, { baseDir });
 * assert.equal((await ensureDataset(ws)).action, "generated");
 * const again = await ensureDataset(ws);
 * assert.equal(again.action, "reused");
 * assert.ok(again.truth.counts.events > 0);
 * await Deno.remove(baseDir, { recursive: true });
 * ```
 */
export async function ensureDataset(
  ws: NotebookWorkspace,
  options: EnsureDatasetOptions = {},
): Promise<EnsureDatasetResult> {
  const existing = options.force ? null : await _matchingTruth(ws);
  const where = `"${ws.datasetDir}"`;
  if (existing) {
    return {
      action: "reused",
      truth: existing,
      summary: null,
      message: `Reused the dataset in ${where}: ${_int(existing.counts.events)} events of ` +
        `${_int(existing.counts.users)} users in ${_int(existing.counts.lines)} lines ` +
        `(truth.json matches ${_paramText(ws)}).`,
    };
  }
  const summary = await runGenerateStage({
    ..._generateOptions(ws),
    out: ws.datasetDir,
    onProgress: options.onProgress,
  });
  const truth = JSON.parse(await Deno.readTextFile(ws.truthPath)) as TruthFile;
  return {
    action: "generated",
    truth,
    summary,
    message: `Generated ${_int(summary.counts.events)} events of ${_int(summary.counts.users)} ` +
      `users in ${_int(summary.counts.lines)} lines into ${where} (${_paramText(ws)}) in ` +
      `${summary.seconds.toFixed(1)} s.`,
  };
}

/**
 * Makes sure the workspace's dataset exists ({@linkcode ensureDataset}) and is loaded into
 * `warehouse`'s raw tables. The loader skips files whose bytes it loaded before, so a second
 * call adds nothing; rows of files no longer in the dataset are pruned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const baseDir = await Deno.makeTempDir();
 * const ws = notebookWorkspace({ users: 60, days: 3 }, { baseDir });
 * const wh = await openDuckDb(ws.duckdbPath);
 * assert.equal((await ensureLoaded(ws, wh)).action, "loaded");
 * assert.equal((await ensureLoaded(ws, wh)).action, "unchanged");
 * await wh.close();
 * await Deno.remove(baseDir, { recursive: true });
 * ```
 */
export async function ensureLoaded(
  ws: NotebookWorkspace,
  warehouse: Warehouse,
  options: EnsureLoadedOptions = {},
): Promise<EnsureLoadedResult> {
  const dataset = await ensureDataset(ws, options.dataset);
  const load = await runLoadStage(warehouse, { dir: ws.datasetDir, prune: true });
  const changed = load.files.some((f) => f.status !== "unchanged") || load.pruned.length > 0;
  const message = changed
    ? `Loaded ${_int(load.files.length - load.unchanged)} of ${_int(load.files.length)} files ` +
      `into ${warehouse.description}: ${_int(load.rows)} rows, ${_int(load.rejected)} ` +
      `rejected${load.pruned.length ? `, ${load.pruned.length} stale files pruned` : ""} ` +
      `(${load.seconds.toFixed(1)} s).`
    : `All ${_int(load.files.length)} files were already loaded into ` +
      `${warehouse.description}; nothing added.`;
  return { action: changed ? "loaded" : "unchanged", dataset, load, message };
}

/**
 * Makes sure the raw tables are loaded ({@linkcode ensureLoaded}) and the models are built
 * from them. The previous build (`<targetDir>/run_results.json`) is reused when it succeeded,
 * built every model of the project in this warehouse, started after the last file was loaded
 * and after the last change to the SQL files, and every model relation still exists;
 * otherwise every model is built and tested with {@linkcode runModelsStage}. Throws when the
 * build fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const baseDir = await Deno.makeTempDir();
 * const ws = notebookWorkspace({ users: 60, days: 3 }, { baseDir });
 * const wh = await openDuckDb(ws.duckdbPath);
 * const models = await ensureModels(ws, wh); // generates, loads, then builds
 * assert.equal(models.action, "built");
 * assert.equal((await ensureModels(ws, wh)).action, "reused");
 * await wh.close();
 * await Deno.remove(baseDir, { recursive: true });
 * ```
 */
export async function ensureModels(
  ws: NotebookWorkspace,
  warehouse: Warehouse,
  options: EnsureModelsOptions = {},
): Promise<EnsureModelsResult> {
  const loaded = await ensureLoaded(ws, warehouse);
  const project = await loadProject(ws.modelsDir);
  const previous = await _readRunResults(join(ws.targetDir, "run_results.json"));
  const reason = options.force
    ? "a build was forced"
    : !previous
    ? "no previous build was found"
    : loaded.action === "loaded"
    ? "new raw data was loaded"
    : await _staleReason(previous, project.order, ws.modelsDir, warehouse);
  if (reason === null && previous) {
    return {
      action: "reused",
      reason: null,
      loaded,
      results: previous,
      message: `Reused the ${previous.models.length} models built at ${previous.generatedAt} ` +
        `in ${warehouse.description} (${_testCounts(previous)}).`,
    };
  }
  const { results } = await runModelsStage(warehouse, {
    project,
    targetDir: ws.targetDir,
    onProgress: options.onEvent,
  });
  if (!results.success) {
    throw new Error(
      `Cannot build the notebook models in ${warehouse.description}: ${results.errors.join("; ")}`,
    );
  }
  return {
    action: "built",
    reason,
    loaded,
    results,
    message: `Built ${results.models.length} models in ${warehouse.description} because ` +
      `${reason} (${_testCounts(results)}; ${results.elapsedSeconds.toFixed(1)} s).`,
  };
}

/** Options for {@linkcode ensureWorkspace}. */
export interface EnsureWorkspaceOptions {
  /**
   * The last stage to make current: `loaded` (dataset and raw tables) or `models` (and the
   * models built and tested).
   * @default {"models"}
   */
  upTo?: "loaded" | "models";
  /**
   * Progress of the models run, when it runs.
   * @default {undefined}
   */
  onEvent?: (event: RunEvent) => void;
}

/** What {@linkcode ensureWorkspace} did. */
export interface EnsureWorkspaceResult {
  /** `reused` when everything was current (the DuckDB file was only read), else `updated`. */
  action: "reused" | "updated";
  /** Why the DuckDB file was opened for writing; null when reused. */
  reason: string | null;
  /** What happened to the dataset. */
  dataset: EnsureDatasetResult;
  /** The raw tables against the dataset, read-only, before any write; null for a new file. */
  plan: LoadPlan | null;
  /** What the load did, when the raw tables were updated. */
  loaded: EnsureLoadedResult | null;
  /** The models build (or the reused one, read from `run_results.json`); null with `upTo: "loaded"`. */
  results: RunResults | null;
  /** One sentence per stage, for a notebook cell. */
  messages: string[];
}

/**
 * Makes the workspace current up to `upTo` and leaves its DuckDB file closed, so a notebook
 * then opens it read-only (`openDuckDb(ws.duckdbPath, { readOnly: true })`) and any number of
 * notebooks, kernels and `deno task notebooks` can read it at once. The file is opened
 * read-only to check the raw tables ({@linkcode planDatasetLoad}) and the last build; only
 * when something is missing or stale is it opened for writing (which needs it alone) to load
 * and build with {@linkcode ensureLoaded} / {@linkcode ensureModels}, then closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const baseDir = await Deno.makeTempDir();
 * const ws = notebookWorkspace({ users: 60, days: 3 }, { baseDir });
 * assert.equal((await ensureWorkspace(ws)).action, "updated"); // generated, loaded, built
 * const reader = await openDuckDb(ws.duckdbPath, { readOnly: true });
 * assert.equal((await ensureWorkspace(ws)).action, "reused"); // checked beside the reader
 * await reader.close();
 * await Deno.remove(baseDir, { recursive: true });
 * ```
 */
export async function ensureWorkspace(
  ws: NotebookWorkspace,
  options: EnsureWorkspaceOptions = {},
): Promise<EnsureWorkspaceResult> {
  const upTo = options.upTo ?? "models";
  const dataset = await ensureDataset(ws);
  const exists = (await Deno.stat(ws.duckdbPath).catch(() => null))?.isFile === true;
  let plan: LoadPlan | null = null;
  let reason: string;
  if (!exists) {
    reason = `${ws.duckdbPath} does not exist yet`;
  } else {
    const reader = await openDuckDb(ws.duckdbPath, { readOnly: true });
    try {
      plan = await planDatasetLoad(ws.datasetDir, reader);
      const stale = !plan.current
        ? _planReason(plan)
        : upTo === "loaded"
        ? null
        : await _modelsReason(ws, reader);
      if (stale === null) {
        const previous = upTo === "models"
          ? await _readRunResults(join(ws.targetDir, "run_results.json"))
          : null;
        return {
          action: "reused",
          reason: null,
          dataset,
          plan,
          loaded: null,
          results: previous,
          messages: [
            dataset.message,
            `All ${_int(plan.files.length)} files are loaded in ${reader.description} ` +
            `(their SHA-256 are in the load manifest); nothing to load.`,
            ...(previous
              ? [
                `Reused the ${previous.models.length} models built at ${previous.generatedAt} ` +
                `(${_testCounts(previous)}).`,
              ]
              : []),
          ],
        };
      }
      reason = stale;
    } finally {
      await reader.close();
    }
  }
  let writer: Warehouse;
  try {
    writer = await openDuckDb(ws.duckdbPath);
  } catch (error) {
    throw new Error(
      `Cannot update the notebook workspace "${ws.dir}" (${reason}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    if (upTo === "loaded") {
      const loaded = await ensureLoaded(ws, writer);
      return {
        action: "updated",
        reason,
        dataset,
        plan,
        loaded,
        results: null,
        messages: [dataset.message, loaded.message],
      };
    }
    const models = await ensureModels(ws, writer, { onEvent: options.onEvent });
    return {
      action: "updated",
      reason,
      dataset,
      plan,
      loaded: models.loaded,
      results: models.results,
      messages: [dataset.message, models.loaded.message, models.message],
    };
  } finally {
    await writer.close();
  }
}

/** Where a notebook reads its marts: see {@linkcode openNotebookWarehouse}. */
export type NotebookSource = "workspace" | "pipeline";

/** The sources {@linkcode openNotebookWarehouse} accepts. */
export const NOTEBOOK_SOURCES: readonly NotebookSource[] = ["workspace", "pipeline"];

/** Options for {@linkcode openNotebookWarehouse}. */
export interface OpenNotebookWarehouseOptions {
  /**
   * `workspace`: the notebook's own workspace, made current first ({@linkcode ensureWorkspace}).
   * `pipeline`: the warehouse the tasks use, as configured by `TERRALOOP_WAREHOUSE`,
   * `TERRALOOP_DUCKDB_PATH` (relative to the project root; default `data/warehouse.duckdb`,
   * written by `deno task pipeline`) and the `TERRALOOP_BQ_*` settings for BigQuery; it is
   * only read, never built.
   * @default {"workspace"}
   */
  source?: string;
  /**
   * With `workspace`: the last stage to make current.
   * @default {"models"}
   */
  upTo?: "loaded" | "models";
  /**
   * The environment the `pipeline` source reads its settings from.
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
}

/** An open, read-only warehouse for a notebook, and what was done to get it. */
export interface NotebookWarehouse {
  /** The warehouse, opened read-only (close it when done, or leave it to the kernel's exit). */
  warehouse: Warehouse;
  /** The source it came from. */
  source: NotebookSource;
  /** The period of the data: the workspace's, or first to last event day of the pipeline's. */
  period: { start: Date; end: Date };
  /** One sentence per step, for a notebook cell. */
  messages: string[];
  /** With `workspace`: what {@linkcode ensureWorkspace} did; null otherwise. */
  workspace: EnsureWorkspaceResult | null;
}

/**
 * Opens the warehouse a notebook reads, read-only, so any number of notebooks, kernels,
 * `deno task notebooks` and the report can read it at once. By default it is the notebook's
 * own workspace, made current first; `source: "pipeline"` reads the warehouse
 * `deno task pipeline` wrote (or BigQuery, when `TERRALOOP_WAREHOUSE=bigquery`) instead.
 *
 * @example
 * ```ts ignore
 * const ws = notebookWorkspace({ users: 35_000, days: 90 });
 * const { warehouse: wh, messages } = await openNotebookWarehouse(ws); // own workspace
 * const pipeline = await openNotebookWarehouse(ws, { source: "pipeline" }); // data/warehouse.duckdb
 * ```
 */
export async function openNotebookWarehouse(
  ws: NotebookWorkspace,
  options: OpenNotebookWarehouseOptions = {},
): Promise<NotebookWarehouse> {
  const source = options.source ?? "workspace";
  if (source === "workspace") {
    const workspace = await ensureWorkspace(ws, { upTo: options.upTo });
    const warehouse = await openDuckDb(ws.duckdbPath, { readOnly: true });
    return {
      warehouse,
      source,
      period: { start: ws.periodStart, end: ws.periodEnd },
      messages: [...workspace.messages, `Reading ${warehouse.description} read-only.`],
      workspace,
    };
  }
  if (source !== "pipeline") {
    throw new TypeError(
      `Cannot open the notebook's warehouse: source "${source}" is not one of ` +
        `${NOTEBOOK_SOURCES.map((s) => `"${s}"`).join(", ")} (TERRALOOP_NOTEBOOK_SOURCE)`,
    );
  }
  const env = options.env ?? Deno.env.toObject();
  // Relative DuckDB paths are the project's, not the kernel's (notebooks/).
  const duckdbPath = resolve(
    PROJECT_ROOT,
    env.TERRALOOP_DUCKDB_PATH?.trim() || WAREHOUSE_DEFAULTS.duckdbPath,
  );
  const config = warehouseConfigFromEnv(env, { warehouse: duckdbPath });
  const problem = await missingWarehouseProblem(config);
  if (problem) {
    throw new Error(
      `Cannot open the pipeline's warehouse: ${problem}; run \`deno task pipeline\` first, or ` +
        `use the notebook's own workspace (source "workspace")`,
    );
  }
  const warehouse = await openWarehouse(config, { readOnly: true });
  const range = await readEventRange(warehouse);
  if (!range.first || !range.last) {
    await warehouse.close();
    throw new Error(
      `Cannot read the pipeline's warehouse ${warehouseLabel(config)}: it has no clean ` +
        `events (run \`deno task pipeline\`)`,
    );
  }
  const day = 86_400_000;
  const start = new Date(Math.floor(new Date(range.first).getTime() / day) * day);
  const end = new Date(Math.floor(new Date(range.last).getTime() / day) * day + day);
  return {
    warehouse,
    source,
    period: { start, end },
    messages: [
      `Reading the pipeline's warehouse ${warehouse.description} read-only: events from ` +
      `${start.toISOString().slice(0, 10)} to ${range.last.slice(0, 10)}.`,
    ],
    workspace: null,
  };
}

function _planReason(plan: LoadPlan): string {
  const pending = plan.files.filter((f) => f.status !== "unchanged").length;
  return [
    ...(pending ? [`${_int(pending)} of ${_int(plan.files.length)} files are not loaded`] : []),
    ...(plan.gone.length ? [`${_int(plan.gone.length)} loaded files left the dataset`] : []),
  ].join(" and ");
}

async function _modelsReason(ws: NotebookWorkspace, warehouse: Warehouse): Promise<string | null> {
  const previous = await _readRunResults(join(ws.targetDir, "run_results.json"));
  if (!previous) return "no previous build was found";
  const project = await loadProject(ws.modelsDir);
  return await _staleReason(previous, project.order, ws.modelsDir, warehouse);
}

function _generateOptions(params: WorkspaceParams) {
  return { users: params.users, days: params.days, seed: params.seed, start: params.start };
}

function _paramText(ws: NotebookWorkspace): string {
  return `users=${ws.users}, days=${ws.days}, start=${ws.start}, seed=${ws.seed}`;
}

async function _matchingTruth(ws: NotebookWorkspace): Promise<TruthFile | null> {
  let truth: TruthFile;
  try {
    truth = JSON.parse(await Deno.readTextFile(ws.truthPath));
  } catch {
    return null;
  }
  const expected = resolveOptions(_generateOptions(ws));
  const p = truth?.parameters;
  if (
    !p || p.users !== expected.users || p.days !== expected.days || p.seed !== expected.seed ||
    p.start !== expected.start || p.gzip !== false
  ) return null;
  if (JSON.stringify(truth.effects?.planted) !== JSON.stringify(expected.effects)) return null;
  if (!MESS_KINDS.every((kind) => truth.mess?.[kind]?.rate === expected.mess[kind])) return null;
  if (!Array.isArray(truth.files) || truth.files.length === 0) return null;
  for (const file of truth.files) {
    const info = await Deno.stat(join(ws.datasetDir, file.name)).catch(() => null);
    if (!info?.isFile || info.size !== file.bytes) return null;
  }
  return truth;
}

async function _readRunResults(path: string): Promise<RunResults | null> {
  try {
    const results = JSON.parse(await Deno.readTextFile(path)) as RunResults;
    return Array.isArray(results?.models) && Array.isArray(results?.tests) ? results : null;
  } catch {
    return null;
  }
}

async function _staleReason(
  previous: RunResults,
  models: string[],
  modelsDir: string,
  warehouse: Warehouse,
): Promise<string | null> {
  if (!previous.success) return "the previous build failed";
  if (previous.mode !== "build" || previous.select !== null) {
    return "the previous run did not build every model";
  }
  if (!_sameWarehouse(previous.warehouse, warehouse.description)) {
    return `the previous build was for ${previous.warehouse}`;
  }
  const built = new Set(previous.selected);
  const missing = models.filter((name) => !built.has(name));
  if (missing.length) return `model(s) ${missing.join(", ")} were not in the previous build`;
  const builtAt = Date.parse(previous.generatedAt);
  const manifest = warehouse.relation(LOAD_MANIFEST_RELATION);
  const [loaded] = await warehouse.query<{ last_loaded_at: unknown }>(
    `select max(loaded_at) as last_loaded_at from ${manifest}`,
  );
  const lastLoad = _timeMs(loaded?.last_loaded_at);
  if (!Number.isFinite(builtAt) || lastLoad > builtAt) {
    return "raw data was loaded after the previous build";
  }
  if ((await _latestChangeMs(modelsDir)) > builtAt) {
    return "model SQL changed after the previous build";
  }
  for (const model of previous.models) {
    const [schema, name] = [model.schema, model.name];
    if (!(await warehouse.exists({ schema, name }))) return `${schema}.${name} is missing`;
  }
  return null;
}

function _sameWarehouse(a: string, b: string): boolean {
  const norm = (s: string) => {
    const m = /^duckdb:(.*)$/.exec(s);
    return m && m[1] !== ":memory:" ? `duckdb:${resolve(m[1]!)}` : s;
  };
  return norm(a) === norm(b);
}

function _timeMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string" || typeof value === "number") return new Date(value).getTime();
  return -Infinity;
}

async function _latestChangeMs(dir: string): Promise<number> {
  let latest = -Infinity;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) latest = Math.max(latest, await _latestChangeMs(path));
    else if (entry.isFile) latest = Math.max(latest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
  }
  return latest;
}

function _testCounts(results: RunResults): string {
  const s = results.summary.tests;
  return `${results.tests.length} data tests: ${s.pass} passed, ${s.warn} warned, ` +
    `${s.fail + s.error} failed`;
}

function _int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
