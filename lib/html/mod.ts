/**
 * A tiny kit for self-contained, offline HTML reports: escaping, an escaping `html`
 * template tag, sortable tables and full pages (light/dark/print CSS, strict CSP,
 * plotly.js inlined once when charts are present).
 *
 * ```ts
 * import { figureToHtml, html, page, tableHtml } from "../html/mod.ts";
 * import { funnelChart } from "../charts/mod.ts";
 *
 * const body = html`
 *   <h1>${title}</h1>
 *   ${figureToHtml(funnelChart(funnel, { by: "tier", title }), { id: "funnel" })}
 *   ${tableHtml(funnel, { caption: "One row per tier and step" })}`;
 * await Deno.writeTextFile("reports/funnel.html", page({ title, body }));
 * ```
 *
 * @module
 */
export * from "./escape.ts";
export * from "./table.ts";
export * from "./figure.ts";
export * from "./page.ts";
export * from "./write.ts";
