/**
 * One result shape for every check, for `run_results.json`, the audit tables, the report and
 * the alerts, built from what the check functions computed.
 *
 * @module
 */
import pl, { type DataFrame } from "nodejs-polars";
import { formatCount, formatNumber } from "../format/mod.ts";
import type {
  CheckDeclaration,
  CheckKind,
  CheckSeverity,
  FreshnessCheck,
  SchemaChangeCheck,
  VolumeAnomalyCheck,
} from "./checks.ts";
import { targetName } from "./checks.ts";
import { formatAge, type FreshnessResult } from "./freshness.ts";
import { describeSchemaChange, type SchemaChange } from "./schema_change.ts";
import type { VolumeAnomalyOptions } from "./volume.ts";

/**
 * Outcome of a check, in the data tests' words (`TestResult.status`): `pass`; `warn` (a failure
 * of a `warn` check); `fail` (a failure of an `error` check); `error` (the check could not be
 * evaluated: its query failed); `skipped` (the model it watches was not built this run);
 * `not_enough_data` (too little history to score anything yet).
 */
export type CheckStatus = "pass" | "warn" | "fail" | "error" | "skipped" | "not_enough_data";

/** The status of a failure at `severity`: `warn` → `warn`, `error` → `fail`. */
export function failureStatus(severity: CheckSeverity): "warn" | "fail" {
  return severity === "error" ? "fail" : "warn";
}

/** The result of one check in one run. */
export interface CheckResult {
  /** Check name (unique in the project). */
  name: string;
  /** Kind of check. */
  kind: CheckKind;
  /** Watched model or source table, e.g. `stg_events` or `raw.events`. */
  target: string;
  /** Declared severity; for freshness, the threshold crossed (`warn` when passing). */
  severity: CheckSeverity;
  /** Outcome. */
  status: CheckStatus;
  /** Failing units: anomalous days, changed keys, or 1 for a stale source. */
  failures: number;
  /** One sentence saying what was found. */
  message: string;
  /** A few short lines showing the failure (empty when passing). */
  sample: string[];
  /**
   * Identifies "the same result" across runs (for alert suppression): equal fingerprints mean
   * nothing new happened.
   */
  fingerprint: string;
  /** Hours an unchanged failure is not re-alerted; null for the alerting default. */
  alertSuppressionHours: number | null;
}

/** Options for {@linkcode volumeCheckResult}. */
export interface VolumeResultOptions {
  /** Anomalous days listed in `sample`. @default {5} */
  sampleSize?: number;
}

/**
 * The {@linkcode volumeAnomalies} options a `volume_anomaly` declaration asks for (the input
 * frame is the daily counts with `day`, `value` and the dimension columns).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckDeclarations, type VolumeAnomalyCheck } from "./checks.ts";
 *
 * const [check] = parseCheckDeclarations(
 *   `models:
 *   - name: stg_events
 *     checks:
 *       - volume_anomaly: { timestamp_column: event_at, direction: drop, training_days: 28 }`,
 *   "schema.yml",
 * ) as VolumeAnomalyCheck[];
 * const options = volumeOptions(check!); // then: volumeAnomalies(counts, options)
 * assert.equal(options.direction, "drop");
 * assert.equal(options.trainingDays, 28);
 * ```
 */
export function volumeOptions(check: VolumeAnomalyCheck): VolumeAnomalyOptions {
  return {
    dimensions: check.dimensions,
    trainingDays: check.trainingDays,
    minTrainingDays: check.minTrainingDays,
    sensitivity: check.sensitivity,
    direction: check.direction,
    method: check.method,
    seasonality: check.seasonality,
    ignoreSmallChanges: { ...check.ignoreSmallChanges },
    detectionDays: check.detectionDays,
  };
}

/**
 * Summarise a `volumeAnomalies()` frame: failures are the anomalous days (status `warn` or
 * `fail` by the check's severity), `not_enough_data` when no day could be scored, else `pass`. The
 * fingerprint lists the anomalous series and days, so the same incident is the same result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { parseCheckDeclarations, type VolumeAnomalyCheck } from "./checks.ts";
 * import { volumeAnomalies } from "./volume.ts";
 *
 * const [check] = parseCheckDeclarations(
 *   `models:
 *   - name: stg_events
 *     checks:
 *       - volume_anomaly: { timestamp_column: event_at, dimensions: [event_name] }`,
 *   "schema.yml",
 * ) as VolumeAnomalyCheck[];
 * // 20 ordinary days of start_listing (100 to 102 a day), then a day with 20
 * const day = Array.from({ length: 21 }, (_, i) => new Date(Date.UTC(2026, 2, 1 + i)));
 * const value = day.map((_, i) => i === 20 ? 20 : 100 + i % 3);
 * const counts = pl.DataFrame({ event_name: day.map(() => "start_listing"), day, value });
 * const result = volumeCheckResult(check!, volumeAnomalies(counts, volumeOptions(check!)));
 * assert.equal(result.status, "warn");
 * assert.deepEqual(result.sample, [
 *   "start_listing 2026-03-21: 20 (expected 101, band 70.7–142, z -13.9)",
 * ]);
 * ```
 */
export function volumeCheckResult(
  check: VolumeAnomalyCheck,
  scored: DataFrame,
  options: VolumeResultOptions = {},
): CheckResult {
  const sampleSize = options.sampleSize ?? 5;
  const dims = check.dimensions;
  const flagged = scored.filter(pl.col("is_anomalous")).sort([...dims, "day"]);
  const checked = scored.filter(pl.col("status").isIn(["ok", "anomalous"])).height;
  const series = (row: Record<string, unknown>) =>
    dims.length > 0 ? dims.map((d) => String(row[d])).join(" / ") + " " : "";
  const rows = flagged.toRecords() as Record<string, unknown>[];
  const lines = rows.map((row) => {
    const day = (row.day as Date).toISOString().slice(0, 10);
    return `${series(row)}${day}: ${_n(row.value)} (expected ${_n(row.expected)}, band ${
      _n(row.lower)
    }–${_n(row.upper)}, z ${(row.z as number).toFixed(1)})`;
  });
  const status: CheckStatus = rows.length > 0
    ? failureStatus(check.severity)
    : checked === 0
    ? "not_enough_data"
    : "pass";
  const message = rows.length > 0
    ? `${rows.length} anomalous day${rows.length === 1 ? "" : "s"} of ${checked} checked: ${
      lines[0]
    }${rows.length > 1 ? ", …" : ""}`
    : checked === 0
    ? `not enough data: no day has ${check.minTrainingDays} training days yet`
    : `${checked} days checked, none anomalous`;
  return {
    ..._base(check),
    severity: check.severity,
    status,
    failures: rows.length,
    message,
    sample: lines.slice(0, sampleSize),
    fingerprint: rows.map((row) =>
      `${series(row).trim()}@${(row.day as Date).toISOString().slice(0, 10)}`
    ).join(","),
  };
}

/**
 * Result of a `freshness` check from {@linkcode checkFreshness}'s answer. The fingerprint is
 * the newest timestamp: a source that stays stale is the same result until new data arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FreshnessCheck, parseCheckDeclarations } from "./checks.ts";
 * import { checkFreshness } from "./freshness.ts";
 *
 * const [check] = parseCheckDeclarations(
 *   `sources:
 *   - name: raw
 *     tables:
 *       - name: events
 *         checks:
 *           - freshness:
 *               timestamp_column: _loaded_at
 *               error_after: { count: 1, period: day }`,
 *   "sources.yml",
 * ) as FreshnessCheck[];
 * const newest = new Date("2026-03-30T12:00Z");
 * const now = new Date("2026-04-01T12:00Z");
 * const freshness = checkFreshness(newest, { errorAfter: { count: 1, period: "day" }, now });
 * const result = freshnessCheckResult(check!, freshness);
 * assert.deepEqual([result.target, result.status, result.failures], ["raw.events", "fail", 1]);
 * assert.deepEqual(result.sample, ["newest 2026-03-30T12:00:00.000Z, 2 d old"]);
 * ```
 */
export function freshnessCheckResult(
  check: FreshnessCheck,
  freshness: FreshnessResult,
): CheckResult {
  const failed = freshness.status !== "pass";
  return {
    ..._base(check),
    severity: freshness.status === "error" ? "error" : "warn",
    status: freshness.status === "error" ? "fail" : freshness.status,
    failures: failed ? 1 : 0,
    message: freshness.message,
    sample: failed
      ? [
        freshness.newest === null
          ? "no rows"
          : `newest ${freshness.newest.toISOString()}, ${formatAge(freshness.ageSeconds!)} old`,
      ]
      : [],
    fingerprint: failed ? `${freshness.status}@${freshness.newest?.toISOString() ?? "none"}` : "",
  };
}

/**
 * Result of a `schema_change` check from {@linkcode diffPayloadSchemas}' answer: failures are
 * the changed keys. The fingerprint lists the changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckDeclarations, type SchemaChangeCheck } from "./checks.ts";
 * import { diffPayloadSchemas } from "./schema_change.ts";
 *
 * const [check] = parseCheckDeclarations(
 *   `sources:
 *   - name: raw
 *     tables:
 *       - name: events
 *         checks:
 *           - schema_change: { column: payload }`,
 *   "sources.yml",
 * ) as SchemaChangeCheck[];
 * const change = diffPayloadSchemas({ ts: "string" }, { ts: "number", app_version: "string" });
 * const result = schemaChangeCheckResult(check!, change);
 * assert.equal(result.failures, 2);
 * assert.deepEqual(result.sample, ["+ app_version (string)", "~ ts: string → number"]);
 * ```
 */
export function schemaChangeCheckResult(
  check: SchemaChangeCheck,
  change: SchemaChange,
): CheckResult {
  const lines = describeSchemaChange(change);
  return {
    ..._base(check),
    severity: check.severity,
    status: change.changed ? failureStatus(check.severity) : "pass",
    failures: lines.length,
    message: change.baseline
      ? "first run: schema recorded as the baseline"
      : change.changed
      ? `${lines.length} key change${lines.length === 1 ? "" : "s"} in ${check.column}: ${
        lines.slice(0, 3).join(", ")
      }${lines.length > 3 ? ", …" : ""}`
      : `no key of ${check.column} appeared, vanished or changed type`,
    sample: lines.slice(0, 5),
    fingerprint: lines.join(","),
  };
}

/**
 * The result of a check that was not evaluated: `skipped` (the model it watches was not built)
 * or `error` (its query failed; `reason` is the error). Neither has failures or a fingerprint;
 * an `error` is shown and alerted as a failure at the check's severity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckDeclarations } from "./checks.ts";
 * const [check] = parseCheckDeclarations(
 *   "models:\n  - name: stg_events\n    checks: [schema_change]\n",
 *   "schema.yml",
 * );
 * const result = notEvaluatedCheckResult(check!, "skipped", 'model "stg_events" was not built');
 * assert.equal(result.status, "skipped");
 * assert.equal(result.message, 'skipped: model "stg_events" was not built');
 * ```
 */
export function notEvaluatedCheckResult(
  check: CheckDeclaration,
  status: "skipped" | "error",
  reason: string,
): CheckResult {
  return {
    ..._base(check),
    severity: check.kind === "freshness" ? (check.errorAfter ? "error" : "warn") : check.severity,
    status,
    failures: 0,
    message: status === "skipped"
      ? `skipped: ${reason}`
      : `Cannot run check "${check.name}": ${reason}`,
    sample: status === "error" ? [reason] : [],
    fingerprint: status === "error" ? `error:${reason}` : "",
  };
}

function _base(check: CheckDeclaration) {
  return {
    name: check.name,
    kind: check.kind,
    target: targetName(check.target),
    alertSuppressionHours: check.alertSuppressionHours,
  };
}

/** Counts as whole numbers from 100 up ("1,204"), one decimal below ("12.5", "3"). */
function _n(value: unknown): string {
  const x = Number(value);
  if (!Number.isFinite(x)) return formatNumber(x);
  return Math.abs(x) >= 100 ? formatCount(x) : formatNumber(x, 1).replace(/\.0$/, "");
}
