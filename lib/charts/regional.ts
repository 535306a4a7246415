/**
 * Per-region bar charts with 95% intervals: listing density (`regionalDensity()` rows) and
 * eco impact per listing (`ecoImpactByRegion()` rows), read by their `lib/analytics` names.
 *
 * @module
 */
import type { EcoImpactRow, RegionalDensityRow } from "../analytics/mod.ts";
import { formatNumber } from "../format/mod.ts";
import { type ChartInput, columnsOf, plotlyText } from "./_frame.ts";
import { axis, baseLayout, colorMap, HOVER_TEMPLATE } from "./theme.ts";
import type { Figure, Trace } from "./types.ts";

/**
 * Column names read by {@linkcode densityChart}; the defaults are `regionalDensity()`'s
 * columns for the chosen {@linkcode DensityMeasure}.
 */
export interface DensityColumns {
  /** Region (one bar each). @default "region" */
  region: string;
  /** The density. @default "listings_per_1000_users" ("listings_per_user" per user) */
  value: string;
  /**
   * Lower 95% bound of `value`; error bars are drawn only if both bounds exist.
   * @default "listings_per_1000_users_ci_low" ("listings_per_user_ci_low" per user)
   */
  ciLow: string;
  /** Upper 95% bound of `value`. @default "listings_per_1000_users_ci_high" ("listings_per_user_ci_high" per user) */
  ciHigh: string;
  /** Numerator shown in hover; optional. @default "n_listings" */
  numerator: string;
  /** Denominator shown in hover; optional. @default "n_active_users" */
  denominator: string;
}

/** Which of `regionalDensity()`'s rates a density chart shows. */
export type DensityMeasure = "per_1000_users" | "per_user";

/** Column names read by {@linkcode ecoImpactChart}; the defaults are `ecoImpactByRegion()`'s. */
export interface EcoImpactColumns {
  /** Region (one bar each). @default "region" */
  region: string;
  /** Mean kg CO2e avoided per listing. @default "mean_eco_score_kg_co2e" */
  value: string;
  /** Lower 95% bound of `value`; optional. @default "mean_ci_low_kg_co2e" */
  ciLow: string;
  /** Upper 95% bound of `value`; optional. @default "mean_ci_high_kg_co2e" */
  ciHigh: string;
  /** Listings averaged (the denominator); optional. @default "n_listings" */
  n: string;
}

const DENSITY_COLUMNS = {
  per_1000_users: {
    value: "listings_per_1000_users",
    ciLow: "listings_per_1000_users_ci_low",
    ciHigh: "listings_per_1000_users_ci_high",
  },
  per_user: {
    value: "listings_per_user",
    ciLow: "listings_per_user_ci_low",
    ciHigh: "listings_per_user_ci_high",
  },
} as const satisfies Record<DensityMeasure, Record<string, keyof RegionalDensityRow>>;

const ECO_COLUMNS = {
  value: "mean_eco_score_kg_co2e",
  ciLow: "mean_ci_low_kg_co2e",
  ciHigh: "mean_ci_high_kg_co2e",
  n: "n_listings",
} as const satisfies Record<string, keyof EcoImpactRow>;

/** Options shared by the regional charts. */
export interface RegionalChartOptions {
  /** Title stating the finding. @default a neutral description of the measure */
  title?: string;
  /** Line under the title. @default "Bars: 95% intervals" */
  subtitle?: string;
  /**
   * Y axis title with unit.
   * @default "Listings per 1,000 active users" (or "Listings per active user") / "kg CO₂e avoided per listing"
   */
  valueLabel?: string;
  /** Decimals in hover and bar labels. @default 1 (2 for listings per active user) */
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
  /**
   * Listings per 1,000 active users, or per active user.
   * @default "per_1000_users"
   */
  measure?: DensityMeasure;
  /** Column name overrides. @default see {@linkcode DensityColumns} */
  columns?: Partial<DensityColumns>;
}

/** Options for {@linkcode ecoImpactChart}. */
export interface EcoImpactChartOptions extends RegionalChartOptions {
  /** Column name overrides. @default see {@linkcode EcoImpactColumns} */
  columns?: Partial<EcoImpactColumns>;
}

/** Options for {@linkcode regionalBars}. */
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
  decimals: number;
  detail: (row: number, cell: (name: string) => number | null) => string | null;
}

function _regionBars(
  frame: ChartInput,
  spec: _BarSpec,
  options: RegionalChartOptions,
  allRegions?: readonly string[],
): Trace {
  const c = columnsOf(frame, spec.chart);
  const regions = c.labels(spec.region);
  const values = c.numbers(spec.value);
  const hasCi = c.has(spec.ciLow) && c.has(spec.ciHigh);
  const low = hasCi ? c.numbers(spec.ciLow) : null;
  const high = hasCi ? c.numbers(spec.ciHigh) : null;
  const decimals = spec.decimals;
  const cell = (row: number) => (name: string) => c.has(name) ? c.numbers(name)[row] ?? null : null;
  const colors = colorMap([...new Set([...regions, ...(allRegions ?? [])])].sort(), options.colors);

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
  const measure = options.measure ?? "per_1000_users";
  if (!(measure in DENSITY_COLUMNS)) {
    throw new RangeError(`Cannot build density chart: unknown measure "${measure}"`);
  }
  const perUser = measure === "per_user";
  const cols: DensityColumns = {
    region: "region",
    ...DENSITY_COLUMNS[measure],
    numerator: "n_listings",
    denominator: "n_active_users",
    ...options.columns,
  };
  return {
    chart: "density chart",
    region: cols.region,
    value: cols.value,
    ciLow: cols.ciLow,
    ciHigh: cols.ciHigh,
    valueLabel: options.valueLabel ??
      (perUser ? "Listings per active user" : "Listings per 1,000 active users"),
    decimals: options.decimals ?? (perUser ? 2 : 1),
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
  const cols: EcoImpactColumns = { region: "region", ...ECO_COLUMNS, ...options.columns };
  return {
    chart: "eco impact chart",
    region: cols.region,
    value: cols.value,
    ciLow: cols.ciLow,
    ciHigh: cols.ciHigh,
    valueLabel: options.valueLabel ?? "kg CO₂e avoided per listing",
    decimals: options.decimals ?? 1,
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
 * Input: `regionalDensity()`'s rows or frame (see {@linkcode DensityColumns}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = densityChart([
 *   { region: "APAC", listings_per_1000_users: 80, n_listings: 40, n_active_users: 500 },
 *   { region: "NA", listings_per_1000_users: 120, n_listings: 120, n_active_users: 1000 },
 * ], { title: "NA lists the most per user" });
 * assert.deepEqual(fig.data[0]?.y, [120, 80]); // largest first
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
 * Input: `ecoImpactByRegion()`'s rows or frame (see {@linkcode EcoImpactColumns}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = ecoImpactChart([
 *   { region: "EMEA", mean_eco_score_kg_co2e: 12.5, n_listings: 300 },
 *   { region: "NA", mean_eco_score_kg_co2e: 9.25, n_listings: 410 },
 * ], { title: "EMEA listings avoid the most CO₂e" });
 * assert.deepEqual(fig.data[0]?.y, [12.5, 9.25]);
 * assert.match(String(fig.data[0]?.customdata?.[0]), /<b>EMEA<\/b>.*300 listings/);
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
 * Both regional measures side by side in one figure (two subplots): density from
 * `regionalDensity()`'s rows ({@linkcode DensityColumns}) and eco impact from
 * `ecoImpactByRegion()`'s rows ({@linkcode EcoImpactColumns}). Region colours match across
 * the panels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const density = [{ region: "APAC", listings_per_1000_users: 80 }];
 * const impact = [{ region: "APAC", mean_eco_score_kg_co2e: 14 }];
 * const fig = regionalBars(density, impact, {
 *   title: "APAC lists less but each listing counts more",
 * });
 * assert.equal(fig.data.length, 2); // density on x/y, eco impact on x2/y2
 * assert.equal(fig.data[1]?.xaxis, "x2");
 * ```
 */
export function regionalBars(
  density: ChartInput,
  ecoImpact: ChartInput,
  options: RegionalBarsOptions = {},
): Figure {
  const densityOptions = options.density ?? {};
  const ecoOptions = options.eco ?? {};
  const dSpec = _densitySpec(densityOptions);
  const eSpec = _ecoSpec(ecoOptions);
  const regions = [
    ...columnsOf(density, dSpec.chart).labels(dSpec.region),
    ...columnsOf(ecoImpact, eSpec.chart).labels(eSpec.region),
  ];
  const densityBars = _regionBars(density, dSpec, densityOptions, regions);
  const eco = {
    ..._regionBars(ecoImpact, eSpec, ecoOptions, regions),
    xaxis: "x2",
    yaxis: "y2",
  };
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
    data: [densityBars, eco],
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
