/**
 * The `Warehouse` interface: the one boundary between the pipeline and a SQL engine.
 * Code outside `lib/warehouse/` talks to DuckDB or BigQuery only through it.
 *
 * @module
 */
import type pl from "nodejs-polars";

/** SQL dialects the models compile to. */
export type Dialect = "duckdb" | "bigquery";

/** All dialects, in a stable order. */
export const DIALECTS: readonly Dialect[] = ["duckdb", "bigquery"];

/** How relations are named; only BigQuery uses these. */
export interface RelationNaming {
  /**
   * BigQuery project that holds the datasets; omitted from the name when unset, so the
   * job's default project applies.
   * @default {undefined}
   */
  bigqueryProject?: string;
  /**
   * BigQuery dataset prefix: schema `marts` becomes dataset `<prefix>_marts`.
   * @default {"terraloop"}
   */
  datasetPrefix?: string;
}

/** A column as the warehouse describes it. */
export interface ColumnInfo {
  /** Column name. */
  name: string;
  /** Engine type name, e.g. `VARCHAR`, `TIMESTAMP WITH TIME ZONE`, `STRING`. */
  type: string;
}

/** A table or view addressed by schema (dataset in BigQuery) and name. */
export interface Relation {
  /** `raw`, `staging` or `marts`. */
  schema: string;
  /** Table name, e.g. `stg_events`. */
  name: string;
}

/**
 * How a model is persisted. `incremental` is a table built in full the first time and then
 * merged with each new batch (`Warehouse.merge`); `materialize` builds it as a table.
 */
export type Materialization = "table" | "view" | "incremental";

/** How an incremental model's batch is merged into its table. */
export type IncrementalStrategy = "merge" | "insert_overwrite";

/** How to merge a batch into an existing table (see `Warehouse.merge`). */
export interface MergeOptions {
  /**
   * `merge` (by `uniqueKey`) or `insert_overwrite` (by `partitionBy`).
   * @default {"merge"}
   */
  strategy?: IncrementalStrategy;
  /**
   * Key column(s) of `merge`.
   * @default {[]}
   */
  uniqueKey?: string[];
  /**
   * How the table is partitioned (the model's `partition_by`, as `materialize` got it); the
   * partitions `insert_overwrite` replaces, and on BigQuery the partitions a `merge` touches.
   * Required by `insert_overwrite`.
   * @default {undefined}
   */
  partitionBy?: PartitionSpec;
}

/** What a merge did. */
export interface MergeResult {
  /** Rows in the table afterwards. */
  rows: number;
  /** Rows in the batch that was merged. */
  batchRows: number;
}

/** Time-unit column partitioning of a table (BigQuery's `partition by`). */
export interface PartitionSpec {
  /** The column, e.g. `event_at`. */
  field: string;
  /** Its type: `timestamp`, `date` or `datetime`. */
  dataType: "timestamp" | "date" | "datetime";
  /** One partition per `hour`, `day`, `month` or `year`. */
  granularity: "hour" | "day" | "month" | "year";
}

/**
 * Physical options of a table built by `materialize` (dbt's `partition_by` / `cluster_by`).
 * Each warehouse applies what it supports: BigQuery partitions and clusters, DuckDB ignores
 * both (the results are the same).
 */
export interface MaterializeOptions {
  /**
   * Partition the table by a date or timestamp column.
   * @default {undefined}
   */
  partitionBy?: PartitionSpec;
  /**
   * Cluster (sort) the table by up to four columns.
   * @default {undefined}
   */
  clusterBy?: string[];
}

/** What a warehouse estimates a query would cost without running it. */
export interface QueryEstimate {
  /** Bytes the query would process (BigQuery bills by these). */
  bytesProcessed: number;
  /** The bytes-billed limit the warehouse's jobs carry, or `null` for none. */
  maximumBytesBilled: number | null;
}

/** What happened when one source file was loaded. */
export interface LoadFileResult {
  /** File name as recorded in `_source_file` and the manifest. */
  sourceFile: string;
  /** Target raw table, e.g. `raw.events`. */
  table: string;
  /** Rows added to the target table. */
  rows: number;
  /** Rows added to the rejected table. */
  rejected: number;
  /** File size in bytes. */
  bytes: number;
  /** SHA-256 of the file's bytes (hex). */
  sha256: string;
  /**
   * `unchanged` when the same bytes were loaded before (nothing added); `kept` when every
   * record of a CSV source loaded before was malformed, so its previous rows were kept
   * (see `warning`).
   */
  status: "loaded" | "reloaded" | "unchanged" | "kept";
  /** Wall-clock seconds for this file. */
  seconds: number;
  /** Something the user should know although the load succeeded. */
  warning?: string;
}

/** The kinds of raw file the loader understands. */
export type RawKind = "events" | "users" | "listings";

/** A source file to load into `raw.<kind>`. */
export interface RawFile {
  /** Path on disk, or a `gs://bucket/object` URI (BigQuery only). */
  path: string;
  /** Which raw table it feeds. */
  kind: RawKind;
}

/**
 * A SQL warehouse. DuckDB (`DuckDbWarehouse`) is the embedded default; BigQuery
 * (`BigQueryWarehouse`) is chosen by configuration.
 */
export interface Warehouse {
  /** The SQL dialect models must be compiled to for this warehouse. */
  readonly dialect: Dialect;
  /** Human-readable location, e.g. `duckdb:data/warehouse.duckdb`. */
  readonly description: string;
  /**
   * How compiled SQL names relations here: empty for DuckDB, project and dataset prefix
   * for BigQuery. Pass it to the model compiler as `{ ...wh.naming }`.
   */
  readonly naming: RelationNaming;
  /**
   * A relation as this warehouse spells it in SQL, quoted where needed:
   * `marts.fct_events` on DuckDB, `` `project.terraloop_marts.fct_events` `` on BigQuery.
   * Readers ask for names here instead of writing `marts.x`.
   */
  relation(relation: Relation): string;
  /** A value as a SQL literal of this warehouse's dialect (`'it''s'`, `'it\\'s'`, `null`). */
  literal(value: unknown): string;
  /** Run one or more statements that return nothing. */
  execute(sql: string): Promise<void>;
  /** Run a query and return its rows as plain objects (for small results). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Run a query and return it as a Polars DataFrame through a columnar hand-off. */
  queryFrame(sql: string): Promise<pl.DataFrame>;
  /** Whether a table or view exists. */
  exists(relation: Relation): Promise<boolean>;
  /**
   * The names of the tables and views of a schema (a dataset in BigQuery), sorted; empty
   * when the schema does not exist. Read from the catalogue, not with a query of the data.
   */
  listRelations(schema: string): Promise<string[]>;
  /** Columns of a table or view, in order. */
  describe(relation: Relation): Promise<ColumnInfo[]>;
  /**
   * Build `relation` from a `select`, atomically: on failure the previous version stays, and
   * the name is never missing, even when the materialisation or partitioning changes.
   * Returns the row count for tables (null for views). `incremental` builds a table.
   */
  materialize(
    relation: Relation,
    selectSql: string,
    how: Materialization,
    options?: MaterializeOptions,
  ): Promise<number | null>;
  /**
   * Merge the rows of `selectSql` (an incremental model's batch) into the existing table
   * `relation`, atomically (see `lib/warehouse/incremental.ts`). Throws `FullRefreshNeeded`
   * when there is no table to merge into or the columns changed. Optional: without it, the
   * model runner builds incremental models in full.
   */
  merge?(relation: Relation, selectSql: string, options: MergeOptions): Promise<MergeResult>;
  /**
   * Estimate what a query would process without running it (a BigQuery dry run); only
   * warehouses that bill by the byte have it.
   */
  estimate?(sql: string): Promise<QueryEstimate>;
  /**
   * The objects directly under a remote prefix (`gs://bucket/prefix/`) as URIs that
   * `loadFiles` accepts; only warehouses that load from object storage have it (BigQuery).
   */
  listRemoteFiles?(prefix: string): Promise<string[]>;
  /** Load one raw file idempotently (see docs/contracts.md). */
  loadFile(file: RawFile): Promise<LoadFileResult>;
  /**
   * Load raw files idempotently; each file is loaded wholly or not at all, and the first
   * file that cannot be loaded stops the call with an error naming it.
   */
  loadFiles(files: RawFile[], onFile?: (result: LoadFileResult) => void): Promise<LoadFileResult[]>;
  /**
   * Give back memory held only as a cache (DuckDB's buffer pool of table pages), so the
   * next stage (a report holding Polars frames, say) has it. Data stays as it is; later
   * queries read pages again. Warehouses that hold nothing locally leave it out.
   */
  releaseMemory?(): Promise<void>;
  /** Close connections and flush. */
  close(): Promise<void>;
}
