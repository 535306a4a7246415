/**
 * Rolling-average lines, one per group, over faint daily markers.
 *
 * @module
 */
import type { RollingAverageRow } from "../analytics/mod.ts";
import { formatNumber } from "../format/mod.ts";
import { type ChartInput, columnsOf, numberOf, orderedKeys, plotlyText } from "./_frame.ts";
import { axis, baseLayout, colorMap, HOVER_TEMPLATE } from "./theme.ts";
import type { Figure, Trace } from "./types.ts";

/** Column names read by {@linkcode rollingLines}; the defaults are `rollingAverage()`'s. */
export interface RollingColumns {
  /** Day (date or datetime). @default "date" */
  date: string;
  /** Daily value. @default "value" */
  value: string;
  /** Rolling mean of `value`. @default "rolling_mean" */
  rolling: string;
  /**
   * Optional denominator shown in hover (e.g. "n_users" when `value` is a rate).
   * @default none
   */
  denominator?: string;
}

const DEFAULT_COLUMNS = {
  date: "date",
  value: "value",
  rolling: "rolling_mean",
} as const satisfies RollingColumns & Record<string, keyof RollingAverageRow>;

/** Options for {@linkcode rollingLines}. */
export interface RollingLinesOptions {
  /** Group column: one line per value (e.g. `"region"`). @default "group" */
  by?: string;
  /** Title stating the finding. @default "Daily trend" */
  title?: string;
  /** Line under the title. @default "Lines: {rollingLabel}; dots: daily values" */
  subtitle?: string;
  /** Y axis title with unit. @default "Value" */
  valueLabel?: string;
  /** What the line is. @default "7-day mean" */
  rollingLabel?: string;
  /** Decimals of the rolling mean in hover. @default 1 */
  decimals?: number;
  /** Draw faint daily markers behind the lines. @default true */
  showDaily?: boolean;
  /** Groups to put first, in this order. @default first-seen order */
  order?: readonly string[];
  /** Fixed colours by group. @default palette in `order` */
  colors?: Readonly<Record<string, string>>;
  /** Column name overrides. @default see {@linkcode RollingColumns} */
  columns?: Partial<RollingColumns>;
  /** Height in pixels. @default 420 */
  height?: number;
}

/**
 * Line chart of a rolling mean per group. For each group a `lines` trace named after the
 * group (hover: rolling mean and the day's value) and, unless `showDaily` is false, a
 * faint `markers` trace of the daily values in the same colour, without its own legend
 * entry. Marker traces come first so lines draw on top.
 *
 * Input: one row per (group, day) with the columns in {@linkcode RollingColumns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = rollingLines([
 *   { date: new Date("2026-03-01"), region: "NA", value: 10, rolling_mean: 10 },
 *   { date: new Date("2026-03-02"), region: "NA", value: 14, rolling_mean: 12 },
 * ], { by: "region", valueLabel: "Active users per day", title: "NA is growing" });
 * assert.equal(fig.data.filter((t) => t.mode === "lines").length, 1);
 * ```
 */
export function rollingLines(frame: ChartInput, options: RollingLinesOptions = {}): Figure {
  const cols: RollingColumns = { ...DEFAULT_COLUMNS, ...options.columns };
  const by = options.by ?? "group";
  const c = columnsOf(frame, "rolling lines chart");
  const groups = c.labels(by);
  const dates = c.values(cols.date);
  const times = dates.map(numberOf);
  const values = c.numbers(cols.value);
  const rolling = c.numbers(cols.rolling);
  const denominators = cols.denominator ? c.numbers(cols.denominator) : null;
  const rollingLabel = options.rollingLabel ?? "7-day mean";
  const decimals = options.decimals ?? 1;
  const showDaily = options.showDaily ?? true;

  const keys = orderedKeys(groups, options.order);
  const colors = colorMap(keys, options.colors);
  const rowsOf = new Map<string, number[]>(keys.map((k) => [k, []]));
  groups.forEach((g, i) => rowsOf.get(g)?.push(i));

  const markers: Trace[] = [];
  const lines: Trace[] = [];
  for (const key of keys) {
    const rows = (rowsOf.get(key) ?? []).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0));
    const name = plotlyText(key);
    const x = rows.map((i) => _plotlyDate(dates[i]));
    const hoverOf = (i: number, withMean: boolean): string => {
      const parts = [`<b>${name}</b> · ${_dayLabel(dates[i])}`];
      if (withMean) parts.push(`${rollingLabel}: ${_num(rolling[i] ?? null, decimals)}`);
      let daily = `Daily: ${_num(values[i] ?? null, _decimalsOf(values))}`;
      if (denominators) daily += ` (of ${_num(denominators[i] ?? null, 0)})`;
      parts.push(daily);
      return parts.join("<br>");
    };
    const color = colors.get(key);
    if (showDaily) {
      markers.push({
        type: "scatter",
        mode: "markers",
        name,
        legendgroup: name,
        showlegend: false,
        x,
        y: rows.map((i) => values[i] ?? null),
        marker: { color, size: 5, opacity: 0.3 },
        customdata: rows.map((i) => hoverOf(i, false)),
        hovertemplate: HOVER_TEMPLATE,
      });
    }
    lines.push({
      type: "scatter",
      mode: "lines",
      name,
      legendgroup: name,
      x,
      y: rows.map((i) => rolling[i] ?? null),
      line: { color, width: 2.5 },
      customdata: rows.map((i) => hoverOf(i, true)),
      hovertemplate: HOVER_TEMPLATE,
    });
  }

  const layout = {
    ...baseLayout({
      title: options.title ?? "Daily trend",
      subtitle: options.subtitle ??
        (showDaily ? `Lines: ${rollingLabel}; dots: daily values` : `Lines: ${rollingLabel}`),
      height: options.height ?? 420,
    }),
    showlegend: keys.length > 1,
    hovermode: "closest",
    xaxis: axis("Date (UTC)", { type: "date" }),
    yaxis: axis(options.valueLabel ?? "Value", { rangemode: "tozero" }),
  };
  return { data: [...markers, ...lines], layout };
}

function _num(n: number | null, decimals: number): string {
  return n === null ? "n/a" : formatNumber(n, decimals);
}

function _decimalsOf(values: readonly (number | null)[]): number {
  return values.every((v) => v === null || Number.isInteger(v)) ? 0 : 2;
}

// Plotly reads "YYYY-MM-DD" / "YYYY-MM-DD HH:MM:SS" as wall-clock values: pass UTC parts.
function _plotlyDate(value: unknown): string | number | null {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith("T00:00:00.000Z")
      ? iso.slice(0, 10)
      : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  if (typeof value === "string") return value;
  const n = numberOf(value);
  return n === null ? null : _plotlyDate(new Date(n));
}

function _dayLabel(value: unknown): string {
  const d = _plotlyDate(value);
  return d === null ? "(missing)" : plotlyText(String(d));
}
