/**
 * Cohort retention heatmap: cohorts down, periods across, incomplete cells greyed.
 *
 * @module
 */
import type { RetentionRow } from "../analytics/mod.ts";
import { formatNumber, formatPercent } from "../format/mod.ts";
import { type ChartInput, columnsOf, plotlyText } from "./_frame.ts";
import {
  axis,
  baseLayout,
  HOVER_TEMPLATE,
  MUTED_FILL,
  MUTED_TEXT,
  SEQUENTIAL_SCALE,
} from "./theme.ts";
import type { Figure, Layout } from "./types.ts";

/** Column names read by {@linkcode retentionHeatmap}; the defaults are `retention()`'s. */
export interface RetentionColumns {
  /** Cohort key: a date (shown as `YYYY-MM-DD`) or a label. @default "cohort" */
  cohort: string;
  /** Periods since the cohort start (0, 1, 2, …). @default "period" */
  period: string;
  /** Retained users as % of the cohort. @default "retention_pct" */
  value: string;
  /** Retained users in the period. @default "users" */
  users: string;
  /** Users in the cohort (the denominator). @default "cohort_size" */
  cohortSize: string;
  /** False when the period is still in progress (value will still rise); optional. @default "is_complete" */
  isComplete: string;
}

/** Options for {@linkcode retentionHeatmap}. */
export interface RetentionHeatmapOptions {
  /** Title stating the finding. @default "Cohort retention" */
  title?: string;
  /** Line under the title. @default "Retained users as % of each cohort" */
  subtitle?: string;
  /** Period unit, for the axis and hover ("week" → "Weeks since cohort start"). @default "week" */
  periodUnit?: string;
  /** Cohort axis title. @default "Cohort (first week)" */
  cohortLabel?: string;
  /** Column name overrides. @default see {@linkcode RetentionColumns} */
  columns?: Partial<RetentionColumns>;
  /** Height in pixels. @default 120 + 28 per cohort, at least 360 */
  height?: number;
}

const DEFAULT_COLUMNS = {
  cohort: "cohort",
  period: "period",
  value: "retention_pct",
  users: "users",
  cohortSize: "cohort_size",
  isComplete: "is_complete",
} as const satisfies RetentionColumns & Record<string, keyof RetentionRow>;

/** Marker appended to the cell text of incomplete periods. */
export const INCOMPLETE_MARK = "*";

/**
 * Retention heatmap. Trace 0 holds complete cells on a viridis scale (from 0 up to the
 * largest value after the first period, so period 0's 100% does not wash out the rest);
 * trace 1 holds incomplete cells (`is_complete` false) in flat grey with a `*` after the
 * value and a note under the chart. Each cell shows its percentage; hover gives the exact
 * users and cohort size.
 *
 * Input: one row per (cohort, period) with the columns in {@linkcode RetentionColumns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = retentionHeatmap([
 *   { cohort: "2026-03-02", period: 0, retention_pct: 100, users: 50, cohort_size: 50, is_complete: true },
 *   { cohort: "2026-03-02", period: 1, retention_pct: 40, users: 20, cohort_size: 50, is_complete: false },
 * ], { title: "Four in ten come back in week 1" });
 * assert.deepEqual(fig.data[1]?.z, [[null, 40]]);
 * ```
 */
export function retentionHeatmap(
  frame: ChartInput,
  options: RetentionHeatmapOptions = {},
): Figure {
  const cols = { ...DEFAULT_COLUMNS, ...options.columns };
  const c = columnsOf(frame, "retention heatmap");
  const rawCohorts = c.values(cols.cohort);
  const cohortLabels = c.labels(cols.cohort);
  const periods = c.numbers(cols.period);
  const values = c.numbers(cols.value);
  const users = c.numbers(cols.users);
  const sizes = c.numbers(cols.cohortSize);
  const complete = c.has(cols.isComplete)
    ? c.values(cols.isComplete).map((v) => v !== false && v !== 0 && v !== "false")
    : new Array<boolean>(c.height).fill(true);
  const unit = options.periodUnit ?? "week";

  // Cohorts ascending by date (or by label), periods ascending.
  const cohortSort = new Map<string, number | string>();
  rawCohorts.forEach((v, i) => {
    const label = cohortLabels[i] ?? "";
    if (!cohortSort.has(label)) cohortSort.set(label, v instanceof Date ? v.getTime() : label);
  });
  const cohorts = [...cohortSort.keys()].sort((a, b) => {
    const ka = cohortSort.get(a)!;
    const kb = cohortSort.get(b)!;
    return typeof ka === "number" && typeof kb === "number"
      ? ka - kb
      : String(ka).localeCompare(String(kb));
  });
  const periodList = [...new Set(periods.filter((p): p is number => p !== null))].sort((a, b) =>
    a - b
  );
  const rowOf = new Map(cohorts.map((k, i) => [k, i]));
  const colOf = new Map(periodList.map((p, i) => [p, i]));
  const grid = <T>(fill: T): T[][] => cohorts.map(() => periodList.map(() => fill));
  const zDone = grid<number | null>(null);
  const zOpen = grid<number | null>(null);
  const textDone = grid("");
  const textOpen = grid("");
  const hover = grid("");
  const yLabels = cohorts.map(plotlyText);
  const firstPeriod = periodList[0];
  let zMax = 0;
  let zMaxAll = 0;
  let anyOpen = false;

  for (let i = 0; i < c.height; i++) {
    const r = rowOf.get(cohortLabels[i] ?? "");
    const p = periods[i];
    const col = p === null || p === undefined ? undefined : colOf.get(p);
    const value = values[i] ?? null;
    if (r === undefined || col === undefined || value === null) continue;
    const isDone = complete[i] ?? true;
    const label = formatPercent(value, 0);
    const lines = [
      `Cohort ${yLabels[r]} · ${unit} ${p}`,
      `Retention: ${formatPercent(value, 1)}`,
      `${_count(users[i] ?? null)} of ${_count(sizes[i] ?? null)} cohort users`,
    ];
    if (isDone) {
      zDone[r]![col] = value;
      textDone[r]![col] = label;
      if (p !== firstPeriod) zMax = Math.max(zMax, value);
    } else {
      anyOpen = true;
      zOpen[r]![col] = value;
      textOpen[r]![col] = label + INCOMPLETE_MARK;
      lines.push(`Incomplete: this ${unit} is still in progress`);
    }
    zMaxAll = Math.max(zMaxAll, value);
    hover[r]![col] = lines.join("<br>");
  }
  if (zMax === 0) zMax = zMaxAll || 100;

  const common = {
    type: "heatmap",
    x: periodList,
    y: yLabels,
    customdata: hover,
    hovertemplate: HOVER_TEMPLATE,
    texttemplate: "%{text}",
    xgap: 2,
    ygap: 2,
    hoverongaps: false,
  };
  const layout: Layout = {
    ...baseLayout({
      title: options.title ?? "Cohort retention",
      subtitle: options.subtitle ?? "Retained users as % of each cohort",
      height: options.height ?? Math.max(360, 120 + 28 * cohorts.length),
    }),
    xaxis: axis(`${_capitalise(unit)}s since cohort start`, {
      tickmode: "linear",
      dtick: 1,
      showgrid: false,
      zeroline: false,
    }),
    yaxis: axis(options.cohortLabel ?? `Cohort (first ${unit})`, {
      type: "category",
      autorange: "reversed",
      showgrid: false,
    }),
    annotations: anyOpen
      ? [{
        text: `${INCOMPLETE_MARK} Grey cells: ${unit} still in progress; values will rise.`,
        xref: "paper",
        yref: "paper",
        x: 0,
        y: 0,
        yshift: -56,
        xanchor: "left",
        yanchor: "top",
        showarrow: false,
        font: { size: 12 },
      }]
      : [],
  };
  layout.margin = { ...(layout.margin as Record<string, unknown>), b: anyOpen ? 84 : 64 };
  return {
    data: [
      {
        ...common,
        name: "Complete",
        z: zDone,
        text: textDone,
        colorscale: SEQUENTIAL_SCALE,
        zmin: 0,
        zmax: zMax,
        colorbar: { title: { text: "Retention" }, ticksuffix: "%", outlinewidth: 0 },
      },
      {
        ...common,
        name: "Incomplete",
        z: zOpen,
        text: textOpen,
        colorscale: [[0, MUTED_FILL], [1, MUTED_FILL]],
        textfont: { color: MUTED_TEXT },
        showscale: false,
      },
    ],
    layout,
  };
}

function _count(n: number | null): string {
  return n === null ? "n/a" : formatNumber(n);
}

function _capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
