/**
 * Sortable, escaped HTML tables from small Polars frames or arrays of records.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { escapeHtml, RawHtml } from "./escape.ts";
import { type CellFormat, formatValue } from "../format/mod.ts";

/** One column of a table: which field, its header text and how to format its cells. */
export interface TableColumn {
  /** Column name in the frame, or key in the records. */
  key: string;
  /**
   * Header text.
   * @default the key
   */
  label?: string;
  /**
   * Cell format.
   * @default inferred from the name and values (see {@linkcode TableOptions.formats})
   */
  format?: CellFormat;
}

/** Options for {@linkcode tableHtml}. */
export interface TableOptions {
  /**
   * Columns to show, in order: names or {@linkcode TableColumn} objects.
   * @default every column of the frame (or every key of the records, first-seen order)
   */
  columns?: readonly (string | TableColumn)[];
  /**
   * Per-column formats by key. Without one, a column is formatted as `pct:1` when its name
   * ends in `_pct`, `share:1` when it is `share` or ends in `_share`, `int` when every value is
   * a whole number, `fixed:2` for other numbers, `date`/`datetime` for dates, else text.
   * @default {}
   */
  formats?: Readonly<Record<string, CellFormat>>;
  /**
   * Header text by key (a shorter alternative to `columns` objects).
   * @default {}
   */
  labels?: Readonly<Record<string, string>>;
  /**
   * Table caption (escaped); say what one row is, e.g. "One row per tier".
   * @default no caption
   */
  caption?: string;
  /**
   * Make headers clickable to sort. The page needs the sort script once:
   * `page()` adds it automatically; elsewhere include {@linkcode tableSortScriptTag}.
   * @default true
   */
  sortable?: boolean;
  /**
   * `id` attribute of the table (letters, digits, `-`, `_`).
   * @default none
   */
  id?: string;
  /**
   * Refuse inputs with more rows than this: tables are for small result frames.
   * @default 5000
   */
  maxRows?: number;
  /**
   * Write each cell's alignment (numbers right, text left and wrapping anywhere, so a long
   * token such as JSON cannot widen the table past the page) as an inline `style`, for hosts
   * that style every cell themselves and strip `<style>` elements (JupyterLab right-aligns
   * all cells, and drops `<style>` from untrusted outputs).
   * @default false
   */
  inlineAlign?: boolean;
}

/** Rows as plain objects, e.g. `frame.toRecords()` or hand-made data. */
export type TableRecords = readonly Readonly<Record<string, unknown>>[];

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

function _isFrame(data: unknown): data is pl.DataFrame {
  return typeof data === "object" && data !== null &&
    typeof (data as { getColumn?: unknown }).getColumn === "function" &&
    Array.isArray((data as { columns?: unknown }).columns);
}

function _inferFormat(key: string, values: readonly unknown[]): CellFormat {
  if (key.endsWith("_pct")) return "pct:1";
  if (key === "share" || key.endsWith("_share")) return "share:1";
  let numeric = false;
  let allInt = true;
  let dates = false;
  let allMidnight = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === "bigint") {
      numeric = true;
    } else if (typeof v === "number") {
      numeric = true;
      if (!Number.isInteger(v)) allInt = false;
    } else if (v instanceof Date) {
      dates = true;
      if (!v.toISOString().endsWith("T00:00:00.000Z")) allMidnight = false;
    } else {
      return "text";
    }
  }
  if (numeric && !dates) return allInt ? "int" : "fixed:2";
  if (dates && !numeric) return allMidnight ? "date" : "datetime";
  return "text";
}

function _sortKey(value: unknown): string | null {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return String(value.getTime());
  return null; // text: the script sorts by the visible text
}

function _columnsOf(data: pl.DataFrame | TableRecords): string[] {
  if (_isFrame(data)) return [...data.columns];
  const seen = new Set<string>();
  for (const row of data) for (const k of Object.keys(row)) seen.add(k);
  return [...seen];
}

function _valuesOf(data: pl.DataFrame | TableRecords, key: string): unknown[] {
  if (_isFrame(data)) return data.getColumn(key).toArray() as unknown[];
  return data.map((row) => row[key]);
}

/**
 * Render a small frame or array of records as an HTML table. Every header, caption and cell
 * is escaped; numbers are right-aligned and formatted (thousands separators, fixed decimals,
 * percentages); nulls show as an em dash. With `sortable` (the default) clicking a header
 * sorts the rows, numerically for number and date columns, with nulls last.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const frame = pl.DataFrame({ tier: ["Basic", "Pro"], users: [1200, 340] });
 * const table = tableHtml(frame, { caption: "One row per tier", labels: { users: "Users" } });
 * assert.ok(String(table).includes("1,200"));
 * ```
 */
export function tableHtml(data: pl.DataFrame | TableRecords, options: TableOptions = {}): RawHtml {
  const { sortable = true, maxRows = 5000, formats = {}, labels = {} } = options;
  const align = (numeric: boolean) =>
    options.inlineAlign
      ? ` style="text-align:${numeric ? "right" : "left;overflow-wrap:anywhere"}"`
      : "";
  const height = _isFrame(data) ? data.height : data.length;
  if (height > maxRows) {
    throw new RangeError(
      `Cannot render table${options.caption ? ` "${options.caption}"` : ""}: ` +
        `${height} rows exceed maxRows ${maxRows}; aggregate or slice the frame first`,
    );
  }
  if (options.id !== undefined && !ID_PATTERN.test(options.id)) {
    throw new TypeError(`Cannot render table: id "${options.id}" must match ${ID_PATTERN}`);
  }
  const available = _columnsOf(data);
  const specs: TableColumn[] = (options.columns ?? available).map((c) =>
    typeof c === "string" ? { key: c } : c
  );
  const isFrame = _isFrame(data);
  const columns = specs.map((spec) => {
    if (isFrame && !available.includes(spec.key)) {
      throw new TypeError(
        `Cannot render table: column "${spec.key}" is not in the frame (columns: ${
          available.join(", ")
        })`,
      );
    }
    const values = _valuesOf(data, spec.key);
    const format = spec.format ?? formats[spec.key] ?? _inferFormat(spec.key, values);
    const numeric = values.some((v) =>
      typeof v === "number" || typeof v === "bigint" || v instanceof Date
    );
    return {
      key: spec.key,
      label: spec.label ?? labels[spec.key] ?? spec.key,
      format,
      values,
      numeric,
    };
  });

  const head = columns.map((c) => {
    const cls = (c.numeric ? ' class="num"' : "") + align(c.numeric);
    const label = escapeHtml(c.label);
    return sortable
      ? `<th scope="col"${cls} aria-sort="none"><button type="button" class="tl-sort">${label}</button></th>`
      : `<th scope="col"${cls}>${label}</th>`;
  }).join("");
  const body: string[] = [];
  for (let r = 0; r < height; r++) {
    const cells = columns.map((c) => {
      const value = c.values[r];
      const text = formatValue(value, c.format);
      const key = c.numeric ? _sortKey(value) : (value === null || value === undefined ? "" : null);
      const attrs = (c.numeric ? ' class="num"' : "") + align(c.numeric) +
        (key === null ? "" : ` data-sort="${escapeHtml(key)}"`);
      return `<td${attrs}>${
        text === "" ? '<span class="tl-null">—</span>' : escapeHtml(text)
      }</td>`;
    });
    body.push(`<tr>${cells.join("")}</tr>`);
  }
  const id = options.id ? ` id="${options.id}"` : "";
  const marker = sortable ? " data-tl-sortable" : "";
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  return new RawHtml(
    `<div class="tl-table-wrap"><table class="tl-table"${id}${marker}>${caption}` +
      `<thead><tr>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></div>`,
  );
}

/**
 * The click-to-sort script as plain JavaScript. It installs one delegated click listener
 * (a second copy is a no-op), so it may be included more than once.
 */
export const TABLE_SORT_SCRIPT = `(function () {
  if (window.__tlTableSort) return;
  window.__tlTableSort = true;
  function key(cell) {
    if (!cell) return null;
    var v = cell.getAttribute("data-sort");
    if (v !== null) return v === "" ? null : Number(v);
    return cell.textContent.trim();
  }
  document.addEventListener("click", function (ev) {
    var target = ev.target;
    var button = target && target.closest ? target.closest("table[data-tl-sortable] th button.tl-sort") : null;
    if (!button) return;
    var th = button.closest("th");
    var row = th.parentNode;
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(row.children, th);
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(row.children, function (h) {
      if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var tbody = table.tBodies[0];
    var rows = Array.prototype.map.call(tbody.rows, function (r, i) {
      return { row: r, i: i, k: key(r.cells[index]) };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) {
        return a.k === b.k ? a.i - b.i : (a.k === null ? 1 : -1);
      }
      var c = typeof a.k === "number" && typeof b.k === "number"
        ? a.k - b.k
        : String(a.k).localeCompare(String(b.k), undefined, { numeric: true });
      return c !== 0 ? sign * c : a.i - b.i;
    });
    rows.forEach(function (o) { tbody.appendChild(o.row); });
  });
})();`;

/**
 * `<script>` element holding {@linkcode TABLE_SORT_SCRIPT}, for pages not built by `page()`
 * (e.g. notebook outputs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { html } from "./escape.ts";
 *
 * const fragment = html`${tableSortScriptTag()}${tableHtml([{ a: 1 }])}`;
 * assert.ok(fragment.value.startsWith("<script>"));
 * ```
 */
export function tableSortScriptTag(): RawHtml {
  return new RawHtml(`<script>${TABLE_SORT_SCRIPT}</script>`);
}
