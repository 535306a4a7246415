/**
 * The one chart theme: Okabe-Ito colours (safe for the common colour-vision deficiencies),
 * system fonts, transparent backgrounds so the page (light, dark or print) shows through.
 * `figureToHtml` re-colours text and grid lines from the page's CSS at draw time.
 *
 * @module
 */
import type { Layout } from "./types.ts";
import { plotlyText } from "./_frame.ts";

/** Okabe & Ito (2008) colour-universal-design palette. */
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
} as const;

/**
 * Series colours in the order they are handed out. Black is left out (it vanishes on a dark
 * page) and yellow comes last (low contrast on white).
 */
export const PALETTE: readonly string[] = [
  OKABE_ITO.blue,
  OKABE_ITO.orange,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.skyBlue,
  OKABE_ITO.vermillion,
  OKABE_ITO.yellow,
];

/** Sequential scale (viridis stops): perceptually uniform, readable in greyscale. */
export const SEQUENTIAL_SCALE: [number, string][] = [
  [0, "#440154"],
  [0.25, "#3B528B"],
  [0.5, "#21918C"],
  [0.75, "#5EC962"],
  [1, "#FDE725"],
];

/** Diverging scale for ratios centred at 1: Okabe-Ito blue → light grey → vermillion. */
export const DIVERGING_SCALE: [number, string][] = [
  [0, OKABE_ITO.blue],
  [0.5, "#F2F2F2"],
  [1, OKABE_ITO.vermillion],
];

/**
 * Flat light grey for cells that are shown but not final (incomplete retention periods).
 * Opaque, so it looks the same and keeps its dark text readable on light and dark pages.
 */
export const MUTED_FILL = "#D9D9D9";

/** Text colour on {@linkcode MUTED_FILL} cells. */
export const MUTED_TEXT = "#333333";

/** Font stack: the reader's own UI font, no web-font download. */
export const FONT_FAMILY =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Text colour used until the page's CSS colour is applied (and in notebook renderers). */
export const TEXT_COLOR = "#1F2328";

/** Grid colour that reads on both light and dark backgrounds. */
export const GRID_COLOR = "rgba(128, 128, 128, 0.25)";

/** Hover template shared by every builder: the full hover text sits in `customdata`. */
export const HOVER_TEMPLATE = "%{customdata}<extra></extra>";

/**
 * Colour of the series at `index`, cycling through {@linkcode PALETTE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(seriesColor(0), "#0072B2");
 * ```
 */
export function seriesColor(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length] ?? OKABE_ITO.blue;
}

/**
 * Assign palette colours to series keys in the given order; `overrides` win.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const colors = colorMap(["Basic", "Pro"], { Pro: "#000000" });
 * assert.equal(colors.get("Pro"), "#000000");
 * assert.equal(colors.get("Basic"), seriesColor(0));
 * ```
 */
export function colorMap(
  keys: readonly string[],
  overrides: Readonly<Record<string, string>> = {},
): Map<string, string> {
  return new Map(keys.map((k, i) => [k, overrides[k] ?? seriesColor(i)]));
}

/** Options for {@linkcode baseLayout}. */
export interface BaseLayoutOptions {
  /** Chart title; state the finding ("Pro users convert twice as often"). */
  title?: string;
  /** Smaller line under the title: what is measured, over what population. */
  subtitle?: string;
  /**
   * Height in pixels.
   * @default 420
   */
  height?: number;
}

/**
 * Layout shared by every chart: fonts, transparent backgrounds, margins, legend at the right.
 * Title and subtitle are plain text: `<`, `>` and `&` show literally (they are escaped for
 * Plotly's pseudo-HTML).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const layout = baseLayout({ title: "Retention is flat", height: 300 });
 * assert.equal(layout.height, 300);
 * assert.equal(layout.paper_bgcolor, "rgba(0,0,0,0)");
 * const grouped = { ...layout, barmode: "group" }; // add what one chart needs
 * ```
 */
export function baseLayout(options: BaseLayoutOptions = {}): Layout {
  const layout: Layout = {
    height: options.height ?? 420,
    autosize: true,
    font: { family: FONT_FAMILY, size: 14, color: TEXT_COLOR },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    margin: { l: 72, r: 24, t: options.subtitle ? 96 : 72, b: 64 },
    hoverlabel: { font: { family: FONT_FAMILY, size: 13 }, align: "left" },
    legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
  };
  if (options.title !== undefined) {
    const title: Record<string, unknown> = {
      text: plotlyText(options.title),
      x: 0,
      xanchor: "left",
      font: { size: 18 },
    };
    if (options.subtitle !== undefined) {
      title.subtitle = { text: plotlyText(options.subtitle), font: { size: 13 } };
    }
    layout.title = title;
  }
  return layout;
}

/**
 * An axis with a title (include the unit: "Conversion (% of first step)") and theme grid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(axis("Users", { rangemode: "tozero" }).rangemode, "tozero");
 * ```
 */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: plotlyText(title) },
    gridcolor: GRID_COLOR,
    zerolinecolor: GRID_COLOR,
    linecolor: GRID_COLOR,
    automargin: true,
    ...extra,
  };
}
