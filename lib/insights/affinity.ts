/**
 * Category affinity: the categories one group (tier) lists more often than everyone, from
 * `categoryAffinity()`'s rows.
 *
 * @module
 */
import { type CategoryAffinityRow, type MetricInput, metricRows } from "../analytics/mod.ts";
import { formatCount, formatInterval, formatNumber, formatShare } from "../format/mod.ts";
import { type Insight, listPhrase } from "./types.ts";

/** Options for {@linkcode affinityInsight}. */
export interface AffinityInsightOptions {
  /**
   * The group described.
   * @default "Pro"
   */
  tier?: string;
  /**
   * The group column (`categoryAffinity()`'s `by`).
   * @default "tier"
   */
  by?: string;
  /**
   * The category column.
   * @default "category"
   */
  category?: string;
}

/** Headline: categories a group lists more often than everyone. */
export interface AffinityInsight extends Insight {
  /** The group described. */
  tier: string;
  /** Categories whose lift's 95% interval lies above 1, largest lift first. */
  overIndexed: string[];
  /** Categories whose lift's 95% interval lies below 1, smallest lift first. */
  underIndexed: string[];
}

/**
 * The categories `tier` lists more often than all sellers do (lift whose 95% interval lies
 * above 1), largest lift first, with the shares behind each lift, and the category it
 * under-indexes on most (interval below 1). Lifts whose interval includes 1 are not named.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // categoryAffinity(listings) for the Pro tier, abridged
 * const affinity = pl.DataFrame({
 *   tier: ["Pro", "Pro", "Pro"],
 *   category: ["Electronics", "Industrial", "Textiles"],
 *   n: [60, 45, 20],
 *   group_total: [200, 200, 200],
 *   share: [0.3, 0.225, 0.1],
 *   overall_share: [0.15, 0.075, 0.2],
 *   lift: [2, 3, 0.5],
 *   lift_ci_low: [1.6, 2.3, 0.33],
 *   lift_ci_high: [2.5, 3.9, 0.75],
 * });
 * const insight = affinityInsight(affinity, { tier: "Pro" });
 * assert.deepEqual(insight.overIndexed, ["Industrial", "Electronics"]); // largest lift first
 * assert.deepEqual(insight.underIndexed, ["Textiles"]);
 * assert.equal(insight.title, "Pro users over-index on Industrial and Electronics");
 * ```
 */
export function affinityInsight(
  affinity: MetricInput<CategoryAffinityRow>,
  options: AffinityInsightOptions = {},
): AffinityInsight {
  const tier = options.tier ?? "Pro";
  const by = options.by ?? "tier";
  const categoryColumn = options.category ?? "category";
  const categoryOf = (r: CategoryAffinityRow) =>
    String((r as Record<string, unknown>)[categoryColumn] ?? "(none)");
  const rows = metricRows<CategoryAffinityRow>(affinity).filter((r) =>
    (r as Record<string, unknown>)[by] === tier && r.group_total > 0
  );
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
    .sort((a, b) => b.lift - a.lift || categoryOf(a).localeCompare(categoryOf(b)));
  const under = rows.filter((r) => r.lift_ci_high !== null && r.lift_ci_high < 1)
    .sort((a, b) => a.lift - b.lift || categoryOf(a).localeCompare(categoryOf(b)));
  const total = rows[0]!.group_total;
  const lift = (r: CategoryAffinityRow) =>
    `${formatNumber(r.lift, 2)}× (95% CI ${
      formatInterval(r.lift_ci_low, r.lift_ci_high, { decimals: 2 })
    })`;
  const detail = (r: CategoryAffinityRow) =>
    `${categoryOf(r)} at ${lift(r)}: ${formatShare(r.share)} of ${tier} listings vs ${
      formatShare(r.overall_share)
    } of all`;
  let sentence: string;
  let title: string;
  if (over.length > 0) {
    const names = listPhrase(over.map(categoryOf));
    sentence = `${tier} users over-index on ${names}, listing them more often than sellers ` +
      `overall (lift = share in tier ÷ overall share, ${formatCount(total)} ${tier} listings): ` +
      `${over.map(detail).join("; ")}.`;
    title = `${tier} users over-index on ${names}`;
  } else {
    const [best] = [...rows].sort((a, b) => b.lift - a.lift);
    sentence = `${tier} users do not clearly over-index on any category: no lift's 95% ` +
      `interval lies above 1 (highest: ${categoryOf(best!)} at ${lift(best!)}, ` +
      `${formatCount(total)} ${tier} listings).`;
    title = `${tier} users show no clear category preference`;
  }
  if (under.length > 0) {
    const u = under[0]!;
    sentence += ` They under-index most on ${categoryOf(u)}: ${lift(u)}.`;
  }
  return {
    title,
    sentence,
    tier,
    overIndexed: over.map(categoryOf),
    underIndexed: under.map(categoryOf),
  };
}
