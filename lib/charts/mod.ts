/**
 * Plotly figure builders: small result frames (Polars or records) in, `{ data, layout }`
 * out. Pure: no DOM, no I/O (except `plotlySource`, which reads plotly.js once to inline
 * it). One theme (Okabe-Ito colours, system fonts, transparent backgrounds), titles from
 * the caller, hover text with exact numbers and denominators, every data string escaped.
 *
 * ```ts
 * import { figureMimeBundle, figureToHtml, funnelChart, retentionHeatmap } from "../charts/mod.ts";
 *
 * const fig = funnelChart(funnelByTier, { by: "tier", title: "Pro users publish twice as often" });
 * const fragment = figureToHtml(fig, { id: "funnel" }); // for page() from lib/html
 * await Deno.jupyter.display(figureMimeBundle(retentionHeatmap(retention)), { raw: true });
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
export * from "./display.ts";
export type { ChartInput } from "./_frame.ts";
