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
  users_with_session_start: number;
  users_with_start_listing: number;
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
  published_listings: number;
  active_users: number;
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
  published_listings: number;
  eco_score_kg_co2e_sum: number;
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
  counts: Record<Tier, Record<Category, number>>;
  tier_totals: Record<Tier, number>;
  overall_counts: Record<Category, number>;
  overall_total: number;
  shares: Record<Tier, Record<Category, number>>;
  overall_shares: Record<Category, number>;
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
  eligible: number[];
  retained: number[];
  rate: (number | null)[];
}

/** `truth.json` → `effects.realised`. Ratios are rounded to 6 decimals. */
export interface RealisedEffects {
  activation_session_start_to_start_listing_by_tier: Record<Tier, ActivationRealised>;
  published_listings_per_active_user_by_region: Record<Region, DensityRealised>;
  eco_score_per_published_listing_by_region: Record<Region, EcoRealised>;
  listing_category_mix_by_tier: CategoryMixRealised;
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
  users: number;
  listings: number;
  /** True events of registry users (what the effects are measured on). */
  events: number;
  duplicates: number;
  orphans: number;
  unknown_events: number;
  malformed: number;
  /** Lines over all event files. */
  lines: number;
  /** Distinct `session_id`s among true events. */
  sessions: number;
}

/** One written file. `lines` counts `\n`-terminated lines of the uncompressed content. */
export interface FileInfo {
  name: string;
  lines: number;
  /** Bytes on disk (compressed size for `.gz`). */
  bytes: number;
}

/** The whole of `truth.json`. */
export interface TruthFile {
  generator: string;
  parameters: {
    users: number;
    days: number;
    start: string;
    /** Exclusive end of the period, `YYYY-MM-DD` (first day with no events). */
    end: string;
    seed: number;
    gzip: boolean;
  };
  effects: { planted: EffectParams; realised: RealisedEffects };
  mess: Record<keyof MessRates, MessCount>;
  counts: DatasetCounts;
  files: FileInfo[];
  malformed_lines: MalformedLine[];
}
