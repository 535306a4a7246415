/**
 * Regional dominance: where listings are dense, and where each listing avoids the most CO₂e,
 * from `regionalDensity()` and `ecoImpactByRegion()` rows.
 *
 * @module
 */
import {
  type EcoImpactRow,
  type MetricInput,
  metricRows,
  type RegionalDensityRow,
} from "../analytics/mod.ts";
import { formatCount, formatInterval, formatNumber } from "../format/mod.ts";
import type { Insight } from "./types.ts";

/** What {@linkcode regionalInsight} reads. */
export interface RegionalInput {
  /** `regionalDensity()`'s result (frame or rows). */
  density: MetricInput<RegionalDensityRow>;
  /** `ecoImpactByRegion()`'s result (frame or rows), over published listings. */
  ecoImpact: MetricInput<EcoImpactRow>;
  /**
   * The region column of both.
   * @default "region"
   */
  region?: string;
}

/** Headline: where listings are dense and where each listing counts most. */
export interface RegionalInsight extends Insight {
  /** Region with the most published listings per active user. */
  topDensity: string | null;
  /** Region with the highest mean eco-score per published listing. */
  topEco: string | null;
}

function _top<T>(rows: readonly T[], value: (row: T) => number | null): [T | null, T | null] {
  const ranked = rows.filter((r) => value(r) !== null)
    .sort((a, b) => (value(b) ?? 0) - (value(a) ?? 0));
  return [ranked[0] ?? null, ranked[1] ?? null];
}

/**
 * The region with the most published listings per active user (`listings_per_user`, 95%
 * interval, listings and active users, per 1,000) against the runner-up, and the region whose
 * published listings avoid the most CO₂e each (`mean_eco_score_kg_co2e`, 95% interval, n)
 * against its runner-up; the two may differ, and the sentence says so.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // regionalDensity(listings, activeUsers) and ecoImpactByRegion(listings), abridged
 * const density = pl.DataFrame({
 *   region: ["EMEA", "NA"],
 *   n_listings: [300, 200],
 *   n_active_users: [1000, 1000],
 *   listings_per_user: [0.3, 0.2],
 *   listings_per_user_ci_low: [0.27, 0.17],
 *   listings_per_user_ci_high: [0.34, 0.23],
 * });
 * const ecoImpact = pl.DataFrame({
 *   region: ["EMEA", "NA"],
 *   n_listings: [300, 200],
 *   mean_eco_score_kg_co2e: [10, 12],
 *   mean_ci_low_kg_co2e: [9.8, 11.7],
 *   mean_ci_high_kg_co2e: [10.2, 12.3],
 * });
 * const insight = regionalInsight({ density, ecoImpact });
 * assert.deepEqual([insight.topDensity, insight.topEco], ["EMEA", "NA"]);
 * assert.equal(insight.title, "EMEA lists the most per user; NA listings avoid the most CO₂e");
 * ```
 */
export function regionalInsight(input: RegionalInput): RegionalInsight {
  const key = input.region ?? "region";
  const nameOf = (row: object) => String((row as Record<string, unknown>)[key] ?? "(none)");
  const density = metricRows<RegionalDensityRow>(input.density);
  const eco = metricRows<EcoImpactRow>(input.ecoImpact);
  const [d1, d2] = _top(density, (r) => r.listings_per_user);
  const [e1, e2] = _top(eco, (r) => r.mean_eco_score_kg_co2e);
  if (!d1 || !e1) {
    return {
      title: "Listing density and eco impact by region",
      sentence: "No published listings or active users, so regions cannot be compared.",
      topDensity: d1 ? nameOf(d1) : null,
      topEco: e1 ? nameOf(e1) : null,
    };
  }
  const dens = (r: RegionalDensityRow) => formatNumber(r.listings_per_user ?? 0, 2);
  const kg = (r: EcoImpactRow | undefined) => formatNumber(r?.mean_eco_score_kg_co2e ?? 0, 1);
  const apart = (a: number | null, b: number | null) =>
    a !== null && b !== null && a > b
      ? "the 95% intervals do not overlap"
      : "the 95% intervals overlap";
  const [dName, eName] = [nameOf(d1), nameOf(e1)];
  let sentence = `${dName} has the highest listing density: ${dens(d1)} published ` +
    `listings per active user (95% CI ${
      formatInterval(d1.listings_per_user_ci_low, d1.listings_per_user_ci_high, { decimals: 2 })
    }; ${formatCount(d1.n_listings)} listings from ${formatCount(d1.n_active_users)} active ` +
    `users, ${formatNumber(d1.listings_per_1000_users ?? 0)} per 1,000)`;
  sentence += d2
    ? ` vs ${dens(d2)} in ${nameOf(d2)}, the next highest (${
      apart(d1.listings_per_user_ci_low, d2.listings_per_user_ci_high)
    }).`
    : ".";
  const ecoQuote = `${kg(e1)} kg CO₂e avoided per published listing (95% CI ${
    formatInterval(e1.mean_ci_low_kg_co2e, e1.mean_ci_high_kg_co2e)
  } kg, n=${formatCount(e1.n_listings)})`;
  const ecoRunner = e2
    ? ` vs ${kg(e2)} kg in ${nameOf(e2)}, the next highest (${
      apart(e1.mean_ci_low_kg_co2e, e2.mean_ci_high_kg_co2e)
    })`
    : "";
  if (eName === dName) {
    sentence += ` Its listings also avoid the most CO₂e: ${ecoQuote}${ecoRunner}.`;
  } else {
    const densest = e2 && nameOf(e2) === dName
      ? ""
      : `; ${dName}'s listings average ${kg(eco.find((r) => nameOf(r) === dName))} kg`;
    sentence += ` But ${eName} listings avoid the most CO₂e each: ${ecoQuote}${ecoRunner}` +
      `${densest}.`;
  }
  const title = eName === dName
    ? `${dName} lists the most per user, and its listings avoid the most CO₂e`
    : `${dName} lists the most per user; ${eName} listings avoid the most CO₂e`;
  return { title, sentence, topDensity: dName, topEco: eName };
}
