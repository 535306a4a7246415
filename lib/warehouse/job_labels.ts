/**
 * Labels for the warehouse jobs a piece of work starts (pipeline run id, stage, model), so
 * the cost of every BigQuery job can be traced back to what ran it. The labels follow the
 * asynchronous call: stages wrap their work in {@linkcode withJobLabels}, the model runner
 * wraps each model, and the BigQuery adapter reads {@linkcode currentJobLabels} when it
 * creates a job. DuckDB ignores them.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/**
 * Run `fn` with `labels` added to the job labels in force (inner values win; `undefined`
 * values are left out). Keys and values are made valid BigQuery labels: lower case, letters,
 * digits, `_` and `-`, at most 63 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const labels = await withJobLabels({ stage: "models" }, () =>
 *   withJobLabels({ model: "fct_events" }, () => Promise.resolve(currentJobLabels())));
 * assert.deepEqual(labels, { stage: "models", model: "fct_events" });
 * ```
 */
export function withJobLabels<T>(
  labels: Record<string, string | undefined | null>,
  fn: () => Promise<T>,
): Promise<T> {
  const merged: Record<string, string> = { ...currentJobLabels() };
  for (const [key, value] of Object.entries(labels)) {
    if (value === undefined || value === null || value === "") continue;
    merged[labelKey(key)] = labelValue(value);
  }
  return storage.run(merged, fn);
}

/**
 * The job labels in force (empty outside {@linkcode withJobLabels}).
 *
 * @example
 * ```ts
 * currentJobLabels(); // {}
 * ```
 */
export function currentJobLabels(): Record<string, string> {
  return { ...(storage.getStore() ?? {}) };
}

/**
 * A valid BigQuery label value: lower case; characters other than letters, digits, `_` and
 * `-` become `_`; at most 63 characters.
 *
 * @example
 * ```ts
 * labelValue("Run 2026-01-01T00:00"); // "run_2026-01-01t00_00"
 * ```
 */
export function labelValue(value: string): string {
  return value.toLowerCase().replace(/[^\p{Ll}\p{Lo}\p{N}_-]/gu, "_").slice(0, 63);
}

/**
 * A valid BigQuery label key: as {@linkcode labelValue}, starting with a letter.
 *
 * @example
 * ```ts
 * labelKey("Run ID"); // "run_id"
 * ```
 */
export function labelKey(key: string): string {
  const value = labelValue(key);
  return /^\p{Ll}/u.test(value) ? value : `k${value}`.slice(0, 63);
}
