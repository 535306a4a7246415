/**
 * Rich notebook outputs: Plotly figures and Polars tables as Jupyter MIME bundles.
 *
 * The `*Bundle` functions are pure (testable anywhere); `show*` functions send a bundle with
 * `Deno.jupyter.display`, which exists only inside the Deno kernel (`deno jupyter`). This
 * module itself imports and runs fine outside a kernel.
 *
 * Figures carry `application/vnd.plotly.v1+json` (for frontends with a Plotly renderer) and
 * a `text/html` fallback that calls `Plotly.newPlot` (both from lib/html's
 * `figureMimeBundle`). The fallback needs plotly.js on the page, which
 * {@linkcode displayPlotlyRuntime} provides offline, once per kernel, from
 * `node_modules/plotly.js-dist-min` (never a CDN). Tables use lib/html's `tableHtml`.
 *
 * @module
 */

import type { DataFrame } from "nodejs-polars";
import type { Figure } from "../charts/mod.ts";
import { formatCount } from "../format/mod.ts";
import { escapeHtml, figureMimeBundle, plotlyScriptTag, tableHtml } from "../html/mod.ts";

/** A MIME bundle: MIME type → payload, as Jupyter's display_data carries it. */
export type MimeBundle = Record<string, unknown>;

/** Sends a bundle to the notebook; by default `Deno.jupyter.display(bundle, { raw: true })`. */
export type DisplayFn = (bundle: MimeBundle) => Promise<void>;

/** Options shared by the `show*` functions. */
export interface DisplayOptions {
  /**
   * How to emit the bundle; tests pass a recorder.
   * @default {Deno.jupyter.display(bundle, { raw: true })}
   */
  display?: DisplayFn;
}

/** Options for {@linkcode plotlyRuntimeBundle} and {@linkcode displayPlotlyRuntime}. */
export interface PlotlyRuntimeOptions extends DisplayOptions {
  /**
   * Emit the runtime even if this kernel already did (after reloading the JupyterLab page
   * without restarting the kernel).
   * @default {false}
   */
  force?: boolean;
}

/** Options for {@linkcode figureBundle} and {@linkcode showFigure}. */
export interface FigureBundleOptions extends PlotlyRuntimeOptions {
  /**
   * id of the `<div>` the HTML fallback draws into (letters, digits, `-`, `_`).
   * @default {a random "nb-chart-<uuid>", so charts from re-run cells never collide}
   */
  id?: string;
}

/** Options for {@linkcode frameBundle} and {@linkcode showFrame}. */
export interface FrameBundleOptions extends DisplayOptions {
  /**
   * Caption shown above the table (escaped).
   * @default {undefined}
   */
  caption?: string;
  /**
   * Rows shown; the shape line still counts all rows.
   * @default {20}
   */
  maxRows?: number;
}

let _runtimeDisplayed = false;

// JupyterLab and nbconvert style plain tables but know nothing of lib/html's classes.
const _FRAME_STYLE = "<style>.terraloop-frame .num{text-align:right;" +
  "font-variant-numeric:tabular-nums}.terraloop-frame caption{text-align:left;" +
  "font-weight:600}</style>";

/**
 * The bundle that loads plotly.js into the page: a `text/html` `<script>` with the whole
 * plotly.min.js inlined (about 4.8 MB), so charts render with no network.
 *
 * @example
 * ```ts
 * const bundle = plotlyRuntimeBundle();
 * // bundle["text/html"] starts with "<script"
 * ```
 */
export function plotlyRuntimeBundle(): MimeBundle {
  return {
    "text/html": plotlyScriptTag().value,
    "text/plain": "plotly.js runtime (inlined from plotly.js-dist-min)",
  };
}

/**
 * The bundle for one figure: lib/html's `figureMimeBundle` (Plotly JSON plus an offline
 * `text/html` fallback; figure JSON escaped so data cannot close the `<script>`), and a
 * `text/plain` summary for consoles.
 *
 * @example
 * ```ts
 * const bundle = figureBundle({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} });
 * // Object.keys(bundle): ["application/vnd.plotly.v1+json", "text/html", "text/plain"]
 * ```
 */
export function figureBundle(fig: Figure, options: FigureBundleOptions = {}): MimeBundle {
  const id = options.id ?? `nb-chart-${crypto.randomUUID()}`;
  const traces = fig.data.map((trace) => String(trace.type ?? "scatter")).join(", ");
  const title = _titleText(fig.layout?.title);
  return {
    ...figureMimeBundle(fig, { id }),
    "text/plain": `Plotly figure${title ? ` "${title}"` : ""}: ${fig.data.length} trace(s) ` +
      `(${traces})`,
  };
}

/**
 * The bundle for a Polars DataFrame: lib/html's `tableHtml` of the first `maxRows` rows
 * (escaped, numbers formatted) with the caption, then the full shape
 * ("12,345 rows × 8 columns"), plus a tab-separated `text/plain` version.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * const bundle = frameBundle(pl.DataFrame({ a: [1, 2] }), { caption: "Users" });
 * // bundle["text/html"] contains "2 rows × 1 column"
 * ```
 */
export function frameBundle(df: DataFrame, options: FrameBundleOptions = {}): MimeBundle {
  const maxRows = options.maxRows ?? 20;
  const head = df.height > maxRows ? df.head(maxRows) : df;
  const shown = df.height > head.height ? ` (first ${formatCount(head.height)} shown)` : "";
  const shape = frameShape(df) + shown;
  const table = tableHtml(head, {
    caption: options.caption,
    sortable: false,
    maxRows: Math.max(head.height, 1),
  });
  const html = `<div class="terraloop-frame">${_FRAME_STYLE}${table.value}` +
    `<p style="opacity:0.7;font-size:0.9em;margin-top:0.3em">${escapeHtml(shape)}</p></div>`;
  const columns = head.getColumns();
  const values = columns.map((series) => series.toArray() as unknown[]);
  const plain = [
    ...(options.caption ? [options.caption] : []),
    columns.map((series) => series.name).join("\t"),
    ...Array.from(
      { length: head.height },
      (_, r) => values.map((column) => _plainValue(column[r])).join("\t"),
    ),
    shape,
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/**
 * "12,345 rows × 8 columns" for a DataFrame.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * frameShape(pl.DataFrame({ a: [1] })); // "1 row × 1 column"
 * ```
 */
export function frameShape(df: DataFrame): string {
  const rows = `${formatCount(df.height)} ${df.height === 1 ? "row" : "rows"}`;
  const cols = `${formatCount(df.width)} ${df.width === 1 ? "column" : "columns"}`;
  return `${rows} × ${cols}`;
}

/**
 * Displays the plotly.js runtime once per kernel (a module-level flag), so later
 * `text/html` figure fallbacks can call `Plotly`. Returns whether it displayed anything.
 * {@linkcode showFigure} calls it for you.
 *
 * @example
 * ```ts
 * await displayPlotlyRuntime(); // true the first time, false afterwards
 * ```
 */
export async function displayPlotlyRuntime(options: PlotlyRuntimeOptions = {}): Promise<boolean> {
  if (_runtimeDisplayed && !options.force) return false;
  const display = options.display ?? _kernelDisplay("the Plotly runtime");
  await display(plotlyRuntimeBundle());
  _runtimeDisplayed = true;
  return true;
}

/**
 * Displays a Plotly figure in the notebook (after the runtime, the first time).
 *
 * @example
 * ```ts
 * await showFigure({ data: [{ type: "bar", x: ["a", "b"], y: [3, 5] }], layout: { title: { text: "Demo" } } });
 * await showFigure(funnelChart(funnel, { title: "Signup funnel" })); // lib/charts builders
 * ```
 */
export async function showFigure(
  fig: Figure,
  options: FigureBundleOptions = {},
): Promise<void> {
  const display = options.display ?? _kernelDisplay("a figure");
  await displayPlotlyRuntime({ ...options, display });
  await display(figureBundle(fig, options));
}

/**
 * Displays a Polars DataFrame as an HTML table with its caption and shape.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * await showFrame(pl.DataFrame({ region: ["NA", "EMEA"], n: [3, 4] }), { caption: "Users by region" });
 * ```
 */
export async function showFrame(df: DataFrame, options: FrameBundleOptions = {}): Promise<void> {
  const display = options.display ?? _kernelDisplay("a table");
  await display(frameBundle(df, options));
}

function _kernelDisplay(what: string): DisplayFn {
  let jupyter: typeof Deno.jupyter | undefined;
  try {
    // Deno.jupyter is a getter that throws outside `deno jupyter`.
    jupyter = Deno.jupyter;
  } catch {
    jupyter = undefined;
  }
  if (!jupyter) {
    throw new Error(
      `Cannot display ${what}: Deno.jupyter exists only inside the Deno Jupyter kernel ` +
        `(deno jupyter); use the *Bundle functions to get the MIME bundle instead`,
    );
  }
  const kernel = jupyter;
  return async (bundle) => {
    await kernel.display(bundle, { raw: true });
    // Deno's kernel (2.9) can publish a display after the cell's "idle" status when the
    // message is still in flight (large ones especially), and JupyterLab drops outputs that
    // arrive after idle. Staying in the cell a moment, longer for bigger bundles, lets it land.
    const bytes = Object.values(bundle).reduce<number>(
      (sum, value) => sum + (typeof value === "string" ? value.length : 0),
      0,
    );
    await new Promise((done) => setTimeout(done, Math.min(2_000, 20 + bytes / 10_000)));
  };
}

function _titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && "text" in title) return String(title.text);
  return "";
}

function _plainValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
