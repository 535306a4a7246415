/**
 * Full, self-contained HTML documents: inline CSS (light, dark, print), a strict CSP that
 * allows only the page's own inline scripts and styles by hash (no `'unsafe-inline'`),
 * plotly.js and the table-sort script inlined once and only when the page needs them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { escapeHtml, type RawHtml } from "./escape.ts";
import { CHART_MARKER, isFigureScript, plotlyScriptTag } from "./figure.ts";
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

/** Options for {@linkcode hashedContentSecurityPolicy}. */
export interface HashedCspOptions {
  /** Texts of the inline `<script>` elements allowed to run (exactly as between the tags). */
  scripts?: Iterable<string>;
  /** Texts of the inline `<style>` elements allowed to apply. */
  styles?: Iterable<string>;
  /**
   * Values of `style="…"` attributes allowed (adds `'unsafe-hashes'`, which lets the listed
   * hashes match attributes too). plotly.js sets empty ones (`style=""`) while it redraws.
   * @default none: every style attribute is refused
   */
  styleAttributes?: Iterable<string>;
}

/**
 * `'sha256-…'` source of an inline script or style text, as CSP wants it. Line breaks are
 * normalised as the HTML parser does (CRLF and CR become LF) before hashing.
 *
 * @example
 * ```ts
 * cspHash("void 0"); // "'sha256-…'"
 * ```
 */
export function cspHash(text: string): string {
  const normalised = text.replace(/\r\n?/g, "\n");
  return `'sha256-${createHash("sha256").update(normalised, "utf8").digest("base64")}'`;
}

/**
 * A Content-Security-Policy that fetches nothing and runs only the listed inline scripts and
 * styles, by their hashes (no `'unsafe-inline'`): an injected `<script>`, `on…=` handler,
 * `javascript:` URL or `style="…"` attribute is refused by the browser. Plotly's own styling
 * goes through the CSSOM, which a CSP does not restrict, so charts draw under it.
 *
 * @example
 * ```ts
 * hashedContentSecurityPolicy({ scripts: ["void 0"], styles: ["body{}"] });
 * // "default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; img-src data:; …"
 * ```
 */
export function hashedContentSecurityPolicy(options: HashedCspOptions = {}): string {
  const sources = (texts: Iterable<string> | undefined) => {
    const hashes = [...new Set([...(texts ?? [])].map(cspHash))];
    return hashes.length === 0 ? "'none'" : hashes.join(" ");
  };
  return [
    "default-src 'none'",
    `script-src ${sources(options.scripts)}`,
    `style-src ${
      options.styleAttributes === undefined || [...options.styleAttributes].length === 0
        ? sources(options.styles)
        : `'unsafe-hashes' ${sources([...(options.styles ?? []), ...options.styleAttributes])}`
    }`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/** Inline code found in a piece of HTML by {@linkcode inlineCode}. */
export interface InlineCode {
  /** Texts of `<script>` elements without a `src` attribute, in document order. */
  scripts: string[];
  /** Texts of `<style>` elements, in document order. */
  styles: string[];
}

// Script and style contents are raw text: they end at the first `</script` (`</style`)
// followed by whitespace, `/` or `>`. A text cut wrongly only gives a hash that matches
// nothing, so the browser refuses the element (fails closed).
const _SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script[\s/>]/gi;
const _STYLE = /<style\b[^>]*>([\s\S]*?)<\/style[\s/>]/gi;

/**
 * The texts of the inline `<script>` and `<style>` elements of an HTML document or fragment.
 *
 * @example
 * ```ts
 * inlineCode("<style>p{}</style><script>go()</script>");
 * // { scripts: ["go()"], styles: ["p{}"] }
 * ```
 */
export function inlineCode(markup: string): InlineCode {
  const scripts = [...markup.matchAll(_SCRIPT)]
    .filter((m) => !/\ssrc\s*=/i.test(` ${m[1]}`))
    .map((m) => m[2] ?? "");
  const styles = [...markup.matchAll(_STYLE)].map((m) => m[1] ?? "");
  return { scripts, styles };
}

const _STYLE_ELEMENT = /createElement\(\s*["']style["']\s*\)/g;
const _TEXT_CONTENT = /\.textContent\s*=\s*'([^'\\]*)'/y;

/**
 * Texts of the `<style>` elements a script creates itself: an empty one (filled through the
 * CSSOM, as plotly.js does) and any set from a plain string literal just after
 * `createElement("style")` (plotly.js injects the MapLibre CSS so). A CSP must list them, or
 * the browser refuses them and charts lose their layout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const script = 'const s = document.createElement("style"); s.textContent = \'.a{color:red}\';';
 * assert.deepEqual(scriptStyles(script), ["", ".a{color:red}"]);
 * assert.deepEqual(scriptStyles("console.log(1)"), []);
 * ```
 */
export function scriptStyles(script: string): string[] {
  const styles = new Set<string>();
  for (const m of script.matchAll(_STYLE_ELEMENT)) {
    styles.add("");
    const window = script.slice(m.index, m.index + 400);
    const at = window.indexOf(".textContent");
    if (at < 0) continue;
    _TEXT_CONTENT.lastIndex = m.index + at;
    const literal = _TEXT_CONTENT.exec(script);
    if (literal?.[1] !== undefined) styles.add(literal[1]);
  }
  return [...styles];
}

/** Options for {@linkcode withHashedCsp}. */
export interface WithHashedCspOptions {
  /**
   * Allow any inline style (`style-src 'unsafe-inline'`) for documents made by tools that
   * write `style="…"` attributes (nbconvert's notebook exports). Scripts stay hash-only:
   * styles cannot run code.
   * @default {false}
   */
  inlineStyles?: boolean;
}

const _CSP_META = /<meta\s+http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>\s*/gi;

/**
 * The document with a CSP `<meta>` ({@linkcode hashedContentSecurityPolicy}) that allows
 * exactly the inline scripts and styles it holds now, replacing any CSP `<meta>` it had. Call
 * it as the last step on a complete document you produced (e.g. a notebook's HTML export):
 * everything inline in it is trusted (and the styles its scripts create, see
 * {@linkcode scriptStyles}), while inline event handlers, `javascript:` URLs, style
 * attributes and any fetch are refused. The `<meta>` goes right after `<meta charset>` (or
 * `<head>`), before any script. Throws `TypeError` if the document has no `<head>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const exported = '<html><head><meta charset="utf-8"></head><body><script>1</script></body></html>';
 * const safe = withHashedCsp(exported);
 * assert.match(safe, /<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy"/);
 * assert.match(safe, /script-src 'sha256-/);
 * assert.ok(!safe.includes("unsafe-inline"));
 * ```
 */
export function withHashedCsp(document: string, options: WithHashedCspOptions = {}): string {
  const stripped = document.replace(_CSP_META, "");
  const code = inlineCode(stripped);
  const created = code.scripts.flatMap(scriptStyles);
  let policy = hashedContentSecurityPolicy({
    scripts: code.scripts,
    styles: [...code.styles, ...created],
    styleAttributes: created.length > 0 ? [""] : [],
  });
  if (options.inlineStyles) {
    // A hash next to 'unsafe-inline' would switch 'unsafe-inline' off, so styles get it alone.
    policy = policy.replace(/style-src [^;]*/, "style-src 'unsafe-inline'");
  }
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
  const anchor = /<meta\s+charset\s*=[^>]*>/i.exec(stripped) ?? /<head\b[^>]*>/i.exec(stripped);
  if (anchor === null) {
    throw new TypeError("Cannot add a Content-Security-Policy: the document has no <head>");
  }
  const at = anchor.index + anchor[0].length;
  return `${stripped.slice(0, at)}\n${meta}${stripped.slice(at)}`;
}

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
 * CSS, a CSP `<meta>` forbidding every fetch and allowing only the page's own inline code
 * by hash ({@linkcode hashedContentSecurityPolicy}): plotly.js, the sort script, `head`, and
 * the body's chart scripts from `figureToHtml()`; any other body script is refused,
 * plotly.js once (only if the body contains a chart) and the table-sort script once (only
 * if it contains a sortable table). The title is escaped; `body` and `head` are trusted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { html } from "./escape.ts";
 * import { tableHtml } from "./table.ts";
 *
 * const doc = page({
 *   title: "Weekly funnel",
 *   body: html`<h1>Weekly funnel</h1>${tableHtml([{ step: "signup", users: 1200 }])}`,
 * });
 * assert.ok(doc.startsWith("<!DOCTYPE html>"));
 * assert.ok(doc.includes("<title>Weekly funnel</title>"));
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
  const plotlyTag = wantsPlotly ? plotlyScriptTag().value : "";
  const sortTag = wantsSort ? `<script>${TABLE_SORT_SCRIPT}</script>` : "";
  // Allowed: the page's own code, everything in the trusted `head`, and the body's chart
  // scripts made by figureToHtml(). Any other script in the body is refused.
  const ownHead = inlineCode(`${plotlyTag}${sortTag}${head}`);
  const created = ownHead.scripts.flatMap(scriptStyles);
  const csp = hashedContentSecurityPolicy({
    scripts: [...ownHead.scripts, ...inlineCode(body).scripts.filter(isFigureScript)],
    styles: [PAGE_CSS, ...ownHead.styles, ...created],
    styleAttributes: created.length > 0 ? [""] : [],
  });
  return [
    "<!DOCTYPE html>",
    `<html lang="${lang}">`,
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    plotlyTag,
    sortTag,
    head,
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
  ].filter((line) => line !== "").join("\n") + "\n";
}
