/**
 * Shape of `truth.json` and the exact definitions of the realised planted effects, so that
 * analysis code can recover the same numbers from the loaded data.
 *
 * All realised values are measured on the **true events** of **registry users** (before any
 * mess is injected): no duplicates, orphans, unknown events or malformed lines; timestamps in
 * UTC. After staging repairs the mess (trim/upper ids, normalise names, parse timestamps,
 * de-duplicate by `event_id`, drop orphans and unknown events), the clean events equal the
 * true events, so the same definitions applied to `marts.*` give the same numbers.
 *
 * @module
 */

import type { Category, EffectParams, MessRates, Region, Tier } from "./params.ts";

/**
 * Planted effect 1, per tier.
 *
 * - `users_with_session_start`: registry users of the tier with ≥ 1 `session_start`.
 * - `users_with_start_listing`: of those, users with ≥ 1 `start_listing` whose `ts` is at or
 *   after their first `session_start`.
 * - `rate` = `users_with_start_listing` ÷ `users_with_session_start`.
 */
export interface ActivationRealised {
  /** Denominator. */
  users_with_session_start: number;
  /** Numerator. */
  users_with_start_listing: number;
  /** Numerator ÷ denominator. */
  rate: number;
}

/**
 * Planted effect 2, per region (the seller's / user's region from users.csv).
 *
 * - `published_listings`: distinct `listing_id`s with a `publish_listing` event, by the
 *   seller's region (equivalently: listings.csv rows whose listing has a `publish_listing`).
 * - `active_users`: registry users of the region with ≥ 1 true event (any catalogue event).
 * - `density` = `published_listings` ÷ `active_users`.
 */
export interface DensityRealised {
  /** Numerator. */
  published_listings: number;
  /** Denominator. */
  active_users: number;
  /** Published listings ÷ active users. */
  density: number;
}

/**
 * Planted effect 3, per region.
 *
 * - `published_listings`: as in {@linkcode DensityRealised}.
 * - `eco_score_kg_co2e_sum`: sum of listings.csv `eco_score_kg_co2e` over those listings
 *   (rounded to 0.01).
 * - `eco_score_kg_co2e_mean` = sum ÷ `published_listings`.
 */
export interface EcoRealised {
  /** Denominator. */
  published_listings: number;
  /** Sum of eco-scores (kg CO2e). */
  eco_score_kg_co2e_sum: number;
  /** Sum ÷ published listings. */
  eco_score_kg_co2e_mean: number;
}

/**
 * Planted effect 4: category mix of **all** listings (every listings.csv row, i.e. every
 * `start_listing`, published or not), by the seller's tier.
 *
 * - `counts[tier][category]`: listings; `tier_totals[tier]`: listings of the tier.
 * - `overall_counts[category]`, `overall_total`: across all tiers.
 * - `shares[tier][category]` = `counts` ÷ `tier_totals`;
 *   `overall_shares[category]` = `overall_counts` ÷ `overall_total`.
 * - `lift[tier][category]` = `shares[tier][category]` ÷ `overall_shares[category]`.
 */
export interface CategoryMixRealised {
  /** Listings per tier and category. */
  counts: Record<Tier, Record<Category, number>>;
  /** Listings per tier. */
  tier_totals: Record<Tier, number>;
  /** Listings per category. */
  overall_counts: Record<Category, number>;
  /** All listings. */
  overall_total: number;
  /** Category share within each tier. */
  shares: Record<Tier, Record<Category, number>>;
  /** Category share over all listings. */
  overall_shares: Record<Category, number>;
  /** Tier share ÷ overall share. */
  lift: Record<Tier, Record<Category, number>>;
}

/**
 * Weekly retention by tier (informative; it follows from `retention.weeklyChurn`).
 *
 * For week k (k = 0 … 7): among registry users of the tier with ≥ 1 event whose `signup_at`
 * is at least 7·(k+1) days before the period end (so week k is fully observed),
 * `retained[k]` users have ≥ 1 event in [signup_at + 7k days, signup_at + 7(k+1) days);
 * `eligible[k]` is the denominator and `rate[k]` = retained ÷ eligible (null when no user is
 * eligible, e.g. week 7 in a 30-day period).
 */
export interface RetentionRealised {
  /** Denominator per week. */
  eligible: number[];
  /** Numerator per week. */
  retained: number[];
  /** Retained ÷ eligible per week. */
  rate: (number | null)[];
}

/** `truth.json` → `effects.realised`. Ratios are rounded to 6 decimals. */
export interface RealisedEffects {
  /** Effect 1: see {@linkcode ActivationRealised}. */
  activation_session_start_to_start_listing_by_tier: Record<Tier, ActivationRealised>;
  /** Effect 2: see {@linkcode DensityRealised}. */
  published_listings_per_active_user_by_region: Record<Region, DensityRealised>;
  /** Effect 3: see {@linkcode EcoRealised}. */
  eco_score_per_published_listing_by_region: Record<Region, EcoRealised>;
  /** Effect 4: see {@linkcode CategoryMixRealised}. */
  listing_category_mix_by_tier: CategoryMixRealised;
  /** See {@linkcode RetentionRealised}. */
  weekly_retention_since_signup_by_tier: Record<Tier, RetentionRealised>;
  /** One sentence per effect restating the definitions above. */
  definitions: Record<string, string>;
}

/** `truth.json` → `mess.<kind>`. */
export interface MessCount {
  /** Configured probability per eligible true event. */
  rate: number;
  /** True events that could receive this kind (see {@linkcode MessRates}). */
  eligible: number;
  /** Instances injected. For spawned kinds, the number of extra lines. */
  count: number;
}

/** One malformed line: where it was written and what kind of garbage it is. */
export interface MalformedLine {
  /** Event file name (as written, e.g. `events-2026-01-05.ndjson`). */
  file: string;
  /** 1-based line number within the (uncompressed) file. */
  line: number;
  /** `truncated` (a cut-off copy of an event line) or `not_json` (free text). */
  kind: "truncated" | "not_json";
}

/** `truth.json` → `counts`; `lines` = `events` + `duplicates` + `orphans` + `unknown_events` + `malformed`. */
export interface DatasetCounts {
  /** Rows of users.csv. */
  users: number;
  /** Rows of listings.csv. */
  listings: number;
  /** True events of registry users (what the effects are measured on). */
  events: number;
  /** Extra `duplicate_delivery` lines. */
  duplicates: number;
  /** Extra `orphan_user` lines. */
  orphans: number;
  /** Extra `unknown_event` lines. */
  unknown_events: number;
  /** Extra malformed lines. */
  malformed: number;
  /** Lines over all event files. */
  lines: number;
  /** Distinct `session_id`s among true events. */
  sessions: number;
}

/** One written file. `lines` counts `\n`-terminated lines of the uncompressed content. */
export interface FileInfo {
  /** File name inside the dataset directory. */
  name: string;
  /** Lines (`\n`-terminated) of the uncompressed content. */
  lines: number;
  /** Bytes on disk (compressed size for `.gz`). */
  bytes: number;
}

/**
 * One planted volume anomaly (`--plant-anomaly`), as written to `truth.json` →
 * `planted_anomalies`. Counts are true events of registry users named `event` whose `ts` falls
 * on `date` (UTC), the same definition as `counts.events`: after staging repairs the mess,
 * `marts.fct_events` holds exactly `planted_count` such events.
 */
export interface PlantedAnomaly {
  /** `drop` or `spike`. */
  kind: "drop" | "spike";
  /** Canonical event name. */
  event: string;
  /** Day of the anomaly, `YYYY-MM-DD`. */
  date: string;
  /** Requested multiplier. */
  factor: number;
  /** Events the simulation produced that day, before planting (the expected count). */
  simulated_count: number;
  /** Events written that day: `round(factor × simulated_count)`. */
  planted_count: number;
}

/** The whole of `truth.json`. */
export interface TruthFile {
  /** Generator name and version. */
  generator: string;
  /** Options of the run. */
  parameters: {
    users: number;
    days: number;
    start: string;
    /** Exclusive end of the period, `YYYY-MM-DD` (first day with no events). */
    end: string;
    seed: number;
    gzip: boolean;
  };
  /** Exact parameters and realised values. */
  effects: { planted: EffectParams; realised: RealisedEffects };
  /** Planted volume anomalies; the key is absent when none was asked for. */
  planted_anomalies?: PlantedAnomaly[];
  /** Per mess kind: rate, eligible events, instances. */
  mess: Record<keyof MessRates, MessCount>;
  /** Row and line counts. */
  counts: DatasetCounts;
  /** Every file written except truth.json. */
  files: FileInfo[];
  /** Every malformed line, in file order. */
  malformed_lines: MalformedLine[];
}
