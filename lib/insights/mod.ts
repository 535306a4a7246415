/**
 * Sentences computed from metric rows, for the report and the notebooks alike. Nothing here
 * is typed in by hand: which tier, region or category comes out on top is read from the
 * numbers, and every rate is quoted with its 95% interval and its denominator. Inputs are
 * `lib/analytics` results, as frames or as rows, under the column names analytics gives them.
 * Sentences are plain text; pages escape them like any other data.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { funnel, retention } from "../analytics/mod.ts";
 * import { activationInsight, retentionSentence } from "./mod.ts";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-02T10:00Z"), tier: "Pro" },
 *   { user_id: "a", event: "start_listing", ts: new Date("2026-03-03T10:00Z"), tier: "Pro" },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-02T11:00Z"), tier: "Basic" },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-10T11:00Z"), tier: "Basic" },
 * ]);
 * const steps = ["session_start", "start_listing"];
 * const byTier = funnel(events, { steps, window: { value: 14, unit: "day" }, breakdown: "tier" });
 * const activation = activationInsight({ funnel: byTier, activationStep: "start_listing" });
 * // one user per tier: the intervals overlap, and the sentence says so
 * assert.equal(activation.title, "No clear activation gap between Basic and Pro users");
 *
 * const to = new Date("2026-03-16T00:00Z"); // week 1 of the 2 March cohort is complete
 * const weekly = retention(events, { targetEvent: "session_start", intervals: 2, to });
 * const sentence = retentionSentence(weekly, { unit: "week" });
 * assert.match(sentence, /^Pooled over cohorts whose week is complete, 50\.0% \(95% CI 9\.5–90\.5%/);
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
export * from "./paths.ts";
