/**
 * The BigQuery warehouse: schemas as datasets (`<prefix>_<schema>`), statements as
 * standard-SQL query jobs in one location (`_bigquery_jobs.ts`), raw loading through load
 * jobs and scripts (`_raw_bigquery.ts`), models built with partitioning and safe swaps
 * (`_bigquery_ddl.ts`), Cloud Storage sources (`_bigquery_gcs.ts`), all over the REST APIs
 * with Application Default Credentials (`_bigquery_auth.ts`) and retries of transient
 * failures (`_bigquery_client.ts`).
 *
 * Every job carries labels (`app`, plus the pipeline's run id, stage and model from
 * `withJobLabels`) and, when configured, `maximumBytesBilled`. A job that fails inside
 * BigQuery for a transient reason (`backendError`, `rateLimitExceeded`, …) is submitted
 * again under a new id, a bounded number of times.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import type {
  ColumnInfo,
  LoadFileResult,
  Materialization,
  MaterializeOptions,
  MergeOptions,
  MergeResult,
  QueryEstimate,
  RawFile,
  Relation,
  Warehouse,
} from "./types.ts";
import { FullRefreshNeeded, incrementalSql } from "./incremental.ts";
import {
  type BigQueryField,
  type BigQueryResult,
  FramePages,
  type RawRow,
  rowObject,
  standardType,
} from "./_bigquery_rows.ts";
import { type AuthClientLike, resolveAuthClient } from "./_bigquery_auth.ts";
import {
  GoogleApiError,
  GoogleRestClient,
  type RetryEvent,
  type RetryPolicy,
} from "./_bigquery_client.ts";
import { BigQueryJobs } from "./_bigquery_jobs.ts";
import {
  BUILDING_SUFFIX,
  layoutClauses,
  layoutMatches,
  PREVIOUS_SUFFIX,
  swapTableForTable,
  swapTableForView,
  swapViewForTable,
  type TableLayout,
} from "./_bigquery_ddl.ts";
import {
  DEFAULT_STORAGE_ENDPOINT,
  downloadGcsObject,
  gcsBaseName,
  type GcsObject,
  getGcsObject,
  listGcsObjects,
} from "./_bigquery_gcs.ts";
import { loadRawFilesBigQuery } from "./_raw_bigquery.ts";
import { rawTablesDdl } from "./_raw_bigquery_ddl.ts";
import { safeMessage } from "./_secrets.ts";
import { currentJobLabels, labelKey, labelValue } from "./job_labels.ts";
import { bigQueryDataset, DEFAULT_DATASET_PREFIX, renderRelation, sqlLiteral } from "./dialect.ts";

export type { AuthClientLike, BigQueryField, BigQueryResult, RawRow, RetryEvent, RetryPolicy };
export { CredentialsError } from "./_bigquery_auth.ts";

/** Google's BigQuery endpoint. */
export const DEFAULT_BIGQUERY_ENDPOINT = "https://bigquery.googleapis.com";

/** Options for {@linkcode openBigQuery}. */
export interface OpenBigQueryOptions {
  /**
   * Dataset prefix: schema `marts` lives in dataset `<prefix>_marts` (an empty prefix uses
   * the schema name as the dataset name). Must match the `datasetPrefix` the models are
   * compiled with.
   * @default {"terraloop"}
   */
  datasetPrefix?: string;
  /**
   * Location of the datasets and of every job (`US`, `EU`, `europe-west1`, …).
   * @default {"US"}
   */
  location?: string;
  /**
   * Base URL of the BigQuery API, for emulators and tests (`http://127.0.0.1:9050`).
   * @default {"https://bigquery.googleapis.com"}
   */
  apiEndpoint?: string;
  /**
   * Base URL of the Cloud Storage JSON API (gs:// loads).
   * @default {"https://storage.googleapis.com"}
   */
  storageEndpoint?: string;
  /**
   * Service-account key (or authorized-user) file. Without it (and without `authClient`) the
   * adapter uses Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's
   * `application_default_credentials.json`, or the metadata server on Google Cloud; when
   * none is there, opening fails within seconds naming what to set. Credentials are never
   * printed.
   * @default {undefined}
   */
  keyFilename?: string;
  /**
   * A ready auth client (anything with `getRequestHeaders(url)`, e.g. google-auth-library's
   * `GoogleAuth` or `JWT`); tests pass one that returns a fixed token.
   * @default {undefined}
   */
  authClient?: AuthClientLike;
  /**
   * Schemas whose datasets are created (in `location`) when missing, on open.
   * An empty list skips the check (no request is made on open).
   * @default {["raw", "staging", "marts", "audit"]}
   */
  schemas?: readonly string[];
  /**
   * Directory for scratch files (NDJSON prepared for load jobs, downloaded objects).
   * @default {a fresh temporary directory}
   */
  scratchDir?: string;
  /**
   * Labels put on every job and created dataset, before the ones of `withJobLabels`.
   * @default {{ app: "terraloop" }}
   */
  labels?: Record<string, string>;
  /**
   * `maximumBytesBilled` of every query job: BigQuery fails a job that would bill more, and
   * a table model whose dry-run estimate is over it fails before it runs, naming the model,
   * the estimate and the limit. Unset means no limit.
   * @default {undefined}
   */
  maximumBytesBilled?: number;
  /**
   * Retries of transient HTTP failures (network errors, 5xx, 429, 403 `rateLimitExceeded`
   * / `backendError`) on every call: job creation, polling, uploads, downloads.
   * @default {{ attempts: 6, initialDelayMs: 500, maxDelayMs: 30000 }}
   */
  retry?: RetryPolicy;
  /**
   * How many times a job that failed inside BigQuery for a transient reason is submitted
   * (the first time included).
   * @default {3}
   */
  jobAttempts?: number;
  /**
   * Called before each retry (for logs; the adapter prints nothing).
   * @default {undefined}
   */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Hours before a load's scratch table expires (it is dropped after the load; the
   * expiration only matters when a crash leaves it behind).
   * @default {24}
   */
  scratchExpirationHours?: number;
  /**
   * How long the metadata server may take to answer during the ADC lookup.
   * @default {1500}
   */
  metadataTimeoutMs?: number;
}

interface TableResource extends TableLayout {
  numRows?: string;
  schema?: { fields?: BigQueryField[] };
}

interface DatasetResource {
  location?: string;
}

const DEFAULT_SCHEMAS = ["raw", "staging", "marts", "audit"] as const;

/**
 * Open a BigQuery warehouse in `projectId`: finds credentials (failing fast when there are
 * none), makes sure the datasets of the pipeline's schemas exist in the configured location
 * (creating missing ones) and returns the adapter.
 *
 * @example
 * ```ts ignore
 * // Needs a Google Cloud project and Application Default Credentials.
 * const wh = await openBigQuery("my-project", { location: "EU" });
 * await wh.loadFile({ path: "data/raw/users.csv", kind: "users" });
 * const users = wh.relation({ schema: "raw", name: "users" }); // `my-project.terraloop_raw.users`
 * const frame = await wh.queryFrame(`select * from ${users}`);
 * await wh.close();
 * ```
 */
export async function openBigQuery(
  projectId: string,
  options: OpenBigQueryOptions = {},
): Promise<BigQueryWarehouse> {
  if (!projectId) throw new TypeError("Cannot open BigQuery warehouse: projectId is empty");
  const auth = options.authClient ??
    await resolveAuthClient({
      keyFilename: options.keyFilename,
      metadataTimeoutMs: options.metadataTimeoutMs,
    });
  const warehouse = new BigQueryWarehouse(projectId, { ...options, authClient: auth });
  try {
    for (const schema of options.schemas ?? DEFAULT_SCHEMAS) {
      await warehouse.ensureDataset(schema);
    }
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return warehouse;
}

/**
 * The BigQuery implementation of {@linkcode Warehouse}. Schemas map to datasets
 * (`raw` → `terraloop_raw`); statements run as standard-SQL query jobs in the configured
 * location; raw files are uploaded with load jobs and classified by one SQL script per
 * batch (see `_raw_bigquery.ts`). Build it with {@linkcode openBigQuery}.
 */
export class BigQueryWarehouse implements Warehouse {
  readonly dialect = "bigquery" as const;
  readonly description: string;
  /** The project holding the datasets; queries run (and are billed) here. */
  readonly projectId: string;
  /** Dataset prefix (`terraloop`). */
  readonly datasetPrefix: string;
  /** Location of datasets and jobs (`US`). */
  readonly location: string;
  /** `maximumBytesBilled` of every query job, or undefined. */
  readonly maximumBytesBilled: number | undefined;
  /**
   * What the model compiler needs to name relations for this warehouse:
   * pass `{ ...wh.naming }` to `runProject` / `compileProject`.
   */
  readonly naming: { bigqueryProject: string; datasetPrefix: string };
  #rest: GoogleRestClient;
  #jobs: BigQueryJobs;
  #api: string;
  #storage: string;
  #labels: Record<string, string>;
  #scratchHours: number;
  #scratchDir: string;
  #ownsScratchDir: boolean;
  #scratchCounter = 0;
  #knownDatasets = new Set<string>();
  #rawTablesReady = false;
  #closed = false;

  /** Prefer {@linkcode openBigQuery}, which also finds credentials and creates datasets. */
  constructor(projectId: string, options: OpenBigQueryOptions & { authClient: AuthClientLike }) {
    this.projectId = projectId;
    this.datasetPrefix = options.datasetPrefix ?? DEFAULT_DATASET_PREFIX;
    this.location = options.location ?? "US";
    this.maximumBytesBilled = options.maximumBytesBilled;
    this.naming = { bigqueryProject: projectId, datasetPrefix: this.datasetPrefix };
    this.#labels = _labels(options.labels ?? { app: "terraloop" });
    this.#scratchHours = options.scratchExpirationHours ?? 24;
    this.#ownsScratchDir = options.scratchDir === undefined;
    this.#scratchDir = options.scratchDir ?? Deno.makeTempDirSync({ prefix: "terraloop-bq-" });
    const base = (options.apiEndpoint ?? DEFAULT_BIGQUERY_ENDPOINT).replace(/\/+$/, "");
    this.#api = `${base}/bigquery/v2/projects/${encodeURIComponent(projectId)}`;
    this.#storage = (options.storageEndpoint ?? DEFAULT_STORAGE_ENDPOINT).replace(/\/+$/, "");
    this.#rest = new GoogleRestClient(options.authClient, options.retry, options.onRetry);
    this.#jobs = new BigQueryJobs({
      rest: this.#rest,
      endpoint: base,
      projectId,
      location: this.location,
      labels: () => ({ ...this.#labels, ..._labels(currentJobLabels()) }),
      maximumBytesBilled: this.maximumBytesBilled,
      jobAttempts: options.jobAttempts,
    });
    this.description = `bigquery:${projectId}/${this.dataset("*")} (${this.location})`;
  }

  /**
   * The dataset that holds a schema: `<prefix>_<schema>`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   *
   * // No request: no datasets to check, and a stand-in for the credentials.
   * const authClient = { getRequestHeaders: () => Promise.resolve(new Headers()) };
   * const wh = await openBigQuery("my-project", { schemas: [], authClient });
   * assert.equal(wh.dataset("marts"), "terraloop_marts");
   * await wh.close();
   * ```
   */
  dataset(schema: string): string {
    return bigQueryDataset(schema, this.naming);
  }

  /**
   * A fully qualified, quoted table name: `` `project.terraloop_raw.events` ``.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   *
   * // No request: no datasets to check, and a stand-in for the credentials.
   * const authClient = { getRequestHeaders: () => Promise.resolve(new Headers()) };
   * const wh = await openBigQuery("my-project", { datasetPrefix: "tl", schemas: [], authClient });
   * assert.equal(wh.relation({ schema: "raw", name: "events" }), "`my-project.tl_raw.events`");
   * await wh.close();
   * ```
   */
  relation(relation: Relation): string {
    return renderRelation(relation, "bigquery", this.naming);
  }

  /** A BigQuery SQL literal. */
  literal(value: unknown): string {
    return sqlLiteral(value, "bigquery");
  }

  async execute(sql: string): Promise<void> {
    await this.run(sql, { rows: false });
  }

  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const result = await this.run(sql);
    return result.rows.map((row) => rowObject(result.fields, row)) as T[];
  }

  /**
   * Run a query and build a Polars frame page by page, typed from the result schema
   * (INT64 → Int64, FLOAT64/NUMERIC → Float64, BOOL → Bool, TIMESTAMP → Datetime(us, UTC),
   * DATE → Date, DATETIME → Datetime(us); STRING, JSON, BYTES (base64) and the rest → Utf8;
   * RECORD/REPEATED → their JSON text). Each page of `jobs.getQueryResults` becomes typed
   * columns at once (no row objects); the frames are joined at the end.
   *
   * Values still travel as JSON text: pull marts and aggregates, not raw events (the
   * BigQuery Storage Read API would be the columnar path and is not used).
   */
  async queryFrame(sql: string): Promise<pl.DataFrame> {
    let pages: FramePages | undefined;
    await this.#jobs.query(sql, (fields, rows) => {
      pages ??= new FramePages(fields);
      pages.add(rows);
    });
    return pages!.frame();
  }

  async exists(relation: Relation): Promise<boolean> {
    return (await this.#getTable(relation)) !== undefined;
  }

  /**
   * The tables and views of a schema's dataset (`tables.list`, no query job), sorted; empty
   * when the dataset does not exist.
   */
  async listRelations(schema: string): Promise<string[]> {
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      let page: { tables?: { tableReference: { tableId: string } }[]; nextPageToken?: string };
      try {
        page = await this.api({
          uri: `/datasets/${this.dataset(schema)}/tables`,
          qs: { maxResults: 1000, pageToken },
        });
      } catch (error) {
        if (error instanceof GoogleApiError && error.status === 404) return [];
        throw error;
      }
      for (const table of page.tables ?? []) names.push(table.tableReference.tableId);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return names.sort();
  }

  /**
   * Columns from the table's metadata (`tables.get`), with standard-SQL type names
   * (`INT64`, `FLOAT64`, `BOOL`, `STRUCT<…>`, `ARRAY<…>`); empty when the table is missing.
   */
  async describe(relation: Relation): Promise<ColumnInfo[]> {
    const table = await this.#getTable(relation);
    return (table?.schema?.fields ?? []).map((field) => ({
      name: field.name,
      type: standardType(field),
    }));
  }

  /**
   * Build a model. A table is `create or replace table … [partition by …] [cluster by …] as
   * select …` (a failed statement leaves the old table), a view `create or replace view`.
   * When the kind changes (view ↔ table) or a table's partitioning or clustering changes
   * (which `create or replace` refuses), the new table is built under `<name>__building`
   * first, or the new view dry-run first, and one script swaps it in, putting the old
   * relation back if the swap fails (see `_bigquery_ddl.ts`). With `maximumBytesBilled`,
   * a table whose dry-run estimate is over the limit is not built.
   */
  async materialize(
    relation: Relation,
    selectSql: string,
    how: Materialization,
    options: MaterializeOptions = {},
  ): Promise<number | null> {
    await this.ensureDataset(relation.schema);
    const target = this.relation(relation);
    const select = selectSql.replace(/[\s;]+$/, "");
    const existing = await this.#getTable(relation);
    const names = {
      target,
      building: this.relation({ ...relation, name: `${relation.name}${BUILDING_SUFFIX}` }),
      previous: this.relation({ ...relation, name: `${relation.name}${PREVIOUS_SUFFIX}` }),
      name: relation.name,
    };
    if (how === "view") {
      if (existing?.type === "TABLE") {
        await this.dryRun(select);
        await this.execute(swapTableForView(names, select));
      } else {
        await this.execute(`create or replace view ${target} as\n${select}\n`);
      }
      return null;
    }
    await this.#checkBudget(select, relation);
    const layout = layoutClauses(options);
    const count = `select count(*) as n from ${target};`;
    let result: BigQueryResult;
    if (existing === undefined || (existing.type === "TABLE" && layoutMatches(existing, options))) {
      const head = layout ? `${target}\n${layout}as` : `${target} as`;
      result = await this.run(`create or replace table ${head}\n${select}\n;\n${count}`);
    } else {
      // Expires unless the swap below clears it: a crash between the two leaves no debris.
      const expiry = "options (expiration_timestamp = timestamp_add(current_timestamp(), " +
        "interval 1 day))";
      await this.execute(
        `create or replace table ${names.building}\n${layout}${expiry}\nas\n${select}\n`,
      );
      const swap = existing.type === "TABLE"
        ? swapTableForTable(names)
        : swapViewForTable(names, existing.view?.query);
      result = await this.run(`${swap}${count}`);
    }
    return Number(result.rows[0]?.f[0]?.v ?? 0);
  }

  /**
   * Merge an incremental model's batch into its table with one script: the batch in a
   * temporary table, then one `MERGE` (atomic), restricted to the batch's partitions when the
   * table is partitioned (see `lib/warehouse/incremental.ts`).
   */
  async merge(relation: Relation, selectSql: string, options: MergeOptions): Promise<MergeResult> {
    const target = this.relation(relation);
    const table = await this.#getTable(relation);
    if (table?.type !== "TABLE") {
      throw new FullRefreshNeeded(
        table === undefined ? `no table ${target} yet` : `${target} is a view, not a table`,
      );
    }
    // Clustering only orders storage; a different partitioning would make the MERGE's
    // partition filter wrong, so the table is rebuilt (by `materialize`) instead.
    const partitionOnly = { clusterBy: table.clustering?.fields, partitionBy: options.partitionBy };
    if (!layoutMatches(table, partitionOnly)) {
      const want = options.partitionBy;
      throw new FullRefreshNeeded(
        `${target} is not partitioned by ${
          want ? `${want.granularity} of ${want.field}` : "nothing"
        }`,
      );
    }
    const statements = incrementalSql("bigquery", {
      ...options,
      target,
      batch: `${relation.name}__incremental`,
      select: selectSql,
      columns: (table.schema?.fields ?? []).map((field) => field.name),
    });
    const result = await this.run(statements.map((s) => `${s};`).join("\n\n"));
    const cells = result.rows[0]?.f ?? [];
    return { batchRows: Number(cells[0]?.v ?? 0), rows: Number(cells[1]?.v ?? 0) };
  }

  async loadFile(file: RawFile): Promise<LoadFileResult> {
    return (await loadRawFilesBigQuery(this, [file]))[0]!;
  }

  async loadFiles(
    files: RawFile[],
    onFile?: (result: LoadFileResult) => void,
  ): Promise<LoadFileResult[]> {
    return await loadRawFilesBigQuery(this, files, onFile);
  }

  /**
   * The objects directly under a Cloud Storage prefix, as `gs://` URIs (the objects API,
   * one level, sorted by name).
   *
   * @example
   * ```ts ignore
   * await wh.listRemoteFiles("gs://acme-raw/terraloop/2026-01/");
   * // ["gs://acme-raw/terraloop/2026-01/events-2026-01-01.ndjson.gz", …]
   * ```
   */
  async listRemoteFiles(prefix: string): Promise<string[]> {
    return await listGcsObjects(this.#rest, this.#storage, prefix);
  }

  /** An object's size, generation and checksum (`md5:<hex>`), for the load manifest. */
  async describeRemoteFile(uri: string): Promise<GcsObject> {
    return await getGcsObject(this.#rest, this.#storage, uri);
  }

  /** Download the listed generation of an object into the scratch directory; its path. */
  async downloadRemoteFile(object: GcsObject): Promise<string> {
    this.#scratchCounter += 1;
    const dir = join(this.#scratchDir, `gcs-${this.#scratchCounter}`);
    await Deno.mkdir(dir, { recursive: true });
    const path = join(dir, gcsBaseName(object.uri));
    await downloadGcsObject(this.#rest, this.#storage, object, path);
    return path;
  }

  /**
   * Create the dataset for `schema` in this warehouse's location if it is missing; fails
   * with a clear message when it exists in another location (jobs would not find it).
   *
   * @example
   * ```ts ignore
   * await wh.ensureDataset("marts"); // dataset terraloop_marts exists afterwards
   * ```
   */
  async ensureDataset(schema: string): Promise<void> {
    const datasetId = this.dataset(schema);
    if (this.#knownDatasets.has(datasetId)) return;
    const existing = await this.#getOrUndefined<DatasetResource>(`/datasets/${datasetId}`);
    if (existing) {
      if (existing.location && existing.location.toUpperCase() !== this.location.toUpperCase()) {
        throw new Error(
          `BigQuery dataset "${this.projectId}:${datasetId}" is in location ` +
            `"${existing.location}" but the warehouse is configured for "${this.location}": ` +
            `set the location to "${existing.location}" or use another dataset prefix`,
        );
      }
    } else {
      try {
        await this.api({
          method: "POST",
          uri: "/datasets",
          json: {
            datasetReference: { projectId: this.projectId, datasetId },
            location: this.location,
            description: `TerraLoop Analytics: the ${schema} layer`,
            labels: this.#labels,
          },
        });
      } catch (error) {
        // Created by someone else in the meantime: that is what we wanted.
        if (!(error instanceof GoogleApiError && error.status === 409)) {
          throw new Error(
            `Cannot create BigQuery dataset "${this.projectId}:${datasetId}" in ` +
              `"${this.location}": ${safeMessage(error)}`,
            { cause: error },
          );
        }
      }
    }
    this.#knownDatasets.add(datasetId);
  }

  /** Create the raw tables when missing (once per warehouse object). */
  async ensureRawTables(): Promise<void> {
    if (this.#rawTablesReady) return;
    await this.ensureDataset("raw");
    await this.execute(rawTablesDdl(this.naming));
    this.#rawTablesReady = true;
  }

  /**
   * Run SQL (one statement or a script) as a query job and wait for it; with
   * `rows: false` no result rows are fetched. Errors name the job and carry BigQuery's
   * message.
   *
   * @example
   * ```ts ignore
   * const { fields, rows } = await wh.run("select 1 as n");
   * ```
   */
  async run(sql: string, options: { rows?: boolean } = {}): Promise<BigQueryResult> {
    const fields: BigQueryField[] = [];
    const rows: RawRow[] = [];
    const jobId = await this.#jobs.query(
      sql,
      (pageFields, page) => {
        if (fields.length === 0) { for (const field of pageFields) fields.push(field); }
        for (const row of page) rows.push(row);
      },
      options.rows ?? true,
    );
    return { jobId, fields, rows };
  }

  /**
   * Validate a query without running it (a dry-run job: nothing is billed) and return what
   * it would process. Throws `BigQuery dry run failed: <BigQuery's message>`.
   *
   * @example
   * ```ts ignore
   * const { bytesProcessed } = await wh.dryRun("select * from `p.terraloop_staging.stg_events`");
   * ```
   */
  async dryRun(sql: string): Promise<QueryEstimate> {
    const bytesProcessed = await this.#jobs.dryRun(sql);
    return { bytesProcessed, maximumBytesBilled: this.maximumBytesBilled ?? null };
  }

  /** What a query would process, from a dry run (see {@linkcode dryRun}). */
  async estimate(sql: string): Promise<QueryEstimate> {
    return await this.dryRun(sql);
  }

  /**
   * Upload a newline-delimited JSON file into a fresh scratch table `relation` (created with
   * `fields` and an expiration, then appended to by a load job) and wait for the job;
   * returns the number of rows the job wrote. The upload is retried on transient failures.
   *
   * @example
   * ```ts ignore
   * const rows = await wh.loadNdjson("/tmp/x.ndjson", { schema: "raw", name: "_load_x" },
   *   [{ name: "text", type: "STRING" }]);
   * ```
   */
  async loadNdjson(path: string, relation: Relation, fields: BigQueryField[]): Promise<number> {
    const datasetId = this.dataset(relation.schema);
    const tableReference = { projectId: this.projectId, datasetId, tableId: relation.name };
    try {
      await this.#rest.json({
        method: "POST",
        url: `${this.#api}/datasets/${datasetId}/tables`,
        json: {
          tableReference,
          schema: { fields },
          expirationTime: String(Date.now() + this.#scratchHours * 3_600_000),
          labels: { ...this.#labels, ..._labels(currentJobLabels()) },
        },
      });
    } catch (error) {
      // Our own earlier attempt created it: fine.
      if (!(error instanceof GoogleApiError && error.status === 409)) {
        throw new Error(`Cannot create scratch table ${relation.name}: ${safeMessage(error)}`, {
          cause: error,
        });
      }
    }
    const outputRows = await this.#jobs.load(path, {
      destinationTable: tableReference,
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      schema: { fields },
      createDisposition: "CREATE_NEVER",
      writeDisposition: "WRITE_APPEND",
      maxBadRecords: 0,
      ignoreUnknownValues: false,
    });
    return outputRows;
  }

  /**
   * Drop a table if it exists (`tables.delete`, no query job).
   *
   * @example
   * ```ts ignore
   * await wh.dropTable({ schema: "raw", name: "_load_x" });
   * ```
   */
  async dropTable(relation: Relation): Promise<void> {
    try {
      await this.api({
        method: "DELETE",
        uri: `/datasets/${this.dataset(relation.schema)}/tables/${relation.name}`,
      });
    } catch (error) {
      if (!(error instanceof GoogleApiError && error.status === 404)) throw error;
    }
  }

  /**
   * One authenticated REST call relative to `…/bigquery/v2/projects/<project>`, retried on
   * transient failures; throws a `GoogleApiError` (with `status` and `reason`) otherwise.
   *
   * @example
   * ```ts ignore
   * const table = await wh.api({ uri: "/datasets/terraloop_raw/tables/events" });
   * ```
   */
  async api<T = unknown>(request: {
    uri: string;
    method?: string;
    qs?: Record<string, string | number | boolean | undefined>;
    json?: unknown;
  }): Promise<T> {
    return await this.#rest.json<T>({
      method: request.method,
      url: `${this.#api}${request.uri}`,
      query: request.qs,
      json: request.json,
    });
  }

  /** A fresh path in this warehouse's scratch directory. */
  scratchPath(extension: string): string {
    this.#scratchCounter += 1;
    return join(this.#scratchDir, `scratch-${this.#scratchCounter}.${extension}`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsScratchDir) {
      await Deno.remove(this.#scratchDir, { recursive: true }).catch(() => {});
    }
  }

  /** With `maximumBytesBilled`: refuse a build whose dry-run estimate is over it. */
  async #checkBudget(select: string, relation: Relation): Promise<void> {
    const limit = this.maximumBytesBilled;
    if (limit === undefined) return;
    const { bytesProcessed } = await this.dryRun(select);
    if (bytesProcessed > limit) {
      throw new Error(
        `BigQuery estimates ${formatBytes(bytesProcessed)} processed to build ` +
          `${this.relation(relation)}, over the maximum bytes billed of ${formatBytes(limit)} ` +
          `(--maximum-bytes-billed / TERRALOOP_BQ_MAXIMUM_BYTES_BILLED)`,
      );
    }
  }

  async #getTable(relation: Relation): Promise<TableResource | undefined> {
    return await this.#getOrUndefined<TableResource>(
      `/datasets/${this.dataset(relation.schema)}/tables/${encodeURIComponent(relation.name)}`,
    );
  }

  async #getOrUndefined<T>(uri: string): Promise<T | undefined> {
    try {
      return await this.api<T>({ uri });
    } catch (error) {
      if (error instanceof GoogleApiError && error.status === 404) return undefined;
      throw error;
    }
  }
}

/**
 * Bytes with their binary-unit reading: `1,073,741,824 bytes (1.0 GiB)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(10485760), "10,485,760 bytes (10.0 MiB)");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = "";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const exact = `${Math.round(bytes).toLocaleString("en-US")} bytes`;
  return unit ? `${exact} (${value.toFixed(1)} ${unit})` : exact;
}

function _labels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) out[labelKey(key)] = labelValue(value);
  return out;
}
