/**
 * Measure the realised planted effects on the true events (definitions in truth.ts).
 *
 * @module
 */

import { CATEGORIES, type Category, type Region, REGIONS, type Tier, TIERS } from "./params.ts";
import { EV_SESSION_START, EV_START_LISTING, type World } from "./_simulate.ts";
import type {
  ActivationRealised,
  CategoryMixRealised,
  DensityRealised,
  EcoRealised,
  RealisedEffects,
  RetentionRealised,
} from "./truth.ts";

const _RETENTION_WEEKS = 8;
const _WEEK = 7 * 86_400;

function _round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function _ratio(num: number, den: number): number {
  return den === 0 ? 0 : _round(num / den);
}

function _byKey<K extends string, V>(keys: readonly K[], f: (k: K, i: number) => V): Record<K, V> {
  return Object.fromEntries(keys.map((k, i) => [k, f(k, i)])) as Record<K, V>;
}

/**
 * Computes `truth.json` → `effects.realised` over the events in slices: `add` each slice in
 * time order, then `finish` with the registries. Per-user state only, so memory follows
 * users, not events.
 */
export class EffectsMeter {
  readonly #firstSession: Int32Array;
  readonly #started: Uint8Array;
  readonly #active: Uint8Array;
  readonly #activeWeeks: Uint8Array;
  readonly #signupSec: Int32Array;

  constructor(users: World["users"]) {
    this.#firstSession = new Int32Array(users.n).fill(-1);
    this.#started = new Uint8Array(users.n);
    this.#active = new Uint8Array(users.n);
    // Weekly retention since signup: a bit per (user, week) with any event.
    this.#activeWeeks = new Uint8Array(users.n * _RETENTION_WEEKS);
    this.#signupSec = users.signupSec;
  }

  /** Count the next events, in time order. */
  add(events: World["events"]): void {
    const firstSession = this.#firstSession;
    const started = this.#started;
    const active = this.#active;
    const activeWeeks = this.#activeWeeks;
    const signupSec = this.#signupSec;
    for (let e = 0; e < events.n; e++) {
      const u = events.userIdx[e]!;
      active[u] = 1;
      const type = events.type[e]!;
      // Events are in time order, so the first session_start seen is the first.
      if (type === EV_SESSION_START && firstSession[u] === -1) firstSession[u] = events.tsSec[e]!;
      else if (
        type === EV_START_LISTING && firstSession[u]! >= 0 && events.tsSec[e]! >= firstSession[u]!
      ) started[u] = 1;
      const week = Math.floor((events.tsSec[e]! - signupSec[u]!) / _WEEK);
      if (week < _RETENTION_WEEKS) activeWeeks[u * _RETENTION_WEEKS + week] = 1;
    }
  }

  /** The realised effects of every event added. */
  finish(world: Omit<World, "events">): RealisedEffects {
    return _realised(world, this.#firstSession, this.#started, this.#active, this.#activeWeeks);
  }
}

function _realised(
  world: Omit<World, "events">,
  firstSession: Int32Array,
  started: Uint8Array,
  active: Uint8Array,
  activeWeeks: Uint8Array,
): RealisedEffects {
  const { users, listings } = world;

  // 1. Activation.
  const withSession = new Array(TIERS.length).fill(0);
  const withStart = new Array(TIERS.length).fill(0);
  const activeByRegion = new Array(REGIONS.length).fill(0);
  for (let u = 0; u < users.n; u++) {
    if (firstSession[u]! >= 0) {
      withSession[users.tier[u]!]++;
      if (started[u]) withStart[users.tier[u]!]++;
    }
    if (active[u]) activeByRegion[users.region[u]!]++;
  }
  const activation = _byKey<Tier, ActivationRealised>(TIERS, (_, i) => ({
    users_with_session_start: withSession[i],
    users_with_start_listing: withStart[i],
    rate: _ratio(withStart[i], withSession[i]),
  }));

  // 2 and 3. Published listings per region; eco-score over them.
  const published = new Array(REGIONS.length).fill(0);
  const ecoSum = new Array(REGIONS.length).fill(0);
  const counts = TIERS.map(() => new Array(CATEGORIES.length).fill(0));
  for (let l = 0; l < listings.n; l++) {
    const u = listings.userIdx[l]!;
    counts[users.tier[u]!]![listings.category[l]!]++;
    if (listings.publishedSec[l]! >= 0) {
      const r = users.region[u]!;
      published[r]++;
      ecoSum[r] += listings.eco[l]!;
    }
  }
  const density = _byKey<Region, DensityRealised>(REGIONS, (_, i) => ({
    published_listings: published[i],
    active_users: activeByRegion[i],
    density: _ratio(published[i], activeByRegion[i]),
  }));
  const eco = _byKey<Region, EcoRealised>(REGIONS, (_, i) => ({
    published_listings: published[i],
    eco_score_kg_co2e_sum: _round(ecoSum[i], 2),
    eco_score_kg_co2e_mean: _ratio(_round(ecoSum[i], 2), published[i]),
  }));

  // 4. Category mix by tier over all listings.
  const tierTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const overall = CATEGORIES.map((_, c) => counts.reduce((a, row) => a + row[c]!, 0));
  const overallTotal = overall.reduce((a, b) => a + b, 0);
  const overallShares = overall.map((n) => (overallTotal === 0 ? 0 : n / overallTotal));
  const share = (
    t: number,
    c: number,
  ) => (tierTotals[t] === 0 ? 0 : counts[t]![c]! / tierTotals[t]!);
  const categoryMix: CategoryMixRealised = {
    counts: _byKey(TIERS, (_, t) => _byKey<Category, number>(CATEGORIES, (_, c) => counts[t]![c]!)),
    tier_totals: _byKey(TIERS, (_, t) => tierTotals[t]!),
    overall_counts: _byKey(CATEGORIES, (_, c) => overall[c]!),
    overall_total: overallTotal,
    shares: _byKey(TIERS, (_, t) => _byKey(CATEGORIES, (_, c) => _round(share(t, c)))),
    overall_shares: _byKey(CATEGORIES, (_, c) => _round(overallShares[c]!)),
    lift: _byKey(
      TIERS,
      (_, t) =>
        _byKey(
          CATEGORIES,
          (_, c) => overallShares[c] === 0 ? 0 : _round(share(t, c) / overallShares[c]!),
        ),
    ),
  };

  const retention = _byKey<Tier, RetentionRealised>(TIERS, () => ({
    eligible: new Array(_RETENTION_WEEKS).fill(0),
    retained: new Array(_RETENTION_WEEKS).fill(0),
    rate: [],
  }));
  for (let u = 0; u < users.n; u++) {
    if (!active[u]) continue;
    const r = retention[TIERS[users.tier[u]!]!];
    for (let k = 0; k < _RETENTION_WEEKS; k++) {
      if (users.signupSec[u]! + (k + 1) * _WEEK > world.endSec) break;
      r.eligible[k] = r.eligible[k]! + 1;
      r.retained[k] = r.retained[k]! + activeWeeks[u * _RETENTION_WEEKS + k]!;
    }
  }
  for (const r of Object.values(retention)) {
    r.rate = r.eligible.map((n, k) => (n === 0 ? null : _ratio(r.retained[k]!, n)));
  }

  return {
    activation_session_start_to_start_listing_by_tier: activation,
    published_listings_per_active_user_by_region: density,
    eco_score_per_published_listing_by_region: eco,
    listing_category_mix_by_tier: categoryMix,
    weekly_retention_since_signup_by_tier: retention,
    definitions: {
      activation_session_start_to_start_listing_by_tier:
        "Per tier: users with >=1 session_start who have a start_listing at or after their first session_start, divided by users with >=1 session_start.",
      published_listings_per_active_user_by_region:
        "Per seller region: distinct listings with a publish_listing event, divided by registry users of the region with >=1 event.",
      eco_score_per_published_listing_by_region:
        "Per seller region: sum and mean of listings.csv eco_score_kg_co2e over listings with a publish_listing event.",
      listing_category_mix_by_tier:
        "Over all listings.csv rows by seller tier: share of each category within the tier; lift = tier share / overall share.",
      weekly_retention_since_signup_by_tier:
        "Per tier, week k: of users with >=1 event whose signup_at is >= 7(k+1) days before the period end, the share with >=1 event in [signup_at + 7k days, signup_at + 7(k+1) days).",
    },
  };
}
