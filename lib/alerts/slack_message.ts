/**
 * One Slack message per run (Block Kit), grouped by model, within Slack's limits, and the same
 * content as plain text for the console.
 *
 * @module
 */
import type { AlertLine, AlertPlan, AlertResult, ResolvedLine } from "./suppress.ts";

/** Slack's limit on blocks per message. */
export const SLACK_MAX_BLOCKS = 50;
/** Slack's limit on the text of a section block. */
export const SLACK_MAX_TEXT = 3000;
/** Slack's limit on a header block's text. */
export const SLACK_MAX_HEADER = 150;

/** A Block Kit text object. */
export interface SlackText {
  type: "mrkdwn" | "plain_text";
  text: string;
}

/** The Block Kit blocks this builder uses. */
export type SlackBlock =
  | { type: "header"; text: SlackText & { type: "plain_text" } }
  | { type: "section"; text: SlackText & { type: "mrkdwn" } }
  | { type: "context"; elements: (SlackText & { type: "mrkdwn" })[] };

/** An incoming-webhook payload: `text` is the notification fallback, `blocks` the message. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Options for {@linkcode buildSlackMessage} and {@linkcode renderAlertText}. */
export interface AlertMessageOptions {
  /** First words of the header. @default "TerraLoop pipeline" */
  title?: string;
  /** Names the run, e.g. its id or date. @default {undefined} */
  runLabel?: string;
  /**
   * Where to read more when a result has no link of its own: the workflow run URL inside
   * GitHub Actions, else the report path. @default {undefined}
   */
  link?: string;
  /** Characters of a sample shown. @default {150} */
  sampleChars?: number;
  /** Most blocks (Slack allows 50). @default {50} */
  maxBlocks?: number;
  /** Most characters per section text (Slack allows 3000). @default {3000} */
  maxTextChars?: number;
}

/**
 * Escape text for Slack mrkdwn: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, as Slack
 * requires; nothing else is touched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeMrkdwn("<b>&</b>"), "&lt;b&gt;&amp;&lt;/b&gt;");
 * ```
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Headline counts of a plan: failing (fail), warnings (warn) and resolved lines. */
export function alertCounts(
  plan: AlertPlan,
): { failing: number; warnings: number; resolved: number } {
  return {
    failing: plan.alerts.filter((a) => a.result.outcome === "fail").length,
    warnings: plan.alerts.filter((a) => a.result.outcome === "warn").length,
    resolved: plan.resolved.length,
  };
}

/** The headline: `TerraLoop pipeline: 2 failing, 1 warning, 1 resolved`. */
export function alertHeadline(plan: AlertPlan, title = "TerraLoop pipeline"): string {
  const { failing, warnings, resolved } = alertCounts(plan);
  const parts = [
    failing > 0 ? `${failing} failing` : "",
    warnings > 0 ? `${warnings} warning${warnings === 1 ? "" : "s"}` : "",
    resolved > 0 ? `${resolved} resolved` : "",
  ].filter(Boolean);
  return `${title}: ${parts.join(", ") || "all clear"}`;
}

interface _Group {
  model: string;
  alerts: AlertLine[];
  resolved: ResolvedLine[];
  worst: number;
}

/** Groups by model: models with failures first, then warnings, then only resolved; by name. */
function _groups(plan: AlertPlan): _Group[] {
  const groups = new Map<string, _Group>();
  const group = (model: string) => {
    let g = groups.get(model);
    if (!g) groups.set(model, g = { model, alerts: [], resolved: [], worst: 0 });
    return g;
  };
  for (const a of plan.alerts) {
    const g = group(a.result.model);
    g.alerts.push(a);
    g.worst = Math.max(g.worst, a.result.outcome === "fail" ? 2 : 1);
  }
  for (const r of plan.resolved) group(r.result.model).resolved.push(r);
  return [...groups.values()].sort((a, b) =>
    b.worst - a.worst || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0)
  );
}

function _sample(sample: string | undefined, max: number): string {
  const flat = (sample ?? "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function _rows(result: AlertResult): string {
  if (result.kind === "model") return "build failed";
  const unit = result.kind === "test" ? "failing row" : "failure";
  return `${result.failures} ${unit}${result.failures === 1 ? "" : "s"}`;
}

/** `<https://…|details>` for a URL, `see \`path\`` for a local path. */
function _linkMrkdwn(link: string | undefined): string {
  if (!link) return "";
  if (/^https?:\/\//i.test(link)) return `<${escapeMrkdwn(link)}|details>`;
  return `see \`${escapeMrkdwn(link.replaceAll("`", "'"))}\``;
}

function _code(text: string): string {
  return `\`${escapeMrkdwn(text.replaceAll("`", "'"))}\``;
}

function _alertMrkdwn(
  a: AlertLine,
  o: Required<Pick<AlertMessageOptions, "sampleChars">> & AlertMessageOptions,
): string {
  const r = a.result;
  const icon = r.outcome === "fail" ? ":red_circle:" : ":large_yellow_circle:";
  const parts = [
    `${icon} ${_code(r.name)}`,
    r.outcome === "fail" ? "*error*" : "warn",
    _rows(r),
  ];
  const sample = _sample(r.sample, o.sampleChars);
  if (sample) parts.push(`sample: ${_code(sample)}`);
  if (a.reason === "reminder") parts.push(`_still failing since ${_when(a.failingSince)}_`);
  else if (a.reason === "changed") parts.push(`_changed; failing since ${_when(a.failingSince)}_`);
  const link = _linkMrkdwn(r.link ?? o.link);
  if (link) parts.push(link);
  return `• ${parts.join(" — ")}`;
}

function _resolvedMrkdwn(r: ResolvedLine): string {
  const since = r.failingSince ? ` (failing since ${_when(r.failingSince)})` : "";
  return `• :white_check_mark: resolved: ${_code(r.result.name)}${since}`;
}

function _when(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * The run's single Slack message, or null when there is nothing to say (no new, changed or
 * reminded failure and nothing resolved).
 *
 * Layout: a header with the counts, a context line (run, where to read more, how many
 * unchanged failures were not repeated), then one section per model, worst first, one line per
 * test or check: its name, severity, failing-row count, a short sample, and a link. Every
 * string from data is escaped for mrkdwn. A model whose lines exceed `maxTextChars` continues in
 * another section; when the blocks would exceed `maxBlocks`, the last block says how many
 * lines and models were left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planAlerts } from "./suppress.ts";
 *
 * const plan = planAlerts([{
 *   key: "test:not_null_stg_events_event_id",
 *   model: "stg_events",
 *   name: "not_null_stg_events_event_id",
 *   kind: "test",
 *   severity: "error",
 *   outcome: "fail",
 *   failures: 3,
 * }], []);
 * const message = buildSlackMessage(plan, { link: "reports/terraloop-report.html" });
 * assert.equal(message?.text, "TerraLoop pipeline: 1 failing");
 * assert.deepEqual(message?.blocks[2], {
 *   type: "section",
 *   text: {
 *     type: "mrkdwn",
 *     text: "*`stg_events`*\n• :red_circle: `not_null_stg_events_event_id` — *error* — " +
 *       "3 failing rows — see `reports/terraloop-report.html`",
 *   },
 * });
 * // then: await sendSlackMessage(message, { webhookUrl })
 * ```
 */
export function buildSlackMessage(
  plan: AlertPlan,
  options: AlertMessageOptions = {},
): SlackMessage | null {
  if (plan.alerts.length === 0 && plan.resolved.length === 0) return null;
  const o = {
    ...options,
    sampleChars: options.sampleChars ?? 150,
    maxBlocks: Math.min(options.maxBlocks ?? SLACK_MAX_BLOCKS, SLACK_MAX_BLOCKS),
    maxTextChars: Math.min(options.maxTextChars ?? SLACK_MAX_TEXT, SLACK_MAX_TEXT),
  };
  if (o.maxBlocks < 3) {
    throw new RangeError(
      `Cannot build a Slack message: maxBlocks must be at least 3, got ${o.maxBlocks}`,
    );
  }
  const headline = alertHeadline(plan, options.title);
  const blocks: SlackBlock[] = [{
    type: "header",
    text: { type: "plain_text", text: _cut(headline, SLACK_MAX_HEADER) },
  }];
  const context = [
    options.runLabel ? `run ${escapeMrkdwn(options.runLabel)}` : "",
    options.link ? `read more: ${_linkMrkdwn(options.link)}` : "",
    plan.suppressed.length > 0
      ? `${plan.suppressed.length} unchanged failure${
        plan.suppressed.length === 1 ? "" : "s"
      } not repeated`
      : "",
  ].filter(Boolean).join(" · ");
  if (context) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: _cut(context, o.maxTextChars) }],
    });
  }

  // Every model's lines, split into section texts that fit.
  const sections: { model: string; text: string; lines: number }[] = [];
  for (const g of _groups(plan)) {
    const lines = [...g.alerts.map((a) => _alertMrkdwn(a, o)), ...g.resolved.map(_resolvedMrkdwn)];
    let title = `*${_code(g.model)}*`;
    let text = title;
    let count = 0;
    for (const line of lines) {
      const fitted = _cut(line, o.maxTextChars - title.length - 1);
      if (count > 0 && text.length + 1 + fitted.length > o.maxTextChars) {
        sections.push({ model: g.model, text, lines: count });
        title = `*${_code(g.model)}* (continued)`;
        text = title;
        count = 0;
      }
      text += `\n${fitted}`;
      count++;
    }
    sections.push({ model: g.model, text, lines: count });
  }
  const room = o.maxBlocks - blocks.length;
  if (sections.length <= room) {
    for (const s of sections) {
      blocks.push({ type: "section", text: { type: "mrkdwn", text: s.text } });
    }
  } else {
    const shown = sections.slice(0, room - 1);
    for (const s of shown) blocks.push({ type: "section", text: { type: "mrkdwn", text: s.text } });
    const left = sections.slice(room - 1);
    const lines = left.reduce((n, s) => n + s.lines, 0);
    const models = new Set(left.map((s) => s.model)).size;
    const where = options.link ? `: ${_linkMrkdwn(options.link)}` : "";
    blocks.push({
      type: "context",
      elements: [{
        type: "mrkdwn",
        text: `… and ${lines} more line${lines === 1 ? "" : "s"} in ${models} more model${
          models === 1 ? "" : "s"
        } not shown (a message holds at most ${o.maxBlocks} blocks)${where}`,
      }],
    });
  }
  return { text: _cut(headline, SLACK_MAX_TEXT), blocks };
}

/**
 * The same content as plain text, for the console when no webhook is configured (or null when
 * there is nothing to say). Nothing is escaped: it is not mrkdwn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planAlerts } from "./suppress.ts";
 *
 * const plan = planAlerts([{
 *   key: "test:not_null_stg_events_event_id",
 *   model: "stg_events",
 *   name: "not_null_stg_events_event_id",
 *   kind: "test",
 *   severity: "error",
 *   outcome: "fail",
 *   failures: 3,
 * }], []);
 * assert.equal(
 *   renderAlertText(plan, { link: "reports/terraloop-report.html" }),
 *   `TerraLoop pipeline: 1 failing
 * stg_events
 *   ✗ not_null_stg_events_event_id (error): 3 failing rows
 * Read more: reports/terraloop-report.html`,
 * );
 * ```
 */
export function renderAlertText(plan: AlertPlan, options: AlertMessageOptions = {}): string | null {
  if (plan.alerts.length === 0 && plan.resolved.length === 0) return null;
  const sampleChars = options.sampleChars ?? 150;
  const out = [alertHeadline(plan, options.title)];
  if (options.runLabel) out.push(`run ${options.runLabel}`);
  for (const g of _groups(plan)) {
    out.push(g.model);
    for (const a of g.alerts) {
      const r = a.result;
      const sample = _sample(r.sample, sampleChars);
      const since = a.reason === "new"
        ? ""
        : `; ${a.reason === "changed" ? "changed, " : "still "}failing since ${
          _when(a.failingSince)
        }`;
      const link = r.link ? `; see ${r.link}` : "";
      out.push(
        `  ${r.outcome === "fail" ? "✗" : "!"} ${r.name} (${
          r.outcome === "fail" ? "error" : "warn"
        }): ${_rows(r)}${sample ? `; sample: ${sample}` : ""}${since}${link}`,
      );
    }
    for (const r of g.resolved) out.push(`  ✓ resolved: ${r.result.name}`);
  }
  if (plan.suppressed.length > 0) {
    out.push(
      `${plan.suppressed.length} unchanged failure${
        plan.suppressed.length === 1 ? "" : "s"
      } not repeated`,
    );
  }
  if (options.link) out.push(`Read more: ${options.link}`);
  return out.join("\n");
}

/**
 * The GitHub Actions run URL (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`)
 * when all three variables are set, else undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const env = {
 *   GITHUB_SERVER_URL: "https://github.com",
 *   GITHUB_REPOSITORY: "acme/terraloop",
 *   GITHUB_RUN_ID: "42",
 * }; // in a workflow: Deno.env.toObject()
 * assert.equal(workflowRunUrl(env), "https://github.com/acme/terraloop/actions/runs/42");
 * assert.equal(workflowRunUrl({}), undefined); // outside GitHub Actions
 * ```
 */
export function workflowRunUrl(env: Record<string, string | undefined>): string | undefined {
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, "");
  const repo = env.GITHUB_REPOSITORY;
  const run = env.GITHUB_RUN_ID;
  if (!server || !repo || !run || !/^https?:\/\//.test(server) || !/^\d+$/.test(run)) {
    return undefined;
  }
  return `${server}/${repo}/actions/runs/${run}`;
}

function _cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not cut inside an escape such as `&amp;`.
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf("&");
  if (amp >= 0 && !cut.slice(amp).includes(";")) cut = cut.slice(0, amp);
  return `${cut}…`;
}
