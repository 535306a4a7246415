/**
 * Cloud Storage through its JSON API, with the BigQuery adapter's credentials and retries:
 * list the objects under a `gs://bucket/prefix/`, read one object's metadata (size,
 * generation, MD5), download one generation of it to a local file.
 *
 * @module
 */
import { basename } from "node:path";
import { GoogleApiError, type GoogleRestClient, withRetries } from "./_bigquery_client.ts";

/** Google's Cloud Storage endpoint. */
export const DEFAULT_STORAGE_ENDPOINT = "https://storage.googleapis.com";

/** A `gs://` URI split into bucket and object name (or prefix). */
export interface GcsLocation {
  /** Bucket name. */
  bucket: string;
  /** Object name or prefix (may be empty). */
  name: string;
}

/** What the objects API says about one object. */
export interface GcsObject {
  /** `gs://bucket/name`. */
  uri: string;
  /** Object name inside the bucket. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Generation (changes with every write of the object). */
  generation: string;
  /**
   * The checksum the load manifest records: `md5:<hex>` (composite objects have no MD5:
   * `crc32c:<hex>-<generation>` then).
   */
  checksum: string;
}

// Bucket names: 3-63 (222 with dots) lower-case letters, digits, -, _ and dots.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * Whether a path is a Cloud Storage URI.
 *
 * @example
 * ```ts
 * isGcsUri("gs://acme-raw/terraloop/"); // true
 * ```
 */
export function isGcsUri(path: string): boolean {
  return path.startsWith("gs://");
}

/**
 * Split a `gs://bucket/name` URI; throws a `TypeError` naming it when it is not one.
 *
 * @example
 * ```ts
 * parseGcsUri("gs://acme-raw/terraloop/users.csv"); // { bucket: "acme-raw", name: "terraloop/users.csv" }
 * ```
 */
export function parseGcsUri(uri: string): GcsLocation {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match || !BUCKET.test(match[1]!)) {
    throw new TypeError(
      `Cannot read "${uri}": not a Cloud Storage URI of the form gs://bucket/prefix/`,
    );
  }
  return { bucket: match[1]!, name: match[2]! };
}

/**
 * The objects directly under a prefix (one level, like a directory listing), as `gs://`
 * URIs sorted by name. A prefix without a trailing slash is treated as a folder.
 */
export async function listGcsObjects(
  rest: GoogleRestClient,
  endpoint: string,
  prefixUri: string,
): Promise<string[]> {
  const { bucket, name } = parseGcsUri(prefixUri);
  const prefix = name === "" || name.endsWith("/") ? name : `${name}/`;
  const uris: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await _call(
      prefixUri,
      () =>
        rest.json<{ items?: { name: string }[]; nextPageToken?: string }>({
          url: `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`,
          query: { prefix, delimiter: "/", fields: "items(name),nextPageToken", pageToken },
        }),
    );
    for (const item of page.items ?? []) {
      if (item.name !== prefix) uris.push(`gs://${bucket}/${item.name}`);
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return uris.sort();
}

/** One object's metadata (throws naming the URI when it does not exist). */
export async function getGcsObject(
  rest: GoogleRestClient,
  endpoint: string,
  uri: string,
): Promise<GcsObject> {
  const { bucket, name } = parseGcsUri(uri);
  const object = await _call(
    uri,
    () =>
      rest.json<
        { name: string; size: string; generation: string; md5Hash?: string; crc32c?: string }
      >(
        {
          url: `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${
            encodeURIComponent(name)
          }`,
        },
      ),
  );
  const checksum = object.md5Hash
    ? `md5:${_hex(object.md5Hash)}`
    : `crc32c:${_hex(object.crc32c ?? "")}-${object.generation}`;
  return {
    uri,
    name: object.name,
    size: Number(object.size),
    generation: object.generation,
    checksum,
  };
}

/**
 * Download one generation of an object to `path` (streamed; a failed attempt is retried
 * from the start). The local file keeps the object's base name, so `.gz` still means gzip.
 */
export async function downloadGcsObject(
  rest: GoogleRestClient,
  endpoint: string,
  object: GcsObject,
  path: string,
): Promise<void> {
  const { bucket, name } = parseGcsUri(object.uri);
  // The whole download is retried: a body cut off mid-way counts as a network error.
  await _call(object.uri, () =>
    withRetries(async () => {
      const response = await rest.send({
        url: `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`,
        query: { alt: "media", generation: object.generation },
        retry: false,
      });
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      try {
        await response.body?.pipeTo(file.writable);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new GoogleApiError(`download interrupted: ${message}`, 0);
      }
    }, rest.retryPolicy));
  const size = (await Deno.stat(path)).size;
  if (size !== object.size) {
    throw new Error(
      `Cannot load "${object.uri}": downloaded ${size} bytes, the object has ${object.size}`,
    );
  }
}

/** The local file name a downloaded object gets. */
export function gcsBaseName(uri: string): string {
  return basename(parseGcsUri(uri).name);
}

async function _call<T>(uri: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GoogleApiError) {
      const hint = error.status === 404
        ? "not found"
        : error.status === 403 || error.status === 401
        ? `access denied (${error.message})`
        : error.message;
      throw new Error(`Cannot read "${uri}" from Cloud Storage: ${hint}`, { cause: error });
    }
    throw error;
  }
}

function _hex(base64: string): string {
  try {
    return Array.from(atob(base64), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  } catch {
    return base64;
  }
}
