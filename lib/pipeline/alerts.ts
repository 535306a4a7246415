/**
 * The alerts stage: after a run, decide what to tell people (failing or warning data tests,
 * failed model builds, anomalous checks; recoveries) against the alert state kept in
 * `audit.alert_state`, and send ONE message: to Slack when a webhook is configured, else as
 * text for the console. Delivery problems are warnings, never failures.
 *
 * @module
 */

import {
  type AlertResult,
  type AlertStateRow,
  buildSlackMessage,
  deliverAlert,
  planAlerts,
  renderAlertText,
  type SendOptions,
} from "../alerts/mod.ts";
import { formatValue } from "../format/mod.ts";
import type { ModelResult, TestResult } from "../models/mod.ts";
import { appendAuditRows, AUDIT_TABLES, type CheckResult, readAlertState } from "../observe/mod.ts";
import type { Warehouse } from "../warehouse/mod.ts";
import { stageRunId, withStageLabels } from "./labels.ts";
import { peakRssMiB } from "./memory.ts";
import type { StageSummaryBase } from "./types.ts";

/** Options of {@linkcode runAlertsStage}. */
export interface AlertsStageOptions {
  /**
   * The Slack incoming webhook (`SLACK_WEBHOOK_URL`, a secret: never returned or recorded).
   * Without it the message is returned as `text` for the console.
   * @default {undefined}
   */
  webhookUrl?: string | null;
  /**
   * Where to read more: the workflow run URL inside GitHub Actions, else the report path.
   * @default {undefined}
   */
  link?: string;
  /**
   * Names the run in the message (e.g. its id).
   * @default {undefined}
   */
  runLabel?: string;
  /**
   * Hours an unchanged failure is not repeated (per check: `alert_suppression_interval`).
   * @default {24}
   */
  suppressionHours?: number;
  /**
   * The run's wall-clock time (suppression intervals are measured in it).
   * @default {new Date()}
   */
  now?: Date;
  /**
   * Run id written with the alert state and put on the warehouse jobs' labels.
   * @default {the run id in force, else a new UUID}
   */
  runId?: string;
  /**
   * When the run started.
   * @default {`now`}
   */
  runAt?: Date;
  /**
   * Read and append `audit.alert_state`; without it every failure is new.
   * @default {true}
   */
  audit?: boolean;
  /**
   * Delivery settings other than the URL (timeout, attempts, backoff; tests pass a fetch).
   * @default {{}} (10 s timeout, 4 attempts, 1 s backoff)
   */
  send?: Omit<SendOptions, "webhookUrl">;
}

/** What {@linkcode runAlertsStage} did. */
export interface AlertsStageSummary extends StageSummaryBase<"alerts"> {
  /** `slack` (a webhook is set), `console` (the text is for the caller to print), `none` (nothing to say). */
  channel: "slack" | "console" | "none";
  /** Slack answered 2xx (false for `console` and `none`). */
  delivered: boolean;
  /** The message as plain text (for the console), or null when there was nothing to say. */
  text: string | null;
  /** The headline, e.g. `TerraLoop pipeline: 1 failing, 1 resolved`; null when nothing to say. */
  headline: string | null;
  /** Why the message was not delivered (the URL redacted), or a state problem; null when fine. */
  warning: string | null;
  /** Failures in the message. */
  alerts: number;
  /** Recoveries in the message. */
  resolved: number;
  /** Unchanged failures left out (inside their suppression interval). */
  suppressed: number;
  /** HTTP attempts made (Slack only). */
  attempts: number;
}

/**
 * The alerting view of a run: one result per model build, data test and check (keys
 * `model:`, `test:`, `check:` plus the name). Model builds are alerted only when they fail;
 * tests map `fail`/`error` to a failure, `warn` to a warning; checks map `fail` to a failure,
 * `warn` to a warning, `error` (could not run) to a failure at the check's severity, and
 * `skipped` / `not_enough_data` to "not evaluated" (the state is kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [alert] = alertResultsOf([], [{
 *   name: "not_null_stg_events_event_id", model: "stg_events", column: "event_id",
 *   type: "not_null", severity: "error", status: "fail", failures: 3,
 *   sample: [{ event_id: null, user_id: "U000001" }], sql: "", seconds: 0, message: null,
 * }], []);
 * assert.equal(alert?.key, "test:not_null_stg_events_event_id");
 * assert.equal(alert?.outcome, "fail");
 * assert.equal(alert?.sample, "event_id=null user_id=U000001");
 * ```
 */
export function alertResultsOf(
  models: readonly ModelResult[],
  tests: readonly TestResult[],
  checks: readonly CheckResult[],
): AlertResult[] {
  const out: AlertResult[] = [];
  for (const m of models) {
    out.push({
      key: `model:${m.name}`,
      model: m.name,
      name: m.name,
      kind: "model",
      severity: "error",
      outcome: m.status === "error" ? "fail" : m.status === "success" ? "pass" : "skipped",
      failures: m.status === "error" ? 1 : 0,
      sample: m.status === "error" ? (m.message ?? "") : "",
      fingerprint: m.status === "error" ? `error:${m.message ?? ""}` : "",
    });
  }
  for (const t of tests) {
    const outcome = t.status === "error" || t.status === "fail"
      ? "fail"
      : t.status === "warn"
      ? "warn"
      : t.status === "skipped"
      ? "skipped"
      : "pass";
    out.push({
      key: `test:${t.name}`,
      model: t.model ?? "(project)",
      name: t.name,
      kind: "test",
      severity: t.severity,
      outcome,
      failures: t.failures ?? 0,
      sample: t.status === "error" ? (t.message ?? "") : _sampleText(t.sample),
      fingerprint: t.status === "error"
        ? `error:${t.message ?? ""}`
        : `${outcome}:${t.failures ?? 0}`,
    });
  }
  for (const c of checks) {
    const outcome = c.status === "fail"
      ? "fail"
      : c.status === "warn"
      ? "warn"
      : c.status === "error"
      ? (c.severity === "error" ? "fail" : "warn")
      : c.status === "pass"
      ? "pass"
      : "skipped";
    out.push({
      key: `check:${c.name}`,
      model: c.target,
      name: c.name,
      kind: "check",
      severity: c.severity,
      outcome,
      failures: c.failures,
      sample: c.sample.join("; "),
      fingerprint: c.fingerprint || `${outcome}:${c.failures}`,
      suppressionHours: c.alertSuppressionHours,
    });
  }
  return out;
}

/**
 * Plan this run's alerts over the stored state, send one message (Slack, or text for the
 * console) and append the new state. When Slack does not take the message, the state is
 * kept as if nothing had been said, so the next run says it again. Never throws for a
 * delivery or state problem: it is in `warning`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * const wh = await openDuckDb(":memory:");
 * const failing = alertResultsOf([{
 *   name: "stg_events", schema: "staging", relation: "staging.stg_events", materialized: "table",
 *   status: "error", rows: null, seconds: 0, message: "Binder Error: no column x",
 * }], [], []);
 * const first = await runAlertsStage(wh, failing, { now: new Date("2026-04-01T05:00:00Z") });
 * assert.equal(first.channel, "console");
 * assert.match(first.text ?? "", /stg_events \(error\): build failed/);
 * const again = await runAlertsStage(wh, failing, { now: new Date("2026-04-01T06:00:00Z") });
 * assert.equal(again.channel, "none"); // unchanged, inside 24 h
 * await wh.close();
 * ```
 */
export function runAlertsStage(
  warehouse: Warehouse,
  results: readonly AlertResult[],
  options: AlertsStageOptions = {},
): Promise<AlertsStageSummary> {
  const runId = stageRunId(options.runId);
  return withStageLabels(
    "alerts",
    runId,
    () => _runAlertsStage(warehouse, results, { ...options, runId }),
  );
}

async function _runAlertsStage(
  warehouse: Warehouse,
  results: readonly AlertResult[],
  options: AlertsStageOptions,
): Promise<AlertsStageSummary> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const audit = options.audit ?? true;
  const warnings: string[] = [];
  let previous: AlertStateRow[] = [];
  if (audit) {
    try {
      previous = await readAlertState(warehouse);
    } catch (error) {
      warnings.push(`Cannot read the alert state: ${_message(error)}; every failure counts as new`);
    }
  }
  const plan = planAlerts(results, previous, {
    now,
    ...(options.suppressionHours === undefined
      ? {}
      : { suppressionHours: options.suppressionHours }),
  });
  const messageOptions = {
    ...(options.link ? { link: options.link } : {}),
    ...(options.runLabel ? { runLabel: options.runLabel } : {}),
  };
  const message = buildSlackMessage(plan, messageOptions);
  const text = renderAlertText(plan, messageOptions);
  let channel: AlertsStageSummary["channel"] = "none";
  let delivered = false;
  let attempts = 0;
  if (message !== null && text !== null) {
    const delivery = await deliverAlert(message, text, {
      ...options.send,
      webhookUrl: options.webhookUrl ?? null,
    });
    channel = delivery.channel;
    if (delivery.channel === "slack") {
      delivered = delivery.delivered;
      attempts = delivery.attempts;
      if (!delivery.delivered) warnings.unshift(delivery.warning ?? "Slack alert not sent");
    }
  }
  // What Slack did not receive was not said: keep the previous state for those keys.
  const said = channel !== "slack" || delivered;
  let state = plan.state;
  if (!said) {
    const before = new Map(previous.map((row) => [row.alert_key, row]));
    const alerted = new Set(plan.alerts.map((a) => a.result.key));
    const resolved = new Set(plan.resolved.map((r) => r.result.key));
    state = plan.state.flatMap((row) => {
      const old = before.get(row.alert_key);
      if (resolved.has(row.alert_key)) return old ? [old] : [];
      if (alerted.has(row.alert_key)) {
        return [{
          ...row,
          last_alerted_at: old?.status === "failing" ? old.last_alerted_at : null,
        }];
      }
      return [row];
    });
  }
  if (audit && state.length > 0) {
    const runAt = options.runAt ?? now;
    const runId = options.runId ?? crypto.randomUUID();
    try {
      await appendAuditRows(
        warehouse,
        AUDIT_TABLES.alertState,
        state.map((row) => ({ run_id: runId, run_at: runAt, ...row })),
      );
    } catch (error) {
      warnings.push(`Cannot append to the alert state: ${_message(error)}`);
    }
  }
  return {
    stage: "alerts",
    channel,
    delivered,
    text,
    headline: message?.text ?? null,
    warning: warnings.length > 0 ? warnings.join("; ") : null,
    alerts: plan.alerts.length,
    resolved: plan.resolved.length,
    suppressed: plan.suppressed.length,
    attempts,
    seconds: (performance.now() - started) / 1000,
    peakRssMiB: peakRssMiB(),
  };
}

/** A few failing rows as `column=value` text: `event_id=null user_id=U000001; …`. */
function _sampleText(rows: readonly Record<string, unknown>[]): string {
  return rows.slice(0, 3).map((row) =>
    Object.entries(row).map(([key, value]) =>
      `${key}=${
        value === null || value === undefined
          ? "null"
          : typeof value === "object" && !(value instanceof Date)
          ? JSON.stringify(value)
          : formatValue(value)
      }`
    ).join(" ")
  ).join("; ");
}

function _message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}
