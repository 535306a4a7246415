/**
 * Evaluate declared checks against a warehouse: compile each check's query for the
 * warehouse's dialect (`CheckQueryCompiler` of `lib/models`), run it, score the answer with the
 * pure check functions, and say what to append to the audit tables.
 *
 * @module
 */
import type { CheckQueryCompiler, CheckRelation } from "../models/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";
import { appendAuditRows, AUDIT_TABLES, type AuditRow, readPayloadSchema } from "./audit.ts";
import { type CheckDeclaration, type CheckTarget, targetName } from "./checks.ts";
import { checkFreshness, FRESHNESS_PERIOD_SECONDS, type FreshnessThreshold } from "./freshness.ts";
import {
  type CheckResult,
  freshnessCheckResult,
  notEvaluatedCheckResult,
  schemaChangeCheckResult,
  volumeCheckResult,
  volumeOptions,
} from "./results.ts";
import { diffPayloadSchemas, type PayloadSchema, schemaFromKeyTypes } from "./schema_change.ts";
import { volumeAnomalies } from "./volume.ts";

/** A point of a check's chart (a row of `audit.check_series` without the run columns). */
export interface CheckSeriesPoint {
  /** Series label: the dimension values (`start_listing`), `all`, `age_hours` or `keys`. */
  series: string;
  /** The day (volume) or the check's `now` (freshness, schema change). */
  at: Date;
  /** Rows that day, age in hours, or number of keys. */
  value: number | null;
  /** Expected value, or null. */
  expected: number | null;
  /** Lower end of the band, or null. */
  lower: number | null;
  /** Upper end of the band (freshness: the first threshold), or null. */
  upper: number | null;
  /** Anomaly score (volume), or null. */
  z: number | null;
  /** Volume: the day's status; otherwise the check's status. */
  status: string;
  /** Flagged. */
  isAnomalous: boolean;
}

/** One check, evaluated. */
export interface CheckEvaluation {
  /** The declaration. */
  check: CheckDeclaration;
  /** Its result (the shape of `run_results.json`, the audit table and the alerts). */
  result: CheckResult;
  /** The numbers behind its chart. */
  series: CheckSeriesPoint[];
  /** `schema_change`: the schema found this run (recorded for the next run); else null. */
  schema: PayloadSchema | null;
  /** Wall-clock seconds. */
  seconds: number;
}

/** Options of {@linkcode evaluateChecks}. */
export interface EvaluateChecksOptions {
  /** Compiles the checks' queries for this warehouse's dialect and naming. */
  compiler: CheckQueryCompiler;
  /**
   * The time checks compare with: freshness ages are measured to it and volume days on or
   * after its UTC day are incomplete (not scored).
   * @default {new Date()}
   */
  now?: Date;
  /**
   * Models built this run: a check on any other model is `skipped`. `null` treats every
   * model as built (checks on their own, after `deno task models`).
   * @default {null}
   */
  built?: ReadonlySet<string> | null;
  /**
   * The schema recorded by the previous run for a target's JSON column.
   * @default {reads `audit.payload_schemas` through {@linkcode readPayloadSchema}}
   */
  previousSchema?: (target: string, column: string) => Promise<PayloadSchema | null>;
  /**
   * Called after each check.
   * @default {undefined}
   */
  onCheck?: (evaluation: CheckEvaluation) => void;
}

/**
 * Evaluate each check in order. A check whose query fails gets status `error` with the
 * message; a check on a model not built this run gets `skipped`. Never throws for a single
 * check.
 *
 * @example
 * ```ts ignore
 * const compiler = new CheckQueryCompiler(project, { dialect: wh.dialect, ...wh.naming });
 * const evaluations = await evaluateChecks(wh, checks, { compiler, now: new Date("2026-04-01") });
 * evaluations.map((e) => e.result.status); // ["pass", "warn", "pass"]
 * ```
 */
export async function evaluateChecks(
  warehouse: Warehouse,
  checks: readonly CheckDeclaration[],
  options: EvaluateChecksOptions,
): Promise<CheckEvaluation[]> {
  const now = options.now ?? new Date();
  const previousSchema = options.previousSchema ??
    ((target: string, column: string) => readPayloadSchema(warehouse, target, column));
  const out: CheckEvaluation[] = [];
  for (const check of checks) {
    const t0 = performance.now();
    let evaluation: Omit<CheckEvaluation, "seconds">;
    const target = check.target;
    if (target.type === "model" && options.built && !options.built.has(target.model)) {
      evaluation = {
        check,
        result: notEvaluatedCheckResult(check, "skipped", `model "${target.model}" was not built`),
        series: [],
        schema: null,
      };
    } else {
      try {
        evaluation = await _evaluate(warehouse, check, options.compiler, now, previousSchema);
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).trim();
        evaluation = {
          check,
          result: notEvaluatedCheckResult(check, "error", message),
          series: [],
          schema: null,
        };
      }
    }
    const done = { ...evaluation, seconds: Math.round(performance.now() - t0) / 1000 };
    out.push(done);
    options.onCheck?.(done);
  }
  return out;
}

/** Options of {@linkcode appendCheckHistory}. */
export interface CheckHistoryOptions {
  /** The run id shared by every audit table. */
  runId: string;
  /** When the run started. */
  runAt: Date;
  /** The time the checks compared with. */
  now: Date;
}

/**
 * Append a run's checks to `audit.check_results`, `audit.check_series` and
 * `audit.payload_schemas`.
 *
 * @example
 * ```ts ignore
 * await appendCheckHistory(wh, evaluations, { runId, runAt, now });
 * ```
 */
export async function appendCheckHistory(
  warehouse: Warehouse,
  evaluations: readonly CheckEvaluation[],
  options: CheckHistoryOptions,
): Promise<void> {
  const rows = checkAuditRows(evaluations, options);
  await appendAuditRows(warehouse, AUDIT_TABLES.checkResults, rows.results);
  await appendAuditRows(warehouse, AUDIT_TABLES.checkSeries, rows.series);
  await appendAuditRows(warehouse, AUDIT_TABLES.payloadSchemas, rows.schemas);
}

/**
 * The audit rows of a run's checks, per table (pure; {@linkcode appendCheckHistory} writes
 * them).
 *
 * @example
 * ```ts ignore
 * const { results, series, schemas } = checkAuditRows(evaluations, { runId, runAt, now });
 * ```
 */
export function checkAuditRows(
  evaluations: readonly CheckEvaluation[],
  options: CheckHistoryOptions,
): { results: AuditRow[]; series: AuditRow[]; schemas: AuditRow[] } {
  const run = { run_id: options.runId, run_at: options.runAt };
  const results = evaluations.map(({ result }) => ({
    ...run,
    check_name: result.name,
    kind: result.kind,
    target: result.target,
    severity: result.severity,
    status: result.status,
    failures: result.failures,
    message: result.message,
    sample: JSON.stringify(result.sample),
    fingerprint: result.fingerprint,
    checked_at: options.now,
  }));
  const series = evaluations.flatMap(({ result, series }) =>
    series.map((p) => ({
      ...run,
      check_name: result.name,
      series: p.series,
      point_at: p.at,
      value: p.value,
      expected: p.expected,
      lower: p.lower,
      upper: p.upper,
      z: p.z,
      status: p.status,
      is_anomalous: p.isAnomalous,
    }))
  );
  const schemas = evaluations.flatMap(({ check, schema }) =>
    schema === null || check.kind !== "schema_change"
      ? []
      : Object.entries(schema).map(([key, type]) => ({
        ...run,
        check_name: check.name,
        target: targetName(check.target),
        json_column: check.column,
        key,
        type,
      }))
  );
  return { results, series, schemas };
}

/**
 * The UTC midnight starting `now`'s day: volume days on or after it are incomplete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(utcDayStart(new Date("2026-04-01T17:30:00Z")).toISOString(), "2026-04-01T00:00:00.000Z");
 * ```
 */
export function utcDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The query a check runs, compiled for the compiler's dialect: daily counts (volume), the
 * newest timestamp (freshness) or the payload's key types (schema change).
 *
 * @example
 * ```ts ignore
 * const sql = checkQuery(check, new CheckQueryCompiler(project, { dialect: "bigquery" }));
 * ```
 */
export function checkQuery(check: CheckDeclaration, compiler: CheckQueryCompiler): string {
  const relation = _relation(check.target);
  const origin = { path: check.path, line: check.line };
  switch (check.kind) {
    case "volume_anomaly":
      return compiler.dailyCounts({
        relation,
        timestampColumn: check.timestampColumn,
        dimensions: check.dimensions,
        where: check.where,
        origin,
      });
    case "freshness":
      return compiler.newest({
        relation,
        timestampColumn: check.timestampColumn,
        where: check.where,
        origin,
      });
    case "schema_change":
      return compiler.payloadKeyTypes({
        relation,
        column: check.column,
        where: check.where,
        origin,
      });
  }
}

async function _evaluate(
  warehouse: Warehouse,
  check: CheckDeclaration,
  compiler: CheckQueryCompiler,
  now: Date,
  previousSchema: (target: string, column: string) => Promise<PayloadSchema | null>,
): Promise<Omit<CheckEvaluation, "seconds">> {
  const sql = checkQuery(check, compiler);
  switch (check.kind) {
    case "volume_anomaly": {
      const counts = await warehouse.queryFrame(sql);
      const scored = volumeAnomalies(counts, {
        ...volumeOptions(check),
        completeBefore: utcDayStart(now),
      });
      const dims = check.dimensions;
      const rows = (scored.height === 0 ? [] : scored.toRecords()) as Record<string, unknown>[];
      const series = rows.map((row) => ({
        series: dims.length > 0 ? dims.map((d) => String(row[d])).join(" / ") : "all",
        at: row.day as Date,
        value: _num(row.value),
        expected: _num(row.expected),
        lower: _num(row.lower),
        upper: _num(row.upper),
        z: _num(row.z),
        status: String(row.status),
        isAnomalous: row.is_anomalous === true,
      }));
      return { check, result: volumeCheckResult(check, scored), series, schema: null };
    }
    case "freshness": {
      const [row] = await warehouse.query<{ newest: unknown }>(sql);
      const newest = _date(row?.newest);
      const freshness = checkFreshness(newest, {
        ...(check.warnAfter ? { warnAfter: check.warnAfter } : {}),
        ...(check.errorAfter ? { errorAfter: check.errorAfter } : {}),
        now,
      });
      const result = freshnessCheckResult(check, freshness);
      const threshold = check.warnAfter ?? check.errorAfter;
      return {
        check,
        result,
        series: [{
          series: "age_hours",
          at: now,
          value: freshness.ageSeconds === null ? null : freshness.ageSeconds / 3600,
          expected: null,
          lower: null,
          upper: threshold ? _hours(threshold) : null,
          z: null,
          status: result.status,
          isAnomalous: result.status !== "pass",
        }],
        schema: null,
      };
    }
    case "schema_change": {
      const rows = await warehouse.query<{ key: string; type: string }>(sql);
      const current = schemaFromKeyTypes(
        rows.map((r) => ({ key: String(r.key), type: String(r.type) })),
      );
      const previous = await previousSchema(targetName(check.target), check.column);
      const change = diffPayloadSchemas(previous, current);
      const result = schemaChangeCheckResult(check, change);
      return {
        check,
        result,
        series: [{
          series: "keys",
          at: now,
          value: Object.keys(current).length,
          expected: previous === null ? null : Object.keys(previous).length,
          lower: null,
          upper: null,
          z: null,
          status: result.status,
          isAnomalous: change.changed,
        }],
        schema: current,
      };
    }
  }
}

function _relation(target: CheckTarget): CheckRelation {
  return target.type === "model"
    ? { model: target.model }
    : { source: target.source, table: target.table };
}

function _hours(threshold: FreshnessThreshold): number {
  return (threshold.count * FRESHNESS_PERIOD_SECONDS[threshold.period]) / 3600;
}

function _num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function _date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const d = new Date(typeof value === "bigint" ? Number(value) : value as string | number);
  return Number.isNaN(d.getTime()) ? null : d;
}
