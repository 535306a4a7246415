/**
 * Credentials for the BigQuery adapter, found quickly or refused clearly: Application Default
 * Credentials are looked up in their usual places (`GOOGLE_APPLICATION_CREDENTIALS`, the
 * gcloud well-known file, the metadata server) with a short metadata probe, instead of
 * google-auth-library's own lookup that waits about 18 s for a metadata server that is not
 * there. The files are read only to learn their type; nothing from them is ever printed.
 *
 * @module
 */
import { join } from "node:path";
import { GoogleAuth, JWT, UserRefreshClient } from "google-auth-library";
import { redactSecrets } from "./_secrets.ts";

/** What the adapter needs of an auth client: headers for one request. */
export interface AuthClientLike {
  /** `authorization` (and other) headers for a request to `url`. */
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

/** Missing or unusable credentials: a configuration problem, found before any work. */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(redactSecrets(message));
    this.name = "CredentialsError";
  }
}

/** The OAuth scopes the adapter asks for (BigQuery, and Cloud Storage reads for gs:// loads). */
export const GOOGLE_SCOPES: readonly string[] = [
  "https://www.googleapis.com/auth/bigquery",
  "https://www.googleapis.com/auth/devstorage.read_only",
];

/** Options for {@linkcode resolveAuthClient}. */
export interface ResolveAuthOptions {
  /**
   * A service-account key or authorized-user file to use instead of ADC.
   * @default {undefined}
   */
  keyFilename?: string;
  /**
   * The environment (`GOOGLE_APPLICATION_CREDENTIALS`, `CLOUDSDK_CONFIG`, `HOME`,
   * `GCE_METADATA_HOST`).
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
  /**
   * How long the metadata server may take to answer before ADC is declared missing.
   * @default {1500}
   */
  metadataTimeoutMs?: number;
}

const HELP = "set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run " +
  "`gcloud auth application-default login`";

/**
 * Find credentials the way Application Default Credentials do, failing fast: `keyFilename`;
 * else the file `GOOGLE_APPLICATION_CREDENTIALS` names (it must exist and be a credentials
 * file); else gcloud's `application_default_credentials.json`; else the metadata server, if
 * it answers within `metadataTimeoutMs`. Throws {@linkcode CredentialsError} naming
 * `GOOGLE_APPLICATION_CREDENTIALS` and `gcloud auth application-default login` otherwise.
 *
 * Service-account keys sign their own JWT access tokens (no token request); user credentials
 * refresh through Google's OAuth endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await assert.rejects(
 *   resolveAuthClient({ env: { HOME: "/nonexistent", GCE_METADATA_HOST: "127.0.0.1:9" } }),
 *   /GOOGLE_APPLICATION_CREDENTIALS.*gcloud auth application-default login/,
 * );
 * ```
 */
export async function resolveAuthClient(options: ResolveAuthOptions = {}): Promise<AuthClientLike> {
  const env = options.env ?? Deno.env.toObject();
  if (options.keyFilename) {
    return _clientFromFile(
      options.keyFilename,
      "keyFilename",
      await _readCredentials(
        options.keyFilename,
        "keyFilename",
      ),
    );
  }
  const named = env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
  if (named) {
    const json = await _readCredentials(named, "GOOGLE_APPLICATION_CREDENTIALS");
    return _clientFromFile(named, "GOOGLE_APPLICATION_CREDENTIALS", json);
  }
  const wellKnown = _wellKnownFile(env);
  if (wellKnown && await _exists(wellKnown)) {
    const json = await _readCredentials(wellKnown, "gcloud's application default credentials");
    return _clientFromFile(wellKnown, "gcloud's application default credentials", json);
  }
  const timeoutMs = options.metadataTimeoutMs ?? 1500;
  const host = env.GCE_METADATA_HOST?.trim() || "169.254.169.254";
  if (await _metadataServerAnswers(host, timeoutMs)) {
    const auth = new GoogleAuth({ scopes: [...GOOGLE_SCOPES] });
    return await _checked(() => auth.getClient());
  }
  throw new CredentialsError(
    `Cannot find Google Cloud credentials for BigQuery: ${HELP}. Looked for ` +
      `GOOGLE_APPLICATION_CREDENTIALS (not set), ${wellKnown ?? "gcloud's well-known file"} ` +
      `(not found) and a metadata server at ${host} (no answer within ${timeoutMs / 1000} s)`,
  );
}

async function _readCredentials(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : error instanceof Deno.errors.PermissionDenied
      ? "the file cannot be read (permission denied)"
      : "the file cannot be read";
    throw new CredentialsError(`Cannot use ${what} "${path}": ${why}; ${HELP}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message may quote the file's content: it is not repeated.
    throw new CredentialsError(`Cannot use ${what} "${path}": the file is not JSON; ${HELP}`);
  }
  if (
    typeof json !== "object" || json === null ||
    typeof (json as { type?: unknown }).type !== "string"
  ) {
    throw new CredentialsError(
      `Cannot use ${what} "${path}": not a Google credentials file (no "type"); ${HELP}`,
    );
  }
  return json as Record<string, unknown>;
}

function _clientFromFile(
  path: string,
  what: string,
  json: Record<string, unknown>,
): Promise<AuthClientLike> | AuthClientLike {
  const field = (name: string) => {
    const value = json[name];
    if (typeof value !== "string" || value === "") {
      throw new CredentialsError(`Cannot use ${what} "${path}": "${name}" is missing`);
    }
    return value;
  };
  switch (json.type) {
    case "service_account": {
      const jwt = new JWT({
        email: field("client_email"),
        key: field("private_key"),
        keyId: typeof json.private_key_id === "string" ? json.private_key_id : undefined,
        scopes: [...GOOGLE_SCOPES],
      });
      // Sign access tokens locally (as Google's client libraries do for service accounts).
      jwt.useJWTAccessWithScope = true;
      return jwt;
    }
    case "authorized_user":
      return new UserRefreshClient({
        clientId: field("client_id"),
        clientSecret: field("client_secret"),
        refreshToken: field("refresh_token"),
      });
    default: {
      if (what !== "GOOGLE_APPLICATION_CREDENTIALS") {
        throw new CredentialsError(
          `Cannot use ${what} "${path}": credentials of type "${json.type}" are supported ` +
            `only through GOOGLE_APPLICATION_CREDENTIALS`,
        );
      }
      // Workload identity federation, impersonation, …: google-auth-library reads the file.
      const auth = new GoogleAuth({ scopes: [...GOOGLE_SCOPES] });
      return _checked(() => auth.getClient());
    }
  }
}

async function _checked<T>(get: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CredentialsError(`Cannot use Google Cloud credentials: ${message}; ${HELP}`);
  }
}

function _wellKnownFile(env: Record<string, string | undefined>): string | undefined {
  const config = env.CLOUDSDK_CONFIG?.trim();
  if (config) return join(config, "application_default_credentials.json");
  if (Deno.build.os === "windows") {
    return env.APPDATA
      ? join(env.APPDATA, "gcloud", "application_default_credentials.json")
      : undefined;
  }
  return env.HOME
    ? join(env.HOME, ".config", "gcloud", "application_default_credentials.json")
    : undefined;
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function _metadataServerAnswers(host: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/computeMetadata/v1/`, {
      headers: { "Metadata-Flavor": "Google" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.headers.get("metadata-flavor") === "Google";
  } catch {
    return false;
  }
}
