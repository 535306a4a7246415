/**
 * Source freshness with dbt's semantics: the newest value of a timestamp column (dbt's
 * `loaded_at_field`) is compared with the current time against `warn_after` and `error_after`.
 *
 * @module
 */

/** Units of a freshness threshold (dbt's `period`). */
export type FreshnessPeriod = "minute" | "hour" | "day";

/** Freshness periods, in seconds. */
export const FRESHNESS_PERIOD_SECONDS: Record<FreshnessPeriod, number> = {
  minute: 60,
  hour: 3_600,
  day: 86_400,
};

/** A threshold such as `{ count: 12, period: "hour" }` (dbt's `warn_after` / `error_after`). */
export interface FreshnessThreshold {
  /** Number of periods; a positive integer. */
  count: number;
  /** Unit of `count`. */
  period: FreshnessPeriod;
}

/** Options for {@linkcode checkFreshness}; at least one threshold is required. */
export interface FreshnessOptions {
  /** Age beyond which the status is `warn`. @default {undefined} */
  warnAfter?: FreshnessThreshold;
  /** Age beyond which the status is `error`. @default {undefined} */
  errorAfter?: FreshnessThreshold;
  /** The current time (dbt's `snapshotted_at`). @default {new Date()} */
  now?: Date;
}

/** Result of {@linkcode checkFreshness}. */
export interface FreshnessResult {
  /** `pass`, `warn` or `error`. */
  status: "pass" | "warn" | "error";
  /** Newest timestamp found, or null when the column had no value. */
  newest: Date | null;
  /** The time it was compared with. */
  now: Date;
  /** `now − newest` in seconds (negative when the newest value lies in the future); null without rows. */
  ageSeconds: number | null;
  /** `warn_after` in seconds, or null. */
  warnAfterSeconds: number | null;
  /** `error_after` in seconds, or null. */
  errorAfterSeconds: number | null;
  /** One sentence: the age and the threshold it crossed. */
  message: string;
}

/** Seconds in a threshold, validating it; `label` names it in messages. */
export function thresholdSeconds(threshold: FreshnessThreshold, label: string): number {
  if (typeof threshold !== "object" || threshold === null) {
    throw new TypeError(`${label} must be {count, period}, got ${JSON.stringify(threshold)}`);
  }
  const { count, period } = threshold;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`${label}.count must be a positive integer, got ${JSON.stringify(count)}`);
  }
  if (!(period in FRESHNESS_PERIOD_SECONDS)) {
    throw new RangeError(
      `${label}.period must be one of ${Object.keys(FRESHNESS_PERIOD_SECONDS).join(", ")}, got ${
        JSON.stringify(period)
      }`,
    );
  }
  return count * FRESHNESS_PERIOD_SECONDS[period];
}

/** A duration in seconds as "3 d 4 h", "5 h 2 min", "40 min" or "12 s". */
export function formatAge(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d} d${h > 0 ? ` ${h} h` : ""}`;
  if (h > 0) return `${sign}${h} h${m > 0 ? ` ${m} min` : ""}`;
  if (m > 0) return `${sign}${m} min`;
  return `${sign}${s} s`;
}

/**
 * Freshness status of a source whose newest timestamp is `newest`, as dbt computes it: `error`
 * when `now − newest` is greater than `errorAfter`, else `warn` when greater than `warnAfter`,
 * else `pass` (an age equal to a threshold passes it). No value at all (an empty table) is an
 * `error`, whatever the thresholds, as dbt reports a query that finds no rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const result = checkFreshness(new Date("2026-03-31T20:00:00Z"), {
 *   warnAfter: { count: 12, period: "hour" },
 *   errorAfter: { count: 1, period: "day" },
 *   now: new Date("2026-04-01T12:00:00Z"),
 * });
 * assert.equal(result.status, "warn");
 * assert.equal(
 *   result.message,
 *   "newest value 2026-03-31T20:00:00.000Z is 16 h old, over warn_after 12 h",
 * );
 * assert.equal(checkFreshness(null, { warnAfter: { count: 1, period: "day" } }).status, "error");
 * ```
 */
export function checkFreshness(newest: Date | null, options: FreshnessOptions): FreshnessResult {
  const warn = options.warnAfter === undefined
    ? null
    : thresholdSeconds(options.warnAfter, "warnAfter");
  const error = options.errorAfter === undefined
    ? null
    : thresholdSeconds(options.errorAfter, "errorAfter");
  if (warn === null && error === null) {
    throw new TypeError("Cannot check freshness: give warnAfter, errorAfter or both");
  }
  const now = options.now ?? new Date();
  if (!Number.isFinite(now.getTime())) throw new RangeError("Cannot check freshness: invalid now");
  const base = { newest, now, warnAfterSeconds: warn, errorAfterSeconds: error };
  if (newest === null || !Number.isFinite(newest.getTime())) {
    return {
      ...base,
      newest: null,
      status: "error",
      ageSeconds: null,
      message: "no rows: the timestamp column has no value",
    };
  }
  const age = (now.getTime() - newest.getTime()) / 1000;
  const status = error !== null && age > error
    ? "error"
    : warn !== null && age > warn
    ? "warn"
    : "pass";
  const limit = status === "error" ? error : status === "warn" ? warn : (warn ?? error);
  const verb = status === "pass" ? "within" : "over";
  const which = status === "error" || (status === "pass" && warn === null)
    ? "error_after"
    : "warn_after";
  return {
    ...base,
    status,
    ageSeconds: age,
    message: `newest value ${newest.toISOString()} is ${formatAge(age)} old, ${verb} ${which} ${
      formatAge(limit!)
    }`,
  };
}
