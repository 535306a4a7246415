/**
 * Deliver the run's alert: post it to a Slack incoming webhook with a timeout and bounded
 * retries, or hand the plain text back for the console when no webhook is configured. Never
 * throws, and never lets the webhook URL (a secret) into a returned string.
 *
 * @module
 */
import type { SlackMessage } from "./slack_message.ts";

/** Options for {@linkcode sendSlackMessage}. */
export interface SendOptions {
  /** The webhook (`SLACK_WEBHOOK_URL`). @default {undefined} */
  webhookUrl?: string | null;
  /** Milliseconds before one attempt is abandoned. @default {10000} */
  timeoutMs?: number;
  /** Attempts in all (the first plus retries). @default {4} */
  maxAttempts?: number;
  /** First backoff after a 5xx or a network error; doubled each time. @default {1000} */
  backoffMs?: number;
  /**
   * Longest wait between attempts; a 429 whose `Retry-After` asks for more gives up at once.
   * @default {30000}
   */
  maxDelayMs?: number;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** How to wait. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
}

/** Outcome of {@linkcode sendSlackMessage}. */
export interface SendResult {
  /** True when Slack answered 2xx. */
  delivered: boolean;
  /** HTTP attempts made. */
  attempts: number;
  /** Last HTTP status, or null (no answer, or not attempted). */
  status: number | null;
  /** Milliseconds waited between attempts, in order. */
  waits: number[];
  /** Why it was not delivered, for the log; never contains the webhook URL. */
  warning?: string;
}

/** Result of {@linkcode deliverAlert}: posted to Slack, or text for the console. */
export type DeliveryResult =
  | ({ channel: "slack" } & SendResult)
  | { channel: "console"; delivered: false; text: string };

/**
 * Post `message` to the webhook. Retries (at most `maxAttempts` attempts) on 429, honouring
 * `Retry-After` (seconds or an HTTP date), on 5xx and on network errors or timeouts, waiting
 * `backoffMs`, then twice that, and so on (capped at `maxDelayMs`). Other answers are final.
 * Resolves with a warning instead of throwing; the URL is redacted from every message, so
 * the warning can be logged as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const message = { text: "TerraLoop pipeline: 1 failing", blocks: [] };
 * const webhookUrl = "https://hooks.slack.com/services/T1/B2/abcdef123"; // SLACK_WEBHOOK_URL
 * // Slack is busy once, then accepts (a stand-in for fetch, and no real waiting):
 * const answers = [new Response("busy", { status: 503 }), new Response("ok")];
 * const result = await sendSlackMessage(message, {
 *   webhookUrl,
 *   fetch: () => Promise.resolve(answers.shift()!),
 *   sleep: () => Promise.resolve(),
 * });
 * assert.deepEqual(result, { delivered: true, attempts: 2, status: 200, waits: [1000] });
 * ```
 */
export async function sendSlackMessage(
  message: SlackMessage,
  options: SendOptions = {},
): Promise<SendResult> {
  const waits: number[] = [];
  const secret = options.webhookUrl ?? "";
  const result = (r: Omit<SendResult, "waits">): SendResult => ({
    ...r,
    waits,
    ...(r.warning === undefined ? {} : { warning: redactSecret(r.warning, secret) }),
  });
  try {
    const url = _checkUrl(secret);
    if (typeof url !== "object") {
      return result({ delivered: false, attempts: 0, status: null, warning: url });
    }
    const doFetch = options.fetch ?? fetch;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 4));
    const backoffMs = options.backoffMs ?? 1_000;
    const maxDelayMs = options.maxDelayMs ?? 30_000;
    const body = JSON.stringify(message);
    let last = "";
    let status: number | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let delay: number;
      try {
        const response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8" },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "error",
        });
        status = response.status;
        const text = (await response.text().catch(() => "")).slice(0, 200).trim();
        if (response.ok) return result({ delivered: true, attempts: attempt, status });
        last = `HTTP ${status}${text ? ` "${text}"` : ""}`;
        if (status === 429) {
          const asked = _retryAfterMs(response.headers.get("retry-after"));
          if (asked !== null && asked > maxDelayMs) {
            return result({
              delivered: false,
              attempts: attempt,
              status,
              warning: `Slack alert not sent: rate-limited (HTTP 429) and asked to wait ${
                Math.ceil(asked / 1000)
              } s, longer than the ${Math.ceil(maxDelayMs / 1000)} s allowed`,
            });
          }
          delay = asked ?? Math.min(backoffMs * 2 ** (attempt - 1), maxDelayMs);
        } else if (status >= 500) {
          delay = Math.min(backoffMs * 2 ** (attempt - 1), maxDelayMs);
        } else {
          return result({
            delivered: false,
            attempts: attempt,
            status,
            warning: `Slack alert not sent: the webhook answered ${last}`,
          });
        }
      } catch (error) {
        status = null;
        const name = error instanceof Error ? error.name : "";
        last = name === "TimeoutError"
          ? `no answer within ${timeoutMs / 1000} s`
          : `request failed (${error instanceof Error ? error.message : String(error)})`;
        delay = Math.min(backoffMs * 2 ** (attempt - 1), maxDelayMs);
      }
      if (attempt < maxAttempts) {
        waits.push(delay);
        await sleep(delay);
      }
    }
    return result({
      delivered: false,
      attempts: maxAttempts,
      status,
      warning: `Slack alert not sent after ${maxAttempts} attempt${
        maxAttempts === 1 ? "" : "s"
      }: last ${last}`,
    });
  } catch (error) {
    return result({
      delivered: false,
      attempts: 0,
      status: null,
      warning: `Slack alert not sent: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/**
 * Send the alert to Slack when `webhookUrl` is set, else return `text` for the caller to print.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const message = { text: "TerraLoop pipeline: 1 failing", blocks: [] };
 * const text = "TerraLoop pipeline: 1 failing\nstg_events\n  ✗ not_null_stg_events_event_id";
 * // webhookUrl: Deno.env.get("SLACK_WEBHOOK_URL"); unset here, so the text comes back
 * const delivery = await deliverAlert(message, text, { webhookUrl: undefined });
 * assert.deepEqual(delivery, { channel: "console", delivered: false, text });
 * ```
 */
export async function deliverAlert(
  message: SlackMessage,
  text: string,
  options: SendOptions = {},
): Promise<DeliveryResult> {
  if (!options.webhookUrl || options.webhookUrl.trim() === "") {
    return { channel: "console", delivered: false, text };
  }
  return { channel: "slack", ...(await sendSlackMessage(message, options)) };
}

/**
 * Replace the webhook URL, and each secret-looking part of it (path segments and query values
 * of 6 characters or more), with `[redacted]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const url = "https://hooks.slack.com/services/T1/B2/abcdef123";
 * assert.equal(
 *   redactSecret(`error sending request for url (${url})`, url),
 *   "error sending request for url ([redacted])",
 * );
 * ```
 */
export function redactSecret(text: string, secret: string): string {
  if (!secret) return text;
  const parts = new Set<string>([secret, secret.trim()]);
  try {
    const url = new URL(secret.trim());
    parts.add(url.href);
    parts.add(url.pathname);
    for (const segment of url.pathname.split("/")) {
      if (segment.length >= 6) parts.add(segment);
    }
    for (const value of url.searchParams.values()) if (value.length >= 6) parts.add(value);
    if (url.password) parts.add(url.password);
  } catch {
    // Not a URL: the whole value is the secret.
  }
  let out = text;
  for (const part of [...parts].filter(Boolean).sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(part, "[redacted]");
  }
  return out;
}

/** The parsed URL, or a warning that does not show the value. */
function _checkUrl(value: string): URL | string {
  if (!value || value.trim() === "") return "Slack alert not sent: no webhook URL";
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return "Slack alert not sent: SLACK_WEBHOOK_URL is not a valid URL (value not shown)";
  }
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    return "Slack alert not sent: SLACK_WEBHOOK_URL must be an https:// URL (value not shown)";
  }
  return url;
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or null. */
function _retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === "") return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}
