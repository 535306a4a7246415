/**
 * Sentences computed from metric rows, for the report and the notebooks alike. Nothing here
 * is typed in by hand: which tier, region or category comes out on top is read from the
 * numbers, and every rate is quoted with its 95% interval and its denominator. Inputs are
 * `lib/analytics` results, as frames or as rows, under the column names analytics gives them.
 * Sentences are plain text; pages escape them like any other data.
 *
 * ```ts
 * import { activationInsight, regionalInsight, retentionSentence } from "../insights/mod.ts";
 *
 * const byTier = funnel(events, { steps, window: { value: 14, unit: "day" }, breakdown: "tier" });
 * activationInsight({ funnel: byTier, activationStep: "start_listing", windowDays: 14 }).sentence;
 * // "Basic users start a listing after a session far less often than Pro users: 25.7% …"
 * regionalInsight({ density: regionalDensity(listings, active), ecoImpact: ecoImpactByRegion(listings) });
 * retentionSentence(retention(days, { period: "week" }));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./activation.ts";
export * from "./retention.ts";
export * from "./activity.ts";
export * from "./regional.ts";
export * from "./affinity.ts";
export * from "./health.ts";
