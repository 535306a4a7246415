/**
 * Authenticated calls to Google's REST APIs (BigQuery and Cloud Storage) with retries: one
 * place that decides what is transient (network errors, 5xx, 429, and 403 with reason
 * `rateLimitExceeded` or `backendError`), backs off exponentially with jitter, and turns an
 * error response into a {@linkcode GoogleApiError} with the API's own message, secrets
 * redacted.
 *
 * @module
 */
import type { AuthClientLike } from "./_bigquery_auth.ts";
import { redactSecrets } from "./_secrets.ts";

/** How transient failures are retried. */
export interface RetryPolicy {
  /**
   * Attempts in all (the first included) before the error is raised.
   * @default {6}
   */
  attempts?: number;
  /**
   * Delay before the first retry; doubles each time, with jitter.
   * @default {500}
   */
  initialDelayMs?: number;
  /**
   * Upper bound of one delay.
   * @default {30000}
   */
  maxDelayMs?: number;
}

/** Reasons Google APIs give for failures worth retrying (as an HTTP 403 or in a job). */
export const RETRYABLE_REASONS: ReadonlySet<string> = new Set([
  "rateLimitExceeded",
  "backendError",
  "internalError",
  "jobBackendError",
  "jobInternalError",
]);

/** An error response of a Google API (or a network failure, `status` 0). */
export class GoogleApiError extends Error {
  /** HTTP status; 0 for a network failure. */
  readonly status: number;
  /** The first `errors[].reason`, e.g. `notFound`, `rateLimitExceeded`. */
  readonly reason: string | undefined;
  constructor(message: string, status: number, reason?: string) {
    super(redactSecrets(message));
    this.name = "GoogleApiError";
    this.status = status;
    this.reason = reason;
  }

  /** Whether a retry may succeed: network errors, 5xx, 429, 403 rate limit / backend error. */
  get retryable(): boolean {
    if (this.status === 0 || this.status === 429 || this.status >= 500) return true;
    return this.status === 403 && this.reason !== undefined && RETRYABLE_REASONS.has(this.reason);
  }
}

/** One REST call. */
export interface ApiRequest {
  /**
   * HTTP method.
   * @default {"GET"}
   */
  method?: string;
  /** Absolute URL. */
  url: string;
  /**
   * Query-string parameters (undefined ones are left out).
   * @default {{}}
   */
  query?: Record<string, string | number | boolean | undefined>;
  /**
   * A JSON body.
   * @default {undefined}
   */
  json?: unknown;
  /**
   * Any other body, made afresh for each attempt (a stream cannot be sent twice).
   * @default {undefined}
   */
  body?: () => Promise<{ body: BodyInit; contentType: string }>;
  /**
   * Retry transient failures.
   * @default {true}
   */
  retry?: boolean;
}

/** A retry that is about to happen, for logs and tests. */
export interface RetryEvent {
  /** The failed attempt (1 = the first). */
  attempt: number;
  /** Why it failed. */
  error: GoogleApiError;
  /** Milliseconds until the next attempt. */
  delayMs: number;
}

/** Authenticated JSON and upload calls with retries (see the module comment). */
export class GoogleRestClient {
  readonly #auth: AuthClientLike;
  readonly #retry: Required<RetryPolicy>;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(
    auth: AuthClientLike,
    retry: RetryPolicy = {},
    onRetry?: (event: RetryEvent) => void,
  ) {
    this.#auth = auth;
    this.#retry = {
      attempts: Math.max(1, retry.attempts ?? 6),
      initialDelayMs: retry.initialDelayMs ?? 500,
      maxDelayMs: retry.maxDelayMs ?? 30_000,
    };
    this.#onRetry = onRetry;
  }

  /** The retry policy in force. */
  get retryPolicy(): Required<RetryPolicy> {
    return { ...this.#retry };
  }

  /**
   * Call and parse the JSON answer (`{}` for an empty body); throws {@linkcode GoogleApiError}
   * after the retries are spent, or at once for a failure that is not transient.
   */
  async json<T>(request: ApiRequest): Promise<T> {
    const response = await this.send(request);
    const text = await response.text();
    return (text === "" ? {} : JSON.parse(text)) as T;
  }

  /** Call and return the successful response (its body unread). */
  async send(request: ApiRequest): Promise<Response> {
    return await withRetries(
      () => this.#once(request),
      request.retry === false ? { ...this.#retry, attempts: 1 } : this.#retry,
      this.#onRetry,
    );
  }

  /** Wait `ms` (used between polls and retries). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async #once(request: ApiRequest): Promise<Response> {
    const url = new URL(request.url);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let headers: Headers;
    try {
      headers = new Headers(await this.#auth.getRequestHeaders(url.href));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Not retried as an API error: a credential problem does not heal by itself.
      throw new GoogleApiError(`Cannot authenticate to Google Cloud: ${message}`, 401, "auth");
    }
    let body: BodyInit | undefined;
    if (request.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(request.json);
    } else if (request.body) {
      const made = await request.body();
      headers.set("content-type", made.contentType);
      body = made.body;
    }
    let response: Response;
    try {
      response = await fetch(url, { method: request.method ?? "GET", headers, body });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new GoogleApiError(`network error: ${message}`, 0);
    }
    if (response.ok) return response;
    throw await apiErrorOf(response);
  }
}

/**
 * Run `attempt` until it succeeds, retrying a retryable {@linkcode GoogleApiError} with
 * exponential backoff (half fixed, half random: 0.5–1 × `initialDelayMs` × 2^n, capped at
 * `maxDelayMs`). Anything else, and the last failure, is thrown. `Retry-After` headers are not
 * read: Google's APIs do not send them for these errors.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: Required<RetryPolicy>,
  onRetry?: (event: RetryEvent) => void,
): Promise<T> {
  for (let n = 1;; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof GoogleApiError) || !error.retryable || n >= policy.attempts) {
        throw error;
      }
      const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
      const delayMs = Math.round(cap / 2 + Math.random() * cap / 2);
      onRetry?.({ attempt: n, error, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** A {@linkcode GoogleApiError} from an error response (`{ error: { message, errors } }`). */
export async function apiErrorOf(response: Response): Promise<GoogleApiError> {
  const text = await response.text().catch(() => "");
  let message = text.slice(0, 500) || response.statusText || `HTTP ${response.status}`;
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: string; errors?: { reason?: string }[]; status?: string } | string;
      error_description?: string;
    };
    if (typeof parsed.error === "object" && parsed.error) {
      message = parsed.error.message ?? message;
      reason = parsed.error.errors?.[0]?.reason ?? parsed.error.status;
    } else if (typeof parsed.error === "string") {
      message = parsed.error_description ?? parsed.error;
      reason = parsed.error;
    }
  } catch {
    // Not JSON: keep the start of the text.
  }
  return new GoogleApiError(message, response.status, reason);
}
