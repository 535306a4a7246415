/**
 * Full, self-contained HTML documents: inline CSS (light, dark, print), a strict CSP,
 * plotly.js and the table-sort script inlined once and only when the page needs them.
 *
 * @module
 */
import { escapeHtml, type RawHtml } from "./escape.ts";
import { CHART_MARKER, plotlyScriptTag } from "./figure.ts";
import { TABLE_SORT_SCRIPT } from "./table.ts";

/** Options for {@linkcode page}. */
export interface PageOptions {
  /** Document title (escaped). */
  title: string;
  /** Body HTML: trusted markup, e.g. from `html`, `tableHtml` and `figureToHtml`. */
  body: string | RawHtml;
  /**
   * Extra trusted markup for `<head>` (e.g. a `<style>` block). It must respect the CSP:
   * inline only, no external URLs.
   * @default none
   */
  head?: string | RawHtml;
  /**
   * Document language.
   * @default "en"
   */
  lang?: string;
  /**
   * Inline plotly.js: `"auto"` does so only when the body holds a chart from `figureToHtml`.
   * @default "auto"
   */
  plotly?: boolean | "auto";
}

/**
 * The page's Content-Security-Policy: nothing may be fetched; only inline scripts, inline
 * styles and `data:` images run or show.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Page CSS: system fonts, light and dark palettes from `prefers-color-scheme`, print rules. */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --tl-bg: #ffffff; --tl-fg: #1f2328; --tl-muted: #59636e; --tl-border: #d1d9e0;
  --tl-stripe: #f6f8fa; --tl-accent: #0072b2; --tl-code: #eff2f5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --tl-bg: #0d1117; --tl-fg: #e6edf3; --tl-muted: #9198a1; --tl-border: #3d444d;
    --tl-stripe: #151b23; --tl-accent: #56b4e9; --tl-code: #1b212a;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { background: var(--tl-bg); }
body {
  margin: 0 auto; max-width: 72rem; padding: 1.5rem 1.25rem 3rem;
  background: var(--tl-bg); color: var(--tl-fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-text-size-adjust: 100%;
}
h1, h2, h3 { line-height: 1.25; margin: 1.6em 0 0.5em; }
h1 { font-size: 1.9rem; margin-top: 0.5em; }
h2 { font-size: 1.4rem; border-bottom: 1px solid var(--tl-border); padding-bottom: 0.25em; }
p, li { max-width: 48rem; }
a { color: var(--tl-accent); }
code { background: var(--tl-code); padding: 0.1em 0.3em; border-radius: 4px; font-size: 0.92em; }
.tl-muted, figcaption { color: var(--tl-muted); font-size: 0.92rem; }
.tl-chart { width: 100%; min-height: 320px; margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
.tl-table-wrap { overflow-x: auto; margin: 1rem 0 1.5rem; }
.tl-table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.95rem; }
.tl-table caption { caption-side: top; text-align: left; color: var(--tl-muted); padding: 0 0 0.4rem; }
.tl-table th, .tl-table td { padding: 0.35rem 0.75rem; border-bottom: 1px solid var(--tl-border); text-align: left; vertical-align: top; }
.tl-table th { font-weight: 600; border-bottom-width: 2px; white-space: nowrap; }
.tl-table .num { text-align: right; }
.tl-table tbody tr:nth-child(even) { background: var(--tl-stripe); }
.tl-table .tl-null { color: var(--tl-muted); }
.tl-sort { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
.tl-sort:focus-visible { outline: 2px solid var(--tl-accent); outline-offset: 2px; }
.tl-table th[aria-sort] .tl-sort::after { content: " \\2195"; color: var(--tl-muted); font-size: 0.8em; }
.tl-table th[aria-sort="ascending"] .tl-sort::after { content: " \\25B2"; color: inherit; }
.tl-table th[aria-sort="descending"] .tl-sort::after { content: " \\25BC"; color: inherit; }
@media print {
  :root {
    color-scheme: light;
    --tl-bg: #ffffff; --tl-fg: #000000; --tl-muted: #333333; --tl-border: #999999;
    --tl-stripe: #f2f2f2; --tl-accent: #000000; --tl-code: #f2f2f2;
  }
  html, body { background: #ffffff !important; color: #000000 !important; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .tl-chart, .tl-table-wrap, figure, table, tr { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .tl-table-wrap { overflow: visible; }
  .modebar-container, .tl-no-print { display: none !important; }
}
`;

/**
 * A complete HTML document that opens offline with no network access. Inlines the page
 * CSS, a CSP `<meta>` forbidding every fetch ({@linkcode CONTENT_SECURITY_POLICY}),
 * plotly.js once (only if the body contains a chart) and the table-sort script once (only
 * if it contains a sortable table). The title is escaped; `body` and `head` are trusted.
 *
 * @example
 * ```ts
 * const doc = page({
 *   title: "Weekly funnel",
 *   body: html`<h1>Weekly funnel</h1>${figureToHtml(fig, { id: "funnel" })}${tableHtml(frame)}`,
 * });
 * await Deno.writeTextFile("reports/funnel.html", doc);
 * ```
 */
export function page(options: PageOptions): string {
  const body = String(options.body);
  const head = options.head === undefined ? "" : String(options.head);
  const lang = options.lang ?? "en";
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) {
    throw new TypeError(
      `Cannot build page "${options.title}": lang "${lang}" is not a language tag`,
    );
  }
  const wantsPlotly = options.plotly === "auto" || options.plotly === undefined
    ? body.includes(CHART_MARKER)
    : options.plotly;
  const wantsSort = body.includes("data-tl-sortable");
  return [
    "<!DOCTYPE html>",
    `<html lang="${lang}">`,
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    wantsPlotly ? plotlyScriptTag().value : "",
    wantsSort ? `<script>${TABLE_SORT_SCRIPT}</script>` : "",
    head,
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
  ].filter((line) => line !== "").join("\n") + "\n";
}
