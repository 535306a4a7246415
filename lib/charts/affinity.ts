/**
 * Tier × category affinity heatmap: lift on a diverging scale centred at 1.
 *
 * @module
 */
import type { CategoryAffinityRow } from "../analytics/mod.ts";
import { formatNumber, formatPercent } from "../format/mod.ts";
import { type ChartInput, columnsOf, orderedKeys, plotlyText } from "./_frame.ts";
import { axis, baseLayout, DIVERGING_SCALE, HOVER_TEMPLATE } from "./theme.ts";
import type { Figure } from "./types.ts";

/** Column names read by {@linkcode affinityHeatmap}; the defaults are `categoryAffinity()`'s. */
export interface AffinityColumns {
  /** Row key (y axis). @default "tier" */
  row: string;
  /** Column key (x axis). @default "category" */
  column: string;
  /** Share in the row ÷ overall share; 1 = no affinity. @default "lift" */
  lift: string;
  /** The category's share of the row's items. @default "share" */
  share: string;
  /** The category's share of all items. @default "overall_share" */
  overallShare: string;
  /** Items in the cell. @default "n" */
  n: string;
  /** Items in the row (the share's denominator); optional. @default "group_total" */
  rowTotal: string;
}

/** Options for {@linkcode affinityHeatmap}. */
export interface AffinityHeatmapOptions {
  /** Title stating the finding. @default "Category affinity by tier" */
  title?: string;
  /** Line under the title. @default "Lift = share in tier ÷ overall share; 1 = no affinity" */
  subtitle?: string;
  /** Row axis title. @default "Tier" */
  rowLabel?: string;
  /** Column axis title. @default "Category" */
  columnLabel?: string;
  /** What the counted items are, for hover ("12 listings"). @default "listings" */
  itemLabel?: string;
  /**
   * Units of the share columns: `"fraction"` (0–1) or `"percent"` (0–100).
   * @default "percent" when the share column name ends in `_pct`, else "fraction"
   */
  shareUnit?: "fraction" | "percent";
  /** Row keys to put first, in this order (e.g. tiers). @default first-seen order */
  rowOrder?: readonly string[];
  /** Column keys to put first, in this order. @default first-seen order */
  columnOrder?: readonly string[];
  /** Column name overrides. @default see {@linkcode AffinityColumns} */
  columns?: Partial<AffinityColumns>;
  /** Height in pixels. @default 140 + 48 per row, at least 320 */
  height?: number;
}

const METRIC_COLUMNS = {
  lift: "lift",
  share: "share",
  overallShare: "overall_share",
  n: "n",
  rowTotal: "group_total",
} as const satisfies Record<string, keyof CategoryAffinityRow>;

const DEFAULT_COLUMNS: AffinityColumns = { row: "tier", column: "category", ...METRIC_COLUMNS };

/**
 * Heatmap of lift per (row, column), e.g. tier × category. The colour scale is diverging
 * and centred at 1 (`zmid: 1`): blue below, vermillion above, grey for no affinity. Cells
 * show the lift (`1.25×`); hover shows the row share, the overall share and `n` (with the
 * row total when present).
 *
 * Input: `categoryAffinity()`'s rows or frame: one row per (row, column) with the columns in
 * {@linkcode AffinityColumns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = affinityHeatmap([
 *   { tier: "Pro", category: "Metals", lift: 1.5, share: 0.3, overall_share: 0.2, n: 30 },
 *   { tier: "Basic", category: "Metals", lift: 0.8, share: 0.16, overall_share: 0.2, n: 16 },
 * ], { title: "Pro sellers over-index on metals" });
 * assert.equal(fig.data[0]?.zmid, 1); // lift 1 (no affinity) is the neutral colour
 * assert.deepEqual(fig.data[0]?.z, [[1.5], [0.8]]); // rows in input order
 * ```
 */
export function affinityHeatmap(frame: ChartInput, options: AffinityHeatmapOptions = {}): Figure {
  const cols = { ...DEFAULT_COLUMNS, ...options.columns };
  const c = columnsOf(frame, "affinity heatmap");
  const rows = c.labels(cols.row);
  const columns = c.labels(cols.column);
  const lift = c.numbers(cols.lift);
  const share = c.numbers(cols.share);
  const overall = c.numbers(cols.overallShare);
  const n = c.numbers(cols.n);
  const rowTotal = c.has(cols.rowTotal) ? c.numbers(cols.rowTotal) : null;
  const unit = options.shareUnit ?? (cols.share.endsWith("_pct") ? "percent" : "fraction");
  const asPct = (v: number | null | undefined) =>
    v === null || v === undefined ? "n/a" : formatPercent(unit === "fraction" ? v * 100 : v, 1);
  const items = plotlyText(options.itemLabel ?? "listings");

  const rowKeys = orderedKeys(rows, options.rowOrder);
  const colKeys = orderedKeys(columns, options.columnOrder);
  const rowOf = new Map(rowKeys.map((k, i) => [k, i]));
  const colOf = new Map(colKeys.map((k, i) => [k, i]));
  const z: (number | null)[][] = rowKeys.map(() => colKeys.map(() => null));
  const text: string[][] = rowKeys.map(() => colKeys.map(() => ""));
  const hover: string[][] = rowKeys.map(() => colKeys.map(() => ""));
  let spread = 0;

  for (let i = 0; i < c.height; i++) {
    const r = rowOf.get(rows[i] ?? "");
    const k = colOf.get(columns[i] ?? "");
    if (r === undefined || k === undefined) continue;
    const value = lift[i] ?? null;
    z[r]![k] = value;
    if (value !== null) spread = Math.max(spread, Math.abs(value - 1));
    text[r]![k] = value === null ? "" : `${formatNumber(value, 2)}×`;
    const count = n[i] ?? null;
    const total = rowTotal ? rowTotal[i] ?? null : null;
    const rowName = plotlyText(rows[i] ?? "");
    hover[r]![k] = [
      `<b>${rowName} × ${plotlyText(columns[i] ?? "")}</b>`,
      `Lift: ${value === null ? "n/a" : `${formatNumber(value, 2)}×`}`,
      `Share in ${rowName}: ${asPct(share[i])} vs ${asPct(overall[i])} overall`,
      `n = ${count === null ? "n/a" : formatNumber(count)}${
        total === null ? "" : ` of ${formatNumber(total)}`
      } ${items}`,
    ].join("<br>");
  }
  // Symmetric range around 1 so equal distances read as equal colour steps.
  spread = spread || 0.5;

  return {
    data: [{
      type: "heatmap",
      name: "Lift",
      x: colKeys.map(plotlyText),
      y: rowKeys.map(plotlyText),
      z,
      text,
      texttemplate: "%{text}",
      customdata: hover,
      hovertemplate: HOVER_TEMPLATE,
      colorscale: DIVERGING_SCALE,
      zmid: 1,
      zmin: 1 - spread,
      zmax: 1 + spread,
      xgap: 2,
      ygap: 2,
      hoverongaps: false,
      colorbar: { title: { text: "Lift" }, ticksuffix: "×", outlinewidth: 0 },
    }],
    layout: {
      ...baseLayout({
        title: options.title ?? "Category affinity by tier",
        subtitle: options.subtitle ?? "Lift = share in tier ÷ overall share; 1 = no affinity",
        height: options.height ?? Math.max(320, 140 + 48 * rowKeys.length),
      }),
      xaxis: axis(options.columnLabel ?? "Category", { type: "category", showgrid: false }),
      yaxis: axis(options.rowLabel ?? "Tier", {
        type: "category",
        autorange: "reversed",
        showgrid: false,
      }),
    },
  };
}
