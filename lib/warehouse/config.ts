import type { Warehouse } from "./types.ts";
import { bigQueryDataset, DEFAULT_DATASET_PREFIX, type RelationNaming } from "./dialect.ts";
import { openDuckDb, type OpenDuckDbOptions } from "./duckdb.ts";
import {
  defaultMemoryLimitBytes,
  formatMemorySize,
  MEMORY_LIMIT_DEFAULT,
  parseMemorySize,
} from "./_memory.ts";

export { formatMemorySize, parseMemorySize } from "./_memory.ts";
import { openBigQuery, type OpenBigQueryOptions } from "./bigquery.ts";
import { redactSecrets } from "./_secrets.ts";

/** Which warehouse to use and where it is; built by {@linkcode warehouseConfigFromEnv}. */
export type WarehouseConfig =
  | {
    /** Embedded DuckDB. */
    kind: "duckdb";
    /** Database file (`:memory:` for a throwaway one). */
    path: string;
    /**
     * DuckDB `memory_limit` in bytes: larger sorts, joins and aggregates spill to disk
     * (always set by `warehouseConfigFromEnv`; unset means the default share of the machine).
     */
    memoryLimit?: number;
    /**
     * Where DuckDB spills (`temp_directory`); `undefined` for `:memory:` (a scratch
     * directory removed on close).
     */
    tempDirectory?: string;
  }
  | {
    /** Google BigQuery. */
    kind: "bigquery";
    /** Project that holds the datasets and runs the jobs. */
    projectId: string;
    /** Dataset prefix: schema `marts` → dataset `<prefix>_marts`. */
    datasetPrefix: string;
    /** Location of datasets and jobs. */
    location: string;
    /** API base URL, for emulators and tests. */
    apiEndpoint?: string;
    /** Cloud Storage JSON API base URL (gs:// loads), for emulators and tests. */
    storageEndpoint?: string;
    /** `maximumBytesBilled` of every query job; unset means no limit. */
    maximumBytesBilled?: number;
  };

/** Command-line flags that override the environment (unset or empty ones are ignored). */
export interface WarehouseFlags {
  /**
   * `--target`: `duckdb` or `bigquery`; overrides `TERRALOOP_WAREHOUSE`.
   * @default {undefined}
   */
  target?: string;
  /**
   * `--warehouse`: DuckDB file; overrides `TERRALOOP_DUCKDB_PATH`.
   * @default {undefined}
   */
  warehouse?: string;
  /**
   * `--bigquery-project`; overrides `TERRALOOP_BQ_PROJECT`.
   * @default {undefined}
   */
  bigqueryProject?: string;
  /**
   * `--dataset-prefix`; overrides `TERRALOOP_BQ_DATASET_PREFIX`.
   * @default {undefined}
   */
  datasetPrefix?: string;
  /**
   * `--location`; overrides `TERRALOOP_BQ_LOCATION`.
   * @default {undefined}
   */
  location?: string;
  /**
   * `--api-endpoint`; overrides `TERRALOOP_BQ_API_ENDPOINT`.
   * @default {undefined}
   */
  apiEndpoint?: string;
  /**
   * `--memory-limit`: DuckDB memory limit (`4GB`, `512MiB`, `40%`); overrides
   * `TERRALOOP_MEMORY_LIMIT`.
   * @default {undefined}
   */
  memoryLimit?: string;
  /**
   * `--temp-directory`: where DuckDB spills; overrides `TERRALOOP_DUCKDB_TEMP_DIR`.
   * @default {undefined}
   */
  tempDirectory?: string;
  /**
   * `--maximum-bytes-billed`; overrides `TERRALOOP_BQ_MAXIMUM_BYTES_BILLED`.
   * @default {undefined}
   */
  maximumBytesBilled?: string;
}

/** Defaults applied when neither a flag nor the environment sets a value. */
export const WAREHOUSE_DEFAULTS = {
  kind: "duckdb",
  duckdbPath: "data/warehouse.duckdb",
  datasetPrefix: DEFAULT_DATASET_PREFIX,
  location: "US",
  /** Memory limit: this share of the machine's memory, at most `memoryCapBytes`. */
  memoryShare: MEMORY_LIMIT_DEFAULT.share,
  memoryCapBytes: MEMORY_LIMIT_DEFAULT.capBytes,
  /** DuckDB spills next to its file: `<warehouse>.tmp` (`data/warehouse.duckdb.tmp`). */
  tempDirectorySuffix: ".tmp",
} as const;

// Google Cloud project ids: 6-30 characters, optionally domain-scoped (`example.com:proj`).
const PROJECT_ID = /^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// Dataset ids are letters, digits and underscores; the prefix leaves room for `_staging`.
const DATASET_PREFIX = /^[A-Za-z0-9_]{0,1000}$/;
// `US`, `EU`, `europe-west1`, `us-central1`, `asia-northeast1`, …
const LOCATION = /^[A-Za-z]+(?:-[A-Za-z0-9]+)*$/;

/**
 * Read the warehouse settings from the environment, with command-line flags taking
 * precedence; throws a `TypeError` naming the setting (or flag) when a value is wrong. Values
 * are echoed in messages with any URL password or token redacted.
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `TERRALOOP_WAREHOUSE` | `duckdb` or `bigquery` | `duckdb` |
 * | `TERRALOOP_DUCKDB_PATH` | DuckDB file | `data/warehouse.duckdb` |
 * | `TERRALOOP_MEMORY_LIMIT` | DuckDB memory limit (`4GB`, `40%`) | 40% of the machine, ≤ 2.5 GiB |
 * | `TERRALOOP_DUCKDB_TEMP_DIR` | where DuckDB spills | `<DuckDB file>.tmp` |
 * | `TERRALOOP_BQ_PROJECT` | Google Cloud project (required for BigQuery) | `GOOGLE_CLOUD_PROJECT` |
 * | `TERRALOOP_BQ_DATASET_PREFIX` | dataset prefix | `terraloop` |
 * | `TERRALOOP_BQ_LOCATION` | dataset and job location | `US` |
 * | `TERRALOOP_BQ_MAXIMUM_BYTES_BILLED` | bytes billed limit of every query job | none |
 * | `TERRALOOP_BQ_API_ENDPOINT` | API base URL (emulators) | Google's |
 * | `TERRALOOP_GCS_API_ENDPOINT` | Cloud Storage API base URL (emulators) | Google's |
 *
 * Credentials are not part of the config: BigQuery uses Application Default Credentials
 * (`GOOGLE_APPLICATION_CREDENTIALS` or `gcloud auth application-default login`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const local = warehouseConfigFromEnv({});
 * assert.equal(local.kind, "duckdb");
 * assert.equal(local.kind === "duckdb" && local.path, "data/warehouse.duckdb");
 * assert.equal(local.kind === "duckdb" && local.tempDirectory, "data/warehouse.duckdb.tmp");
 * const env = { TERRALOOP_WAREHOUSE: "bigquery", TERRALOOP_BQ_PROJECT: "acme-analytics" };
 * assert.deepEqual(warehouseConfigFromEnv(env), {
 *   kind: "bigquery",
 *   projectId: "acme-analytics",
 *   datasetPrefix: "terraloop",
 *   location: "US",
 * });
 * // flags win over the environment
 * const flags = { warehouse: "b.duckdb" };
 * const chosen = warehouseConfigFromEnv({ TERRALOOP_DUCKDB_PATH: "a.duckdb" }, flags);
 * assert.equal(chosen.kind === "duckdb" && chosen.path, "b.duckdb");
 * const wrong = { TERRALOOP_WAREHOUSE: "postgres" };
 * assert.throws(() => warehouseConfigFromEnv(wrong), /TERRALOOP_WAREHOUSE must be "duckdb" or/);
 * ```
 */
export function warehouseConfigFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
  flags: WarehouseFlags = {},
): WarehouseConfig {
  const setting = (flag: keyof WarehouseFlags, flagName: string, variable: string) => {
    const fromFlag = flags[flag]?.trim();
    if (fromFlag) return { value: fromFlag, name: flagName };
    const fromEnv = env[variable]?.trim();
    if (fromEnv) return { value: fromEnv, name: variable };
    return { value: undefined, name: variable };
  };
  const kindSetting = setting("target", "--target", "TERRALOOP_WAREHOUSE");
  const kind = kindSetting.value ?? WAREHOUSE_DEFAULTS.kind;
  if (kind !== "duckdb" && kind !== "bigquery") {
    throw new TypeError(`${kindSetting.name} must be "duckdb" or "bigquery", got "${kind}"`);
  }
  if (kind === "duckdb") {
    const path = setting("warehouse", "--warehouse", "TERRALOOP_DUCKDB_PATH").value ??
      WAREHOUSE_DEFAULTS.duckdbPath;
    const memory = setting("memoryLimit", "--memory-limit", "TERRALOOP_MEMORY_LIMIT");
    const temp = setting("tempDirectory", "--temp-directory", "TERRALOOP_DUCKDB_TEMP_DIR").value ??
      (path === ":memory:" ? undefined : `${path}${WAREHOUSE_DEFAULTS.tempDirectorySuffix}`);
    return {
      kind,
      path,
      memoryLimit: memory.value === undefined
        ? defaultMemoryLimitBytes()
        : parseMemorySize(memory.value, memory.name),
      ...(temp !== undefined ? { tempDirectory: temp } : {}),
    };
  }

  let project = setting("bigqueryProject", "--bigquery-project", "TERRALOOP_BQ_PROJECT");
  if (!project.value && env.GOOGLE_CLOUD_PROJECT?.trim()) {
    project = { value: env.GOOGLE_CLOUD_PROJECT.trim(), name: "GOOGLE_CLOUD_PROJECT" };
  }
  if (!project.value) {
    throw new TypeError(
      `TERRALOOP_BQ_PROJECT is required when ${kindSetting.name} is "bigquery": ` +
        `set it (or GOOGLE_CLOUD_PROJECT, or --bigquery-project) to the Google Cloud project ` +
        `id that holds the datasets`,
    );
  }
  if (!PROJECT_ID.test(project.value)) {
    throw new TypeError(
      `${project.name} must be a Google Cloud project id (6-30 lower-case letters, digits ` +
        `or hyphens, starting with a letter), got "${_shown(project.value)}"`,
    );
  }
  const prefix = setting("datasetPrefix", "--dataset-prefix", "TERRALOOP_BQ_DATASET_PREFIX");
  if (prefix.value !== undefined && !DATASET_PREFIX.test(prefix.value)) {
    throw new TypeError(
      `${prefix.name} must contain only letters, digits and underscores, got ` +
        `"${_shown(prefix.value)}"`,
    );
  }
  const location = setting("location", "--location", "TERRALOOP_BQ_LOCATION");
  if (location.value !== undefined && !LOCATION.test(location.value)) {
    throw new TypeError(
      `${location.name} must be a BigQuery location such as "US", "EU" or "europe-west1", ` +
        `got "${_shown(location.value)}"`,
    );
  }
  const endpoint = setting("apiEndpoint", "--api-endpoint", "TERRALOOP_BQ_API_ENDPOINT");
  if (endpoint.value !== undefined) _checkEndpoint(endpoint.name, endpoint.value);
  const storage = env.TERRALOOP_GCS_API_ENDPOINT?.trim();
  if (storage) _checkEndpoint("TERRALOOP_GCS_API_ENDPOINT", storage);
  const budget = setting(
    "maximumBytesBilled",
    "--maximum-bytes-billed",
    "TERRALOOP_BQ_MAXIMUM_BYTES_BILLED",
  );
  let maximumBytesBilled: number | undefined;
  if (budget.value !== undefined) {
    const digits = budget.value.replaceAll("_", "");
    maximumBytesBilled = Number(digits);
    if (
      !/^[0-9]+$/.test(digits) || !Number.isSafeInteger(maximumBytesBilled) ||
      maximumBytesBilled <= 0
    ) {
      throw new TypeError(
        `${budget.name} must be a whole number of bytes greater than 0 (e.g. 10000000000 ` +
          `for 10 GB), got "${_shown(budget.value)}"`,
      );
    }
  }
  return {
    kind,
    projectId: project.value,
    datasetPrefix: prefix.value ?? WAREHOUSE_DEFAULTS.datasetPrefix,
    location: location.value ?? WAREHOUSE_DEFAULTS.location,
    ...(endpoint.value ? { apiEndpoint: endpoint.value } : {}),
    ...(storage ? { storageEndpoint: storage } : {}),
    ...(maximumBytesBilled !== undefined ? { maximumBytesBilled } : {}),
  };
}

/** Adapter-specific options for {@linkcode openWarehouse}. */
export interface OpenWarehouseOptions {
  /**
   * Open for reading only (DuckDB: `access_mode = READ_ONLY`, shared with other readers; a
   * missing file is an error). BigQuery readers need no such mode.
   * @default {false}
   */
  readOnly?: boolean;
  /**
   * Passed to `openDuckDb` when the config is DuckDB.
   * @default {{}}
   */
  duckdb?: OpenDuckDbOptions;
  /**
   * Passed to `openBigQuery` when the config is BigQuery (project, prefix, location and
   * endpoint come from the config).
   * @default {{}}
   */
  bigquery?: Omit<
    OpenBigQueryOptions,
    "datasetPrefix" | "location" | "apiEndpoint" | "storageEndpoint" | "maximumBytesBilled"
  >;
}

/**
 * Open the warehouse a config describes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // With the environment's settings: await openWarehouse(warehouseConfigFromEnv())
 * const wh = await openWarehouse({ kind: "duckdb", path: ":memory:" });
 * assert.equal(wh.description, "duckdb::memory:");
 * await wh.close();
 * ```
 */
export async function openWarehouse(
  config: WarehouseConfig,
  options: OpenWarehouseOptions = {},
): Promise<Warehouse> {
  if (config.kind === "duckdb") {
    return await openDuckDb(config.path, {
      ...(config.memoryLimit !== undefined ? { memoryLimit: config.memoryLimit } : {}),
      // A read-only open writes nothing next to the file: no spill directory of its own.
      ...(config.tempDirectory !== undefined && !options.readOnly
        ? { tempDirectory: config.tempDirectory }
        : {}),
      ...options.duckdb,
      ...(options.readOnly ? { readOnly: true } : {}),
    });
  }
  return await openBigQuery(config.projectId, {
    ...options.bigquery,
    datasetPrefix: config.datasetPrefix,
    location: config.location,
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
    ...(config.storageEndpoint ? { storageEndpoint: config.storageEndpoint } : {}),
    ...(config.maximumBytesBilled !== undefined
      ? { maximumBytesBilled: config.maximumBytesBilled }
      : {}),
  });
}

/**
 * How compiled SQL must name relations for a config (`RelationNaming` in lib/models):
 * empty for DuckDB, project and dataset prefix for BigQuery.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(relationNamingOf({ kind: "duckdb", path: "data/warehouse.duckdb" }), {});
 * const config = {
 *   kind: "bigquery",
 *   projectId: "acme-prod",
 *   datasetPrefix: "tl",
 *   location: "EU",
 * } as const;
 * const naming = relationNamingOf(config);
 * assert.deepEqual(naming, { bigqueryProject: "acme-prod", datasetPrefix: "tl" });
 * // then: compileProject(project, { dialect: "bigquery", ...naming })
 * ```
 */
export function relationNamingOf(config: WarehouseConfig): RelationNaming {
  return config.kind === "duckdb"
    ? {}
    : { bigqueryProject: config.projectId, datasetPrefix: config.datasetPrefix };
}

/**
 * A short label for a config, for progress lines, before anything is opened: the DuckDB
 * file, or the BigQuery project with its datasets and location.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const duckdb = { kind: "duckdb", path: "data/warehouse.duckdb" } as const;
 * assert.equal(warehouseLabel(duckdb), "data/warehouse.duckdb");
 * const config = {
 *   kind: "bigquery",
 *   projectId: "acme-prod",
 *   datasetPrefix: "tl",
 *   location: "EU",
 * } as const;
 * assert.equal(warehouseLabel(config), "bigquery:acme-prod (tl_*, EU)");
 * ```
 */
export function warehouseLabel(config: WarehouseConfig): string {
  if (config.kind === "duckdb") return config.path;
  const datasets = bigQueryDataset("*", { datasetPrefix: config.datasetPrefix });
  return `bigquery:${config.projectId} (${datasets}, ${config.location})`;
}

/**
 * The memory settings of a config, for run summaries: DuckDB's memory limit and where it
 * spills; `null` for BigQuery (the service manages memory).
 *
 * @example
 * ```ts
 * warehouseMemoryLabel(warehouseConfigFromEnv({ TERRALOOP_MEMORY_LIMIT: "2GiB" }));
 * // "memory limit 2.0 GiB, spills to data/warehouse.duckdb.tmp"
 * ```
 */
export function warehouseMemoryLabel(config: WarehouseConfig): string | null {
  if (config.kind !== "duckdb") return null;
  return `memory limit ${
    formatMemorySize(config.memoryLimit ?? defaultMemoryLimitBytes())
  }, spills to ${config.tempDirectory ?? "a scratch directory"}`;
}

/**
 * Why the configured warehouse cannot be read yet, or `null` when it can be opened for
 * reading: a DuckDB file that does not exist (opening it would create an empty one). Readers
 * such as the report call this before {@linkcode openWarehouse}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = await missingWarehouseProblem({ kind: "duckdb", path: "/nonexistent/wh.duckdb" });
 * assert.equal(problem, 'warehouse "/nonexistent/wh.duckdb" does not exist');
 * ```
 */
export async function missingWarehouseProblem(config: WarehouseConfig): Promise<string | null> {
  if (config.kind !== "duckdb" || config.path === ":memory:") return null;
  try {
    await Deno.stat(config.path);
    return null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `warehouse "${config.path}" does not exist`;
    throw error;
  }
}

// An endpoint is an http(s) URL without user info: credentials come from ADC, and a
// password in a URL would end up in messages and logs.
function _checkEndpoint(name: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(
      `${name} must be an http(s) URL such as "http://127.0.0.1:9050", got "${_shown(value)}"`,
    );
  }
  if (url.username || url.password) {
    throw new TypeError(
      `${name} must not contain a user name or password (BigQuery credentials come from ` +
        `Application Default Credentials), got "${_shown(value)}"`,
    );
  }
}

// A setting's value as it may be shown: URL user info and tokens redacted, even when the
// value does not parse as a URL.
function _shown(value: string): string {
  return redactSecrets(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1[redacted]@"));
}
