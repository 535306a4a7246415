/**
 * The shape of everything the stakeholder report shows: {@linkcode ReportData}. It is plain
 * data (records, numbers, strings, dates), so `buildReport` can be tested on a small
 * hand-made value and `collectReportData` is the only place that touches the warehouse.
 *
 * Row types use the column names the chart builders in `lib/charts` read by default, so the
 * same records feed the chart, the table and the sentence. Rows are type aliases rather than
 * interfaces so they are assignable to the `Record<string, unknown>` rows that `tableHtml`
 * and the chart builders take.
 *
 * @module
 */

/** One funnel step of one tier (the output columns of `funnel()` from `lib/analytics`). */
export type FunnelRow = {
  /** Tier of the user (breakdown value). */
  tier: string;
  /** 1-based step number. */
  step: number;
  /** Step label (the event name). */
  label: string;
  /** Users of the tier who reached the step. */
  users: number;
  /** Users reaching the step as % of the tier's step-1 users (0–100). */
  conversion_pct: number;
  /** Lower bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_low: number | null;
  /** Upper bound of the 95% Wilson interval of `conversion_pct`, in %. */
  conversion_ci_high: number | null;
  /** Users reaching the step as % of the previous step; null for step 1. */
  step_conversion_pct: number | null;
};

/** The activation funnel by tier (headline 1). */
export interface ActivationData {
  /** Funnel steps, in order (event names). */
  steps: string[];
  /** The step that counts as activation, e.g. `start_listing`. */
  activationStep: string;
  /** Conversion window from the first step, in days. */
  windowDays: number;
  /** One row per tier and step. */
  funnel: FunnelRow[];
}

/** One region: listing density and eco impact (headline 2). */
export type RegionRow = {
  /** Region name. */
  region: string;
  /** Registry users of the region. */
  n_users: number;
  /** Users of the region with at least one clean event in the period. */
  n_active_users: number;
  /** Published listings of sellers of the region (density numerator, eco denominator). */
  n_listings: number;
  /** Published listings per active user. */
  listings_per_active_user: number | null;
  /** Lower 95% bound of `listings_per_active_user`. */
  per_user_ci_low: number | null;
  /** Upper 95% bound of `listings_per_active_user`. */
  per_user_ci_high: number | null;
  /** Published listings per 1,000 active users. */
  listings_per_1k_users: number | null;
  /** Lower 95% bound of `listings_per_1k_users`. */
  density_ci_low: number | null;
  /** Upper 95% bound of `listings_per_1k_users`. */
  density_ci_high: number | null;
  /** Mean eco-score (kg CO2e avoided) per published listing. */
  eco_kg_per_listing: number | null;
  /** Lower 95% bound of `eco_kg_per_listing`. */
  eco_ci_low: number | null;
  /** Upper 95% bound of `eco_kg_per_listing`. */
  eco_ci_high: number | null;
  /** Total eco-score of the region's published listings (kg CO2e). */
  eco_kg_total: number;
};

/** One published listing shown by name (titles come from users: always escaped). */
export type ListingRow = {
  /** Listing id. */
  listing_id: string;
  /** Title as the seller typed it. */
  title: string;
  /** Category. */
  category: string;
  /** Seller's region. */
  region: string;
  /** Seller's tier. */
  tier: string;
  /** Weight in kg. */
  weight_kg: number | null;
  /** Eco-score, kg CO2e avoided. */
  eco_score_kg_co2e: number | null;
};

/** One tier × category cell of the category mix (headline 3). */
export type AffinityRow = {
  /** Seller tier. */
  tier: string;
  /** Listing category. */
  category: string;
  /** Listings of the tier in the category. */
  n: number;
  /** Listings of the tier (the share's denominator). */
  n_row: number;
  /** `n / n_row` (fraction 0–1). */
  share: number;
  /** The category's share of all listings (fraction 0–1). */
  overall_share: number;
  /** `share / overall_share`; 1 = no affinity. */
  lift: number;
  /** Lower 95% bound of `lift`. */
  lift_ci_low: number | null;
  /** Upper 95% bound of `lift`. */
  lift_ci_high: number | null;
  /** Two-sided p-value of the tier's share against the other tiers' share. */
  p_value: number | null;
};

/** One cohort × period cell of the retention table. */
export type RetentionRow = {
  /** First day of the cohort week (UTC). */
  cohort: Date;
  /** Users in the cohort. */
  cohort_size: number;
  /** Weeks since the cohort week (0 = the cohort week). */
  period: number;
  /** Cohort users active in that week. */
  users: number;
  /** `users / cohort_size` in % (0–100). */
  retention_pct: number;
  /** False when the week had not fully elapsed at the end of the data. */
  is_complete: boolean;
};

/** Weekly first-time cohort retention. */
export interface RetentionData {
  /** Periods per cohort, period 0 included. */
  intervals: number;
  /** One row per cohort and period. */
  rows: RetentionRow[];
}

/** One region × day of activity with its rolling mean. */
export type RollingRow = {
  /** Day (UTC midnight). */
  date: Date;
  /** Region. */
  region: string;
  /** Active users that day. */
  value: number;
  /** Trailing 7-day mean of `value`. */
  rolling_mean: number | null;
};

/** Row count of one warehouse table. */
export type TableCountRow = {
  /** `raw`, `staging`, `marts` or `audit`. */
  layer: string;
  /** Table name. */
  table: string;
  /** Rows. */
  rows: number;
};

/** One row of `marts.mart_pipeline_health`: where event lines went. */
export type OutcomeRow = {
  /** `load`, `staging` or `marts`. */
  stage: string;
  /** `rejected`, `duplicate`, `quarantined` or `kept`. */
  outcome: string;
  /** Why (e.g. `invalid JSON`, `unknown event name`, `orphan user id`). */
  reason: string;
  /** Event lines. */
  n_rows: number;
};

/** `marts.mart_id_sync`: user-id match rate before and after standardisation. */
export type IdSyncRow = {
  /** Clean event rows. */
  n_events: number;
  /** Rows whose raw user id matches the registry as delivered. */
  n_matched_before: number;
  /** Rows whose standardised user id matches the registry. */
  n_matched_after: number;
  /** Rows matching no registry user either way. */
  n_orphan_events: number;
  /** `n_matched_before / n_events` in %. */
  match_before_pct: number | null;
  /** `n_matched_after / n_events` in %. */
  match_after_pct: number | null;
  /** `n_matched_after / (n_events - n_orphan_events)` in %. */
  match_after_non_orphan_pct: number | null;
};

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
  /** `run_results` (target/run_results.json), `audit` (audit.data_test_results) or `none`. */
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
  /** `marts.mart_pipeline_health` rows. */
  outcomes: OutcomeRow[];
  /** `marts.mart_id_sync`, or null when the table is missing. */
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
  /** Headline 2: density and eco impact, one row per region. */
  regions: RegionRow[];
  /** Published listings with the largest eco-score (titles shown, escaped). */
  topListings: ListingRow[];
  /** Headline 3: tier × category lift. */
  affinity: AffinityRow[];
  /** Weekly first-time cohort retention. */
  retention: RetentionData;
  /** Daily active users per region with the trailing 7-day mean. */
  rolling: RollingRow[];
  /** Data health section. */
  health: HealthData;
  /** Timing section. */
  timing: TimingData;
}
