/**
 * Plotly figure builders: small result frames (Polars or records) in, `{ data, layout }`
 * out. Pure: no DOM, no I/O. Each builder reads the columns `lib/analytics` writes, by the
 * same names, so a metric's output goes straight in. One theme (Okabe-Ito colours, system
 * fonts, transparent backgrounds), titles from the caller, hover text with exact numbers
 * and denominators, every data string escaped. Turning a figure into HTML or a notebook
 * output is `lib/html`'s job (`figureToHtml`, `figureMimeBundle`).
 *
 * ```ts
 * import { funnelChart, retentionHeatmap } from "../charts/mod.ts";
 *
 * const fig = funnelChart(funnel(events, { steps, breakdown: "tier" }), {
 *   by: "tier",
 *   title: "Pro users publish twice as often",
 * });
 * const heatmap = retentionHeatmap(retention(events, { period: "week" }));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./theme.ts";
export * from "./funnel.ts";
export * from "./retention.ts";
export * from "./rolling.ts";
export * from "./regional.ts";
export * from "./affinity.ts";
export type { ChartInput } from "./_frame.ts";
