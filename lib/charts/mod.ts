/**
 * Plotly figure builders: small result frames (Polars or records) in, `{ data, layout }`
 * out. Pure: no DOM, no I/O. Each builder reads the columns `lib/analytics` writes, by the
 * same names, so a metric's output goes straight in. One theme (Okabe-Ito colours, system
 * fonts, transparent backgrounds), titles from the caller, hover text with exact numbers
 * and denominators, every data string escaped. Turning a figure into HTML or a notebook
 * output is `lib/html`'s job (`figureToHtml`, `figureMimeBundle`).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { funnel, retention } from "../analytics/mod.ts";
 * import { funnelChart, retentionHeatmap } from "./mod.ts";
 *
 * const events = pl.DataFrame([
 *   { user_id: "a", event: "session_start", ts: new Date("2026-03-02T10:00Z"), tier: "Pro" },
 *   { user_id: "a", event: "publish", ts: new Date("2026-03-09T10:00Z"), tier: "Pro" },
 *   { user_id: "b", event: "session_start", ts: new Date("2026-03-02T11:00Z"), tier: "Basic" },
 * ]);
 * const byTier = funnel(events, { steps: ["session_start", "publish"], breakdown: "tier" });
 * const fig = funnelChart(byTier, { by: "tier", title: "Pro users publish more often" });
 * assert.deepEqual(fig.data.map((trace) => trace.name), ["Basic", "Pro"]);
 *
 * const heatmap = retentionHeatmap(retention(events, { period: "week", intervals: 2 }));
 * assert.equal(heatmap.data[0]?.type, "heatmap");
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
export * from "./check_history.ts";
export * from "./paths.ts";
export type { ChartInput } from "./_frame.ts";
