/**
 * A tiny kit for self-contained, offline HTML reports: escaping, an escaping `html`
 * template tag, sortable tables and full pages (light/dark/print CSS, strict CSP,
 * plotly.js inlined once when charts are present).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureToHtml, html, page, tableHtml } from "./mod.ts";
 *
 * const title = "Pro users publish twice as often";
 * const fig = { data: [{ type: "bar", x: ["Basic", "Pro"], y: [12.5, 31.25] }], layout: {} };
 * const rows = [{ tier: "Basic", conversion_pct: 12.5 }, { tier: "Pro", conversion_pct: 31.25 }];
 * const body = html`
 *   <h1>${title}</h1>
 *   ${figureToHtml(fig, { id: "funnel" })}
 *   ${tableHtml(rows, { caption: "One row per tier" })}`;
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/funnel.html`, page({ title, body }));
 * assert.match(await Deno.readTextFile(`${dir}/funnel.html`), /<title>Pro users/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./escape.ts";
export * from "./table.ts";
export * from "./figure.ts";
export * from "./page.ts";
export * from "./write.ts";
