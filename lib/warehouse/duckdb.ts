/**
 * The embedded DuckDB warehouse: one database file, a UTC session, Parquet hand-offs to
 * Polars, atomic builds in transactions, and raw loading through DuckDB's own readers.
 *
 * @module
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { basename, dirname, join } from "node:path";
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
import { DuckDbSession } from "./_duckdb_session.ts";
import { stageRawFiles } from "./_raw_duckdb.ts";
import { RAW_SCHEMA_SQL } from "./_raw_duckdb_ddl.ts";
import { quoteIdentifier, type RelationNaming, renderRelation, sqlLiteral } from "./dialect.ts";
import {
  defaultMemoryLimitBytes,
  duckDbMemorySetting,
  loadBatchBytes,
  parseMemorySize,
} from "./_memory.ts";

export { DuckDbSession };

/** Options for {@linkcode openDuckDb}. */
export interface OpenDuckDbOptions {
  /**
   * Worker threads DuckDB may use.
   * @default {the number of cores}
   */
  threads?: number;
  /**
   * Directory for scratch files (Parquet hand-offs, decompressed inputs).
   * @default {a fresh temporary directory}
   */
  scratchDir?: string;
  /**
   * DuckDB's `memory_limit`: bytes, or a size such as `"4GB"`, `"512MiB"`, `"40%"`. Sorts,
   * joins and aggregates larger than this spill to `tempDirectory` instead of growing.
   * @default {40% of the machine's memory, at most 2.5 GiB}
   */
  memoryLimit?: number | string;
  /**
   * Where DuckDB spills when a query exceeds `memoryLimit`.
   * @default {`<path>.tmp` next to the database file; for `:memory:` and read-only opens,
   * inside `scratchDir`}
   */
  tempDirectory?: string;
  /**
   * Bytes of event files the loader puts in one transaction (two run at once). What a load
   * holds in memory grows with this, not with the number of files.
   * @default {a 24th of `memoryLimit`, between 16 and 128 MiB}
   */
  loadBatchBytes?: number;
  /**
   * Create the file (with the raw schema) when it does not exist. Stages that need loaded
   * data pass `false`, so a mistyped path is an error, not a new empty warehouse.
   * @default {true}
   */
  create?: boolean;
  /**
   * Open an existing file for reading only (`access_mode = READ_ONLY`): many read-only
   * processes may hold it at once, nothing is created or written, and a missing file is an
   * error instead of a new empty warehouse. Readers (report, docs, notebooks) use this.
   * @default {false}
   */
  readOnly?: boolean;
}

/** The memory settings a DuckDB warehouse was opened with. */
export interface DuckDbLimits {
  /** `memory_limit` in bytes. */
  memoryLimit: number;
  /** `temp_directory`: where larger-than-memory work spills. */
  tempDirectory: string;
  /** Bytes of event files per load transaction. */
  loadBatchBytes: number;
}

/**
 * Open (or create) a DuckDB warehouse file; `":memory:"` gives a throwaway one.
 * The session time zone is UTC, so timestamps read and written are UTC.
 *
 * An existing file that is not a DuckDB database (a CSV given by mistake) is refused with
 * its name: DuckDB itself would open it as an empty in-memory database and save nothing.
 * A new file is created under a temporary name and linked into place once it holds the
 * raw schema, so a crash while creating leaves no file; a 0-byte file (left by a crash of
 * an older version) is replaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const wh = await openDuckDb(":memory:"); // or a file: openDuckDb("data/warehouse.duckdb")
 * const rows = await wh.query("select 40 + 2 as n");
 * assert.deepEqual(rows, [{ n: 42 }]);
 * await wh.close();
 * ```
 */
export async function openDuckDb(
  path: string,
  options: OpenDuckDbOptions = {},
): Promise<DuckDbWarehouse> {
  const readOnly = options.readOnly === true && path !== ":memory:";
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  if (readOnly) config.access_mode = "READ_ONLY";
  const opening = `Cannot open DuckDB warehouse "${path}"${readOnly ? " read-only" : ""}`;
  const memoryLimit = typeof options.memoryLimit === "string"
    ? parseMemorySize(options.memoryLimit, "memoryLimit")
    : options.memoryLimit ?? defaultMemoryLimitBytes();
  if (path !== ":memory:") {
    const state = await _fileState(path);
    if (state === "other") {
      throw new Error(
        `${opening}: the file exists but is not a DuckDB database (no DuckDB header); pass ` +
          `the path of a DuckDB file, or a new one`,
      );
    }
    if (state !== "duckdb") {
      if (readOnly || options.create === false) {
        throw new Error(
          `${opening}: the file does not exist (nothing has been loaded there yet: run load ` +
            `first)`,
        );
      }
      await _createWarehouseFile(path, state === "empty", config);
    }
  }
  const scratchDir = options.scratchDir ?? await Deno.makeTempDir({ prefix: "terraloop-" });
  const limits: DuckDbLimits = {
    memoryLimit,
    // A read-only open may lack write access next to the file: it spills to its scratch dir.
    tempDirectory: options.tempDirectory ??
      (path === ":memory:" || readOnly ? join(scratchDir, "spill") : `${path}.tmp`),
    loadBatchBytes: options.loadBatchBytes ?? loadBatchBytes(memoryLimit),
  };
  config.memory_limit = duckDbMemorySetting(limits.memoryLimit);
  config.temp_directory = limits.tempDirectory;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, config);
  } catch (error) {
    if (!options.scratchDir) await Deno.remove(scratchDir, { recursive: true }).catch(() => {});
    const message = messageOf(error);
    const hint = /lock/i.test(message)
      ? readOnly
        ? " (another process is writing it, e.g. a running pipeline or load, or a notebook " +
          "building its workspace: wait until it finishes, then try again)"
        : " (another process holds it: readers such as the report, docs and notebooks open " +
          "it read-only and may share it, but a writer needs it alone; close the other " +
          "process or its notebook kernel)"
      : "";
    throw new Error(`${opening}: ${message}${hint}`, { cause: error });
  }
  const connection = await instance.connect();
  const warehouse = new DuckDbWarehouse(instance, connection, path, scratchDir, limits);
  // ICU is loaded on first use, so the zone is set per connection rather than in the config.
  await warehouse.execute("set TimeZone = 'UTC'");
  if (!readOnly) await warehouse.execute(RAW_SCHEMA_SQL);
  return warehouse;
}

/** DuckDB's database header holds this magic at byte offset 8 (after a checksum). */
const _DUCKDB_MAGIC = "DUCK";

/** What is at a warehouse path: nothing, a 0-byte file, a DuckDB database, or other bytes. */
async function _fileState(path: string): Promise<"missing" | "empty" | "duckdb" | "other"> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw new Error(`Cannot open DuckDB warehouse "${path}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  try {
    const info = await file.stat();
    if (!info.isFile) {
      throw new Error(`Cannot open DuckDB warehouse "${path}": it is not a file`);
    }
    if (info.size === 0) return "empty";
    const header = new Uint8Array(12);
    let filled = 0;
    while (filled < header.length) {
      const n = await file.read(header.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const magic = new TextDecoder().decode(header.subarray(8, filled));
    return filled === header.length && magic === _DUCKDB_MAGIC ? "duckdb" : "other";
  } finally {
    file.close();
  }
}

/**
 * Create a warehouse file under a temporary name in the same directory, with the raw
 * schema checkpointed into it, then hard-link it into place: the link fails rather than
 * replace a file another process created meanwhile, and a crash at any point leaves either
 * no file at `path` or a complete one. `replaceEmpty` removes a 0-byte leftover first.
 */
async function _createWarehouseFile(
  path: string,
  replaceEmpty: boolean,
  config: Record<string, string>,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${basename(path)}.creating-${crypto.randomUUID()}`);
  try {
    const instance = await DuckDBInstance.create(temporary, config);
    try {
      const connection = await instance.connect();
      try {
        await connection.run(RAW_SCHEMA_SQL);
        await connection.run("checkpoint");
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
    if (replaceEmpty) {
      // Only a file that is still empty is a leftover; anything else is someone's data.
      const info = await Deno.stat(path).catch(() => undefined);
      if (info?.size === 0) await Deno.remove(path).catch(() => {});
      await Deno.remove(`${path}.wal`).catch(() => {});
    }
    try {
      await Deno.link(temporary, path);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return; // another process won the race
      // Filesystems without hard links: rename, which is atomic too.
      await Deno.rename(temporary, path);
    }
  } catch (error) {
    throw new Error(`Cannot create DuckDB warehouse "${path}": ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    await Deno.remove(temporary).catch(() => {});
    await Deno.remove(`${temporary}.wal`).catch(() => {});
  }
}

/** The embedded DuckDB implementation of {@linkcode Warehouse}. */
export class DuckDbWarehouse implements Warehouse {
  readonly dialect = "duckdb" as const;
  readonly description: string;
  readonly naming: RelationNaming = {};
  /** Memory limit and spill directory this warehouse was opened with. */
  readonly limits: DuckDbLimits;
  #instance: DuckDBInstance;
  #connection: DuckDBConnection;
  #session: DuckDbSession;
  #scratchDir: string;
  #scratchCounter = 0;
  #closed = false;

  constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    path: string,
    scratchDir: string,
    limits: DuckDbLimits,
  ) {
    this.limits = limits;
    this.#instance = instance;
    this.#connection = connection;
    this.#session = new DuckDbSession(connection);
    this.#scratchDir = scratchDir;
    this.description = `duckdb:${path}`;
  }

  /** `marts.fct_events` (quoted where needed). */
  relation(relation: Relation): string {
    return renderRelation(relation, "duckdb");
  }

  /** A DuckDB SQL literal. */
  literal(value: unknown): string {
    return sqlLiteral(value, "duckdb");
  }

  async execute(sql: string): Promise<void> {
    await this.#session.execute(sql);
  }

  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return await this.#session.query<T>(sql);
  }

  async queryFrame(sql: string): Promise<pl.DataFrame> {
    const file = this.scratchPath("parquet");
    try {
      await this.#connection.run(
        `copy (${sql}) to ${this.literal(file)} (format parquet, compression uncompressed)`,
      );
      return pl.readParquet(file);
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  async exists(relation: Relation): Promise<boolean> {
    const rows = await this.query<{ n: number }>(
      `select count(*) as n from information_schema.tables
       where table_schema = ${this.literal(relation.schema)}
         and table_name = ${this.literal(relation.name)}`,
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async listRelations(schema: string): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      `select table_name as name from information_schema.tables
       where table_schema = ${this.literal(schema)} order by table_name`,
    );
    return rows.map((row) => row.name);
  }

  async describe(relation: Relation): Promise<ColumnInfo[]> {
    return await this.query<ColumnInfo>(
      `select column_name as name, data_type as type from information_schema.columns
       where table_schema = ${this.literal(relation.schema)}
         and table_name = ${this.literal(relation.name)}
       order by ordinal_position`,
    );
  }

  async materialize(
    relation: Relation,
    selectSql: string,
    how: Materialization,
    // Partitioning is BigQuery's; DuckDB prunes by its zone maps.
    _options: MaterializeOptions = {},
  ): Promise<number | null> {
    const schema = quoteIdentifier(relation.schema, "duckdb", true);
    const target = `${schema}.${quoteIdentifier(relation.name, "duckdb", true)}`;
    const building = `${schema}.${quoteIdentifier(`${relation.name}__building`, "duckdb", true)}`;
    const existing = await this.query<{ table_type: string }>(
      `select table_type from information_schema.tables
       where table_schema = ${this.literal(relation.schema)}
         and table_name = ${this.literal(relation.name)}`,
    );
    const dropOld = existing[0]?.table_type === "VIEW"
      ? `drop view ${target};`
      : existing.length > 0
      ? `drop table ${target};`
      : "";
    await this.transaction(async () => {
      await this.execute(`create schema if not exists ${schema}`);
      if (how === "view") {
        // DDL is transactional in DuckDB: a view that fails to bind rolls the drop back.
        await this.execute(`${dropOld} create view ${target} as ${selectSql}`);
      } else {
        await this.execute(`create table ${building} as ${selectSql}`);
        await this.execute(
          `${dropOld} alter table ${building} rename to ${
            quoteIdentifier(relation.name, "duckdb", true)
          }`,
        );
      }
    });
    if (how === "view") return null;
    const rows = await this.query<{ n: number }>(`select count(*) as n from ${target}`);
    return rows[0]?.n ?? 0;
  }

  /**
   * Merge an incremental model's batch into its table in one transaction: the batch goes to
   * a temporary table, rows it replaces are deleted (by key, or by partition for
   * `insert_overwrite`), and it is inserted. A failure leaves the table as it was.
   */
  async merge(relation: Relation, selectSql: string, options: MergeOptions): Promise<MergeResult> {
    const target = renderRelation(relation, "duckdb");
    const existing = await this.query<{ table_type: string }>(
      `select table_type from information_schema.tables
       where table_schema = ${this.literal(relation.schema)}
         and table_name = ${this.literal(relation.name)}`,
    );
    if (existing[0]?.table_type !== "BASE TABLE") {
      throw new FullRefreshNeeded(
        existing.length === 0 ? `no table ${target} yet` : `${target} is a view, not a table`,
      );
    }
    const columns = (await this.describe(relation)).map((c) => c.name);
    const batch = `${relation.name}__incremental`;
    const [create, remove, insert, drop] = incrementalSql("duckdb", {
      ...options,
      target,
      batch,
      select: selectSql,
      columns,
    });
    return await this.transaction(async () => {
      await this.execute(create!);
      const batchColumns = (await this.query<{ column_name: string }>(
        `select column_name from (describe ${quoteIdentifier(batch, "duckdb", true)})`,
      )).map((row) => row.column_name);
      const added = batchColumns.filter((c) => !columns.includes(c));
      const removed = columns.filter((c) => !batchColumns.includes(c));
      if (added.length > 0 || removed.length > 0) {
        throw new FullRefreshNeeded(
          `the columns of ${target} changed (${
            [
              ...added.map((c) => `+${c}`),
              ...removed.map((c) => `-${c}`),
            ].join(", ")
          })`,
        );
      }
      const [counted] = await this.query<{ n: number }>(
        `select count(*) as n from ${quoteIdentifier(batch, "duckdb", true)}`,
      );
      await this.execute(remove!);
      await this.execute(insert!);
      await this.execute(drop!);
      const [total] = await this.query<{ n: number }>(`select count(*) as n from ${target}`);
      return { rows: total?.n ?? 0, batchRows: counted?.n ?? 0 };
    });
  }

  async loadFile(file: RawFile): Promise<LoadFileResult> {
    return (await stageRawFiles(this, [file]))[0]!;
  }

  async loadFiles(
    files: RawFile[],
    onFile?: (result: LoadFileResult) => void,
  ): Promise<LoadFileResult[]> {
    return await stageRawFiles(this, files, onFile);
  }

  /**
   * Run `fn` inside one transaction; roll back if it throws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   *
   * const wh = await openDuckDb(":memory:");
   * await wh.execute("create table t (n integer)");
   * await wh.transaction(() => wh.execute("insert into t values (1)"));
   * const failing = wh.transaction(async () => {
   *   await wh.execute("insert into t values (2)");
   *   throw new Error("changed my mind");
   * });
   * await assert.rejects(failing, /changed my mind/);
   * assert.deepEqual(await wh.query("select n from t"), [{ n: 1 }]); // the second insert is undone
   * await wh.close();
   * ```
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return await this.#session.transaction(fn);
  }

  /**
   * Run `fn` on a second connection of the same database (its own transactions and temp
   * tables), closed afterwards. Lets independent work run in parallel: DuckDB executes one
   * connection's statements while another's run.
   */
  async withSession<T>(fn: (session: DuckDbSession) => Promise<T>): Promise<T> {
    const connection = await this.#instance.connect();
    try {
      const session = new DuckDbSession(connection);
      await session.execute("set TimeZone = 'UTC'");
      return await fn(session);
    } finally {
      connection.closeSync();
    }
  }

  /** A fresh path in this warehouse's scratch directory. */
  scratchPath(extension: string): string {
    this.#scratchCounter += 1;
    return join(this.#scratchDir, `scratch-${this.#scratchCounter}.${extension}`);
  }

  /**
   * Evict DuckDB's buffer pool: the memory limit is lowered to a minimum for a moment (DuckDB
   * drops cached pages down to it, and gives the memory back) and then restored.
   */
  async releaseMemory(): Promise<void> {
    try {
      await this.execute("set memory_limit = '64MiB'");
    } catch {
      // more than that is pinned right now (an open result): what could be evicted was
    } finally {
      await this.execute(`set memory_limit = '${duckDbMemorySetting(this.limits.memoryLimit)}'`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.closeSync();
    this.#instance.closeSync();
    await Deno.remove(this.#scratchDir, { recursive: true }).catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
