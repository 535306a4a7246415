/**
 * Slack alerts for failing data tests and anomalous checks, the way people keep them on: one
 * grouped message per run, unchanged failures not repeated within their suppression interval,
 * one "resolved" line when a failure recovers, and a sender that never fails the pipeline and
 * never shows the webhook URL.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type AlertResult,
 *   type AlertStateRow,
 *   buildSlackMessage,
 *   deliverAlert,
 *   planAlerts,
 *   renderAlertText,
 *   workflowRunUrl,
 * } from "./mod.ts";
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
 * const previousState: AlertStateRow[] = []; // plan.state saved by the previous run
 * const plan = planAlerts(results, previousState, { now: new Date("2026-03-02T06:00:00Z") });
 * const link = workflowRunUrl(Deno.env.toObject()) ?? "reports/terraloop-report.html";
 * const message = buildSlackMessage(plan, { link });
 * if (message) {
 *   const delivery = await deliverAlert(message, renderAlertText(plan, { link })!, {
 *     webhookUrl: undefined, // Deno.env.get("SLACK_WEBHOOK_URL"); unset: text for the console
 *   });
 *   assert.equal(delivery.channel, "console");
 * }
 * // save plan.state for the next run
 * assert.equal(plan.state[0]?.status, "failing");
 * ```
 *
 * @module
 */

export * from "./suppress.ts";
export * from "./slack_message.ts";
export * from "./send.ts";
