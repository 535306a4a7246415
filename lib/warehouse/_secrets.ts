/**
 * Keeping secrets out of messages: every error text the BigQuery adapter and the warehouse
 * configuration produce passes through {@linkcode redactSecrets} first, so a token, a key or
 * a URL password never reaches a terminal, a log, `target/` or a report.
 *
 * @module
 */

const PATTERNS: [RegExp, string][] = [
  // PEM private keys (service-account key files).
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    "[private key]",
  ],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]"],
  // OAuth fields in JSON or form bodies and query strings.
  [
    /\b(access_token|refresh_token|id_token|client_secret|private_key|assertion|token)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
    "$1$2[redacted]",
  ],
  // Google access tokens wherever they stand.
  [/\bya29\.[A-Za-z0-9._-]+/g, "ya29.[redacted]"],
  // user:password@ in URLs (and user@ alone: it may be a token).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]*@/gi, "$1[redacted]@"],
];

/**
 * A text with credentials replaced by `[redacted]`: PEM private keys, `Bearer`/`Basic`
 * header values, OAuth fields (`access_token=…`, `"refresh_token": "…"`), `ya29.` tokens and
 * the user-info part of URLs (`https://user:pass@host` → `https://[redacted]@host`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(redactSecrets("http://bob:hunter2@host/x"), "http://[redacted]@host/x");
 * assert.equal(redactSecrets("Authorization: Bearer ya29.abc"), "Authorization: Bearer [redacted]");
 * ```
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The message of anything thrown, with secrets redacted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(safeMessage(new Error("token=abc")), "token=[redacted]");
 * ```
 */
export function safeMessage(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}
