/**
 * The shape of everything the stakeholder report shows: {@linkcode ReportData}. It is plain
 * data (records, numbers, strings, dates), so `buildReport` can be tested on a small
 * hand-made value and `collectReportData` is the only place that touches the warehouse.
 *
 * Metric rows are `lib/analytics` rows, unchanged: the same column names feed the chart, the
 * table and the sentence (`FunnelRow`, `RetentionRow`, … with their key columns). Rows are
 * type aliases rather than interfaces so they are assignable to the `Record<string, unknown>`
 * rows that `tableHtml` and the chart builders take.
 *
 * @module
 */
import type {
  CategoryAffinityRow,
  EcoImpactRow,
  FunnelRow,
  Keyed,
  PathEdgeRow,
  RegionalDensityRow,
  RetentionRow,
  RollingAverageRow,
} from "../analytics/mod.ts";
import type { IdSyncRow, OutcomeRow } from "../insights/mod.ts";
import type { RunHistory } from "../observe/mod.ts";
import type { ListingRow, RegionUsersRow, TableCountRow } from "./queries.ts";

export type { IdSyncRow, OutcomeRow };

/** The activation funnel by tier (headline 1). */
export interface ActivationData {
  /** Funnel steps, in order (event names). */
  steps: string[];
  /** The step that counts as activation, e.g. `start_listing`. */
  activationStep: string;
  /** Conversion window from the first step, in days. */
  windowDays: number;
  /** `funnel()` rows with `breakdown: "tier"`: one row per tier and step. */
  funnel: Keyed<FunnelRow, "tier">[];
}

/** Listing density and eco impact by region (headline 2), as `lib/analytics` returns them. */
export interface RegionalData {
  /** `regionalDensity()` rows: published listings per active user, one row per region. */
  density: Keyed<RegionalDensityRow, "region">[];
  /** `ecoImpactByRegion()` rows: kg CO2e avoided per published listing, one row per region. */
  ecoImpact: Keyed<EcoImpactRow, "region">[];
  /** Registry users per region (shown beside the active users). */
  users: RegionUsersRow[];
}

/** Weekly first-time cohort retention. */
export interface RetentionData {
  /** Periods per cohort, period 0 included. */
  intervals: number;
  /** `retention()` rows, one per cohort and week; weeks not begun by the end are left out. */
  rows: RetentionRow[];
}

/** Where users go after the funnel's first step, by tier (`paths()` edges). */
export interface PathsData {
  /** The anchor event, e.g. `session_start`. */
  start: string;
  /** Events followed after it, within the session. */
  steps: number;
  /** Edges taken by fewer users than this are left out (of the chart and table). */
  minEdgeUsers: number;
  /** `paths()` rows with `breakdown: "tier"`: one row per tier and edge. */
  rows: Keyed<PathEdgeRow, "tier">[];
}

/** One data test outcome. */
export type DataTestRow = {
  /** Test name. */
  name: string;
  /** Model it is attached to, if any. */
  model: string | null;
  /** `error` or `warn`. */
  severity: string;
  /** `pass`, `warn`, `fail`, `error` or `skipped`. */
  status: string;
  /** Failing rows (null when the test did not run). */
  failures: number | null;
  /** Error or skip message. */
  message: string | null;
};

/** Where the data test results came from. */
export interface DataTestSource {
  /** `run_results` (target/run_results.json), `audit` (the audit table of test results) or `none`. */
  kind: "run_results" | "audit" | "none";
  /** File or table read. */
  location: string | null;
  /** Run id of the results shown. */
  runId: string | null;
  /** When that run started (ISO-8601 UTC). */
  runAt: string | null;
}

/** Data health: counts per layer, event accounting, id match rate and data tests. */
export interface HealthData {
  /** Row counts of every raw, staging and marts table. */
  tables: TableCountRow[];
  /** Rows of the pipeline-health mart (`mart_pipeline_health`). */
  outcomes: OutcomeRow[];
  /** The id-sync mart's row (`mart_id_sync`), or null when the table is missing. */
  idSync: IdSyncRow | null;
  /** Data test outcomes (empty when none were found). */
  tests: DataTestRow[];
  /** Where `tests` came from. */
  testSource: DataTestSource;
}

/** Timing of one model build (from run_results.json). */
export type ModelTimingRow = {
  /** Model name. */
  name: string;
  /** `table` or `view`. */
  materialized: string;
  /** `success`, `error` or `skipped`. */
  status: string;
  /** Rows built (null for views). */
  rows: number | null;
  /** Wall-clock seconds. */
  seconds: number;
};

/** How long things took. */
export interface TimingData {
  /** Seconds spent in `collectReportData` (queries and metrics). */
  collectSeconds: number;
  /** Seconds per report part inside `collectReportData`. */
  parts: { part: string; seconds: number }[];
  /** Whole models run, from run_results.json; null when not found. */
  modelsSeconds: number | null;
  /** Per-model timings from run_results.json (empty when not found). */
  models: ModelTimingRow[];
}

/** The dataset's parameters from truth.json. */
export interface DatasetParameters {
  /** Generator name and version. */
  generator: string;
  /** Random seed. */
  seed: number;
  /** Registry users. */
  users: number;
  /** Days in the period. */
  days: number;
  /** First day, `YYYY-MM-DD`. */
  start: string;
  /** Exclusive end, `YYYY-MM-DD`. */
  end: string;
}

/** The run's parameters. */
export interface RunParameters {
  /** Path of truth.json that was looked for. */
  truthPath: string;
  /** Its parameters, or null when it could not be read. */
  dataset: DatasetParameters | null;
  /** Why the parameters are missing (e.g. file not found); null when read. */
  datasetProblem: string | null;
  /** Warehouse description, e.g. `duckdb:data/warehouse.duckdb`. */
  warehouse: string;
  /** When the data was collected (ISO-8601 UTC). */
  generatedAt: string;
  /** First and last clean event time (ISO-8601 UTC), null when there are no events. */
  eventsFrom: string | null;
  /** Last clean event time (ISO-8601 UTC). */
  eventsTo: string | null;
}

/** Everything the report shows. */
export interface ReportData {
  /** Seed, scale, warehouse, time of collection. */
  parameters: RunParameters;
  /** Headline 1: activation funnel by tier. */
  activation: ActivationData;
  /** Where each tier goes after the funnel's first step (follows headline 1). */
  paths: PathsData;
  /** Headline 2: density and eco impact by region. */
  regions: RegionalData;
  /** Published listings with the largest eco-score (titles shown, escaped). */
  topListings: ListingRow[];
  /** Headline 3: `categoryAffinity()` rows, tier × category lift. */
  affinity: Keyed<CategoryAffinityRow, "tier" | "category">[];
  /** Weekly first-time cohort retention. */
  retention: RetentionData;
  /** `rollingAverage()` rows: daily active users per region with the trailing 7-day mean. */
  rolling: Keyed<RollingAverageRow, "region">[];
  /** Data health section. */
  health: HealthData;
  /**
   * Data tests and checks across the last runs (audit tables); absent or null: no history
   * section.
   */
  history?: RunHistory | null;
  /** Timing section. */
  timing: TimingData;
}
