/**
 * Everything the report needs, gathered in one place: the mart readers of `queries.ts` for
 * the heavy lifting in SQL, `lib/analytics` (Polars) for the metrics and their intervals,
 * and the run's files (truth.json, run_results.json) for parameters, data tests and timings.
 * Metric rows are kept exactly as `lib/analytics` returns them.
 *
 * @module
 */
import { resolve } from "node:path";
import pl from "nodejs-polars";
import {
  categoryAffinity,
  ecoImpactByRegion,
  funnelFromUsers,
  funnelUsers,
  mergePaths,
  metricRows,
  paths,
  regionalDensity,
  retention,
  rollingAverage,
} from "../analytics/mod.ts";
import type { TruthFile } from "../generate/truth.ts";
import type { RunResults } from "../models/run.ts";
import type { Warehouse } from "../warehouse/types.ts";
import { collectRunHistory } from "./data_health.ts";
import {
  countRegistryEvents,
  type EventRange,
  readActiveDays,
  readActiveUsersByRegion,
  readDailyActivity,
  readEventRange,
  readFunnelEvents,
  readIdSync,
  readLatestDataTests,
  readListings,
  readPathEvents,
  readPipelineOutcomes,
  readRegistryUsersByRegion,
  readTableCounts,
  readTopListings,
} from "./queries.ts";
import type {
  ActivationData,
  DatasetParameters,
  DataTestRow,
  DataTestSource,
  HealthData,
  ModelTimingRow,
  PathsData,
  RegionalData,
  ReportData,
  RetentionData,
  RunParameters,
} from "./types.ts";

/** The funnel of the original study: browse, then list, then publish, then recycle. */
export const DEFAULT_FUNNEL_STEPS: readonly string[] = [
  "session_start",
  "view_listing",
  "start_listing",
  "publish_listing",
  "complete_recycling",
];

/** Marts the report reads; without them there is nothing to report. */
export const REQUIRED_MARTS: readonly string[] = [
  "fct_events",
  "dim_users",
  "dim_listings",
  "mart_daily_activity",
];

/** Options for {@linkcode collectReportData}. */
export interface CollectReportOptions {
  /**
   * The dataset's truth.json (seed and scale); a missing file is reported, not fatal.
   * @default "data/raw/truth.json"
   */
  truthPath?: string;
  /**
   * The models run's results (data tests and model timings). When missing, or written for
   * another warehouse, the latest run in the audit table of data test results is used instead.
   * @default "target/run_results.json"
   */
  runResultsPath?: string;
  /**
   * Funnel steps (event names), in order.
   * @default {@linkcode DEFAULT_FUNNEL_STEPS}
   */
  steps?: readonly string[];
  /**
   * The step whose conversion is "activation" in the headline; must be one of `steps`.
   * @default "start_listing"
   */
  activationStep?: string;
  /**
   * Funnel conversion window from the first step, in days.
   * @default 14
   */
  windowDays?: number;
  /**
   * Events followed after the funnel's first step, within the session, for the paths section.
   * @default 3
   */
  pathSteps?: number;
  /**
   * Paths: edges taken by fewer users than this are left out of the chart and table.
   * @default 5
   */
  pathMinEdgeUsers?: number;
  /**
   * Most events the funnel and paths sections hold in memory at once: above it, they read the
   * users in groups (by a hash of the user id) and combine the groups' per-user results
   * (`funnelUsers`, `mergePaths`), which gives the same numbers with memory bounded by this.
   * @default 4_000_000
   */
  groupEvents?: number;
  /**
   * Weekly retention periods per cohort (week 0 included).
   * @default 12
   */
  retentionWeeks?: number;
  /**
   * Trailing window of the rolling activity mean, in days.
   * @default 7
   */
  rollingDays?: number;
  /**
   * Published listings shown by name, largest eco-score first.
   * @default 10
   */
  topListings?: number;
  /**
   * Runs shown in the history of data tests and checks (from the audit tables).
   * @default 10
   */
  historyRuns?: number;
}

/** Thrown when the warehouse lacks the marts the report reads. */
export class MissingMartsError extends Error {
  /** Tables that are missing, as the warehouse names them (`warehouse.relation()`). */
  readonly missing: string[];
  constructor(warehouse: string, missing: string[]) {
    super(
      `Cannot build report from "${warehouse}": ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } missing; run \`deno task models\` first`,
    );
    this.name = "MissingMartsError";
    this.missing = missing;
  }
}

/**
 * Query the warehouse and compute every number the report shows. Heavy aggregation runs in
 * SQL (active users per region, distinct user-days, daily activity); funnels, retention,
 * rolling means, rates and intervals come from `lib/analytics`, whose rows the report keeps
 * unchanged. Throws {@linkcode MissingMartsError} when the marts are not built.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runGenerateStage, runLoadStage, runModelsStage } from "../pipeline/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * // A small warehouse built in memory (the pipeline's: data/warehouse.duckdb, data/raw)
 * const dir = await Deno.makeTempDir();
 * const wh = await openDuckDb(":memory:");
 * await runGenerateStage({ out: dir, users: 500, days: 7 });
 * await runLoadStage(wh, { dir });
 * await runModelsStage(wh, { targetDir: dir });
 *
 * const data = await collectReportData(wh, { truthPath: `${dir}/truth.json` });
 * assert.equal(data.parameters.dataset?.users, 500);
 * assert.deepEqual([...new Set(data.activation.funnel.map((row) => row.tier))].sort(), [
 *   "Basic",
 *   "Enterprise",
 *   "Pro",
 * ]);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectReportData(
  warehouse: Warehouse,
  options: CollectReportOptions = {},
): Promise<ReportData> {
  const started = performance.now();
  const missing: string[] = [];
  for (const name of REQUIRED_MARTS) {
    const relation = { schema: "marts", name };
    if (!(await warehouse.exists(relation))) missing.push(warehouse.relation(relation));
  }
  if (missing.length > 0) throw new MissingMartsError(warehouse.description, missing);
  const topListings = options.topListings ?? 10;
  if (!Number.isInteger(topListings) || topListings < 0) {
    throw new RangeError(`Invalid report option "topListings": expected an integer ≥ 0`);
  }

  const parts: { part: string; seconds: number }[] = [];
  const timed = async <T>(part: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const value = await fn();
    parts.push({ part, seconds: (performance.now() - t0) / 1000 });
    return value;
  };

  const truthPath = options.truthPath ?? "data/raw/truth.json";
  const { dataset, problem } = await _readTruth(truthPath);
  const range = await timed("parameters", () => readEventRange(warehouse));
  const parameters = _parameters(warehouse, truthPath, dataset, problem, range);
  const groupEvents = options.groupEvents ?? 4_000_000;
  if (!Number.isInteger(groupEvents) || groupEvents < 1) {
    throw new RangeError(`Invalid report option "groupEvents": expected an integer ≥ 1`);
  }
  const groups = Math.max(1, Math.ceil(await countRegistryEvents(warehouse) / groupEvents));
  const activation = await timed(
    "activation funnel",
    () => _activation(warehouse, options, groups),
  );
  const pathsData = await timed(
    "paths",
    () => _paths(warehouse, activation.steps[0]!, options, groups),
  );
  const listings = await readListings(warehouse);
  const regions = await timed(
    "regional density and eco impact",
    () => _regions(warehouse, listings),
  );
  const top = await timed("top listings", () => readTopListings(warehouse, topListings));
  const affinity = await timed(
    "category affinity",
    () =>
      metricRows<ReportData["affinity"][number]>(
        categoryAffinity(listings, { by: "tier", category: "category" }),
      ),
  );
  const retentionData = await timed(
    "retention",
    () => _retention(warehouse, options.retentionWeeks ?? 12, dataset),
  );
  const rolling = await timed(
    "rolling activity",
    () => _rolling(warehouse, options.rollingDays ?? 7, dataset),
  );
  const runResults = await _readRunResults(
    options.runResultsPath ?? "target/run_results.json",
    warehouse.description,
  );
  const health = await timed("data health", () => _health(warehouse, runResults));
  const history = await timed(
    "run history",
    () => collectRunHistory(warehouse, { runs: options.historyRuns ?? 10 }),
  );

  return {
    parameters,
    activation,
    paths: pathsData,
    regions,
    topListings: top,
    affinity,
    retention: retentionData,
    rolling,
    health,
    history,
    timing: {
      collectSeconds: (performance.now() - started) / 1000,
      parts,
      modelsSeconds: runResults.results?.elapsedSeconds ?? null,
      models: (runResults.results?.models ?? []).map((m): ModelTimingRow => ({
        name: m.name,
        materialized: m.materialized,
        status: m.status,
        rows: m.rows,
        seconds: m.seconds,
      })),
    },
  };
}

async function _readTruth(
  path: string,
): Promise<{ dataset: DatasetParameters | null; problem: string | null }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : _message(error);
    return { dataset: null, problem: `Cannot read truth file "${path}": ${reason}` };
  }
  try {
    const truth = JSON.parse(text) as TruthFile;
    const p = truth.parameters;
    if (!p || typeof p.seed !== "number" || typeof p.users !== "number") {
      throw new TypeError("it has no parameters.seed / parameters.users");
    }
    return {
      dataset: {
        generator: String(truth.generator ?? "unknown"),
        seed: p.seed,
        users: p.users,
        days: p.days,
        start: p.start,
        end: p.end,
      },
      problem: null,
    };
  } catch (error) {
    return { dataset: null, problem: `Cannot read truth file "${path}": ${_message(error)}` };
  }
}

function _parameters(
  warehouse: Warehouse,
  truthPath: string,
  dataset: DatasetParameters | null,
  problem: string | null,
  range: EventRange,
): RunParameters {
  return {
    truthPath,
    dataset,
    datasetProblem: problem,
    warehouse: warehouse.description,
    generatedAt: new Date().toISOString(),
    eventsFrom: range.first,
    eventsTo: range.last,
  };
}

async function _activation(
  warehouse: Warehouse,
  options: CollectReportOptions,
  groups: number,
): Promise<ActivationData> {
  const steps = [...(options.steps ?? DEFAULT_FUNNEL_STEPS)];
  const activationStep = options.activationStep ?? "start_listing";
  if (!steps.includes(activationStep)) {
    throw new RangeError(
      `Invalid report option "activationStep": "${activationStep}" is not one of the steps (${
        steps.join(", ")
      })`,
    );
  }
  const windowDays = options.windowDays ?? 14;
  const funnelOptions = {
    steps,
    window: { value: windowDays, unit: "day" as const },
    breakdown: "tier",
  };
  // Each group's users in turn: only one group's events are in memory at a time.
  const users = [];
  for (let index = 0; index < groups; index++) {
    users.push(
      funnelUsers(await readFunnelEvents(warehouse, steps, { index, of: groups }), funnelOptions),
    );
    await warehouse.releaseMemory?.();
  }
  const frame = funnelFromUsers(pl.concat(users, { how: "vertical" }), funnelOptions);
  return {
    steps,
    activationStep,
    windowDays,
    funnel: metricRows<ActivationData["funnel"][number]>(frame),
  };
}

async function _paths(
  warehouse: Warehouse,
  start: string,
  options: CollectReportOptions,
  groups: number,
): Promise<PathsData> {
  const steps = options.pathSteps ?? 3;
  const minEdgeUsers = options.pathMinEdgeUsers ?? 5;
  const pathOptions = {
    start,
    steps,
    session: { column: "session_id" },
    collapseRepeats: true,
    breakdown: "tier",
    minEdgeUsers,
  };
  const parts = [];
  for (let index = 0; index < groups; index++) {
    const events = await readPathEvents(warehouse, { index, of: groups });
    parts.push(paths(events, { ...pathOptions, minEdgeUsers: 1 }));
    await warehouse.releaseMemory?.();
  }
  const frame = mergePaths(parts, pathOptions);
  return { start, steps, minEdgeUsers, rows: metricRows<PathsData["rows"][number]>(frame) };
}

async function _regions(
  warehouse: Warehouse,
  listings: Awaited<ReturnType<typeof readListings>>,
): Promise<RegionalData> {
  const active = await readActiveUsersByRegion(warehouse);
  return {
    density: metricRows<RegionalData["density"][number]>(regionalDensity(listings, active)),
    ecoImpact: metricRows<RegionalData["ecoImpact"][number]>(ecoImpactByRegion(listings)),
    users: await readRegistryUsersByRegion(warehouse),
  };
}

async function _retention(
  warehouse: Warehouse,
  weeks: number,
  dataset: DatasetParameters | null,
): Promise<RetentionData> {
  const days = await readActiveDays(warehouse);
  const end = dataset ? _date(dataset.end) : null;
  // `end` is the first day without data: weeks starting there or later have no row.
  const frame = retention(days, { period: "week", intervals: weeks, to: end });
  return { intervals: weeks, rows: metricRows<RetentionData["rows"][number]>(frame) };
}

async function _rolling(
  warehouse: Warehouse,
  window: number,
  dataset: DatasetParameters | null,
): Promise<ReportData["rolling"]> {
  const daily = await readDailyActivity(warehouse);
  const from = dataset ? _date(dataset.start) : null;
  const end = dataset ? _date(dataset.end) : null;
  const to = end ? new Date(end.getTime() - 86_400_000) : null;
  const frame = rollingAverage(daily, {
    value: "n_active_users",
    by: "region",
    ts: "activity_date",
    window,
    from,
    to,
  });
  return metricRows<ReportData["rolling"][number]>(frame);
}

interface _RunResultsRead {
  results: RunResults | null;
  location: string;
  problem: string | null;
}

async function _readRunResults(path: string, warehouse: string): Promise<_RunResultsRead> {
  let results: RunResults;
  try {
    results = JSON.parse(await Deno.readTextFile(path)) as RunResults;
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : _message(error);
    return { results: null, location: path, problem: reason };
  }
  if (!Array.isArray(results.tests) || !Array.isArray(results.models)) {
    return { results: null, location: path, problem: "not a run_results.json" };
  }
  if (!_sameWarehouse(results.warehouse, warehouse)) {
    return {
      results: null,
      location: path,
      problem: `written for "${results.warehouse}", not "${warehouse}"`,
    };
  }
  return { results, location: path, problem: null };
}

function _sameWarehouse(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const norm = (s: string) => {
    const m = /^duckdb:(.*)$/.exec(s);
    return m && m[1] !== ":memory:" ? `duckdb:${resolve(m[1]!)}` : s;
  };
  return norm(a) === norm(b);
}

async function _health(warehouse: Warehouse, run: _RunResultsRead): Promise<HealthData> {
  const tables = await readTableCounts(warehouse);
  const outcomes = await readPipelineOutcomes(warehouse);
  const idSync = await readIdSync(warehouse);
  const { tests, source } = await _dataTests(warehouse, run);
  return { tables, outcomes, idSync, tests, testSource: source };
}

async function _dataTests(
  warehouse: Warehouse,
  run: _RunResultsRead,
): Promise<{ tests: DataTestRow[]; source: DataTestSource }> {
  if (run.results) {
    return {
      tests: run.results.tests.map((t) => ({
        name: t.name,
        model: t.model,
        severity: t.severity,
        status: t.status,
        failures: t.failures,
        message: t.message,
      })),
      source: {
        kind: "run_results",
        location: run.location,
        runId: run.results.runId,
        runAt: run.results.generatedAt,
      },
    };
  }
  const audit = { schema: "audit", name: "data_test_results" };
  if (await warehouse.exists(audit)) {
    const rows = await readLatestDataTests(warehouse);
    const first = rows[0];
    return {
      tests: rows.map((r) => ({
        name: r.name,
        model: r.model,
        severity: r.severity,
        status: r.status,
        failures: r.failures,
        message: null,
      })),
      source: {
        kind: first ? "audit" : "none",
        location: warehouse.relation(audit),
        runId: first ? first.run_id : null,
        runAt: first ? first.run_at : null,
      },
    };
  }
  return { tests: [], source: { kind: "none", location: null, runId: null, runAt: null } };
}

function _date(ymd: string): Date | null {
  const d = new Date(`${ymd}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
