/**
 * Run history in the warehouse: the audit tables every pipeline run appends to (never
 * updates), and the readers that give the history back (previous alert state, previous
 * payload schema, the last runs' test and check outcomes for the report).
 *
 * Tables live in the `audit` schema (a dataset `<prefix>_audit` on BigQuery), are created on
 * first use, and are named and typed through the warehouse (`warehouse.relation()`, portable
 * types), so the same code runs on DuckDB and BigQuery. Timestamps are UTC; JSON values are
 * stored as text. The data tests' own table, `audit.data_test_results`, is written by the
 * model runner (`lib/models`) with the same run id.
 *
 * @module
 */
import { AUDIT_RELATION, type PortableType, renderSchema, sqlType } from "../models/mod.ts";
import type { Relation, Warehouse } from "../warehouse/mod.ts";
import type { PayloadSchema } from "./schema_change.ts";

/** One column of an audit table. */
export interface AuditColumn {
  /** Column name. */
  name: string;
  /** Portable type (`varchar`, `bigint`, `double`, `timestamp`, `date`, `boolean`). */
  type: PortableType;
  /** What it holds. */
  description: string;
}

/** An audit table: where it lives and its columns, in order. */
export interface AuditTable {
  /** `{ schema: "audit", name }`. */
  relation: Relation;
  /** One row per … */
  grain: string;
  /** Columns in order. */
  columns: readonly AuditColumn[];
}

const col = (name: string, type: PortableType, description: string): AuditColumn => ({
  name,
  type,
  description,
});

const RUN_ID = col("run_id", "varchar", "The pipeline run (a UUID), shared by every audit table");
const RUN_AT = col("run_at", "timestamp", "When the run started (UTC)");

/**
 * The audit tables the pipeline appends to (besides `audit.data_test_results`, written by
 * `runProject`). Every row carries the run id; nothing is ever updated or deleted.
 */
export const AUDIT_TABLES = {
  /** One row per pipeline run, written when the run ends (also when it fails). */
  pipelineRuns: {
    relation: { schema: "audit", name: "pipeline_runs" },
    grain: "one row per pipeline run",
    columns: [
      RUN_ID,
      col("started_at", "timestamp", "When the run started (UTC)"),
      col("ended_at", "timestamp", "When it ended (UTC)"),
      col(
        "status",
        "varchar",
        "`success`, `failed` (a model, error test or error check) or `error`",
      ),
      col("trigger", "varchar", "What started it: `cli`, or the GitHub event (`schedule`, …)"),
      col("target", "varchar", "SQL dialect of the warehouse: `duckdb` or `bigquery`"),
      col("warehouse", "varchar", "The warehouse's description"),
      col(
        "parameters",
        "varchar",
        "JSON: generator options, directories, check and alert settings",
      ),
      col("versions", "varchar", "JSON: Deno, V8, TypeScript, generator, git commit when known"),
      col("link", "varchar", "Where to read more: the workflow run URL or the report path"),
      col("message", "varchar", "Why it failed (the first errors), or null"),
    ],
  },
  /** One row per model per run. */
  modelRuns: {
    relation: { schema: "audit", name: "model_runs" },
    grain: "one row per run and model",
    columns: [
      RUN_ID,
      RUN_AT,
      col("model", "varchar", "Model name"),
      col("materialized", "varchar", "`table` or `view`"),
      col("status", "varchar", "`success`, `error` or `skipped`"),
      col("n_rows", "bigint", "Rows built (null for views and models not built)"),
      col("seconds", "double", "Wall-clock seconds"),
      col("message", "varchar", "Error or skip reason, or null"),
    ],
  },
  /** One row per check per run. */
  checkResults: {
    relation: { schema: "audit", name: "check_results" },
    grain: "one row per run and check",
    columns: [
      RUN_ID,
      RUN_AT,
      col("check_name", "varchar", "Check name (unique in the project)"),
      col("kind", "varchar", "`volume_anomaly`, `freshness` or `schema_change`"),
      col("target", "varchar", "Watched model or source table (`stg_events`, `raw.events`)"),
      col("severity", "varchar", "`warn` or `error`"),
      col("status", "varchar", "`pass`, `warn`, `fail`, `error`, `skipped` or `not_enough_data`"),
      col("failures", "bigint", "Anomalous days, changed keys, or 1 for a stale source"),
      col("message", "varchar", "One sentence saying what was found"),
      col("sample", "varchar", "JSON list of a few short lines showing the failure"),
      col("fingerprint", "varchar", "Identifies the same result across runs (alert suppression)"),
      col("checked_at", "timestamp", "The time the check compared with (`now`)"),
    ],
  },
  /** The numbers behind each check's chart. */
  checkSeries: {
    relation: { schema: "audit", name: "check_series" },
    grain:
      "one row per run, check, series and point (volume: a day of each series; freshness and " +
      "schema change: one point per run)",
    columns: [
      RUN_ID,
      RUN_AT,
      col("check_name", "varchar", "Check name"),
      col(
        "series",
        "varchar",
        "Series label: dimension values (`start_listing`), `age_hours`, `keys`",
      ),
      col("point_at", "timestamp", "The point: the day (volume) or the check's `now`"),
      col("value", "double", "Observed value: rows that day, age in hours, number of keys"),
      col("expected", "double", "Expected value, or null"),
      col("lower", "double", "Lower end of the expected band, or null"),
      col("upper", "double", "Upper end of the expected band (freshness: warn_after), or null"),
      col("z", "double", "Anomaly score (volume), or null"),
      col(
        "status",
        "varchar",
        "Volume: `ok`, `anomalous`, `not_enough_data`, `not_checked`; else the check's status",
      ),
      col("is_anomalous", "boolean", "Whether this point is flagged"),
    ],
  },
  /** The key → type map of each watched JSON column, per run. */
  payloadSchemas: {
    relation: { schema: "audit", name: "payload_schemas" },
    grain: "one row per run, watched JSON column and key",
    columns: [
      RUN_ID,
      RUN_AT,
      col("check_name", "varchar", "The schema_change check that recorded it"),
      col("target", "varchar", "Source table or model (`raw.events`)"),
      col("json_column", "varchar", "The JSON column (`payload`)"),
      col("key", "varchar", "Key, nested keys as dotted paths (`properties.weight_kg`)"),
      col("type", "varchar", "JSON type(s) seen, e.g. `string` or `number|string`"),
    ],
  },
  /** The alert state after each run (the current state is the latest run's rows). */
  alertState: {
    relation: { schema: "audit", name: "alert_state" },
    grain: "one row per run and alert key (test, check or model) ever failing",
    columns: [
      RUN_ID,
      RUN_AT,
      col("alert_key", "varchar", "`test:<name>`, `check:<name>` or `model:<name>`"),
      col("model", "varchar", "Model or source table (alerts are grouped by it)"),
      col("name", "varchar", "Test, check or model name"),
      col("status", "varchar", "`failing` or `resolved`"),
      col("outcome", "varchar", "Last evaluated outcome: `warn`, `fail` or `pass`"),
      col("fingerprint", "varchar", "Fingerprint of the last failing result"),
      col("first_failed_at", "varchar", "ISO time the current (or last) failure started"),
      col("last_failed_at", "varchar", "ISO time of the last run that saw it failing"),
      col("last_alerted_at", "varchar", "ISO time a message last mentioned it"),
      col("resolved_at", "varchar", "ISO time it passed again, or null"),
      col("suppression_hours", "double", "Suppression interval used, in hours"),
    ],
  },
} as const satisfies Record<string, AuditTable>;

/** A row for an audit table: column name → value (Dates, numbers, strings, booleans, null). */
export type AuditRow = Record<string, unknown>;

/** Options of {@linkcode appendAuditRows}. */
export interface AppendAuditOptions {
  /**
   * Rows per `insert` statement.
   * @default {500}
   */
  batchSize?: number;
}

/**
 * Append rows to an audit table, creating its schema and table when missing. Columns absent
 * from a row are null; a value for a column the table does not have is an error. Dates and
 * ISO strings go into `timestamp` columns, objects and arrays into `varchar` columns as JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const wh = await openDuckDb(":memory:");
 * const table = AUDIT_TABLES.modelRuns;
 * const row = { run_id: "r1", run_at: new Date("2026-04-01T05:00:00Z"), model: "stg_events" };
 * await appendAuditRows(wh, table, [{ ...row, status: "success", n_rows: 120, seconds: 0.4 }]);
 * await appendAuditRows(wh, table, [{ ...row, run_id: "r2", status: "error" }]);
 * const rows = await wh.query(`select run_id, status from ${wh.relation(table.relation)} order by run_id`);
 * assert.deepEqual(rows, [{ run_id: "r1", status: "success" }, { run_id: "r2", status: "error" }]);
 * await wh.close();
 * ```
 */
export async function appendAuditRows(
  warehouse: Warehouse,
  table: AuditTable,
  rows: readonly AuditRow[],
  options: AppendAuditOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const known = new Set(table.columns.map((c) => c.name));
  for (const row of rows) {
    const unknown = Object.keys(row).find((key) => !known.has(key));
    if (unknown !== undefined) {
      throw new RangeError(
        `Cannot append to ${table.relation.schema}.${table.relation.name}: no column "${unknown}"`,
      );
    }
  }
  await ensureAuditTable(warehouse, table);
  const name = warehouse.relation(table.relation);
  const columns = table.columns.map((c) => c.name);
  const batchSize = Math.max(1, options.batchSize ?? 500);
  for (let i = 0; i < rows.length; i += batchSize) {
    const values = rows.slice(i, i + batchSize).map((row) =>
      `(${table.columns.map((c) => _value(warehouse, c, row[c.name])).join(", ")})`
    );
    await warehouse.execute(
      `insert into ${name} (${columns.join(", ")}) values\n${values.join(",\n")}`,
    );
  }
}

/**
 * Create an audit table (and its schema) when it does not exist.
 *
 * @example
 * ```ts ignore
 * await ensureAuditTable(wh, AUDIT_TABLES.pipelineRuns);
 * ```
 */
export async function ensureAuditTable(warehouse: Warehouse, table: AuditTable): Promise<void> {
  const dialect = warehouse.dialect;
  await warehouse.execute(
    `create schema if not exists ${renderSchema(table.relation.schema, dialect, warehouse.naming)}`,
  );
  const columns = table.columns.map((c) => `${c.name} ${sqlType(c.type, dialect)}`);
  await warehouse.execute(
    `create table if not exists ${warehouse.relation(table.relation)} (${columns.join(", ")})`,
  );
}

/**
 * One row of the alert state, kept between runs (`audit.alert_state`, appended with the run id;
 * the latest run's rows are the current state).
 * Timestamps are ISO-8601 UTC strings.
 */
export interface AlertStateRow {
  /** The alert key: `test:<name>`, `check:<name>` or `model:<name>`. */
  alert_key: string;
  /** Model or source table. */
  model: string;
  /** Test or check name. */
  name: string;
  /** `failing` until a run passes it, then `resolved`. */
  status: "failing" | "resolved";
  /** Last evaluated outcome (`warn`, `fail` or `pass`). */
  outcome: "warn" | "fail" | "pass";
  /** Fingerprint of the last failing result. */
  fingerprint: string;
  /** When the current (or last) failure started. */
  first_failed_at: string | null;
  /** Last run that saw it failing. */
  last_failed_at: string | null;
  /** Last time a message mentioned the failure. */
  last_alerted_at: string | null;
  /** When it passed again (null while failing). */
  resolved_at: string | null;
  /** Suppression interval used, in hours. */
  suppression_hours: number;
}

/**
 * The alert state left by the latest run that saved one (empty when none did).
 *
 * @example
 * ```ts ignore
 * const plan = planAlerts(results, await readAlertState(wh));
 * ```
 */
export async function readAlertState(warehouse: Warehouse): Promise<AlertStateRow[]> {
  const table = AUDIT_TABLES.alertState;
  if (!(await warehouse.exists(table.relation))) return [];
  const name = warehouse.relation(table.relation);
  const latest = await _latestRun(warehouse, name, null);
  if (latest === null) return [];
  const rows = await warehouse.query(
    `select * from ${name} where run_id = ${warehouse.literal(latest)} order by alert_key`,
  );
  return rows.map((row) => ({
    alert_key: String(row.alert_key),
    model: String(row.model ?? ""),
    name: String(row.name ?? ""),
    status: row.status === "failing" ? "failing" : "resolved",
    outcome: row.outcome === "fail" ? "fail" : row.outcome === "warn" ? "warn" : "pass",
    fingerprint: String(row.fingerprint ?? ""),
    first_failed_at: _text(row.first_failed_at),
    last_failed_at: _text(row.last_failed_at),
    last_alerted_at: _text(row.last_alerted_at),
    resolved_at: _text(row.resolved_at),
    suppression_hours: Number(row.suppression_hours ?? 24),
  }));
}

/**
 * The payload schema recorded for `target`'s JSON `column` by the latest earlier run, or
 * null when none was (the first run records a baseline).
 *
 * @example
 * ```ts ignore
 * const previous = await readPayloadSchema(wh, "raw.events", "payload");
 * const change = diffPayloadSchemas(previous, current);
 * ```
 */
export async function readPayloadSchema(
  warehouse: Warehouse,
  target: string,
  column: string,
): Promise<PayloadSchema | null> {
  const table = AUDIT_TABLES.payloadSchemas;
  if (!(await warehouse.exists(table.relation))) return null;
  const name = warehouse.relation(table.relation);
  const where = `target = ${warehouse.literal(target)} and json_column = ${
    warehouse.literal(column)
  }`;
  const latest = await _latestRun(warehouse, name, where);
  if (latest === null) return null;
  const rows = await warehouse.query<{ key: string; type: string }>(
    `select key, type from ${name} where ${where} and run_id = ${
      warehouse.literal(latest)
    } order by key`,
  );
  const schema: PayloadSchema = {};
  for (const row of rows) schema[String(row.key)] = String(row.type);
  return schema;
}

/** One run in the history. */
export interface HistoryRun {
  /** Run id. */
  runId: string;
  /** When it started (ISO-8601 UTC). */
  runAt: string;
  /** `success`, `failed`, `error`; null when the run wrote no `pipeline_runs` row (e.g. `deno task models`). */
  status: string | null;
}

/** A data test's outcome in one run. */
export interface HistoryTestRow {
  runId: string;
  test: string;
  model: string | null;
  severity: string;
  status: string;
  failures: number | null;
}

/** A check's outcome in one run. */
export interface HistoryCheckRow {
  runId: string;
  checkName: string;
  kind: string;
  target: string;
  severity: string;
  status: string;
  failures: number;
  message: string;
}

/** A point of a check's series. */
export interface HistorySeriesRow {
  runId: string;
  /** When the run started (ISO). */
  runAt: string;
  checkName: string;
  series: string;
  /** The point's time (ISO): a day, or the check's `now`. */
  at: string;
  value: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  status: string;
  isAnomalous: boolean;
}

/** What {@linkcode readRunHistory} returns. */
export interface RunHistory {
  /** The last runs, newest first. */
  runs: HistoryRun[];
  /** Test outcomes of those runs. */
  tests: HistoryTestRow[];
  /** Check outcomes of those runs. */
  checks: HistoryCheckRow[];
  /** Series points: every run's for freshness and schema change, the newest run's for volume. */
  series: HistorySeriesRow[];
}

/** Options of {@linkcode readRunHistory}. */
export interface ReadHistoryOptions {
  /**
   * How many runs, newest first.
   * @default {10}
   */
  runs?: number;
}

/**
 * The last runs' data test and check outcomes and the points behind each check's chart,
 * from the audit tables (tables that do not exist yet give nothing).
 *
 * @example
 * ```ts ignore
 * const history = await readRunHistory(wh, { runs: 10 });
 * history.runs[0]?.runId; // the newest run
 * ```
 */
export async function readRunHistory(
  warehouse: Warehouse,
  options: ReadHistoryOptions = {},
): Promise<RunHistory> {
  const limit = Math.max(1, Math.floor(options.runs ?? 10));
  const tables = {
    tests: AUDIT_RELATION,
    checks: AUDIT_TABLES.checkResults.relation,
    series: AUDIT_TABLES.checkSeries.relation,
    runs: AUDIT_TABLES.pipelineRuns.relation,
  };
  const has = {
    tests: await warehouse.exists(tables.tests),
    checks: await warehouse.exists(tables.checks),
    series: await warehouse.exists(tables.series),
    runs: await warehouse.exists(tables.runs),
  };
  const sources = [
    has.tests ? `select run_id, run_at from ${warehouse.relation(tables.tests)}` : null,
    has.checks ? `select run_id, run_at from ${warehouse.relation(tables.checks)}` : null,
  ].filter((s): s is string => s !== null);
  if (sources.length === 0) return { runs: [], tests: [], checks: [], series: [] };
  const found = await warehouse.query<{ run_id: string; run_at: unknown }>(
    `select run_id, min(run_at) as run_at from (\n${sources.join("\nunion all\n")}\n) as runs\n` +
      `group by run_id order by 2 desc, 1 desc limit ${limit}`,
  );
  const statuses = new Map<string, string>();
  const ids = found.map((r) => String(r.run_id));
  if (ids.length === 0) return { runs: [], tests: [], checks: [], series: [] };
  const inRuns = `run_id in (${ids.map((id) => warehouse.literal(id)).join(", ")})`;
  if (has.runs) {
    const rows = await warehouse.query<{ run_id: string; status: string }>(
      `select run_id, status from ${warehouse.relation(tables.runs)} where ${inRuns}`,
    );
    for (const row of rows) statuses.set(String(row.run_id), String(row.status));
  }
  const runs = found.map((r) => ({
    runId: String(r.run_id),
    runAt: _iso(r.run_at) ?? "",
    status: statuses.get(String(r.run_id)) ?? null,
  }));
  const tests = has.tests
    ? (await warehouse.query(
      `select run_id, test, model, severity, status, failures from ${
        warehouse.relation(tables.tests)
      } where ${inRuns} order by test`,
    )).map((r) => ({
      runId: String(r.run_id),
      test: String(r.test),
      model: _text(r.model),
      severity: String(r.severity),
      status: String(r.status),
      failures: r.failures === null || r.failures === undefined ? null : Number(r.failures),
    }))
    : [];
  const checks = has.checks
    ? (await warehouse.query(
      `select run_id, check_name, kind, target, severity, status, failures, message from ${
        warehouse.relation(tables.checks)
      } where ${inRuns} order by check_name`,
    )).map((r) => ({
      runId: String(r.run_id),
      checkName: String(r.check_name),
      kind: String(r.kind),
      target: String(r.target),
      severity: String(r.severity),
      status: String(r.status),
      failures: Number(r.failures ?? 0),
      message: String(r.message ?? ""),
    }))
    : [];
  let series: HistorySeriesRow[] = [];
  if (has.series) {
    const rows = (await warehouse.query(
      `select run_id, run_at, check_name, series, point_at, value, expected, lower, upper, ` +
        `status, is_anomalous from ${warehouse.relation(tables.series)} where ${inRuns} ` +
        `order by check_name, series, point_at, run_at`,
    )).map((r) => ({
      runId: String(r.run_id),
      runAt: _iso(r.run_at) ?? "",
      checkName: String(r.check_name),
      series: String(r.series),
      at: _iso(r.point_at) ?? "",
      value: _num(r.value),
      expected: _num(r.expected),
      lower: _num(r.lower),
      upper: _num(r.upper),
      status: String(r.status ?? ""),
      isAnomalous: r.is_anomalous === true || r.is_anomalous === "true",
    }));
    // Volume series: only the newest run that has points for the check.
    const kinds = new Map(checks.map((c) => [c.checkName, c.kind]));
    const newest = new Map<string, string>();
    for (const id of ids) {
      for (const row of rows) {
        if (row.runId === id && !newest.has(row.checkName)) newest.set(row.checkName, id);
      }
    }
    series = rows.filter((row) =>
      kinds.get(row.checkName) !== "volume_anomaly" || newest.get(row.checkName) === row.runId
    );
  }
  return { runs, tests, checks, series };
}

async function _latestRun(
  warehouse: Warehouse,
  name: string,
  where: string | null,
): Promise<string | null> {
  const rows = await warehouse.query<{ run_id: string }>(
    `select run_id from ${name}${where ? ` where ${where}` : ""} ` +
      `order by run_at desc, run_id desc limit 1`,
  );
  return rows[0] ? String(rows[0].run_id) : null;
}

function _value(warehouse: Warehouse, column: AuditColumn, value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (column.type) {
    case "timestamp":
    case "date": {
      const iso = _iso(value);
      if (iso === null) {
        throw new TypeError(`Cannot write ${String(value)} to ${column.name}: not a time`);
      }
      return `cast(${warehouse.literal(iso)} as ${sqlType(column.type, warehouse.dialect)})`;
    }
    case "bigint":
    case "double": {
      const n = Number(value);
      if (!Number.isFinite(n)) return "null";
      return column.type === "bigint" ? String(Math.round(n)) : String(n);
    }
    case "boolean":
      return value ? "true" : "false";
    default:
      return warehouse.literal(typeof value === "object" ? JSON.stringify(value) : String(value));
  }
}

/** A time from the warehouse or the caller as ISO-8601 UTC, or null. */
function _iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === "number" || typeof value === "bigint") {
    const d = new Date(Number(value));
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  const text = String(value).trim();
  // `2026-04-01 05:00:00+00` (engine text) as well as ISO.
  const normalised = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00").replace(
    /(\d)(?:\+00:00|UTC)$/,
    "$1Z",
  );
  const d = new Date(
    /T|Z|[+-]\d\d:\d\d$/.test(normalised) ? normalised : `${normalised}T00:00:00Z`,
  );
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function _text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function _num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
