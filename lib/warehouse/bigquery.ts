/**
 * The BigQuery warehouse: schemas as datasets (`<prefix>_<schema>`), statements as
 * standard-SQL query jobs in one location, raw loading through load jobs and scripts.
 *
 * @module
 */
import { BigQuery, type BigQueryOptions } from "@google-cloud/bigquery";
import type pl from "nodejs-polars";
import { join } from "node:path";
import type {
  ColumnInfo,
  LoadFileResult,
  Materialization,
  MaterializeOptions,
  MergeOptions,
  MergeResult,
  RawFile,
  Relation,
  Warehouse,
} from "./types.ts";
import { FullRefreshNeeded, incrementalSql } from "./incremental.ts";
import {
  type BigQueryField,
  type BigQueryResult,
  frameOf,
  type RawRow,
  rowObject,
  standardType,
} from "./_bigquery_rows.ts";
import { loadRawFilesBigQuery } from "./_raw_bigquery.ts";
import { rawTablesDdl } from "./_raw_bigquery_ddl.ts";
import {
  bigQueryDataset,
  DEFAULT_DATASET_PREFIX,
  quoteIdentifier,
  renderRelation,
  sqlLiteral,
} from "./dialect.ts";

export type { BigQueryField, BigQueryResult, RawRow };

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
   * Service-account key file. Without it (and without `authClient`) the client uses
   * Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, the gcloud user
   * credentials, or the metadata server on Google Cloud. Credentials are never printed.
   * @default {undefined}
   */
  keyFilename?: string;
  /**
   * A ready auth client (google-auth-library `AuthClient` or `GoogleAuth`, or any object
   * with `getRequestHeaders()`); tests pass one that returns a fixed token so no
   * credential lookup happens.
   * @default {undefined}
   */
  authClient?: BigQueryOptions["authClient"];
  /**
   * Schemas whose datasets are created (in `location`) when missing, on open.
   * An empty list skips the check (no request is made on open).
   * @default {["raw", "staging", "marts", "audit"]}
   */
  schemas?: readonly string[];
  /**
   * Directory for scratch files (NDJSON prepared for load jobs).
   * @default {a fresh temporary directory}
   */
  scratchDir?: string;
  /**
   * Labels put on every job, for cost attribution in the BigQuery console.
   * @default {{ app: "terraloop" }}
   */
  labels?: Record<string, string>;
}

interface QueryResultsResponse {
  jobComplete?: boolean;
  schema?: { fields?: BigQueryField[] };
  rows?: RawRow[];
  pageToken?: string;
}

interface TableResource {
  type?: string;
  numRows?: string;
  timePartitioning?: { field?: string };
  schema?: { fields?: BigQueryField[] };
}

interface DatasetResource {
  location?: string;
}

const DEFAULT_SCHEMAS = ["raw", "staging", "marts", "audit"] as const;

/**
 * Open a BigQuery warehouse in `projectId`: makes sure the datasets of the pipeline's
 * schemas exist in the configured location (creating missing ones) and returns the adapter.
 * Credentials come from Application Default Credentials unless `keyFilename` or
 * `authClient` is given.
 *
 * @example
 * ```ts
 * const wh = await openBigQuery("my-project", { location: "EU" });
 * await wh.loadFile({ path: "data/raw/users.csv", kind: "users" });
 * const frame = await wh.queryFrame("select * from terraloop_marts.dim_users");
 * await wh.close();
 * ```
 */
export async function openBigQuery(
  projectId: string,
  options: OpenBigQueryOptions = {},
): Promise<BigQueryWarehouse> {
  if (!projectId) throw new TypeError("Cannot open BigQuery warehouse: projectId is empty");
  const warehouse = new BigQueryWarehouse(projectId, options);
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
 * batch (see `_raw_bigquery.ts`).
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
  /**
   * What the model compiler needs to name relations for this warehouse:
   * pass `{ ...wh.naming }` to `runProject` / `compileProject`.
   */
  readonly naming: { bigqueryProject: string; datasetPrefix: string };
  #client: BigQuery;
  #labels: Record<string, string>;
  #scratchDir: string;
  #ownsScratchDir: boolean;
  #scratchCounter = 0;
  #knownDatasets = new Set<string>();
  #rawTablesReady = false;
  #closed = false;

  constructor(projectId: string, options: OpenBigQueryOptions = {}) {
    this.projectId = projectId;
    this.datasetPrefix = options.datasetPrefix ?? DEFAULT_DATASET_PREFIX;
    this.location = options.location ?? "US";
    this.naming = { bigqueryProject: projectId, datasetPrefix: this.datasetPrefix };
    this.#labels = options.labels ?? { app: "terraloop" };
    this.#ownsScratchDir = options.scratchDir === undefined;
    this.#scratchDir = options.scratchDir ?? Deno.makeTempDirSync({ prefix: "terraloop-bq-" });
    this.#client = new BigQuery({
      projectId,
      location: this.location,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...(options.keyFilename ? { keyFilename: options.keyFilename } : {}),
      ...(options.authClient ? { authClient: options.authClient } : {}),
    });
    this.description = `bigquery:${projectId}/${this.dataset("*")} (${this.location})`;
  }

  /**
   * The dataset that holds a schema: `<prefix>_<schema>`.
   *
   * @example
   * ```ts
   * wh.dataset("marts"); // "terraloop_marts"
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
   * wh.relation({ schema: "raw", name: "events" }); // "`my-project.terraloop_raw.events`"
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
   * Run a query and build a Polars frame from the rows the REST API returns, typed from
   * the result schema (INT64 → Int64, FLOAT64/NUMERIC → Float64, BOOL → Bool, TIMESTAMP →
   * Datetime(us, UTC), DATE → Date, DATETIME → Datetime(us); STRING, JSON, BYTES (base64)
   * and the rest → Utf8; RECORD/REPEATED → their JSON text).
   *
   * This is the slow path: every value travels as JSON through `jobs.getQueryResults`
   * pages, unlike DuckDB's Parquet hand-off. Pull marts and aggregates, not raw events;
   * the BigQuery Storage Read API (Arrow) would be the columnar path and is not used yet.
   */
  async queryFrame(sql: string): Promise<pl.DataFrame> {
    const result = await this.run(sql);
    return frameOf(result);
  }

  async exists(relation: Relation): Promise<boolean> {
    return (await this.#getTable(relation)) !== undefined;
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
   * `create or replace table … as select …` (a failed statement leaves the old table) or
   * `create or replace view`. When the materialisation changes, the new table is built
   * under `<name>__building` and renamed over the dropped view, and a new view is checked
   * with a dry run before the table is dropped, so a failing build keeps the old relation.
   * With `partitionBy` the table is partitioned by that DATE column; a table partitioned
   * differently (or not at all) is replaced the same way as a view, since BigQuery cannot
   * `create or replace` across partitioning specs.
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
    const existingType = existing?.type;
    if (how === "view") {
      if (existingType === "TABLE") {
        await this.dryRun(select);
        await this.execute(`drop table ${target};\ncreate view ${target} as\n${select}\n;`);
      } else {
        await this.execute(`create or replace view ${target} as\n${select}\n`);
      }
      return null;
    }
    let sql: string;
    const partition = options.partitionBy
      ? `partition by ${quoteIdentifier(options.partitionBy, "bigquery", true)} `
      : "";
    const repartition = existingType === "TABLE" &&
      (existing?.timePartitioning?.field ?? null) !== (options.partitionBy ?? null);
    if (existingType === "VIEW" || repartition) {
      const building = this.relation({ ...relation, name: `${relation.name}__building` });
      sql = `create or replace table ${building} ${partition}as\n${select}\n;\n` +
        `drop ${existingType === "VIEW" ? "view" : "table"} ${target};\n` +
        `alter table ${building} rename to ${quoteIdentifier(relation.name, "bigquery", true)};\n`;
    } else {
      sql = `create or replace table ${target} ${partition}as\n${select}\n;\n`;
    }
    sql += `select count(*) as n from ${target};`;
    const result = await this.run(sql);
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
    if ((table.timePartitioning?.field ?? null) !== (options.partitionBy ?? null)) {
      throw new FullRefreshNeeded(
        `${target} is not partitioned by ${options.partitionBy ?? "nothing"}`,
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
   * Create the dataset for `schema` in this warehouse's location if it is missing; fails
   * with a clear message when it exists in another location (jobs would not find it).
   *
   * @example
   * ```ts
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
        if (_statusOf(error) !== 409) {
          throw new Error(
            `Cannot create BigQuery dataset "${this.projectId}:${datasetId}" in ` +
              `"${this.location}": ${_messageOf(error)}`,
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
   * `rows: false` no result rows are fetched. Errors name the job.
   *
   * @example
   * ```ts
   * const { fields, rows } = await wh.run("select 1 as n");
   * ```
   */
  async run(sql: string, options: { rows?: boolean } = {}): Promise<BigQueryResult> {
    const wantRows = options.rows ?? true;
    let jobId = "(not created)";
    try {
      const [job] = await this.#client.createQueryJob({
        query: sql,
        useLegacySql: false,
        location: this.location,
        labels: this.#labels,
      });
      jobId = job.id ?? jobId;
      const fields: BigQueryField[] = [];
      const rows: RawRow[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const page = await this.api<QueryResultsResponse>({
          uri: `/queries/${jobId}`,
          qs: {
            location: job.location ?? this.location,
            // Long poll on the server: no client-side sleeping between checks.
            timeoutMs: 10_000,
            "formatOptions.useInt64Timestamp": true,
            ...(wantRows ? {} : { maxResults: 0 }),
            ...(pageToken ? { pageToken } : {}),
          },
        });
        if (!page.jobComplete) continue;
        if (fields.length === 0) fields.push(...(page.schema?.fields ?? []));
        if (!wantRows) break;
        rows.push(...(page.rows ?? []));
        if (!page.pageToken) break;
        pageToken = page.pageToken;
      }
      return { jobId, fields, rows };
    } catch (error) {
      throw new Error(`BigQuery job ${jobId} failed: ${_messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Validate a query without running it (a dry-run job: nothing is billed).
   *
   * @example
   * ```ts
   * await wh.dryRun("select * from terraloop_staging.stg_events");
   * ```
   */
  async dryRun(sql: string): Promise<void> {
    try {
      await this.#client.createQueryJob({
        query: sql,
        useLegacySql: false,
        location: this.location,
        dryRun: true,
      });
    } catch (error) {
      throw new Error(`BigQuery dry run failed: ${_messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Upload a newline-delimited JSON file into `relation` with a load job (the table is
   * created or truncated with `fields` as its schema) and wait for the job; returns the
   * number of rows the job wrote.
   *
   * @example
   * ```ts
   * const rows = await wh.loadNdjson("/tmp/x.ndjson", { schema: "raw", name: "_load_x" },
   *   [{ name: "text", type: "STRING" }]);
   * ```
   */
  async loadNdjson(path: string, relation: Relation, fields: BigQueryField[]): Promise<number> {
    const table = this.#client.dataset(this.dataset(relation.schema)).table(relation.name);
    const [job] = await table.load(path, {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      schema: { fields },
      createDisposition: "CREATE_IF_NEEDED",
      writeDisposition: "WRITE_TRUNCATE",
      maxBadRecords: 0,
      ignoreUnknownValues: false,
    });
    return Number(job.statistics?.load?.outputRows ?? 0);
  }

  /**
   * Drop a table if it exists (`tables.delete`, no query job).
   *
   * @example
   * ```ts
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
      if (_statusOf(error) !== 404) throw error;
    }
  }

  /**
   * One authenticated REST call relative to `…/bigquery/v2/projects/<project>`.
   *
   * @example
   * ```ts
   * const table = await wh.api({ uri: "/datasets/terraloop_raw/tables/events" });
   * ```
   */
  api<T = unknown>(request: {
    uri: string;
    method?: string;
    qs?: Record<string, unknown>;
    json?: unknown;
  }): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#client.request(request, (error, body) => {
        if (error) reject(error);
        else resolve(body as T);
      });
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

  async #getTable(relation: Relation): Promise<TableResource | undefined> {
    return await this.#getOrUndefined<TableResource>(
      `/datasets/${this.dataset(relation.schema)}/tables/${relation.name}`,
    );
  }

  async #getOrUndefined<T>(uri: string): Promise<T | undefined> {
    try {
      return await this.api<T>({ uri });
    } catch (error) {
      if (_statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function _statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

function _messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
