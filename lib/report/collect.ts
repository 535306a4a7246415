/**
 * Everything the report needs, gathered in one place: SQL against the marts for the heavy
 * lifting, `lib/analytics` (Polars) for the metrics and their intervals, and the run's
 * files (truth.json, run_results.json) for parameters, data tests and timings.
 *
 * @module
 */
import { resolve } from "node:path";
import type pl from "nodejs-polars";
import {
  categoryAffinity,
  ecoImpactByRegion,
  funnel,
  regionalDensity,
  retention,
  rollingAverage,
} from "../analytics/mod.ts";
import type { TruthFile } from "../generate/truth.ts";
import type { RunResults } from "../models/run.ts";
import type { Warehouse } from "../warehouse/types.ts";
import type {
  ActivationData,
  AffinityRow,
  DatasetParameters,
  DataTestRow,
  DataTestSource,
  FunnelRow,
  HealthData,
  IdSyncRow,
  ListingRow,
  ModelTimingRow,
  OutcomeRow,
  RegionRow,
  ReportData,
  RetentionData,
  RetentionRow,
  RollingRow,
  RunParameters,
  TableCountRow,
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
   * another warehouse, the latest run in `audit.data_test_results` is used instead.
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
}

/** Thrown when the warehouse lacks the marts the report reads. */
export class MissingMartsError extends Error {
  /** Tables that are missing, as `marts.<name>`. */
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
 * rolling means, rates and intervals come from `lib/analytics`. Throws
 * {@linkcode MissingMartsError} when the marts are not built.
 *
 * @example
 * ```ts
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * const data = await collectReportData(wh, { truthPath: "data/raw/truth.json" });
 * const html = buildReport(data);
 * await wh.close();
 * ```
 */
export async function collectReportData(
  warehouse: Warehouse,
  options: CollectReportOptions = {},
): Promise<ReportData> {
  const started = performance.now();
  const missing: string[] = [];
  for (const name of REQUIRED_MARTS) {
    if (!(await warehouse.exists({ schema: "marts", name }))) missing.push(`marts.${name}`);
  }
  if (missing.length > 0) throw new MissingMartsError(warehouse.description, missing);

  const parts: { part: string; seconds: number }[] = [];
  const timed = async <T>(part: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const value = await fn();
    parts.push({ part, seconds: (performance.now() - t0) / 1000 });
    return value;
  };

  const truthPath = options.truthPath ?? "data/raw/truth.json";
  const { dataset, problem } = await _readTruth(truthPath);
  const parameters = await timed(
    "parameters",
    () => _parameters(warehouse, truthPath, dataset, problem),
  );
  const activation = await timed("activation funnel", () => _activation(warehouse, options));
  const regions = await timed("regional density and eco impact", () => _regions(warehouse));
  const topListings = await timed(
    "top listings",
    () => _topListings(warehouse, options.topListings ?? 10),
  );
  const affinity = await timed("category affinity", () => _affinity(warehouse));
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

  return {
    parameters,
    activation,
    regions,
    topListings,
    affinity,
    retention: retentionData,
    rolling,
    health,
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

async function _parameters(
  warehouse: Warehouse,
  truthPath: string,
  dataset: DatasetParameters | null,
  problem: string | null,
): Promise<RunParameters> {
  const [range] = await warehouse.query<{ first_at: unknown; last_at: unknown }>(
    `select min(event_at) as first_at, max(event_at) as last_at
     from marts.fct_events where not is_orphan`,
  );
  return {
    truthPath,
    dataset,
    datasetProblem: problem,
    warehouse: warehouse.description,
    generatedAt: new Date().toISOString(),
    eventsFrom: _iso(range?.first_at),
    eventsTo: _iso(range?.last_at),
  };
}

async function _activation(
  warehouse: Warehouse,
  options: CollectReportOptions,
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
  const names = steps.map(_literal).join(", ");
  const events = await warehouse.queryFrame(
    `select user_id, event_name as event, event_at as ts, tier
     from marts.fct_events
     where not is_orphan and event_name in (${names})`,
  );
  const frame = funnel(events, {
    steps,
    window: { value: windowDays, unit: "day" },
    breakdown: "tier",
  });
  const rows = _records(frame).map((r): FunnelRow => ({
    tier: String(r.tier),
    step: _num(r.step),
    label: String(r.label),
    users: _num(r.users),
    conversion_pct: _num(r.conversion_pct),
    conversion_ci_low: _numOrNull(r.conversion_ci_low),
    conversion_ci_high: _numOrNull(r.conversion_ci_high),
    step_conversion_pct: _numOrNull(r.step_conversion_pct),
  }));
  return { steps, activationStep, windowDays, funnel: rows };
}

async function _regions(warehouse: Warehouse): Promise<RegionRow[]> {
  const listings = await warehouse.queryFrame(
    `select listing_id, region, is_published, eco_score_kg_co2e from marts.dim_listings`,
  );
  // Distinct users per region is a join-and-distinct over every event: SQL's job.
  const active = await warehouse.queryFrame(
    `select region, count(distinct user_id) as n_active_users
     from marts.fct_events where not is_orphan group by region`,
  );
  const registry = await warehouse.query<{ region: string; n_users: number }>(
    `select region, count(*) as n_users from marts.dim_users group by region`,
  );
  const usersByRegion = new Map(registry.map((r) => [String(r.region), _num(r.n_users)]));
  const density = new Map(
    _records(regionalDensity(listings, active)).map((r) => [String(r.region), r]),
  );
  const eco = new Map(
    _records(ecoImpactByRegion(listings)).map((r) => [String(r.region), r]),
  );
  const regions = [...new Set([...density.keys(), ...eco.keys()])].sort();
  return regions.map((region): RegionRow => {
    const d = density.get(region) ?? {};
    const e = eco.get(region) ?? {};
    return {
      region,
      n_users: usersByRegion.get(region) ?? 0,
      n_active_users: _num(d.n_active_users ?? 0),
      n_listings: _num(d.n_listings ?? 0),
      listings_per_active_user: _numOrNull(d.listings_per_user),
      per_user_ci_low: _numOrNull(d.listings_per_user_ci_low),
      per_user_ci_high: _numOrNull(d.listings_per_user_ci_high),
      listings_per_1k_users: _numOrNull(d.listings_per_1000_users),
      density_ci_low: _numOrNull(d.listings_per_1000_users_ci_low),
      density_ci_high: _numOrNull(d.listings_per_1000_users_ci_high),
      eco_kg_per_listing: _numOrNull(e.mean_eco_score_kg_co2e),
      eco_ci_low: _numOrNull(e.mean_ci_low_kg_co2e),
      eco_ci_high: _numOrNull(e.mean_ci_high_kg_co2e),
      eco_kg_total: _num(e.total_eco_score_kg_co2e ?? 0),
    };
  });
}

async function _topListings(warehouse: Warehouse, limit: number): Promise<ListingRow[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`Invalid report option "topListings": expected an integer ≥ 0`);
  }
  if (limit === 0) return [];
  const rows = await warehouse.query(
    `select listing_id, title, category, region, tier, weight_kg, eco_score_kg_co2e
     from marts.dim_listings
     where is_published
     order by eco_score_kg_co2e desc nulls last, listing_id
     limit ${limit}`,
  );
  return rows.map((r) => ({
    listing_id: String(r.listing_id),
    title: String(r.title ?? ""),
    category: String(r.category ?? ""),
    region: String(r.region ?? ""),
    tier: String(r.tier ?? ""),
    weight_kg: _numOrNull(r.weight_kg),
    eco_score_kg_co2e: _numOrNull(r.eco_score_kg_co2e),
  }));
}

async function _affinity(warehouse: Warehouse): Promise<AffinityRow[]> {
  const listings = await warehouse.queryFrame(
    `select tier, category from marts.dim_listings`,
  );
  return _records(categoryAffinity(listings, { by: "tier", category: "category" })).map((r) => ({
    tier: String(r.tier),
    category: String(r.category),
    n: _num(r.n),
    n_row: _num(r.group_total),
    share: _num(r.share),
    overall_share: _num(r.overall_share),
    lift: _num(r.lift),
    lift_ci_low: _numOrNull(r.lift_ci_low),
    lift_ci_high: _numOrNull(r.lift_ci_high),
    p_value: _numOrNull(r.p_value),
  }));
}

async function _retention(
  warehouse: Warehouse,
  weeks: number,
  dataset: DatasetParameters | null,
): Promise<RetentionData> {
  // One row per user and active day is enough to place users in weeks: far fewer rows
  // than events to hand to Polars.
  const days = await warehouse.queryFrame(
    `select user_id, 'active' as event, min(event_at) as ts
     from marts.fct_events where not is_orphan
     group by user_id, event_date`,
  );
  const end = dataset ? _date(dataset.end) : null;
  const frame = retention(days, { period: "week", intervals: weeks, to: end });
  // Weeks that had not begun when the data ends say nothing (0%, "incomplete"): drop them.
  const [last] = await warehouse.query<{ last_at: unknown }>(
    `select max(event_at) as last_at from marts.fct_events where not is_orphan`,
  );
  const lastAt = _iso(last?.last_at);
  const endMs = end?.getTime() ?? (lastAt ? new Date(lastAt).getTime() : Infinity);
  const rows = _records(frame).map((r): RetentionRow => ({
    cohort: r.cohort instanceof Date ? r.cohort : new Date(String(r.cohort)),
    cohort_size: _num(r.cohort_size),
    period: _num(r.period),
    users: _num(r.users),
    retention_pct: _num(r.retention_pct),
    is_complete: r.is_complete === true,
  })).filter((r) => r.cohort.getTime() + r.period * 7 * 86_400_000 < endMs);
  return { intervals: weeks, rows };
}

async function _rolling(
  warehouse: Warehouse,
  window: number,
  dataset: DatasetParameters | null,
): Promise<RollingRow[]> {
  const daily = await warehouse.queryFrame(
    `select activity_date, region, sum(n_active_users) as n_active_users
     from marts.mart_daily_activity
     group by activity_date, region`,
  );
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
  return _records(frame).map((r) => ({
    date: r.date instanceof Date ? r.date : new Date(String(r.date)),
    region: String(r.region),
    value: _num(r.value),
    rolling_mean: _numOrNull(r.rolling_mean),
  }));
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
  const tables = await _tableCounts(warehouse);
  const outcomes = await warehouse.exists({ schema: "marts", name: "mart_pipeline_health" })
    ? (await warehouse.query(
      `select stage, outcome, reason, n_rows from marts.mart_pipeline_health
       order by case stage when 'load' then 1 when 'staging' then 2 else 3 end, outcome, reason`,
    )).map((r): OutcomeRow => ({
      stage: String(r.stage),
      outcome: String(r.outcome),
      reason: String(r.reason ?? ""),
      n_rows: _num(r.n_rows),
    }))
    : [];
  let idSync: IdSyncRow | null = null;
  if (await warehouse.exists({ schema: "marts", name: "mart_id_sync" })) {
    const [r] = await warehouse.query(
      `select n_events, n_matched_before, n_matched_after, n_orphan_events,
         cast(match_before_pct as double) as match_before_pct,
         cast(match_after_pct as double) as match_after_pct,
         cast(match_after_non_orphan_pct as double) as match_after_non_orphan_pct
       from marts.mart_id_sync`,
    );
    if (r) {
      idSync = {
        n_events: _num(r.n_events),
        n_matched_before: _num(r.n_matched_before),
        n_matched_after: _num(r.n_matched_after),
        n_orphan_events: _num(r.n_orphan_events),
        match_before_pct: _numOrNull(r.match_before_pct),
        match_after_pct: _numOrNull(r.match_after_pct),
        match_after_non_orphan_pct: _numOrNull(r.match_after_non_orphan_pct),
      };
    }
  }
  const { tests, source } = await _dataTests(warehouse, run);
  return { tables, outcomes, idSync, tests, testSource: source };
}

async function _tableCounts(warehouse: Warehouse): Promise<TableCountRow[]> {
  const names = await warehouse.query<{ table_schema: string; table_name: string }>(
    `select table_schema, table_name from information_schema.tables
     where table_schema in ('raw', 'staging', 'marts')
     order by case table_schema when 'raw' then 1 when 'staging' then 2 else 3 end, table_name`,
  );
  if (names.length === 0) return [];
  const counts = await warehouse.query<{ layer: string; table_name: string; n: number }>(
    names.map((t) =>
      `select ${_literal(t.table_schema)} as layer, ${_literal(t.table_name)} as table_name, ` +
      `count(*) as n from ${_ident(t.table_schema)}.${_ident(t.table_name)}`
    ).join("\nunion all\n"),
  );
  const byKey = new Map(counts.map((c) => [`${c.layer}.${c.table_name}`, _num(c.n)]));
  return names.map((t) => ({
    layer: t.table_schema,
    table: t.table_name,
    rows: byKey.get(`${t.table_schema}.${t.table_name}`) ?? 0,
  }));
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
  if (await warehouse.exists({ schema: "audit", name: "data_test_results" })) {
    const rows = await warehouse.query(
      `with latest as (
         select run_id from audit.data_test_results order by run_at desc limit 1
       )
       select run_id, run_at, test, model, severity, status, failures
       from audit.data_test_results
       where run_id in (select run_id from latest)
       order by test`,
    );
    const first = rows[0];
    return {
      tests: rows.map((r) => ({
        name: String(r.test),
        model: r.model === null || r.model === undefined ? null : String(r.model),
        severity: String(r.severity),
        status: String(r.status),
        failures: _numOrNull(r.failures),
        message: null,
      })),
      source: {
        kind: first ? "audit" : "none",
        location: "audit.data_test_results",
        runId: first ? String(first.run_id) : null,
        runAt: first ? _iso(first.run_at) : null,
      },
    };
  }
  return { tests: [], source: { kind: "none", location: null, runId: null, runAt: null } };
}

function _records(frame: pl.DataFrame): Record<string, unknown>[] {
  return frame.toRecords() as Record<string, unknown>[];
}

function _num(value: unknown): number {
  const n = _numOrNull(value);
  return n === null ? 0 : n;
}

function _numOrNull(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function _iso(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" && value !== "") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toISOString();
  }
  return null;
}

function _date(ymd: string): Date | null {
  const d = new Date(`${ymd}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function _literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function _ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
