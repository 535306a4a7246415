/**
 * Notebook parameters from the environment: `deno task notebooks` passes `TERRALOOP_*`
 * variables through to the kernels, so a parameters cell can read them with a default.
 *
 * @module
 */

/**
 * Reads notebook parameter `name` from `TERRALOOP_<NAME>` (upper-cased, `-` → `_`), parsed to
 * the type of `fallback` (number, boolean or string); `fallback` when unset or empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // TERRALOOP_N_USERS=500 deno task notebooks → notebookParam("n_users", 2_000) is 500
 * Deno.env.set("TERRALOOP_DOC_USERS", "500");
 * assert.equal(notebookParam("doc_users", 2_000), 500);
 * assert.equal(notebookParam("doc_data_dir", "../data/raw/demo"), "../data/raw/demo"); // unset
 * Deno.env.delete("TERRALOOP_DOC_USERS");
 * ```
 */
export function notebookParam<T extends string | number | boolean>(name: string, fallback: T): T {
  const key = `TERRALOOP_${name.toUpperCase().replace(/-/g, "_")}`;
  const raw = Deno.env.get(key);
  if (raw === undefined || raw === "") return fallback;
  if (typeof fallback === "number") {
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new TypeError(`Cannot read notebook parameter ${key}: "${raw}" is not a number`);
    }
    return value as T;
  }
  if (typeof fallback === "boolean") {
    if (/^(1|true|yes)$/i.test(raw)) return true as T;
    if (/^(0|false|no)$/i.test(raw)) return false as T;
    throw new TypeError(`Cannot read notebook parameter ${key}: "${raw}" is not a boolean`);
  }
  return raw as T;
}
