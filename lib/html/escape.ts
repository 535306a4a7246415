/**
 * HTML escaping and a tagged template that escapes by default.
 *
 * @module
 */

/** A string of HTML that is trusted and will be inserted as is by {@linkcode html}. */
export class RawHtml {
  /** The trusted HTML text. */
  readonly value: string;
  /** Wrap already-safe HTML; prefer {@linkcode raw} or {@linkcode html} to calling this. */
  constructor(value: string) {
    this.value = value;
  }
  /** The HTML text, so `${fragment}` in a plain template literal works. */
  toString(): string {
    return this.value;
  }
}

const _ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape text for use in HTML element content or in a quoted attribute value.
 * `null` and `undefined` become the empty string; other values are converted with `String`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   escapeHtml('<img src=x onerror="alert(1)">'),
 *   "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;",
 * );
 * ```
 */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return "";
  return String(value).replace(/[&<>"']/g, (ch) => _ESCAPES[ch] ?? ch);
}

/**
 * Mark a string as trusted HTML so {@linkcode html} inserts it without escaping.
 * Only wrap strings your own code produced, never text that came from data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(html`<div>${raw("<b>bold</b>")}</div>`.value, "<div><b>bold</b></div>");
 * ```
 */
export function raw(value: string | RawHtml): RawHtml {
  return value instanceof RawHtml ? value : new RawHtml(value);
}

/** True when the value is trusted HTML produced by this kit. */
export function isRawHtml(value: unknown): value is RawHtml {
  return value instanceof RawHtml;
}

function _interpolate(value: unknown): string {
  if (value instanceof RawHtml) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(_interpolate).join("");
  return escapeHtml(value);
}

/**
 * Tagged template for HTML: every interpolated value is escaped unless it is a
 * {@linkcode RawHtml} (from {@linkcode raw}, `html`, `tableHtml` or `figureToHtml`).
 * Arrays are joined, and `null`, `undefined` and `false` render as nothing, so
 * `${rows.map((r) => html`<li>${r}</li>`)}` and `${cond && html`…`}` work.
 * Interpolate into element content or quoted attributes only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const name = "<script>alert(1)</script>";
 * assert.equal(
 *   html`<p class="who">${name}</p>`.value,
 *   '<p class="who">&lt;script&gt;alert(1)&lt;/script&gt;</p>',
 * );
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) {
    out += _interpolate(values[i]) + (strings[i + 1] ?? "");
  }
  return new RawHtml(out);
}
