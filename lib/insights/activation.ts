/**
 * The activation gap: which group (tier) reaches a funnel step least often, against the one
 * that reaches it most often, from `funnel()`'s rows.
 *
 * @module
 */
import {
  FUNNEL_COLUMNS,
  type FunnelRow,
  keyColumnOf,
  type MetricInput,
  metricRows,
} from "../analytics/mod.ts";
import { formatCount, formatInterval, formatNumber, formatPercent } from "../format/mod.ts";
import type { Insight } from "./types.ts";

/** What {@linkcode activationInsight} reads. */
export interface ActivationInput {
  /** `funnel()`'s result (frame or rows) with a breakdown column, e.g. `tier`. */
  funnel: MetricInput<FunnelRow>;
  /**
   * The breakdown column.
   * @default the first column that is not one of `FUNNEL_COLUMNS`
   */
  breakdown?: string;
  /**
   * Label of the step whose conversion counts as activation (e.g. `"start_listing"`).
   * @default the last step
   */
  activationStep?: string;
  /**
   * The funnel's conversion window in days, quoted as "within N days".
   * @default not quoted
   */
  windowDays?: number | null;
}

/** One group's activation, as quoted in the sentence. */
export interface ActivationGroup {
  /** Breakdown value, e.g. `"Basic"`. */
  name: string;
  /** Conversion from step 1 to the activation step, in % (`conversion_pct`). */
  pct: number;
  /** Lower bound of its 95% interval, in %. */
  low: number | null;
  /** Upper bound of its 95% interval, in %. */
  high: number | null;
  /** Users of the group who reached the activation step. */
  users: number;
  /** Users of the group at step 1 (the denominator). */
  n: number;
}

/** Headline: the activation gap between groups. */
export interface ActivationInsight extends Insight {
  /** Group with the lowest activation, or null when there is no data. */
  lowest: string | null;
  /** Group with the highest activation, or null when there is no data. */
  highest: string | null;
  /** Activation of each group, with its interval and denominator, lowest first. */
  groups: ActivationGroup[];
  /** True when the lowest and highest groups' 95% intervals do not overlap. */
  separated: boolean;
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

/**
 * Which group activates least after step 1, against the group that activates most: each
 * group's `conversion_pct` at the activation step (share of its step-1 users) with its 95%
 * Wilson interval and n = step-1 users, whether the two intervals overlap, and how many
 * times as often the top group converts. Groups in between are quoted at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // funnel(events, { steps: ["session_start", "start_listing"], breakdown: "tier" }), abridged
 * const byTier = pl.DataFrame({
 *   tier: ["Basic", "Basic", "Pro", "Pro"],
 *   step: [1, 2, 1, 2],
 *   label: ["session_start", "start_listing", "session_start", "start_listing"],
 *   users: [400, 100, 200, 120],
 *   conversion_pct: [100, 25, 100, 60],
 *   conversion_ci_low: [99.0, 21.0, 98.1, 53.1],
 *   conversion_ci_high: [100, 29.4, 100, 66.5],
 * });
 * const insight = activationInsight({ funnel: byTier, activationStep: "start_listing", windowDays: 14 });
 * assert.equal(insight.lowest, "Basic");
 * assert.equal(
 *   insight.sentence,
 *   "Basic users start a listing after a session far less often than Pro users: " +
 *     "25.0% (95% CI 21.0–29.4%, n=400) vs 60.0% (95% CI 53.1–66.5%, n=200) within 14 days, " +
 *     "so Pro users do so 2.4× as often; the 95% intervals do not overlap.",
 * );
 * ```
 */
export function activationInsight(input: ActivationInput): ActivationInsight {
  const rows = metricRows<FunnelRow>(input.funnel);
  const breakdown = input.breakdown ?? keyColumnOf(input.funnel, FUNNEL_COLUMNS);
  const labels = new Map<number, string>();
  for (const row of rows) if (!labels.has(row.step)) labels.set(row.step, row.label);
  const lastStep = Math.max(0, ...labels.keys());
  const target = input.activationStep ?? labels.get(lastStep) ?? "";
  const stepIndex = [...labels.entries()].find(([, label]) => label === target)?.[0];
  if (rows.length > 0 && stepIndex === undefined) {
    throw new RangeError(
      `Cannot describe activation: step "${target}" is not in the funnel (steps: ${
        [...labels.values()].join(", ")
      })`,
    );
  }
  const first = labels.get(1) ?? "session_start";
  const verb = _verb(target);
  const after = AFTER[first] ?? `“${first}”`;
  const unit = breakdown ?? "group";

  const byGroup = new Map<string, FunnelRow[]>();
  for (const row of rows) {
    const key = breakdown === null
      ? "All"
      : String((row as Record<string, unknown>)[breakdown] ?? "(none)");
    const list = byGroup.get(key) ?? [];
    list.push(row);
    byGroup.set(key, list);
  }
  const groups = [...byGroup.entries()].flatMap(([name, list]): ActivationGroup[] => {
    const start = list.find((r) => r.step === 1);
    const reached = list.find((r) => r.step === stepIndex);
    if (!start || !reached || start.users === 0) return [];
    return [{
      name,
      pct: reached.conversion_pct,
      low: reached.conversion_ci_low,
      high: reached.conversion_ci_high,
      users: reached.users,
      n: start.users,
    }];
  }).sort((a, b) => a.pct - b.pct || a.name.localeCompare(b.name));

  const interval = (g: ActivationGroup) => formatInterval(g.low, g.high, { unit: "%" });
  const low = groups[0];
  const high = groups[groups.length - 1];
  if (!low || !high || groups.length < 2) {
    const only = low
      ? `${low.name} users ${verb} after ${after} in ${formatPercent(low.pct)} of cases ` +
        `(95% CI ${interval(low)}, n=${formatCount(low.n)}); there is no other ${unit} to ` +
        `compare with.`
      : `No user started a session, so activation cannot be measured.`;
    return {
      title: `Activation by ${unit}`,
      sentence: only,
      lowest: low?.name ?? null,
      highest: high?.name ?? null,
      groups,
      separated: false,
    };
  }
  const separated = low.high !== null && high.low !== null && low.high < high.low;
  const ratio = low.pct > 0 ? high.pct / low.pct : Infinity;
  const quote = (g: ActivationGroup) =>
    `${formatPercent(g.pct)} (95% CI ${interval(g)}, n=${formatCount(g.n)})`;
  const others = groups.slice(1, -1).map((g) => `${g.name}: ${quote(g)}`);
  const middle = others.length > 0 ? ` ${others.join("; ")}.` : "";
  const window = input.windowDays ? ` within ${input.windowDays} days` : "";
  let sentence: string;
  let title: string;
  if (separated) {
    const degree = ratio >= 1.5 ? "far less often" : "less often";
    const times = Number.isFinite(ratio)
      ? `, so ${high.name} users do so ${formatNumber(ratio, 1)}× as often`
      : "";
    sentence = `${low.name} users ${verb} after ${after} ${degree} than ${high.name} users: ` +
      `${quote(low)} vs ${quote(high)}${window}${times}; the 95% intervals do not overlap.` +
      middle;
    title = `${low.name} users ${verb} after ${after} ${degree} than ${high.name} users`;
  } else {
    sentence = `${low.name} and ${high.name} users ${verb} after ${after} about as often: ` +
      `${quote(low)} vs ${quote(high)}${window}; the 95% intervals overlap, so the gap is ` +
      `not clear at this sample size.${middle}`;
    title = `No clear activation gap between ${low.name} and ${high.name} users`;
  }
  return { title, sentence, lowest: low.name, highest: high.name, groups, separated };
}
