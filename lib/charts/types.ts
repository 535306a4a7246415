/**
 * Types for Plotly figure specs. Loose on purpose: Plotly's schema is huge, and the
 * builders here only promise the fields their tests check.
 *
 * @module
 */

/** One Plotly trace (`bar`, `scatter`, `heatmap`, …). */
export interface Trace {
  /** Plotly trace type. */
  type: string;
  /** Legend entry. */
  name?: string;
  /** X values. */
  x?: unknown[];
  /** Y values. */
  y?: unknown[];
  /** Heatmap matrix, rows follow `y`. */
  z?: unknown[][];
  /** Text drawn on the marks (bars, heatmap cells). */
  text?: unknown;
  /** Per-point data; every builder here puts the full hover text in it. */
  customdata?: unknown[];
  /** Hover template; the builders use `"%{customdata}<extra></extra>"`. */
  hovertemplate?: string;
  /** Marker options (colour, size, opacity). */
  marker?: Record<string, unknown>;
  /** Line options (colour, width). */
  line?: Record<string, unknown>;
  /** Vertical error bars. */
  error_y?: Record<string, unknown>;
  /** Any other Plotly attribute. */
  [attribute: string]: unknown;
}

/** Plotly layout object. */
export type Layout = Record<string, unknown>;

/** A Plotly figure: what `Plotly.newPlot(el, fig.data, fig.layout, fig.config)` takes. */
export interface Figure {
  /** Traces, drawn in order. */
  data: Trace[];
  /** Layout: title, axes, legend, annotations. */
  layout: Layout;
  /** Plotly config (modebar, responsiveness); `figureToHtml` supplies a default. */
  config?: Record<string, unknown>;
}
