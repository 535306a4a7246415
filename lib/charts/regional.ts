/**
 * Per-region bar charts with 95% intervals: listing density and eco impact per listing.
 *
 * @module
 */
import { formatNumber } from "../format/mod.ts";
import { type ChartInput, columnsOf, plotlyText } from "./_frame.ts";
import { axis, baseLayout, colorMap, HOVER_TEMPLATE } from "./theme.ts";
import type { Figure, Trace } from "./types.ts";

/** Column names read by {@linkcode densityChart}. */
export interface DensityColumns {
  /** Region (one bar each). @default "region" */
  region: string;
  /** Listings per 1,000 users. @default "listings_per_1k_users" */
  value: string;
  /** Lower 95% bound of `value`; error bars are drawn only if both bounds exist. @default "density_ci_low" */
  ciLow: string;
  /** Upper 95% bound of `value`. @default "density_ci_high" */
  ciHigh: string;
  /** Numerator shown in hover; optional. @default "n_listings" */
  numerator: string;
  /** Denominator shown in hover; optional. @default "n_users" */
  denominator: string;
}

/** Column names read by {@linkcode ecoImpactChart}. */
export interface EcoImpactColumns {
  /** Region (one bar each). @default "region" */
  region: string;
  /** Mean kg CO2e avoided per listing. @default "eco_kg_per_listing" */
  value: string;
  /** Lower 95% bound of `value`; optional. @default "eco_ci_low" */
  ciLow: string;
  /** Upper 95% bound of `value`; optional. @default "eco_ci_high" */
  ciHigh: string;
  /** Listings averaged (the denominator); optional. @default "n_listings" */
  n: string;
}

/** Options shared by the regional charts. */
export interface RegionalChartOptions {
  /** Title stating the finding. @default a neutral description of the measure */
  title?: string;
  /** Line under the title. @default "Bars: 95% intervals" */
  subtitle?: string;
  /** Y axis title with unit. @default "Listings per 1,000 users" / "kg CO₂e avoided per listing" */
  valueLabel?: string;
  /** Decimals in hover and bar labels. @default 1 */
  decimals?: number;
  /** Bar order: by value (largest first), by region name, or as given. @default "value" */
  sort?: "value" | "label" | "none";
  /** Fixed colours by region. @default palette by region name, so both charts agree */
  colors?: Readonly<Record<string, string>>;
  /** Height in pixels. @default 400 */
  height?: number;
}

/** Options for {@linkcode densityChart}. */
export interface DensityChartOptions extends RegionalChartOptions {
  /** Column name overrides. @default see {@linkcode DensityColumns} */
  columns?: Partial<DensityColumns>;
}

/** Options for {@linkcode ecoImpactChart}. */
export interface EcoImpactChartOptions extends RegionalChartOptions {
  /** Column name overrides. @default see {@linkcode EcoImpactColumns} */
  columns?: Partial<EcoImpactColumns>;
}

/** Options for {@linkcode regionalBars}: one frame holding both measures. */
export interface RegionalBarsOptions {
  /** Title stating the finding. @default "Listing density and eco impact by region" */
  title?: string;
  /** Line under the title. @default "Bars: 95% intervals" */
  subtitle?: string;
  /** Options for the left (density) panel; its title becomes the panel heading. */
  density?: DensityChartOptions;
  /** Options for the right (eco impact) panel; its title becomes the panel heading. */
  eco?: EcoImpactChartOptions;
  /** Height in pixels. @default 420 */
  height?: number;
}

interface _BarSpec {
  chart: string;
  region: string;
  value: string;
  ciLow: string;
  ciHigh: string;
  valueLabel: string;
  detail: (row: number, cell: (name: string) => number | null) => string | null;
}

function _regionBars(frame: ChartInput, spec: _BarSpec, options: RegionalChartOptions): Trace {
  const c = columnsOf(frame, spec.chart);
  const regions = c.labels(spec.region);
  const values = c.numbers(spec.value);
  const hasCi = c.has(spec.ciLow) && c.has(spec.ciHigh);
  const low = hasCi ? c.numbers(spec.ciLow) : null;
  const high = hasCi ? c.numbers(spec.ciHigh) : null;
  const decimals = options.decimals ?? 1;
  const cell = (row: number) => (name: string) => c.has(name) ? c.numbers(name)[row] ?? null : null;
  const colors = colorMap([...new Set(regions)].sort(), options.colors);

  const rows = [...Array(c.height).keys()];
  const sort = options.sort ?? "value";
  if (sort === "value") rows.sort((a, b) => (values[b] ?? -Infinity) - (values[a] ?? -Infinity));
  if (sort === "label") rows.sort((a, b) => (regions[a] ?? "").localeCompare(regions[b] ?? ""));

  const fmt = (n: number | null | undefined) =>
    n === null || n === undefined ? "n/a" : formatNumber(n, decimals);
  const trace: Trace = {
    type: "bar",
    name: plotlyText(spec.valueLabel),
    x: rows.map((i) => plotlyText(regions[i] ?? "")),
    y: rows.map((i) => values[i] ?? null),
    text: rows.map((i) => fmt(values[i])),
    textposition: "inside",
    insidetextanchor: "start",
    textangle: 0,
    marker: { color: rows.map((i) => colors.get(regions[i] ?? "")) },
    customdata: rows.map((i) => {
      const lines = [
        `<b>${plotlyText(regions[i] ?? "")}</b>`,
        `${plotlyText(spec.valueLabel)}: ${fmt(values[i])}`,
      ];
      if (low && high) lines.push(`95% CI: ${fmt(low[i])} – ${fmt(high[i])}`);
      const detail = spec.detail(i, cell(i));
      if (detail) lines.push(detail);
      return lines.join("<br>");
    }),
    hovertemplate: HOVER_TEMPLATE,
    showlegend: false,
  };
  if (low && high) {
    trace.error_y = {
      type: "data",
      symmetric: false,
      array: rows.map((i) => {
        const v = values[i];
        const h = high[i];
        return v === null || v === undefined || h === null || h === undefined
          ? 0
          : Math.max(0, h - v);
      }),
      arrayminus: rows.map((i) => {
        const v = values[i];
        const l = low[i];
        return v === null || v === undefined || l === null || l === undefined
          ? 0
          : Math.max(0, v - l);
      }),
      thickness: 1.5,
      width: 6,
      color: "rgba(128, 128, 128, 0.9)",
    };
  }
  return trace;
}

function _densitySpec(options: DensityChartOptions): _BarSpec {
  const cols: DensityColumns = {
    region: "region",
    value: "listings_per_1k_users",
    ciLow: "density_ci_low",
    ciHigh: "density_ci_high",
    numerator: "n_listings",
    denominator: "n_users",
    ...options.columns,
  };
  return {
    chart: "density chart",
    region: cols.region,
    value: cols.value,
    ciLow: cols.ciLow,
    ciHigh: cols.ciHigh,
    valueLabel: options.valueLabel ?? "Listings per 1,000 users",
    detail: (_row, cell) => {
      const num = cell(cols.numerator);
      const den = cell(cols.denominator);
      if (num === null && den === null) return null;
      return `${num === null ? "n/a" : formatNumber(num)} listings / ${
        den === null ? "n/a" : formatNumber(den)
      } users`;
    },
  };
}

function _ecoSpec(options: EcoImpactChartOptions): _BarSpec {
  const cols: EcoImpactColumns = {
    region: "region",
    value: "eco_kg_per_listing",
    ciLow: "eco_ci_low",
    ciHigh: "eco_ci_high",
    n: "n_listings",
    ...options.columns,
  };
  return {
    chart: "eco impact chart",
    region: cols.region,
    value: cols.value,
    ciLow: cols.ciLow,
    ciHigh: cols.ciHigh,
    valueLabel: options.valueLabel ?? "kg CO₂e avoided per listing",
    detail: (_row, cell) => {
      const n = cell(cols.n);
      return n === null ? null : `Mean of ${formatNumber(n)} listings`;
    },
  };
}

function _single(trace: Trace, spec: _BarSpec, options: RegionalChartOptions, title: string) {
  return {
    data: [trace],
    layout: {
      ...baseLayout({
        title: options.title ?? title,
        subtitle: options.subtitle ?? "Bars: 95% intervals",
        height: options.height ?? 400,
      }),
      showlegend: false,
      xaxis: axis("Region", { type: "category", showgrid: false }),
      yaxis: axis(spec.valueLabel, { rangemode: "tozero" }),
    },
  };
}

/**
 * Bar chart of listing density per region (one bar per row, coloured by region) with
 * asymmetric 95% error bars when the CI columns exist, and hover with the exact
 * numerator and denominator.
 *
 * @example
 * ```ts
 * const fig = densityChart([
 *   { region: "NA", listings_per_1k_users: 120, density_ci_low: 110, density_ci_high: 131, n_listings: 240, n_users: 2000 },
 * ], { title: "NA lists the most per user" });
 * fig.data[0].y; // [120]
 * ```
 */
export function densityChart(frame: ChartInput, options: DensityChartOptions = {}): Figure {
  const spec = _densitySpec(options);
  return _single(_regionBars(frame, spec, options), spec, options, "Listing density by region");
}

/**
 * Bar chart of mean eco impact (kg CO2e avoided) per listing per region with 95% error bars
 * when the CI columns exist, and hover with the number of listings averaged.
 *
 * @example
 * ```ts
 * const fig = ecoImpactChart([
 *   { region: "EMEA", eco_kg_per_listing: 12.5, eco_ci_low: 11, eco_ci_high: 14, n_listings: 300 },
 * ], { title: "EMEA listings avoid the most CO₂e" });
 * fig.data[0].customdata; // ["<b>EMEA</b><br>…<br>Mean of 300 listings"]
 * ```
 */
export function ecoImpactChart(frame: ChartInput, options: EcoImpactChartOptions = {}): Figure {
  const spec = _ecoSpec(options);
  return _single(
    _regionBars(frame, spec, options),
    spec,
    options,
    "Eco impact per listing by region",
  );
}

/**
 * Both regional measures side by side in one figure (two subplots), from one frame with
 * one row per region holding the columns of {@linkcode DensityColumns} and
 * {@linkcode EcoImpactColumns}. Region colours match across the panels.
 *
 * @example
 * ```ts
 * const fig = regionalBars(regionFrame, { title: "APAC lists less but each listing counts more" });
 * fig.data.length; // 2 (density on x/y, eco impact on x2/y2)
 * ```
 */
export function regionalBars(frame: ChartInput, options: RegionalBarsOptions = {}): Figure {
  const densityOptions = options.density ?? {};
  const ecoOptions = options.eco ?? {};
  const dSpec = _densitySpec(densityOptions);
  const eSpec = _ecoSpec(ecoOptions);
  const density = _regionBars(frame, dSpec, densityOptions);
  const eco = { ..._regionBars(frame, eSpec, ecoOptions), xaxis: "x2", yaxis: "y2" };
  const heading = (text: string, x: number) => ({
    text: plotlyText(text),
    xref: "paper",
    yref: "paper",
    x,
    y: 1,
    yshift: 8,
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 14 },
  });
  return {
    data: [density, eco],
    layout: {
      ...baseLayout({
        title: options.title ?? "Listing density and eco impact by region",
        subtitle: options.subtitle ?? "Bars: 95% intervals",
        height: options.height ?? 420,
      }),
      showlegend: false,
      xaxis: axis("Region", { type: "category", showgrid: false, domain: [0, 0.44] }),
      yaxis: axis(dSpec.valueLabel, { rangemode: "tozero" }),
      xaxis2: axis("Region", {
        type: "category",
        showgrid: false,
        domain: [0.56, 1],
        anchor: "y2",
      }),
      yaxis2: axis(eSpec.valueLabel, { rangemode: "tozero", anchor: "x2" }),
      annotations: [
        heading(densityOptions.title ?? "Listing density", 0.22),
        heading(ecoOptions.title ?? "Eco impact per listing", 0.78),
      ],
    },
  };
}
