/**
 * Headline sentences computed from the numbers: which tier, region or category comes out on
 * top is decided by the data, and every figure quoted carries its 95% interval and its
 * denominator. Sentences are plain text; the page escapes them like any other data.
 *
 * These read the report's plain records (so `buildReport` stays testable on hand-made data)
 * and are shaped for the three headlines: the activation gap quotes every tier, the regional
 * finding pairs the density leader with the eco-impact leader, and the affinity finding is
 * about one tier (Pro) rather than the strongest cell overall, which is what the
 * frame-based sentences in `lib/analytics/insights.ts` give.
 *
 * @module
 */
import { wilsonInterval } from "../analytics/mod.ts";
import { formatNumber, formatPercent } from "../format/mod.ts";
import type {
  ActivationData,
  AffinityRow,
  FunnelRow,
  IdSyncRow,
  OutcomeRow,
  RegionRow,
  RetentionData,
} from "./types.ts";

/** A computed finding: a chart title and the full sentence. */
export interface Insight {
  /** Short statement for the chart title. */
  title: string;
  /** The full sentence with numbers, intervals and denominators. */
  sentence: string;
}

/** Headline 1: the activation gap between tiers. */
export interface ActivationInsight extends Insight {
  /** Tier with the lowest activation, or null when there is no data. */
  lowest: string | null;
  /** Tier with the highest activation, or null when there is no data. */
  highest: string | null;
  /** Activation (%) of each tier, with its interval and denominator, lowest first. */
  tiers: {
    tier: string;
    pct: number;
    low: number | null;
    high: number | null;
    users: number;
    n: number;
  }[];
  /** True when the lowest and highest tiers' 95% intervals do not overlap. */
  separated: boolean;
}

/** Headline 2: where listings are dense and where each listing counts most. */
export interface RegionalInsight extends Insight {
  /** Region with the most published listings per active user. */
  topDensity: string | null;
  /** Region with the highest mean eco-score per published listing. */
  topEco: string | null;
}

/** Headline 3: categories a tier lists more often than everyone. */
export interface AffinityInsight extends Insight {
  /** The tier described. */
  tier: string;
  /** Categories whose lift's 95% interval lies above 1, largest lift first. */
  overIndexed: string[];
  /** Categories whose lift's 95% interval lies below 1, smallest lift first. */
  underIndexed: string[];
}

const VERBS: Record<string, string> = {
  session_start: "start a session",
  search: "search",
  view_listing: "view a listing",
  start_listing: "start a listing",
  publish_listing: "publish a listing",
  message_seller: "message a seller",
  complete_recycling: "complete a recycling",
};

const AFTER: Record<string, string> = {
  session_start: "a session",
  view_listing: "viewing a listing",
  start_listing: "starting a listing",
  publish_listing: "publishing a listing",
};

function _verb(step: string): string {
  return VERBS[step] ?? `reach “${step}”`;
}

function _pct(value: number, decimals = 1): string {
  return formatPercent(value, decimals);
}

function _range(low: number | null, high: number | null, decimals: number, unit = ""): string {
  if (low === null || high === null) return "interval n/a";
  return `${formatNumber(low, decimals)}–${formatNumber(high, decimals)}${unit}`;
}

/** "a", "a and b", "a, b and c". */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Headline 1: which tier activates least after a session, against the tier that activates
 * most, from the funnel's conversion to `activationStep` (share of the tier's first-step
 * users, 95% Wilson interval, n = first-step users).
 *
 * @example
 * ```ts
 * const insight = activationInsight(data.activation);
 * insight.lowest; // "Basic"
 * insight.sentence; // "Basic users start a listing after a session far less often than Pro users: 27.3% (95% CI …"
 * ```
 */
export function activationInsight(activation: ActivationData): ActivationInsight {
  const first = activation.steps[0] ?? "session_start";
  const target = activation.activationStep;
  const verb = _verb(target);
  const after = AFTER[first] ?? `“${first}”`;
  const stepIndex = activation.steps.indexOf(target) + 1;
  const byTier = new Map<string, FunnelRow[]>();
  for (const row of activation.funnel) {
    const list = byTier.get(row.tier) ?? [];
    list.push(row);
    byTier.set(row.tier, list);
  }
  const tiers = [...byTier.entries()].flatMap(([tier, rows]) => {
    const start = rows.find((r) => r.step === 1);
    const reached = rows.find((r) => r.step === stepIndex);
    if (!start || !reached || start.users === 0) return [];
    return [{
      tier,
      pct: reached.conversion_pct,
      low: reached.conversion_ci_low,
      high: reached.conversion_ci_high,
      users: reached.users,
      n: start.users,
    }];
  }).sort((a, b) => a.pct - b.pct || a.tier.localeCompare(b.tier));

  const low = tiers[0];
  const high = tiers[tiers.length - 1];
  if (!low || !high || tiers.length < 2) {
    const only = low
      ? `${low.tier} users ${verb} after ${after} in ${_pct(low.pct)} of cases (95% CI ${
        _range(low.low, low.high, 1, "%")
      }, n=${formatNumber(low.n)}); there is no other tier to compare with.`
      : `No user started a session, so activation cannot be measured.`;
    return {
      title: "Activation by tier",
      sentence: only,
      lowest: low?.tier ?? null,
      highest: high?.tier ?? null,
      tiers,
      separated: false,
    };
  }
  const separated = low.high !== null && high.low !== null && low.high < high.low;
  const ratio = low.pct > 0 ? high.pct / low.pct : Infinity;
  const quote = (t: typeof low) =>
    `${_pct(t.pct)} (95% CI ${_range(t.low, t.high, 1, "%")}, n=${formatNumber(t.n)})`;
  const others = tiers.slice(1, -1).map((t) => `${t.tier}: ${quote(t)}`);
  const middle = others.length > 0 ? ` ${others.join("; ")}.` : "";
  const window = `within ${activation.windowDays} days`;
  let sentence: string;
  let title: string;
  if (separated) {
    const degree = ratio >= 1.5 ? "far less often" : "less often";
    const times = Number.isFinite(ratio)
      ? `, so ${high.tier} users do so ${formatNumber(ratio, 1)}× as often`
      : "";
    sentence = `${low.tier} users ${verb} after ${after} ${degree} than ${high.tier} users: ` +
      `${quote(low)} vs ${quote(high)} ${window}${times}; the 95% intervals do not overlap.` +
      middle;
    title = `${low.tier} users ${verb} after ${after} ${degree} than ${high.tier} users`;
  } else {
    sentence = `${low.tier} and ${high.tier} users ${verb} after ${after} about as often: ` +
      `${quote(low)} vs ${quote(high)} ${window}; the 95% intervals overlap, so the gap is ` +
      `not clear at this sample size.${middle}`;
    title = `No clear activation gap between ${low.tier} and ${high.tier} users`;
  }
  return { title, sentence, lowest: low.tier, highest: high.tier, tiers, separated };
}

function _top<T>(rows: readonly T[], value: (row: T) => number | null): [T | null, T | null] {
  const ranked = rows.filter((r) => value(r) !== null)
    .sort((a, b) => (value(b) ?? 0) - (value(a) ?? 0));
  return [ranked[0] ?? null, ranked[1] ?? null];
}

/**
 * Headline 2: the region with the most published listings per active user and the region
 * whose listings avoid the most CO₂e each (they may differ), each against the runner-up,
 * with 95% intervals and denominators.
 *
 * @example
 * ```ts
 * const insight = regionalInsight(data.regions);
 * [insight.topDensity, insight.topEco]; // ["EMEA", "NA"]
 * ```
 */
export function regionalInsight(regions: readonly RegionRow[]): RegionalInsight {
  const [d1, d2] = _top(regions, (r) => r.listings_per_active_user);
  const [e1, e2] = _top(regions, (r) => r.eco_kg_per_listing);
  if (!d1 || !e1) {
    return {
      title: "Listing density and eco impact by region",
      sentence: "No published listings or active users, so regions cannot be compared.",
      topDensity: d1?.region ?? null,
      topEco: e1?.region ?? null,
    };
  }
  const dens = (r: RegionRow) => formatNumber(r.listings_per_active_user ?? 0, 2);
  const eco = (r: RegionRow) => formatNumber(r.eco_kg_per_listing ?? 0, 1);
  const apart = (a: number | null, b: number | null) =>
    a !== null && b !== null && a > b
      ? "the 95% intervals do not overlap"
      : "the 95% intervals overlap";
  let sentence = `${d1.region} has the highest listing density: ${dens(d1)} published ` +
    `listings per active user (95% CI ${_range(d1.per_user_ci_low, d1.per_user_ci_high, 2)}; ` +
    `${formatNumber(d1.n_listings)} listings from ${formatNumber(d1.n_active_users)} active ` +
    `users, ${formatNumber(d1.listings_per_1k_users ?? 0)} per 1,000)`;
  sentence += d2
    ? ` vs ${dens(d2)} in ${d2.region}, the next highest (${
      apart(d1.per_user_ci_low, d2.per_user_ci_high)
    }).`
    : ".";
  const ecoQuote = `${eco(e1)} kg CO₂e avoided per published listing (95% CI ${
    _range(e1.eco_ci_low, e1.eco_ci_high, 1)
  } kg, n=${formatNumber(e1.n_listings)})`;
  const ecoRunner = e2
    ? ` vs ${eco(e2)} kg in ${e2.region}, the next highest (${
      apart(e1.eco_ci_low, e2.eco_ci_high)
    })`
    : "";
  if (e1.region === d1.region) {
    sentence += ` Its listings also avoid the most CO₂e: ${ecoQuote}${ecoRunner}.`;
  } else {
    const densest = e2?.region === d1.region
      ? ""
      : `; ${d1.region}'s listings average ${eco(d1)} kg`;
    sentence += ` But ${e1.region} listings avoid the most CO₂e each: ${ecoQuote}${ecoRunner}` +
      `${densest}.`;
  }
  const title = e1.region === d1.region
    ? `${d1.region} lists the most per user, and its listings avoid the most CO₂e`
    : `${d1.region} lists the most per user; ${e1.region} listings avoid the most CO₂e`;
  return { title, sentence, topDensity: d1.region, topEco: e1.region };
}

/**
 * Headline 3: the categories `tier` lists more often than all sellers do (lift whose 95%
 * interval lies above 1), largest lift first, and the one it under-indexes on most.
 *
 * @example
 * ```ts
 * affinityInsight(data.affinity, "Pro").overIndexed; // ["Industrial", "Electronics"]
 * ```
 */
export function affinityInsight(affinity: readonly AffinityRow[], tier = "Pro"): AffinityInsight {
  const rows = affinity.filter((r) => r.tier === tier && r.n_row > 0);
  if (rows.length === 0) {
    return {
      title: "Category affinity by tier",
      sentence: `There are no listings from ${tier} users, so their category mix cannot be ` +
        `described.`,
      tier,
      overIndexed: [],
      underIndexed: [],
    };
  }
  const over = rows.filter((r) => r.lift_ci_low !== null && r.lift_ci_low > 1)
    .sort((a, b) => b.lift - a.lift || a.category.localeCompare(b.category));
  const under = rows.filter((r) => r.lift_ci_high !== null && r.lift_ci_high < 1)
    .sort((a, b) => a.lift - b.lift || a.category.localeCompare(b.category));
  const total = rows[0]!.n_row;
  const lift = (r: AffinityRow) =>
    `${formatNumber(r.lift, 2)}× (95% CI ${_range(r.lift_ci_low, r.lift_ci_high, 2)})`;
  const detail = (r: AffinityRow) =>
    `${r.category} at ${lift(r)}: ${_pct(r.share * 100)} of ${tier} listings vs ${
      _pct(r.overall_share * 100)
    } of all`;
  let sentence: string;
  let title: string;
  if (over.length > 0) {
    sentence = `${tier} users over-index on ${listPhrase(over.map((r) => r.category))}, ` +
      `listing them more often than sellers overall (lift = share in tier ÷ overall share, ` +
      `${formatNumber(total)} ${tier} listings): ${over.map(detail).join("; ")}.`;
    title = `${tier} users over-index on ${listPhrase(over.map((r) => r.category))}`;
  } else {
    const [best] = [...rows].sort((a, b) => b.lift - a.lift);
    sentence = `${tier} users do not clearly over-index on any category: no lift's 95% ` +
      `interval lies above 1 (highest: ${best!.category} at ${lift(best!)}, ` +
      `${formatNumber(total)} ${tier} listings).`;
    title = `${tier} users show no clear category preference`;
  }
  if (under.length > 0) {
    const u = under[0]!;
    sentence += ` They under-index most on ${u.category}: ${lift(u)}.`;
  }
  return {
    title,
    sentence,
    tier,
    overIndexed: over.map((r) => r.category),
    underIndexed: under.map((r) => r.category),
  };
}

/**
 * A sentence on weekly retention: the share of users active again in week 1 and in the
 * latest week observed in full for at least one cohort, pooled over complete cohorts
 * (Σ active ÷ Σ cohort size, 95% Wilson interval).
 *
 * @example
 * ```ts
 * retentionSummary(data.retention); // "Pooled over cohorts whose week is complete, 80.1% (95% CI …"
 * ```
 */
export function retentionSummary(data: RetentionData): string {
  const complete = data.rows.filter((r) => r.is_complete && r.period > 0);
  if (complete.length === 0) {
    return "No cohort has a complete week after its first, so retention cannot be read yet.";
  }
  const quote = (period: number) => {
    const cells = complete.filter((r) => r.period === period);
    const users = cells.reduce((s, r) => s + r.users, 0);
    const size = cells.reduce((s, r) => s + r.cohort_size, 0);
    const ci = wilsonInterval(users, size);
    return `${_pct(size > 0 ? (users / size) * 100 : 0)} (95% CI ${
      _range(size > 0 ? ci.low * 100 : null, size > 0 ? ci.high * 100 : null, 1, "%")
    }; ${formatNumber(users)} of ${formatNumber(size)} users, ${cells.length} cohort${
      cells.length === 1 ? "" : "s"
    })`;
  };
  const last = Math.max(...complete.map((r) => r.period));
  let sentence = `Pooled over cohorts whose week is complete, ${quote(1)} are active again ` +
    `in week 1`;
  if (last > 1) sentence += ` and ${quote(last)} in week ${last}`;
  return `${sentence}. Grey cells marked * are weeks still in progress at the end of the data.`;
}

/**
 * A sentence on the user-id match rate before and after standardisation.
 *
 * @example
 * ```ts
 * idSyncSentence(data.health.idSync); // "Before standardisation, 96.8% of …"
 * ```
 */
export function idSyncSentence(row: IdSyncRow | null): string {
  if (!row) return "marts.mart_id_sync is missing, so the id match rate is unknown.";
  const pct = (v: number | null) => v === null ? "n/a" : _pct(v, 1);
  const orphanPct = row.n_events > 0 ? (row.n_orphan_events / row.n_events) * 100 : 0;
  return `Before standardisation, ${pct(row.match_before_pct)} of ${
    formatNumber(row.n_events)
  } clean event rows (${formatNumber(row.n_matched_before)}) carried a user id that matched ` +
    `the registry; after trimming and upper-casing ids, ${pct(row.match_after_pct)} ` +
    `(${formatNumber(row.n_matched_after)}) do, ${
      pct(row.match_after_non_orphan_pct)
    } of rows from registry users. The other ${formatNumber(row.n_orphan_events)} rows ` +
    `(${_pct(orphanPct, 2)}) carry ids that are not in the registry: they are kept and ` +
    `flagged as orphans.`;
}

/**
 * A sentence accounting for every event line delivered: rejected at load, duplicate,
 * quarantined, kept (and how many of those are orphans), from `mart_pipeline_health`.
 *
 * @example
 * ```ts
 * flowSentence(data.health.outcomes); // "Of 994,595 event lines delivered, …"
 * ```
 */
export function flowSentence(outcomes: readonly OutcomeRow[]): string {
  if (outcomes.length === 0) {
    return "marts.mart_pipeline_health is missing, so the event accounting is unknown.";
  }
  const sum = (pred: (r: OutcomeRow) => boolean) =>
    outcomes.filter(pred).reduce((s, r) => s + r.n_rows, 0);
  const total = sum(() => true);
  const part = (n: number, what: string, reasons: OutcomeRow[]) => {
    const why = reasons.length > 0 ? ` (${reasons.map((r) => r.reason).join(", ")})` : "";
    return `${formatNumber(n)} (${_pct(total > 0 ? (n / total) * 100 : 0, 2)}) ${what}${why}`;
  };
  const of = (outcome: string) => outcomes.filter((r) => r.outcome === outcome);
  const rejected = of("rejected");
  const quarantined = of("quarantined");
  const orphans = sum((r) => r.outcome === "kept" && /orphan/i.test(r.reason));
  return `Of ${formatNumber(total)} event lines delivered, ` +
    `${part(sum((r) => r.outcome === "rejected"), "were rejected at load", rejected)}, ` +
    `${part(sum((r) => r.outcome === "duplicate"), "were duplicate deliveries", [])}, ` +
    `${part(sum((r) => r.outcome === "quarantined"), "were quarantined", quarantined)} and ` +
    `${part(sum((r) => r.outcome === "kept"), "were kept", [])}, ${
      formatNumber(orphans)
    } of them ` +
    `from user ids not in the registry (flagged as orphans).`;
}
