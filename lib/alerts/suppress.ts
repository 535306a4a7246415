/**
 * Which failing data tests and checks to alert on, without alert storms: a failure that is
 * still there with the same result is not repeated within its suppression interval, and a
 * recovery is announced once. Pure functions over the previous alert state; the pipeline keeps
 * that state in a warehouse table (one {@linkcode AlertStateRow} per test or check).
 *
 * @module
 */

/** Default hours before an unchanged failure is alerted again (Elementary's default too). */
export const DEFAULT_SUPPRESSION_HOURS = 24;

/** Outcome of a data test or check in one run, as the alerting sees it. */
export type AlertOutcome = "pass" | "warn" | "fail" | "skipped";

/** One data test's or check's result in one run: the input of {@linkcode planAlerts}. */
export interface AlertResult {
  /** Stable identity across runs, e.g. `test:not_null_stg_events_event_id`, `check:freshness_raw_events`. */
  key: string;
  /** Model or source table it belongs to: alerts are grouped by it. */
  model: string;
  /** Test or check name as shown. */
  name: string;
  /** `test` (a data test), `check` (an observability check) or `model` (a model build). */
  kind: "test" | "check" | "model";
  /** Declared severity. */
  severity: "warn" | "error";
  /** `fail` (error severity), `warn`, `pass`, or `skipped` (not evaluated this run: state kept). */
  outcome: AlertOutcome;
  /** Failing rows (tests) or failing units such as anomalous days (checks). */
  failures: number;
  /** A short sample of what failed, as plain text (escaped when rendered). @default {""} */
  sample?: string;
  /**
   * What makes two failures "the same result". @default {`${outcome}:${failures}`}
   */
  fingerprint?: string;
  /** Hours an unchanged failure stays quiet; null or absent: the plan's default. */
  suppressionHours?: number | null;
  /** Where to read more about this one: a URL, or a report path with an anchor. @default {undefined} */
  link?: string;
}

import type { AlertStateRow } from "../observe/audit.ts";

export type { AlertStateRow };

/** Why a failure is in this run's message. */
export type AlertReason = "new" | "changed" | "reminder";

/** A failure to put in this run's message. */
export interface AlertLine {
  /** The result. */
  result: AlertResult;
  /** `new` (first run failing), `changed` (a different result), `reminder` (interval elapsed). */
  reason: AlertReason;
  /** When this failure started (ISO). */
  failingSince: string;
}

/** A failure that recovered: one "resolved" line in this run's message. */
export interface ResolvedLine {
  /** The passing result. */
  result: AlertResult;
  /** When the failure had started (ISO). */
  failingSince: string | null;
}

/** A failure left out of this run's message. */
export interface SuppressedLine {
  /** The result. */
  result: AlertResult;
  /** When it will be alerted again if still unchanged (ISO). */
  quietUntil: string;
}

/** Result of {@linkcode planAlerts}. */
export interface AlertPlan {
  /** Failures to alert, in input order. */
  alerts: AlertLine[];
  /** Recoveries to announce, in input order. */
  resolved: ResolvedLine[];
  /** Unchanged failures inside their interval. */
  suppressed: SuppressedLine[];
  /** The state to keep for the next run, sorted by key. */
  state: AlertStateRow[];
  /** The run's time (ISO). */
  now: string;
}

/** Options for {@linkcode planAlerts}. */
export interface PlanAlertsOptions {
  /** The run's time. @default {new Date()} */
  now?: Date;
  /** Default suppression interval in hours. @default {24} */
  suppressionHours?: number;
}

/**
 * Decide what this run's message says, from this run's results and the previous state:
 *
 * - a failure (`warn` or `fail`) not failing before is alerted (`new`);
 * - a failure whose fingerprint differs from the last alerted one (more failing rows, a new
 *   anomalous day, warn → fail) is alerted (`changed`);
 * - an unchanged failure is alerted again only when its suppression interval (per result,
 *   else the default 24 h) has passed since it was last alerted (`reminder`); before that it
 *   is `suppressed`. An interval of 0 alerts every run;
 * - a result that passes after failing gives one `resolved` line, and its state becomes
 *   `resolved`, so the next run says nothing about it;
 * - `skipped` results and keys absent from this run leave their state as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const results: AlertResult[] = [{
 *   key: "test:not_null_stg_events_event_id",
 *   model: "stg_events",
 *   name: "not_null_stg_events_event_id",
 *   kind: "test",
 *   severity: "error",
 *   outcome: "fail",
 *   failures: 3,
 * }];
 * const first = planAlerts(results, [], { now: new Date("2026-03-02T06:00:00Z") });
 * assert.deepEqual(first.alerts.map((a) => a.reason), ["new"]); // first.alerts → the message
 * // first.state is saved; six hours later the same failure is not repeated
 * const later = planAlerts(results, first.state, { now: new Date("2026-03-02T12:00:00Z") });
 * assert.equal(later.alerts.length, 0);
 * assert.deepEqual(later.suppressed.map((s) => s.quietUntil), ["2026-03-03T06:00:00.000Z"]);
 * ```
 */
export function planAlerts(
  results: readonly AlertResult[],
  previous: readonly AlertStateRow[],
  options: PlanAlertsOptions = {},
): AlertPlan {
  const nowDate = options.now ?? new Date();
  if (!Number.isFinite(nowDate.getTime())) throw new RangeError("Cannot plan alerts: invalid now");
  const now = nowDate.toISOString();
  const defaultHours = _hours(
    options.suppressionHours ?? DEFAULT_SUPPRESSION_HOURS,
    "suppressionHours",
  );
  const state = new Map<string, AlertStateRow>();
  for (const row of previous) state.set(row.alert_key, { ...row });
  const plan: AlertPlan = { alerts: [], resolved: [], suppressed: [], state: [], now };
  const seen = new Set<string>();

  for (const result of results) {
    if (seen.has(result.key)) {
      throw new RangeError(`Cannot plan alerts: result key "${result.key}" appears twice`);
    }
    seen.add(result.key);
    if (result.outcome === "skipped") continue;
    const before = state.get(result.key);
    const hours = result.suppressionHours === null || result.suppressionHours === undefined
      ? defaultHours
      : _hours(result.suppressionHours, `suppressionHours of "${result.key}"`);
    if (result.outcome === "pass") {
      if (before?.status === "failing") {
        plan.resolved.push({ result, failingSince: before.first_failed_at });
        state.set(result.key, {
          ...before,
          model: result.model,
          name: result.name,
          status: "resolved",
          outcome: "pass",
          resolved_at: now,
          last_alerted_at: now,
          suppression_hours: hours,
        });
      } else if (before) {
        state.set(result.key, { ...before, outcome: "pass" });
      }
      continue;
    }
    const fingerprint = result.fingerprint ?? `${result.outcome}:${result.failures}`;
    const failing = before?.status === "failing" ? before : undefined;
    const since = failing?.first_failed_at ?? now;
    let reason: AlertReason | null;
    if (!failing) reason = "new";
    else if (failing.fingerprint !== fingerprint) reason = "changed";
    else {
      const last = failing.last_alerted_at ? Date.parse(failing.last_alerted_at) : -Infinity;
      reason = nowDate.getTime() - last >= hours * 3_600_000 ? "reminder" : null;
    }
    const alerted = reason !== null;
    if (alerted) plan.alerts.push({ result, reason: reason!, failingSince: since });
    else {
      const quietUntil = new Date(Date.parse(failing!.last_alerted_at!) + hours * 3_600_000);
      plan.suppressed.push({ result, quietUntil: quietUntil.toISOString() });
    }
    state.set(result.key, {
      alert_key: result.key,
      model: result.model,
      name: result.name,
      status: "failing",
      outcome: result.outcome,
      fingerprint,
      first_failed_at: since,
      last_failed_at: now,
      last_alerted_at: alerted ? now : failing!.last_alerted_at,
      resolved_at: null,
      suppression_hours: hours,
    });
  }
  plan.state = [...state.values()].sort((a, b) =>
    a.alert_key < b.alert_key ? -1 : a.alert_key > b.alert_key ? 1 : 0
  );
  return plan;
}

function _hours(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`Cannot plan alerts: ${what} must be a number of hours ≥ 0, got ${value}`);
  }
  return value;
}
