/**
 * Slack alerts for failing data tests and anomalous checks, the way people keep them on: one
 * grouped message per run, unchanged failures not repeated within their suppression interval,
 * one "resolved" line when a failure recovers, and a sender that never fails the pipeline and
 * never shows the webhook URL.
 *
 * ```ts
 * import {
 *   buildSlackMessage,
 *   deliverAlert,
 *   planAlerts,
 *   renderAlertText,
 *   workflowRunUrl,
 * } from "./lib/alerts/mod.ts";
 *
 * const plan = planAlerts(results, previousState, { now: new Date() });
 * const link = workflowRunUrl(Deno.env.toObject()) ?? "reports/terraloop-report.html";
 * const message = buildSlackMessage(plan, { link });
 * if (message) {
 *   const delivery = await deliverAlert(message, renderAlertText(plan, { link })!, {
 *     webhookUrl: Deno.env.get("SLACK_WEBHOOK_URL"),
 *   });
 * }
 * // save plan.state for the next run
 * ```
 *
 * @module
 */

export * from "./suppress.ts";
export * from "./slack_message.ts";
export * from "./send.ts";
