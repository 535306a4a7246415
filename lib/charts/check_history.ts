/**
 * A data check's chart: the observed value, the expected value and its band, and the flagged
 * points, one small panel per series (event name for a volume check; one panel for a check
 * with a single series, such as a source's age across runs).
 *
 * @module
 */
import { formatNumber } from "../format/mod.ts";
import { plotlyText } from "./_frame.ts";
import { axis, baseLayout, GRID_COLOR, HOVER_TEMPLATE, OKABE_ITO } from "./theme.ts";
import type { Figure, Trace } from "./types.ts";

/** One point of a check's series. */
export interface CheckChartPoint {
  /** Series (panel) label, e.g. `start_listing`. */
  series: string;
  /** Where on the x axis: a day or a run's time (Date or ISO text, UTC). */
  x: Date | string;
  /** Observed value. */
  value: number | null;
  /** Expected value. @default {null} */
  expected?: number | null;
  /** Lower end of the expected band. @default {null} */
  lower?: number | null;
  /** Upper end of the expected band. @default {null} */
  upper?: number | null;
  /** Flagged by the check. */
  flagged: boolean;
}

/** Options for {@linkcode checkHistoryChart}. */
export interface CheckHistoryChartOptions {
  /** Title stating what is watched. @default "Check history" */
  title?: string;
  /** Line under the title. @default {undefined} */
  subtitle?: string;
  /** Y axis title with unit (on the first panel; each panel is labelled with its series). @default "Value" */
  valueLabel?: string;
  /** X axis title. @default "Date (UTC)" */
  xLabel?: string;
  /** What the band is. @default "Expected band" */
  bandLabel?: string;
  /** Decimals in hover text. @default 0 */
  decimals?: number;
  /** Panels to put first, in this order. @default series with flagged points first, then by name */
  order?: readonly string[];
  /** Height of one panel in pixels. @default 130 */
  panelHeight?: number;
}

const BAND_FILL = "rgba(86, 180, 233, 0.22)";
const VALUE_COLOR = OKABE_ITO.blue;
const EXPECTED_COLOR = "rgba(128, 128, 128, 0.9)";
const FLAG_COLOR = OKABE_ITO.vermillion;

/**
 * Small multiples, one panel per series (stacked, sharing the x axis, each labelled with its
 * series at its top left): the expected band as a
 * shaded area (upper, then lower filled to it), the expected value dashed, the observed value
 * as a line with markers, and the flagged points as large vermillion markers. Legend entries
 * appear once (on the first panel). Hover text holds the exact numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const day = (d: number) => new Date(Date.UTC(2026, 0, d));
 * const fig = checkHistoryChart([
 *   { series: "search", x: day(1), value: 100, expected: 98, lower: 70, upper: 130, flagged: false },
 *   { series: "search", x: day(2), value: 31, expected: 101, lower: 72, upper: 134, flagged: true },
 *   { series: "view_listing", x: day(1), value: 300, expected: 290, lower: 200, upper: 380, flagged: false },
 * ], { title: "Rows per day", valueLabel: "rows" });
 * const flagged = fig.data.filter((t) => t.name === "Flagged");
 * assert.deepEqual(flagged.map((t) => t.y), [[31], []]);
 * assert.equal(fig.data.filter((t) => t.name === "Observed").length, 2);
 * assert.equal(fig.data.find((t) => t.name === "Observed")?.yaxis, "y");
 * ```
 */
export function checkHistoryChart(
  points: readonly CheckChartPoint[],
  options: CheckHistoryChartOptions = {},
): Figure {
  const decimals = options.decimals ?? 0;
  const bySeries = new Map<string, CheckChartPoint[]>();
  for (const p of points) {
    let list = bySeries.get(p.series);
    if (!list) bySeries.set(p.series, list = []);
    list.push(p);
  }
  const flaggedFirst = [...bySeries.keys()].sort((a, b) => {
    const fa = bySeries.get(a)!.some((p) => p.flagged) ? 0 : 1;
    const fb = bySeries.get(b)!.some((p) => p.flagged) ? 0 : 1;
    return fa - fb || (a < b ? -1 : a > b ? 1 : 0);
  });
  const order = options.order
    ? [
      ...options.order.filter((k) => bySeries.has(k)),
      ...flaggedFirst.filter((k) => !options.order!.includes(k)),
    ]
    : flaggedFirst;
  const n = Math.max(1, order.length);
  const valueLabel = options.valueLabel ?? "Value";
  const bandLabel = options.bandLabel ?? "Expected band";
  const num = (v: number | null | undefined) =>
    v === null || v === undefined ? "n/a" : formatNumber(v, decimals);
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    ...baseLayout({
      title: options.title ?? "Check history",
      ...(options.subtitle ? { subtitle: options.subtitle } : {}),
      height: 110 + (options.panelHeight ?? 130) * n,
    }),
    hovermode: "closest",
    showlegend: true,
    legend: { orientation: "h", x: 1, y: 1, yanchor: "bottom", xanchor: "right" },
    grid: { rows: n, columns: 1, pattern: "independent", roworder: "top to bottom" },
  };
  order.forEach((series, i) => {
    const suffix = i === 0 ? "" : String(i + 1);
    const xaxis = `x${suffix}`;
    const yaxis = `y${suffix}`;
    const rows = [...bySeries.get(series)!].sort((a, b) => _time(a.x) - _time(b.x));
    const x = rows.map((p) => _plotlyDate(p.x));
    const label = plotlyText(series);
    const hover = rows.map((p) =>
      [
        `<b>${label}</b> · ${plotlyText(String(_plotlyDate(p.x)))}`,
        `Observed: ${num(p.value)}`,
        `Expected: ${num(p.expected)}`,
        `Band: ${num(p.lower)} – ${num(p.upper)}`,
        p.flagged ? "<b>Flagged</b>" : "",
      ].filter(Boolean).join("<br>")
    );
    const common = { xaxis, yaxis, legendgroup: "", showlegend: i === 0 };
    const hasBand = rows.some((p) => p.upper !== null && p.upper !== undefined);
    if (hasBand) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: bandLabel,
        ...common,
        legendgroup: "band",
        showlegend: false,
        x,
        y: rows.map((p) => p.upper ?? null),
        line: { width: 0, color: BAND_FILL },
        hoverinfo: "skip",
      });
      data.push({
        type: "scatter",
        mode: "lines",
        name: bandLabel,
        ...common,
        legendgroup: "band",
        x,
        y: rows.map((p) => p.lower ?? 0),
        line: { width: 0, color: BAND_FILL },
        fill: "tonexty",
        fillcolor: BAND_FILL,
        hoverinfo: "skip",
      });
    }
    if (rows.some((p) => p.expected !== null && p.expected !== undefined)) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: "Expected",
        ...common,
        legendgroup: "expected",
        x,
        y: rows.map((p) => p.expected ?? null),
        line: { color: EXPECTED_COLOR, width: 1.5, dash: "dash" },
        hoverinfo: "skip",
      });
    }
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: "Observed",
      ...common,
      legendgroup: "observed",
      x,
      y: rows.map((p) => p.value),
      line: { color: VALUE_COLOR, width: 2 },
      marker: { color: VALUE_COLOR, size: 4 },
      customdata: hover,
      hovertemplate: HOVER_TEMPLATE,
    });
    const flagged = rows.map((p, j) => ({ p, j })).filter(({ p }) => p.flagged);
    data.push({
      type: "scatter",
      mode: "markers",
      name: "Flagged",
      ...common,
      legendgroup: "flagged",
      x: flagged.map(({ j }) => x[j]),
      y: flagged.map(({ p }) => p.value),
      marker: { color: FLAG_COLOR, size: 11, symbol: "circle-open", line: { width: 3 } },
      customdata: flagged.map(({ j }) => hover[j]),
      hovertemplate: HOVER_TEMPLATE,
    });
    layout[`xaxis${suffix}`] = axis(i === n - 1 ? options.xLabel ?? "Date (UTC)" : "", {
      type: "date",
      ...(i === 0 ? {} : { matches: "x" }),
      showticklabels: i === n - 1,
    });
    layout[`yaxis${suffix}`] = axis("", { rangemode: "tozero", gridcolor: GRID_COLOR });
    if (n > 1) {
      annotations.push({
        text: `<b>${label}</b>`,
        xref: `${xaxis} domain`,
        yref: `${yaxis} domain`,
        x: 0,
        y: 1,
        xanchor: "left",
        yanchor: "bottom",
        showarrow: false,
        font: { size: 12 },
      });
    }
  });
  if (annotations.length > 0) layout.annotations = annotations;
  if (order.length === 0) {
    layout.xaxis = axis(options.xLabel ?? "Date (UTC)", { type: "date" });
    layout.yaxis = axis(valueLabel, { rangemode: "tozero" });
  } else if (order.length === 1) {
    layout.yaxis = axis(valueLabel, { rangemode: "tozero" });
  } else {
    layout.yaxis = { ...(layout.yaxis as Record<string, unknown>), ...axis(valueLabel) };
  }
  return { data, layout };
}

function _time(x: Date | string): number {
  return x instanceof Date ? x.getTime() : Date.parse(x);
}

// Plotly reads "YYYY-MM-DD" / "YYYY-MM-DD HH:MM:SS" as wall-clock values: pass UTC parts.
function _plotlyDate(x: Date | string): string {
  const d = x instanceof Date ? x : new Date(x);
  if (Number.isNaN(d.getTime())) return String(x);
  const iso = d.toISOString();
  return iso.endsWith("T00:00:00.000Z")
    ? iso.slice(0, 10)
    : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
