/**
 * Rich notebook outputs: Plotly figures, Polars tables and long text (SQL) as Jupyter MIME
 * bundles.
 *
 * The `*Bundle` functions are pure (testable anywhere); `show*` functions send a bundle with
 * `Deno.jupyter.display`, which exists only inside the Deno kernel (`deno jupyter`). This
 * module itself imports and runs fine outside a kernel.
 *
 * Figures carry `application/vnd.plotly.v1+json`, which JupyterLab draws with the Plotly
 * renderer of the pinned `plotly` Python package (after any save, reload or re-run, trusted
 * or not), and a `text/html` fallback that calls `Plotly.newPlot` (both from lib/html's
 * `figureMimeBundle`) for pages that have plotly.js: the offline HTML exports of
 * `deno task notebooks` inline it once. No output carries plotly.js itself.
 *
 * Tables use lib/html's `tableHtml` with the report's number formats (lib/format), columns
 * formatted by their names ({@linkcode frameFormats}), long text cut short, and alignment
 * written inline (JupyterLab right-aligns every cell otherwise).
 *
 * @module
 */

import type { DataFrame } from "nodejs-polars";
import type { Figure } from "../charts/mod.ts";
import { type CellFormat, formatCount, formatPValue } from "../format/mod.ts";
import { escapeHtml, figureMimeBundle, tableHtml } from "../html/mod.ts";

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

/** Options for {@linkcode figureBundle} and {@linkcode showFigure}. */
export interface FigureBundleOptions extends DisplayOptions {
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
  /**
   * Cell formats by column, over those {@linkcode frameFormats} infers from the names.
   * @default {{}}
   */
  formats?: Readonly<Record<string, CellFormat>>;
  /**
   * Text longer than this many characters is cut with "…" (hashes such as `sha256` are cut
   * at 12); objects show as JSON, cut the same way. Text wraps within its column; pass
   * `Infinity` to show it whole.
   * @default {80}
   */
  maxChars?: number;
  /**
   * Show only a one-line summary (caption and shape) that opens to the table.
   * @default {false}
   */
  collapsed?: boolean;
}

/** Options for {@linkcode codeBundle} and {@linkcode showCode}. */
export interface CodeBundleOptions extends DisplayOptions {
  /**
   * The line that stays visible; the code opens under it. The line count is appended.
   * @default {"Code"}
   */
  summary?: string;
  /**
   * Start opened.
   * @default {false}
   */
  open?: boolean;
}

// Alignment is inline (tableHtml's inlineAlign); this only styles the caption and numbers,
// and is dropped harmlessly where <style> is not allowed.
const _FRAME_STYLE = "<style>.terraloop-frame .num{font-variant-numeric:tabular-nums}" +
  ".terraloop-frame caption{text-align:left;font-weight:600}" +
  ".terraloop-frame summary{cursor:pointer}</style>";

const _HASH_COLUMN = /(^|_)(sha256|sha1|md5|hash)$/;
const _HASH_CHARS = 12;

/**
 * Cell formats implied by column names, as the report formats the same metrics: `p_value`
 * as a p-value (`< 0.001`), interval bounds `<x>_ci_low`/`<x>_ci_high` next to a `<x>_pct`
 * column as percentages, `*_pct` as percentages, `share`/`*_share` as shares, kg columns
 * with one decimal. Columns not named here keep `tableHtml`'s inference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPValue } from "../format/mod.ts";
 *
 * assert.deepEqual(frameFormats(["conversion_pct", "conversion_ci_low", "p_value", "tier"]), {
 *   conversion_pct: "pct:1",
 *   conversion_ci_low: "pct:1",
 *   p_value: formatPValue,
 * });
 * ```
 */
export function frameFormats(columns: readonly string[]): Record<string, CellFormat> {
  const names = new Set(columns);
  const formats: Record<string, CellFormat> = {};
  for (const name of columns) {
    const bound = /^(.*)_ci_(low|high)$/.exec(name);
    if (name === "p_value" || name.endsWith("_p_value")) formats[name] = formatPValue;
    else if (name.endsWith("_pct")) formats[name] = "pct:1";
    else if (bound && names.has(`${bound[1]}_pct`)) formats[name] = "pct:1";
    else if (name === "share" || name.endsWith("_share")) formats[name] = "share:1";
    else if (/(^|_)kg(_|$)/.test(name)) formats[name] = "fixed:1";
  }
  return formats;
}

/**
 * The bundle for one figure: lib/html's `figureMimeBundle` (Plotly JSON plus an offline
 * `text/html` fallback; figure JSON escaped so data cannot close the `<script>`), and a
 * `text/plain` summary for consoles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const bundle = figureBundle({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} });
 * assert.deepEqual(Object.keys(bundle), [
 *   "application/vnd.plotly.v1+json",
 *   "text/html",
 *   "text/plain",
 * ]);
 * assert.equal(bundle["text/plain"], "Plotly figure: 1 trace(s) (bar)");
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
 * (escaped, numbers formatted as the report does, long text cut) with the caption, then the
 * full shape ("12,345 rows × 8 columns"), plus a tab-separated `text/plain` version. With
 * `collapsed`, the table sits in a `<details>` element under its caption and shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const bundle = frameBundle(pl.DataFrame({ a: [1, 2] }), { caption: "Users" });
 * assert.ok(String(bundle["text/html"]).includes("2 rows × 1 column"));
 * assert.equal(bundle["text/plain"], "Users\na\n1\n2\n2 rows × 1 column");
 * ```
 */
export function frameBundle(df: DataFrame, options: FrameBundleOptions = {}): MimeBundle {
  const maxRows = options.maxRows ?? 20;
  const maxChars = options.maxChars ?? 80;
  const head = df.height > maxRows ? df.head(maxRows) : df;
  const shown = df.height > head.height ? ` (first ${formatCount(head.height)} shown)` : "";
  const shape = frameShape(df) + shown;
  const columns = head.getColumns();
  const values = columns.map((series) => series.toArray() as unknown[]);
  const formats: Record<string, CellFormat> = {
    ...frameFormats(columns.map((series) => series.name)),
  };
  columns.forEach((series, i) => {
    const texty = values[i]!.every((v) =>
      v === null || v === undefined || typeof v === "string" ||
      (typeof v === "object" && !(v instanceof Date))
    );
    if (texty && values[i]!.some((v) => v !== null && v !== undefined)) {
      const limit = _HASH_COLUMN.test(series.name) ? _HASH_CHARS : maxChars;
      formats[series.name] = (v) => _cut(_plainValue(v), limit);
    }
  });
  Object.assign(formats, options.formats);
  const collapsed = options.collapsed === true;
  const table = tableHtml(head, {
    caption: collapsed ? undefined : options.caption,
    sortable: false,
    maxRows: Math.max(head.height, 1),
    formats,
    inlineAlign: true,
  });
  const shapeLine = `<p style="opacity:0.7;font-size:0.9em;margin-top:0.3em">` +
    `${escapeHtml(shape)}</p>`;
  const body = collapsed
    ? `<details><summary>${
      options.caption ? `<strong>${escapeHtml(options.caption)}</strong> · ` : ""
    }${escapeHtml(shape)}</summary>${table.value}</details>`
    : `${table.value}${shapeLine}`;
  const html = `<div class="terraloop-frame">${_FRAME_STYLE}${body}</div>`;
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
 * The bundle for a long text such as compiled SQL: a one-line summary (with the line count)
 * that opens to the text, escaped, in a scrollable `<pre>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const bundle = codeBundle("select 1\nfrom t", { summary: "base_events for DuckDB" });
 * assert.match(String(bundle["text/html"]), /^<details><summary[^>]*>base_events for DuckDB \(2 lines\)/);
 * ```
 */
export function codeBundle(code: string, options: CodeBundleOptions = {}): MimeBundle {
  const lines = code.replace(/\n$/, "").split("\n").length;
  const summary = `${options.summary ?? "Code"} (${formatCount(lines)} ${
    lines === 1 ? "line" : "lines"
  })`;
  const html = `<details${options.open ? " open" : ""}><summary style="cursor:pointer">` +
    `${escapeHtml(summary)}</summary><pre style="max-height:32em;overflow:auto">` +
    `<code>${escapeHtml(code)}</code></pre></details>`;
  return { "text/html": html, "text/plain": `${summary}\n${code}` };
}

/**
 * "12,345 rows × 8 columns" for a DataFrame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * assert.equal(frameShape(pl.DataFrame({ a: [1] })), "1 row × 1 column");
 * ```
 */
export function frameShape(df: DataFrame): string {
  const rows = `${formatCount(df.height)} ${df.height === 1 ? "row" : "rows"}`;
  const cols = `${formatCount(df.width)} ${df.width === 1 ? "column" : "columns"}`;
  return `${rows} × ${cols}`;
}

/**
 * Displays a Plotly figure in the notebook.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // In a notebook: `await showFigure(fig)`; here a recorder stands in for the kernel.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 * const fig = {
 *   data: [{ type: "bar", x: ["a", "b"], y: [3, 5] }],
 *   layout: { title: { text: "Demo" } },
 * };
 * await showFigure(fig, { display });
 * assert.equal(shown.length, 1); // the figure only: JupyterLab brings its own plotly.js
 * assert.equal(shown[0]?.["text/plain"], 'Plotly figure "Demo": 1 trace(s) (bar)');
 * ```
 */
export async function showFigure(
  fig: Figure,
  options: FigureBundleOptions = {},
): Promise<void> {
  const display = options.display ?? _kernelDisplay("a figure");
  await display(figureBundle(fig, options));
}

/**
 * Displays a Polars DataFrame as an HTML table with its caption and shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * // In a notebook: `await showFrame(df, { caption })`; here a recorder stands in for the kernel.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 * const frame = pl.DataFrame({ region: ["NA", "EMEA"], n: [3, 4] });
 * await showFrame(frame, { caption: "Users by region", display });
 * assert.match(String(shown[0]?.["text/plain"]), /^Users by region\nregion\tn\nNA\t3\n/);
 * // Outside the kernel, without `display`, it says why it cannot show anything:
 * await assert.rejects(showFrame(frame), /Deno.jupyter exists only inside the Deno Jupyter kernel/);
 * ```
 */
export async function showFrame(df: DataFrame, options: FrameBundleOptions = {}): Promise<void> {
  const display = options.display ?? _kernelDisplay("a table");
  await display(frameBundle(df, options));
}

/**
 * Displays Markdown (a finding, a list of what was done). Prefer it to ending a cell with a
 * `Deno.jupyter.md` value: Deno's kernel (2.9) may publish a cell's value after the cell
 * ended, and during a Run All that output then lands in the next cell; a display sent and
 * awaited inside the cell stays in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // In a notebook: `await showMarkdown(text)`; here a recorder stands in for the kernel.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 * await showMarkdown("**Activation.** Basic users start a listing less often.", { display });
 * assert.equal(shown[0]?.["text/markdown"], "**Activation.** Basic users start a listing less often.");
 * ```
 */
export async function showMarkdown(text: string, options: DisplayOptions = {}): Promise<void> {
  const display = options.display ?? _kernelDisplay("Markdown");
  await display({ "text/markdown": text, "text/plain": text });
}

/**
 * Displays a long text (compiled SQL, a log) folded under a one-line summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // In a notebook: `await showCode(model.sql, { summary })`; here a recorder stands in.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 * await showCode("select 1", { summary: "fct_events compiled for DuckDB", display });
 * assert.match(String(shown[0]?.["text/plain"]), /^fct_events compiled for DuckDB \(1 line\)\n/);
 * ```
 */
export async function showCode(code: string, options: CodeBundleOptions = {}): Promise<void> {
  const display = options.display ?? _kernelDisplay("a code block");
  await display(codeBundle(code, options));
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

function _cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function _plainValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? Number(v) : v);
  }
  return String(value);
}
