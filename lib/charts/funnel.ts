/**
 * Funnel conversion chart: grouped bars per breakdown value with 95% CI error bars.
 *
 * @module
 */
import type { FunnelRow } from "../analytics/mod.ts";
import { formatNumber, formatPercent } from "../format/mod.ts";
import { type ChartInput, columnsOf, orderedKeys, plotlyText } from "./_frame.ts";
import { axis, baseLayout, colorMap, HOVER_TEMPLATE } from "./theme.ts";
import type { Figure, Layout, Trace } from "./types.ts";

/** Column names read by {@linkcode funnelChart}; the defaults are `funnel()`'s. */
export interface FunnelColumns {
  /** Step number, 1-based or 0-based; sorted ascending. @default "step" */
  step: string;
  /** Step label shown on the x axis. @default "label" */
  label: string;
  /** Users who reached the step. @default "users" */
  users: string;
  /** Users reaching the step as % of the group's first step. @default "conversion_pct" */
  conversion: string;
  /** Lower bound of the 95% interval of `conversion`, in %. @default "conversion_ci_low" */
  ciLow: string;
  /** Upper bound of the 95% interval of `conversion`, in %. @default "conversion_ci_high" */
  ciHigh: string;
  /** Users reaching the step as % of the previous step. @default "step_conversion_pct" */
  stepConversion: string;
}

/** Options for {@linkcode funnelChart}. */
export interface FunnelChartOptions {
  /** Title stating the finding. @default "Funnel conversion" */
  title?: string;
  /** Line under the title. @default "Share of users reaching each step; bars show 95% intervals" */
  subtitle?: string;
  /**
   * Breakdown column (one bar colour per value, e.g. `"tier"`); `null` for one series.
   * @default "breakdown" when the frame has that column, else none
   */
  by?: string | null;
  /** Legend title. @default the `by` column name */
  legendTitle?: string;
  /** Breakdown values to put first, in this order (e.g. `["Basic", "Pro", "Enterprise"]`). @default first-seen order */
  order?: readonly string[];
  /** Fixed colours by breakdown value. @default palette in `order` */
  colors?: Readonly<Record<string, string>>;
  /** Column name overrides. @default see {@linkcode FunnelColumns} */
  columns?: Partial<FunnelColumns>;
  /** Height in pixels. @default 440 */
  height?: number;
}

const DEFAULT_COLUMNS = {
  step: "step",
  label: "label",
  users: "users",
  conversion: "conversion_pct",
  ciLow: "conversion_ci_low",
  ciHigh: "conversion_ci_high",
  stepConversion: "step_conversion_pct",
} as const satisfies FunnelColumns & Record<string, keyof FunnelRow>;

/**
 * Funnel chart: for each breakdown value one bar trace, bar height = `conversion_pct`
 * (share of that group's first-step users reaching the step), asymmetric error bars from
 * the CI columns, and hover text with exact users and both denominators (first step and
 * previous step).
 *
 * Input: one row per (breakdown?, step) with the columns in {@linkcode FunnelColumns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({
 *   tier: ["Pro", "Pro"],
 *   step: [1, 2],
 *   label: ["Session", "Publish"],
 *   users: [200, 50],
 *   conversion_pct: [100, 25],
 *   conversion_ci_low: [98.1, 19.5],
 *   conversion_ci_high: [100, 31.4],
 *   step_conversion_pct: [null, 25],
 * });
 * const fig = funnelChart(frame, { by: "tier", title: "A quarter of Pro users publish" });
 * assert.deepEqual(fig.data[0]?.y, [100, 25]);
 * ```
 */
export function funnelChart(frame: ChartInput, options: FunnelChartOptions = {}): Figure {
  const cols = { ...DEFAULT_COLUMNS, ...options.columns };
  const c = columnsOf(frame, "funnel chart");
  const by = options.by === undefined ? (c.has("breakdown") ? "breakdown" : null) : options.by;
  const groups = by === null ? new Array<string>(c.height).fill("All users") : c.labels(by);
  const steps = c.numbers(cols.step);
  const labels = c.labels(cols.label);
  const users = c.numbers(cols.users);
  const conv = c.numbers(cols.conversion);
  const low = c.numbers(cols.ciLow);
  const high = c.numbers(cols.ciHigh);
  const stepConv = c.numbers(cols.stepConversion);

  const keys = orderedKeys(groups, options.order);
  const colors = colorMap(keys, options.colors);
  // Category order on the x axis: labels by ascending step over all groups.
  const rowsByStep = [...Array(c.height).keys()].sort((a, b) => (steps[a] ?? 0) - (steps[b] ?? 0));
  const categories = orderedKeys(rowsByStep.map((i) => plotlyText(labels[i] ?? "")));

  let yMax = 100;
  const data: Trace[] = keys.map((key) => {
    const rows = rowsByStep.filter((i) => groups[i] === key);
    const first = rows[0];
    const startUsers = first === undefined ? null : users[first] ?? null;
    const startLabel = first === undefined ? "" : plotlyText(labels[first] ?? "");
    const x: string[] = [];
    const y: (number | null)[] = [];
    const plus: number[] = [];
    const minus: number[] = [];
    const hover: string[] = [];
    const text: string[] = [];
    rows.forEach((i, pos) => {
      const value = conv[i] ?? null;
      const lo = low[i] ?? null;
      const hi = high[i] ?? null;
      const n = users[i] ?? null;
      const prevRow = pos > 0 ? rows[pos - 1] : undefined;
      const prevUsers = prevRow === undefined ? null : users[prevRow] ?? null;
      const label = plotlyText(labels[i] ?? "");
      x.push(label);
      y.push(value);
      plus.push(value !== null && hi !== null ? Math.max(0, hi - value) : 0);
      minus.push(value !== null && lo !== null ? Math.max(0, value - lo) : 0);
      if (hi !== null) yMax = Math.max(yMax, hi);
      text.push(value === null ? "" : formatPercent(value, 0));
      const lines = [
        `<b>${plotlyText(key)}</b> · ${label}`,
        `${_count(n)} of ${_count(startUsers)} users at “${startLabel}” (${_pct(value)})`,
        `95% CI: ${lo === null || hi === null ? "n/a" : `${_pct(lo)} – ${_pct(hi)}`}`,
      ];
      lines.push(
        pos === 0
          ? "First step"
          : `From previous step: ${_count(n)} of ${_count(prevUsers)} (${
            _pct(stepConv[i] ?? null)
          })`,
      );
      hover.push(lines.join("<br>"));
    });
    const color = colors.get(key);
    return {
      type: "bar",
      name: plotlyText(key),
      x,
      y,
      text,
      textposition: "inside",
      insidetextanchor: "start",
      textangle: 0,
      marker: { color, line: { width: 0 } },
      error_y: {
        type: "data",
        symmetric: false,
        array: plus,
        arrayminus: minus,
        thickness: 1.5,
        width: 4,
        color: "rgba(128, 128, 128, 0.9)",
      },
      customdata: hover,
      hovertemplate: HOVER_TEMPLATE,
    };
  });

  const layout: Layout = {
    ...baseLayout({
      title: options.title ?? "Funnel conversion",
      subtitle: options.subtitle ?? "Share of users reaching each step; bars show 95% intervals",
      height: options.height ?? 440,
    }),
    barmode: "group",
    bargap: 0.2,
    showlegend: keys.length > 1,
    xaxis: axis("Funnel step", {
      showgrid: false,
      type: "category",
      categoryorder: "array",
      categoryarray: categories,
    }),
    yaxis: axis("Users reaching step (% of first step)", {
      ticksuffix: "%",
      range: [0, Math.ceil(yMax * 1.05)],
    }),
  };
  if (by !== null && keys.length > 1) {
    (layout.legend as Record<string, unknown>).title = {
      text: plotlyText(options.legendTitle ?? by),
    };
  }
  return { data, layout };
}

function _count(n: number | null): string {
  return n === null ? "n/a" : formatNumber(n);
}

function _pct(n: number | null): string {
  return n === null ? "n/a" : formatPercent(n, 1);
}
