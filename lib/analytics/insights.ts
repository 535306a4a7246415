/**
 * Sentences computed from result frames, for reports and notebooks. Nothing here is typed in
 * by hand: which tier, region or category comes out on top is read from the numbers, and every
 * rate is given with its interval and denominator.
 *
 * @module
 */
import type { DataFrame } from "nodejs-polars";
import { wilsonInterval } from "./intervals.ts";

type Row = Record<string, unknown>;

const FUNNEL_COLUMNS = new Set([
  "step",
  "label",
  "users",
  "conversion_pct",
  "conversion_ci_low",
  "conversion_ci_high",
  "step_conversion_pct",
  "step_conversion_ci_low",
  "step_conversion_ci_high",
  "median_time_to_convert_s",
  "p90_time_to_convert_s",
]);

/** Formats a count with thousands separators: `5120` → `"5,120"`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Formats a fraction (0–1) or percent as a percent with one decimal: `0.2814` → `"28.1%"`. */
function pct(value: number, isFraction = true): string {
  return `${(isFraction ? value * 100 : value).toFixed(1)}%`;
}

function num(value: number, digits = 1): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** An interval as text: `27.0–29.4`, or `-1.7 to 23.7` when a bound is negative. */
function range(low: number, high: number, digits = 1): string {
  return low < 0 || high < 0
    ? `${num(low, digits)} to ${num(high, digits)}`
    : `${num(low, digits)}–${num(high, digits)}`;
}

function pValue(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p.toFixed(3)}`;
}

function records(frame: DataFrame): Row[] {
  return frame.toRecords() as Row[];
}

function numberOf(row: Row, column: string): number | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  const n = typeof v === "bigint" ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Options for {@linkcode activationGapSentence}. */
export interface ActivationGapOptions {
  /** Breakdown column. @default the first column that is not a funnel output column */
  breakdown?: string;
  /** Step converted from (1-based). @default 1 */
  fromStep?: number;
  /** Step converted to (1-based). @default the last step */
  toStep?: number;
  /** Noun after the breakdown value. @default "users" */
  noun?: string;
}

/**
 * Compares the lowest- and highest-converting breakdown values of a funnel between two steps.
 * The rate is users at `toStep` ÷ users at `fromStep` within each value, with a 95% Wilson
 * interval and `n` = users at `fromStep`; the sentence says whether the intervals overlap.
 *
 * @example
 * ```ts
 * activationGapSentence(funnel(events, { steps, breakdown: "tier" }), { toStep: 3 });
 * // "Basic users convert from session_start to start_listing at 28.1% (95% CI 27.0–29.2%,
 * //  n=5,120) vs 67.3% for Pro users (95% CI 65.9–68.6%, n=4,410): a gap of 39.2
 * //  percentage points; the intervals do not overlap."
 * ```
 */
export function activationGapSentence(
  funnelByGroup: DataFrame,
  options: ActivationGapOptions = {},
): string {
  const breakdown = options.breakdown ??
    funnelByGroup.columns.find((c) => !FUNNEL_COLUMNS.has(c));
  if (!breakdown) {
    throw new TypeError(
      `Cannot write activation gap sentence: the funnel frame has no breakdown column`,
    );
  }
  const noun = options.noun ?? "users";
  const rows = records(funnelByGroup);
  const steps = rows.map((r) => numberOf(r, "step") ?? 0);
  const fromStep = options.fromStep ?? 1;
  const toStep = options.toStep ?? Math.max(0, ...steps);
  const labelOf = (step: number) =>
    String(rows.find((r) => numberOf(r, "step") === step)?.label ?? `step ${step}`);
  const groups = new Map<string, { n: number; k: number }>();
  for (const r of rows) {
    const key = String(r[breakdown] ?? "(none)");
    const g = groups.get(key) ?? { n: 0, k: 0 };
    if (numberOf(r, "step") === fromStep) g.n = numberOf(r, "users") ?? 0;
    if (numberOf(r, "step") === toStep) g.k = numberOf(r, "users") ?? 0;
    groups.set(key, g);
  }
  const rated = [...groups.entries()]
    .filter(([, g]) => g.n > 0)
    .map(([name, g]) => ({ name, ...g, rate: g.k / g.n, ci: wilsonInterval(g.k, g.n) }))
    .sort((a, b) => a.rate - b.rate || a.name.localeCompare(b.name));
  const from = labelOf(fromStep);
  const to = labelOf(toStep);
  if (rated.length === 0) {
    return `No ${noun} reached ${from}, so conversion to ${to} cannot be compared.`;
  }
  const describe = (g: (typeof rated)[number]) =>
    `${pct(g.rate)} (95% CI ${pct(g.ci.low).slice(0, -1)}–${pct(g.ci.high)}, n=${
      formatCount(g.n)
    })`;
  const low = rated[0]!;
  const high = rated[rated.length - 1]!;
  if (rated.length === 1) {
    return `${low.name} ${noun} convert from ${from} to ${to} at ${describe(low)}.`;
  }
  const gap = (high.rate - low.rate) * 100;
  const overlap = low.ci.high >= high.ci.low;
  return `${low.name} ${noun} convert from ${from} to ${to} at ${describe(low)} vs ${
    pct(high.rate)
  } for ${high.name} ${noun} (95% CI ${pct(high.ci.low).slice(0, -1)}–${pct(high.ci.high)}, n=${
    formatCount(high.n)
  }): a gap of ${num(gap)} percentage points; the intervals ${
    overlap ? "overlap, so the gap may be noise" : "do not overlap"
  }.`;
}

/** Options for {@linkcode retentionSentence}. */
export interface RetentionSentenceOptions {
  /** Period to summarise. @default 1 */
  period?: number;
  /** Period unit used in the text. @default inferred from the cohort spacing */
  unit?: "day" | "week" | "month";
  /** Smallest cohort named as best or worst (all complete cohorts enter the pooled rate). @default 30 */
  minCohortSize?: number;
}

/**
 * Summarises one period of a retention table over its complete cohorts: the pooled rate
 * (Σ retained ÷ Σ cohort sizes, 95% Wilson interval) and the best and worst cohorts among
 * those of at least `minCohortSize` users.
 *
 * @example
 * ```ts
 * retentionSentence(retention(events, { period: "week" }), { period: 1 });
 * // "Week-1 retention is 23.4% (95% CI 22.1–24.8%) over 6 complete cohorts (4,210 users);
 * //  best: the cohort of 2026-03-02 at 27.0% (n=700), worst: 2026-04-06 at 19.8% (n=655)."
 * ```
 */
export function retentionSentence(
  table: DataFrame,
  options: RetentionSentenceOptions = {},
): string {
  const period = options.period ?? 1;
  const rows = records(table);
  const unit = options.unit ?? inferUnit(rows);
  const name = `${unit ? unit[0]!.toUpperCase() + unit.slice(1) : "Period"}-${period}`;
  const cells = rows
    .filter((r) => numberOf(r, "period") === period && r.is_complete === true)
    .map((r) => ({
      cohort: isoDate(r.cohort),
      size: numberOf(r, "cohort_size") ?? 0,
      users: numberOf(r, "users") ?? 0,
    }))
    .filter((c) => c.size > 0);
  if (cells.length === 0) {
    return `No complete cohort has reached ${name.toLowerCase()} yet.`;
  }
  const size = cells.reduce((s, c) => s + c.size, 0);
  const users = cells.reduce((s, c) => s + c.users, 0);
  const ci = wilsonInterval(users, size);
  const minSize = options.minCohortSize ?? 30;
  const sorted = cells.filter((c) => c.size >= minSize).sort((a, b) =>
    a.users / a.size - b.users / b.size || a.cohort.localeCompare(b.cohort)
  );
  const head = `${name} retention is ${pct(users / size)} (95% CI ${pct(ci.low).slice(0, -1)}–${
    pct(ci.high)
  }) over ${cells.length} complete cohort${cells.length > 1 ? "s" : ""} (${
    formatCount(size)
  } users)`;
  if (sorted.length < 2) return `${head}.`;
  const worst = sorted[0]!;
  const best = sorted[sorted.length - 1]!;
  return `${head}; best: the cohort of ${best.cohort} at ${pct(best.users / best.size)} (n=${
    formatCount(best.size)
  }), worst: ${worst.cohort} at ${pct(worst.users / worst.size)} (n=${formatCount(worst.size)}).`;
}

function isoDate(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

function inferUnit(rows: Row[]): "day" | "week" | "month" | null {
  const days = [...new Set(rows.map((r) => isoDate(r.cohort)))]
    .map((d) => Date.parse(`${d}T00:00:00Z`) / 86_400_000)
    .filter((d) => Number.isFinite(d))
    .sort((a, b) => a - b);
  if (days.length < 2) return null;
  const gap = Math.min(...days.slice(1).map((d, i) => d - days[i]!));
  if (gap === 1) return "day";
  if (gap === 7) return "week";
  if (gap >= 28 && gap <= 31) return "month";
  return null;
}

/**
 * Names the regions with the highest and lowest listings per 1,000 active users (among regions
 * with active users), with intervals and denominators, from {@linkcode regionalDensity} output.
 *
 * @example
 * ```ts
 * densitySentence(regionalDensity(listings, events));
 * // "EMEA has the most listings per 1,000 active users: 412.3 (95% CI 398.1–426.9; 5,120
 * //  listings / 12,417 users), 1.8× LATAM at 229.0 (95% CI 215.2–243.4; 1,050 / 4,585)."
 * ```
 */
export function densitySentence(density: DataFrame, options: { region?: string } = {}): string {
  const region = options.region ?? "region";
  const rows = records(density)
    .filter((r) => (numberOf(r, "n_active_users") ?? 0) > 0)
    .map((r) => ({
      name: String(r[region] ?? "(none)"),
      rate: numberOf(r, "listings_per_1000_users") ?? 0,
      low: numberOf(r, "listings_per_1000_users_ci_low") ?? NaN,
      high: numberOf(r, "listings_per_1000_users_ci_high") ?? NaN,
      listings: numberOf(r, "n_listings") ?? 0,
      users: numberOf(r, "n_active_users") ?? 0,
    }))
    .sort((a, b) => b.rate - a.rate || a.name.localeCompare(b.name));
  if (rows.length === 0) return "No region has active users, so listing density is undefined.";
  const top = rows[0]!;
  const head = `${top.name} has the most listings per 1,000 active users: ${
    num(top.rate)
  } (95% CI ${num(top.low)}–${num(top.high)}; ${formatCount(top.listings)} listings / ${
    formatCount(top.users)
  } users)`;
  if (rows.length === 1) return `${head}.`;
  const bottom = rows[rows.length - 1]!;
  const ratio = bottom.rate > 0 ? `${num(top.rate / bottom.rate)}× ` : "against ";
  return `${head}, ${ratio}${bottom.name} at ${num(bottom.rate)} (95% CI ${num(bottom.low)}–${
    num(bottom.high)
  }; ${formatCount(bottom.listings)} / ${formatCount(bottom.users)}).`;
}

/**
 * Names the regions with the highest and lowest mean eco score per listing, from
 * {@linkcode ecoImpactByRegion} output (regions with at least one scored listing).
 *
 * @example
 * ```ts
 * ecoImpactSentence(ecoImpactByRegion(listings));
 * // "Listings in APAC avoid the most CO2e: 38.2 kg on average (95% CI 36.9–39.5, n=2,311),
 * //  vs 21.7 kg in NA (95% CI 20.8–22.6, n=3,020)."
 * ```
 */
export function ecoImpactSentence(impact: DataFrame, options: { region?: string } = {}): string {
  const region = options.region ?? "region";
  const rows = records(impact)
    .filter((r) => (numberOf(r, "n_listings") ?? 0) > 0)
    .map((r) => ({
      name: String(r[region] ?? "(none)"),
      mean: numberOf(r, "mean_eco_score_kg_co2e") ?? 0,
      low: numberOf(r, "mean_ci_low_kg_co2e"),
      high: numberOf(r, "mean_ci_high_kg_co2e"),
      n: numberOf(r, "n_listings") ?? 0,
    }))
    .sort((a, b) => b.mean - a.mean || a.name.localeCompare(b.name));
  if (rows.length === 0) return "No region has scored listings, so eco impact is undefined.";
  const describe = (r: (typeof rows)[number]) =>
    r.low === null || r.high === null
      ? `n=${formatCount(r.n)}, too few for an interval`
      : `95% CI ${range(r.low, r.high)}, n=${formatCount(r.n)}`;
  const top = rows[0]!;
  const head = `Listings in ${top.name} avoid the most CO2e: ${num(top.mean)} kg on average (${
    describe(top)
  })`;
  if (rows.length === 1) return `${head}.`;
  const bottom = rows[rows.length - 1]!;
  return `${head}, vs ${num(bottom.mean)} kg in ${bottom.name} (${describe(bottom)}).`;
}

/** Options for {@linkcode affinitySentence}. */
export interface AffinitySentenceOptions {
  /** Group column. @default "tier" */
  by?: string;
  /** Category column. @default "category" */
  category?: string;
  /** Smallest cell count considered. @default 30 */
  minN?: number;
}

/**
 * Names the strongest over-representation in a {@linkcode categoryAffinity} result: the
 * (group, category) cell with the highest lift among cells with `n ≥ minN`, with the shares,
 * the lift's interval and the test's p-value.
 *
 * @example
 * ```ts
 * affinitySentence(categoryAffinity(listings));
 * // "Enterprise users list Batteries 2.31× as often as everyone (24.0% of their 1,300
 * //  listings vs 10.4% overall; lift 95% CI 2.05–2.60, p < 0.001)."
 * ```
 */
export function affinitySentence(
  affinity: DataFrame,
  options: AffinitySentenceOptions = {},
): string {
  const by = options.by ?? "tier";
  const category = options.category ?? "category";
  const minN = options.minN ?? 30;
  const cells = records(affinity)
    .filter((r) => (numberOf(r, "n") ?? 0) >= minN && numberOf(r, "lift") !== null)
    .sort((a, b) =>
      numberOf(b, "lift")! - numberOf(a, "lift")! ||
      String(a[by]).localeCompare(String(b[by])) ||
      String(a[category]).localeCompare(String(b[category]))
    );
  if (cells.length === 0) {
    return `No ${by} × ${category} cell has at least ${formatCount(minN)} listings to compare.`;
  }
  const top = cells[0]!;
  const lift = numberOf(top, "lift")!;
  const low = numberOf(top, "lift_ci_low");
  const high = numberOf(top, "lift_ci_high");
  const p = numberOf(top, "p_value");
  const extras = [
    low !== null && high !== null ? `lift 95% CI ${num(low, 2)}–${num(high, 2)}` : null,
    p !== null ? pValue(p) : null,
  ].filter((x) => x !== null).join(", ");
  return `${top[by]} users list ${top[category]} ${num(lift, 2)}× as often as everyone (${
    pct(numberOf(top, "share") ?? 0)
  } of their ${formatCount(numberOf(top, "group_total") ?? 0)} listings vs ${
    pct(numberOf(top, "overall_share") ?? 0)
  } overall${extras ? `; ${extras}` : ""}).`;
}
