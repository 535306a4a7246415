/**
 * What every headline finding returns, and the small text helpers the sentences share.
 *
 * @module
 */

/** A computed finding: a chart title and the full sentence. */
export interface Insight {
  /** Short statement for the chart title. */
  title: string;
  /** The full sentence with numbers, intervals and denominators. */
  sentence: string;
}

/**
 * "a", "a and b", "a, b and c".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(listPhrase(["Industrial", "Electronics"]), "Industrial and Electronics");
 * assert.equal(listPhrase(["Metals", "Textiles", "Glass"]), "Metals, Textiles and Glass");
 * ```
 */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
