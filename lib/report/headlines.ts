/**
 * The report's three headline findings, computed from its data by `lib/insights`: the one
 * place that says which sentence answers which headline.
 *
 * @module
 */
import {
  type ActivationInsight,
  activationInsight,
  type AffinityInsight,
  affinityInsight,
  type RegionalInsight,
  regionalInsight,
} from "../insights/mod.ts";
import type { ReportData } from "./types.ts";

/** Options for {@linkcode reportHeadlines}. */
export interface ReportHeadlinesOptions {
  /**
   * Tier whose category affinity is the third headline.
   * @default "Pro"
   */
  focusTier?: string;
}

/** The three headline findings, each with its chart title and sentence. */
export interface ReportHeadlines {
  /** Headline 1: the activation gap between tiers. */
  activation: ActivationInsight;
  /** Headline 2: listing density and eco impact by region. */
  regional: RegionalInsight;
  /** Headline 3: the categories the focus tier over-indexes on. */
  affinity: AffinityInsight;
}

/**
 * The headline findings of a report, in page order.
 *
 * @example
 * ```ts
 * const headlines = reportHeadlines(await collectReportData(wh));
 * headlines.activation.title; // "Basic users start a listing after a session far less often than Pro users"
 * ```
 */
export function reportHeadlines(
  data: ReportData,
  options: ReportHeadlinesOptions = {},
): ReportHeadlines {
  const a = data.activation;
  return {
    activation: activationInsight({
      funnel: a.funnel,
      breakdown: "tier",
      activationStep: a.activationStep,
      windowDays: a.windowDays,
    }),
    regional: regionalInsight({ density: data.regions.density, ecoImpact: data.regions.ecoImpact }),
    affinity: affinityInsight(data.affinity, { tier: options.focusTier ?? "Pro" }),
  };
}
