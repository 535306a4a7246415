/**
 * One DuckDB connection: statements, queries as plain rows, and transactions. The
 * warehouse (`duckdb.ts`) and the raw loader (`_raw_duckdb.ts`) both work through it.
 *
 * @module
 */
import type { DuckDBConnection } from "@duckdb/node-api";

/** What code that runs SQL on DuckDB needs: a session, or the warehouse's own connection. */
export interface DuckDbStatements {
  /** Run statements that return nothing. */
  execute(sql: string): Promise<void>;
  /** Run a query; rows as plain objects. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Run `fn` inside one transaction; roll back if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** Statements and transactions on one connection (see `DuckDbWarehouse.withSession`). */
export class DuckDbSession implements DuckDbStatements {
  #connection: DuckDBConnection;

  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  /** Run statements that return nothing. */
  async execute(sql: string): Promise<void> {
    await this.#connection.run(sql);
  }

  /** Run a query; rows as plain objects (integers that fit as numbers, others as bigint). */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = await this.#connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => _normaliseRow(row)) as T[];
  }

  /** Run `fn` inside one transaction on this connection; roll back if it throws. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.execute("begin transaction");
    try {
      const result = await fn();
      await this.execute("commit");
      return result;
    } catch (error) {
      await this.execute("rollback").catch(() => {});
      throw error;
    }
  }
}

function _normaliseRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === "bigint" && Number.isSafeInteger(Number(value))
      ? Number(value)
      : value;
  }
  return out;
}
