/**
 * Turning Plotly figure specs (from `lib/charts`) into HTML fragments and notebook MIME
 * bundles, and inlining plotly.js. Charts stay pure data; this is where they meet a page.
 *
 * @module
 */
import type { Figure } from "../charts/mod.ts";
import { RawHtml } from "./escape.ts";

/** MIME type Jupyter front ends with the Plotly extension render natively. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Attribute on every chart container; `page()` looks for it to decide whether to inline Plotly. */
export const CHART_MARKER = "data-tl-chart";

/** Plotly config used unless the figure has its own. */
export const DEFAULT_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d"],
};

/** Options for {@linkcode figureToHtml}. */
export interface FigureHtmlOptions {
  /**
   * `id` of the chart `<div>`: letters, digits, `-` and `_`, starting with a letter.
   * Pass a stable one for reports (`"funnel-by-tier"`) so output is reproducible.
   * @default `"tl-chart-"` + a per-process counter
   */
  id?: string;
  /**
   * Prepend the plotly.js `<script>` (about 4.8 MB) so the fragment works on its own.
   * Leave off in pages built by `page()`, which inline plotly.js once.
   * @default false
   */
  includePlotly?: boolean;
}

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
let _counter = 0;
let _plotlySource: string | undefined;
// Texts of the chart scripts figureToHtml() made in this process: page() allows these.
const _figureScripts = new Set<string>();

/**
 * True when `text` is exactly the script of a chart that {@linkcode figureToHtml} made in
 * this process. `page()` allows such scripts (by hash) in its CSP and no other body script.
 *
 * @example
 * ```ts
 * isFigureScript("alert(1)"); // false
 * ```
 */
export function isFigureScript(text: string): boolean {
  return _figureScripts.has(text);
}

/**
 * JSON that is safe inside an HTML `<script>` element: `<`, `>`, `&`, U+2028 and U+2029
 * become `\uXXXX` escapes, so `</script>` or `<!--` in data cannot end or confuse the script.
 * The parsed value is unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(scriptSafeJson({ label: "</script>" }), '{"label":"\\u003c/script\\u003e"}');
 * ```
 */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v) => typeof v === "bigint" ? Number(v) : v);
  if (json === undefined) {
    throw new TypeError("Cannot embed value as JSON: it serialises to nothing");
  }
  return json
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

// Runs in the browser. Draws the figure, then takes text and grid colours from the
// container's CSS colour, again whenever the colour scheme or print mode changes, so the
// chart follows light/dark pages, JupyterLab themes and printing.
const _DRAW = `function (id, fig) {
  var el = document.getElementById(id);
  if (!el) return;
  if (typeof Plotly === "undefined") {
    el.textContent = "Chart not shown: plotly.js is not loaded on this page.";
    return;
  }
  function theme() {
    var fg = getComputedStyle(el).color || "rgb(31, 35, 40)";
    var m = fg.match(/[\\d.]+/g) || ["31", "35", "40"];
    var rgb = m[0] + ", " + m[1] + ", " + m[2];
    var u = { "font.color": fg, "legend.font.color": fg };
    Object.keys(fig.layout || {}).forEach(function (k) {
      if (/^[xy]axis[0-9]*$/.test(k)) {
        u[k + ".gridcolor"] = "rgba(" + rgb + ", 0.15)";
        u[k + ".zerolinecolor"] = "rgba(" + rgb + ", 0.3)";
        u[k + ".linecolor"] = "rgba(" + rgb + ", 0.3)";
      }
    });
    return u;
  }
  function apply(layout, u) {
    Object.keys(u).forEach(function (path) {
      var parts = path.split("."), o = layout;
      for (var i = 0; i < parts.length - 1; i++) {
        if (typeof o[parts[i]] !== "object" || o[parts[i]] === null) o[parts[i]] = {};
        o = o[parts[i]];
      }
      o[parts[parts.length - 1]] = u[path];
    });
    return layout;
  }
  var layout = apply(fig.layout || {}, theme());
  Plotly.newPlot(el, fig.data, layout, fig.config).then(function () {
    function refresh() { Plotly.relayout(el, theme()); }
    ["(prefers-color-scheme: dark)", "print"].forEach(function (q) {
      var mq = window.matchMedia && window.matchMedia(q);
      if (mq && mq.addEventListener) mq.addEventListener("change", refresh);
    });
    window.addEventListener("beforeprint", refresh);
    window.addEventListener("afterprint", refresh);
  });
}`;

function _titleText(fig: Figure): string {
  const title = fig.layout.title;
  const text = typeof title === "string" ? title : (title as { text?: unknown } | undefined)?.text;
  // Titles are stored escaped for Plotly; undo that for the aria-label, which we re-escape.
  return typeof text === "string"
    ? text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
    : "Chart";
}

function _attr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/**
 * An HTML fragment that draws the figure: a `<div>` (with `role="figure"` and the title as
 * its accessible name) and an inline `<script>` calling `Plotly.newPlot`. The figure JSON
 * is embedded with {@linkcode scriptSafeJson}. Text and grid colours follow the page's CSS
 * `color`, including dark mode and print. Needs plotly.js on the page first
 * (`page()` does it, or use `includePlotly`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = { data: [{ type: "bar", x: ["Basic", "Pro"], y: [12, 31] }], layout: {} };
 * const fragment = figureToHtml(fig, { id: "funnel" });
 * assert.ok(String(fragment).startsWith('<div id="funnel"'));
 * ```
 */
export function figureToHtml(fig: Figure, options: FigureHtmlOptions = {}): RawHtml {
  const id = options.id ?? `tl-chart-${++_counter}`;
  if (!ID_PATTERN.test(id)) {
    throw new TypeError(`Cannot render figure: id "${id}" must match ${ID_PATTERN}`);
  }
  const payload = {
    data: fig.data,
    layout: fig.layout,
    config: { ...DEFAULT_CONFIG, ...fig.config },
  };
  const label = _attr(_titleText(fig));
  const div =
    `<div id="${id}" class="tl-chart" ${CHART_MARKER} role="figure" aria-label="${label}"></div>`;
  const code = `(${_DRAW})(${JSON.stringify(id)}, ${scriptSafeJson(payload)});`;
  _figureScripts.add(code);
  const script = `<script>${code}</script>`;
  const prefix = options.includePlotly ? plotlyScriptTag().value : "";
  return new RawHtml(`${prefix}${div}\n${script}`);
}

/**
 * A Jupyter rich-output bundle: the Plotly MIME type (for front ends with the Plotly
 * renderer) plus a `text/html` fallback that draws offline once plotly.js is on the page
 * (display `plotlyScriptTag()` once first, or pass `includePlotly: true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fig = { data: [{ type: "bar", x: ["Basic", "Pro"], y: [12, 31] }], layout: {} };
 * const bundle = figureMimeBundle(fig, { id: "funnel" });
 * assert.deepEqual(bundle["application/vnd.plotly.v1+json"].data, fig.data);
 * // In a Deno notebook cell: await Deno.jupyter.display(bundle, { raw: true });
 * ```
 */
export function figureMimeBundle(
  fig: Figure,
  options: FigureHtmlOptions = {},
): { "application/vnd.plotly.v1+json": Figure; "text/html": string } {
  return {
    [PLOTLY_MIME]: {
      data: fig.data,
      layout: fig.layout,
      config: { ...DEFAULT_CONFIG, ...fig.config },
    },
    "text/html": figureToHtml(fig, options).value,
  } as { "application/vnd.plotly.v1+json": Figure; "text/html": string };
}

/** Where plotly.js is on disk (`node_modules/plotly.js-dist-min/plotly.min.js`). */
export const PLOTLY_JS_URL: URL = new URL(
  "../../node_modules/plotly.js-dist-min/plotly.min.js",
  import.meta.url,
);

/**
 * The text of `node_modules/plotly.js-dist-min/plotly.min.js`, read once and cached.
 * Throws `Error` naming the path when the file is missing (run `deno install`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(plotlySource().length > 1_000_000);
 * ```
 */
export function plotlySource(): string {
  if (_plotlySource === undefined) {
    const url = PLOTLY_JS_URL;
    try {
      _plotlySource = Deno.readTextFileSync(url);
    } catch (err) {
      throw new Error(
        `Cannot inline plotly.js: "${url.pathname}" could not be read (${
          (err as Error).message
        }); run \`deno install\``,
        { cause: err },
      );
    }
  }
  return _plotlySource;
}

/**
 * `<script>` element with plotly.js inlined, so pages work offline. Any `</script` in the
 * source is written as `<\/script` (same JavaScript, cannot close the element).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { html } from "./escape.ts";
 *
 * const head = html`${plotlyScriptTag()}`;
 * assert.ok(head.value.startsWith("<script>"));
 * ```
 */
export function plotlyScriptTag(): RawHtml {
  return new RawHtml(`<script>${plotlySource().replace(/<\/(script)/gi, "<\\/$1")}</script>`);
}
