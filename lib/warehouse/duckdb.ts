/**
 * The embedded DuckDB warehouse: one database file, a UTC session, Parquet hand-offs to
 * Polars, atomic builds in transactions, and raw loading through DuckDB's own readers.
 *
 * @module
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { dirname, join } from "node:path";
import type {
  ColumnInfo,
  LoadFileResult,
  Materialization,
  RawFile,
  Relation,
  Warehouse,
} from "./types.ts";
import { DuckDbSession } from "./_duckdb_session.ts";
import { stageRawFiles } from "./_raw_duckdb.ts";
import { RAW_SCHEMA_SQL } from "./_raw_duckdb_ddl.ts";
import { quoteIdentifier, type RelationNaming, renderRelation, sqlLiteral } from "./dialect.ts";

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
   * Open an existing file for reading only (`access_mode = READ_ONLY`): many read-only
   * processes may hold it at once, nothing is created or written, and a missing file is an
   * error instead of a new empty warehouse. Readers (report, docs, notebooks) use this.
   * @default {false}
   */
  readOnly?: boolean;
}

/**
 * Open (or create) a DuckDB warehouse file; `":memory:"` gives a throwaway one.
 * The session time zone is UTC, so timestamps read and written are UTC.
 *
 * @example
 * ```ts
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * const rows = await wh.query("select count(*) as n from raw.events");
 * await wh.close();
 * ```
 */
export async function openDuckDb(
  path: string,
  options: OpenDuckDbOptions = {},
): Promise<DuckDbWarehouse> {
  const readOnly = options.readOnly === true && path !== ":memory:";
  if (readOnly) {
    await Deno.stat(path).catch((error) => {
      throw new Error(
        `Cannot open DuckDB warehouse "${path}" read-only: ${
          error instanceof Deno.errors.NotFound ? "the file does not exist" : messageOf(error)
        }`,
        { cause: error },
      );
    });
  } else if (path !== ":memory:") {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, {
      ...(options.threads ? { threads: String(options.threads) } : {}),
      ...(readOnly ? { access_mode: "READ_ONLY" } : {}),
    });
  } catch (error) {
    const message = messageOf(error);
    const hint = /lock/i.test(message)
      ? readOnly
        ? " (another process is writing it, e.g. a running pipeline or load, or a notebook " +
          "building its workspace: wait until it finishes, then try again)"
        : " (another process holds it: readers such as the report, docs and notebooks open " +
          "it read-only and may share it, but a writer needs it alone; close the other " +
          "process or its notebook kernel)"
      : "";
    throw new Error(
      `Cannot open DuckDB warehouse "${path}"${readOnly ? " read-only" : ""}: ${message}${hint}`,
      {
        cause: error,
      },
    );
  }
  const connection = await instance.connect();
  const scratchDir = options.scratchDir ?? await Deno.makeTempDir({ prefix: "terraloop-" });
  const warehouse = new DuckDbWarehouse(instance, connection, path, scratchDir);
  // ICU is loaded on first use, so the zone is set per connection rather than in the config.
  await warehouse.execute("set TimeZone = 'UTC'");
  if (!readOnly) await warehouse.execute(RAW_SCHEMA_SQL);
  return warehouse;
}

/** The embedded DuckDB implementation of {@linkcode Warehouse}. */
export class DuckDbWarehouse implements Warehouse {
  readonly dialect = "duckdb" as const;
  readonly description: string;
  readonly naming: RelationNaming = {};
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
  ) {
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
   * await wh.transaction(() => wh.execute("insert into raw.t values (1)"));
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
