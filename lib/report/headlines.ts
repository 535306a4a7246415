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
 * import assert from "node:assert/strict";
 * import { runGenerateStage, runLoadStage, runModelsStage } from "../pipeline/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { collectReportData } from "./collect.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const wh = await openDuckDb(":memory:");
 * await runGenerateStage({ out: dir, users: 2000, days: 14 });
 * await runLoadStage(wh, { dir });
 * await runModelsStage(wh, { targetDir: dir });
 *
 * const data = await collectReportData(wh, { truthPath: `${dir}/truth.json` });
 * const headlines = reportHeadlines(data);
 * // the generator's planted effect, found again from the numbers:
 * assert.equal(
 *   headlines.activation.title,
 *   "Basic users start a listing after a session far less often than Pro users",
 * );
 * assert.equal(headlines.activation.separated, true);
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
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
