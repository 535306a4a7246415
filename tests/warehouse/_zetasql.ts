/**
 * ZetaSQL for tests: GoogleSQL's analyzer and reference evaluator (the SQL front end behind
 * BigQuery) as a local gRPC server, from the npm package `@fivetrandevelopers/zetasql`.
 * Nothing leaves the machine: the server listens on 127.0.0.1 only.
 *
 * ```ts
 * await using zeta = await startZetaSql();
 * const catalog = new Catalog([{ name: "terraloop_raw.events", columns: [{ name: "payload", type: "JSON" }] }]);
 * const analysed = await zeta.analyze("select json_value(payload, '$.a') as a from `terraloop_raw.events`", catalog);
 * analysed.columns; // [{ name: "a", type: "STRING" }]
 * const result = await zeta.evaluate("select 1 as n", new Catalog([]));
 * result.rows; // [[1n]]
 * ```
 *
 * Settings that differ from the server's defaults, chosen to match BigQuery: the default
 * time zone is UTC (the server's default is America/Los_Angeles), the product mode is
 * external (no INT32/UINT64 types), every statement kind is allowed (the default is queries
 * only). Language features are the server's maximum set, which is a superset of
 * BigQuery's: analysis proves names and types resolve, not that every feature used is on
 * in BigQuery. Requests are capped at 4 MB by the server (about 10k raw events).
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";

/** A GoogleSQL type as BigQuery spells it: `STRING`, `INT64`, `ARRAY<STRING>`, … */
export type ZetaType = string;

/**
 * A value in a table: STRING/JSON/DATE/DATETIME as text (DATE `YYYY-MM-DD`), INT64 as
 * bigint, FLOAT64 as number, BOOL as boolean, TIMESTAMP as bigint microseconds since the
 * epoch, ARRAY as an array; SQL NULL as null.
 */
export type Cell = null | string | bigint | number | boolean | Cell[];

/** A column: name and type. */
export interface Column {
  /** Column name. */
  name: string;
  /** GoogleSQL type. */
  type: ZetaType;
}

/** A table's name (as written between backticks in SQL, e.g. `terraloop_raw.events`) and columns. */
export interface TableSchema {
  /** Name in the catalog: the text between the backticks of the SQL that reads it. */
  name: string;
  /** Columns in order. */
  columns: Column[];
}

/** A table with rows. */
export interface Table extends TableSchema {
  /** Rows, cells in column order. */
  rows: Cell[][];
}

/** A named constant, how a script variable (`declare x …`) is seen by the analyzer. */
export interface Constant {
  /** Variable name. */
  name: string;
  /** Its type. */
  type: ZetaType;
  /** Its value (used by evaluation). */
  value: Cell;
}

/** The tables (and script variables) a statement may read, with rows when evaluating. */
export class Catalog {
  readonly tables = new Map<string, TableSchema | Table>();
  readonly constants = new Map<string, Constant>();

  constructor(tables: (TableSchema | Table)[] = [], constants: Constant[] = []) {
    for (const table of tables) this.add(table);
    for (const constant of constants) this.constants.set(constant.name.toLowerCase(), constant);
  }

  /** Add or replace a table. */
  add(table: TableSchema | Table): this {
    this.tables.set(table.name.toLowerCase(), table);
    return this;
  }

  /** A table by name (case-insensitive, as GoogleSQL resolves names). */
  get(name: string): TableSchema | Table | undefined {
    return this.tables.get(name.toLowerCase());
  }

  /** A copy with the same tables and constants. */
  clone(): Catalog {
    return new Catalog([...this.tables.values()], [...this.constants.values()]);
  }
}

/** What the analyzer resolved for one statement. */
export interface AnalyzedStatement {
  /** Resolved statement kind, e.g. `QueryStmt`, `CreateTableAsSelectStmt`, `InsertStmt`. */
  kind: string;
  /** The statement's text. */
  sql: string;
  /** Output columns of a query, CTAS or view (empty for other statements). */
  columns: Column[];
  /** Table a DDL statement creates, drops or renames (text between the backticks). */
  target?: string;
  /** Columns a `create table (…)` declares. */
  definedColumns?: Column[];
  /** New name of an `alter table … rename to`. */
  renamedTo?: string;
  /** Tables the statement reads, with the columns it uses of each. */
  reads: Map<string, Set<string>>;
}

/** A statement of a script, as the parser split it. */
export interface ScriptStatement {
  /** Parser node kind without the `ast…Node` wrapping, e.g. `QueryStatement`, `VariableDeclaration`. */
  kind: string;
  /** The statement's text. */
  sql: string;
  /** Whether it sits in an `exception when error then` handler. */
  inHandler: boolean;
  /** For a `declare`: variable names, type and the default expression's text. */
  declare?: { names: string[]; type: ZetaType; defaultSql?: string };
  /** For `create … as select`: the query's text. */
  querySql?: string;
}

/** A statement ZetaSQL refused, with its message and the statement. */
export class ZetaSqlError extends Error {
  /** ZetaSQL's message, e.g. `Unrecognized name: nope [at 1:8]`. */
  readonly zetaMessage: string;
  /** The SQL sent. */
  readonly sql: string;
  constructor(what: string, sql: string, zetaMessage: string) {
    super(`Cannot ${what}: ${zetaMessage}${_pointAt(sql, zetaMessage)}`);
    this.name = "ZetaSqlError";
    this.zetaMessage = zetaMessage;
    this.sql = sql;
  }
}

/** Options for {@linkcode startZetaSql}. */
export interface StartZetaSqlOptions {
  /**
   * The server binary.
   * @default {the package's binary for this platform under node_modules/}
   */
  binary?: string;
  /**
   * Port on 127.0.0.1.
   * @default {a free port}
   */
  port?: number;
  /**
   * How long to wait for the server to listen.
   * @default {15000}
   */
  startTimeoutMs?: number;
  /**
   * Deadline of each call.
   * @default {120000}
   */
  callTimeoutMs?: number;
}

const PACKAGE_DIR = fileURLToPath(
  new URL("../../node_modules/@fivetrandevelopers/zetasql/lib/zetasql/", import.meta.url),
);

/** The server's request cap (gRPC's default receive limit on the server side). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * The package's server binary for this platform (the same choice as the package's own
 * `runServer`): `remote_server.so` on linux-x64.
 */
export function zetaSqlBinary(): string {
  const arm = Deno.build.arch === "aarch64" ? "_arm" : "";
  const ext = Deno.build.os === "darwin" ? "" : ".so";
  if (Deno.build.os !== "linux" && Deno.build.os !== "darwin") {
    throw new Error(`Cannot start ZetaSQL: no server binary for ${Deno.build.os}`);
  }
  return `${PACKAGE_DIR}remote_server${arm}${ext}`;
}

/**
 * Start the ZetaSQL server on a free loopback port and connect to it. Close it with
 * `close()` (or `await using`); it is also killed when the process exits.
 */
export async function startZetaSql(options: StartZetaSqlOptions = {}): Promise<ZetaSql> {
  const binary = options.binary ?? zetaSqlBinary();
  try {
    const info = await Deno.stat(binary);
    if (!info.isFile) throw new Error("not a file");
  } catch {
    throw new Error(
      `Cannot start ZetaSQL: server binary "${binary}" not found; run \`deno install\` ` +
        `(deno.json imports npm:@fivetrandevelopers/zetasql, which ships it)`,
    );
  }
  const protos = `${PACKAGE_DIR}protos`;
  const definition = await protoLoader.load("local_service.proto", {
    includeDirs: [protos],
    longs: String,
    enums: String,
    oneofs: true,
    defaults: false,
  });
  const timeout = options.startTimeoutMs ?? 15_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? _freePort();
    try {
      const child = await _spawn(binary, port, timeout);
      return await ZetaSql.connect(child, port, definition, options.callTimeoutMs ?? 120_000);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

/** A running ZetaSQL server and a client for it. */
export class ZetaSql implements AsyncDisposable {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Language options every request uses (BigQuery-like; see the module doc). */
  readonly languageOptions: Record<string, unknown>;
  #child: Deno.ChildProcess;
  #client: grpc.Client & Record<string, unknown>;
  #definition: protoLoader.PackageDefinition;
  #callTimeoutMs: number;
  #killOnExit: () => void;
  #closed = false;

  private constructor(
    child: Deno.ChildProcess,
    port: number,
    client: grpc.Client & Record<string, unknown>,
    definition: protoLoader.PackageDefinition,
    languageOptions: Record<string, unknown>,
    callTimeoutMs: number,
  ) {
    this.#child = child;
    this.port = port;
    this.#client = client;
    this.#definition = definition;
    this.languageOptions = languageOptions;
    this.#callTimeoutMs = callTimeoutMs;
    this.#killOnExit = () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    };
    globalThis.addEventListener("unload", this.#killOnExit);
  }

  /** Connect to a started server and read its language options. */
  static async connect(
    child: Deno.ChildProcess,
    port: number,
    definition: protoLoader.PackageDefinition,
    callTimeoutMs: number,
  ): Promise<ZetaSql> {
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      zetasql: { local_service: { ZetaSqlLocalService: grpc.ServiceClientConstructor } };
    };
    const Service = loaded.zetasql.local_service.ZetaSqlLocalService;
    const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": MAX_REQUEST_BYTES,
      "grpc.max_receive_message_length": 512 * 1024 * 1024,
    }) as grpc.Client & Record<string, unknown>;
    const zeta = new ZetaSql(child, port, client, definition, {}, callTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + 10_000, (error) => error ? reject(error) : resolve())
      );
      const maximum = await zeta.#call<Record<string, unknown>>("getLanguageOptions", {
        maximumFeatures: true,
      });
      // BigQuery is GoogleSQL's external product mode; every statement kind may be analysed.
      Object.assign(zeta.languageOptions, maximum, {
        productMode: "PRODUCT_EXTERNAL",
        supportedStatementKinds: [],
      });
      return zeta;
    } catch (error) {
      await zeta.close();
      throw new Error(`Cannot connect to ZetaSQL on 127.0.0.1:${port}: ${_message(error)}`, {
        cause: error,
      });
    }
  }

  /** Analyzer options: BigQuery's UTC default time zone, one-line error messages. */
  #analyzerOptions(): Record<string, unknown> {
    return {
      languageOptions: this.languageOptions,
      defaultTimezone: "UTC",
      errorMessageMode: "ERROR_MESSAGE_ONE_LINE",
      pruneUnusedColumns: true,
    };
  }

  #catalogProto(catalog: Catalog): Record<string, unknown> {
    return {
      name: "terraloop",
      builtinFunctionOptions: { languageOptions: this.languageOptions },
      table: [...catalog.tables.values()].map((table) => ({
        name: table.name,
        column: table.columns.map((column) => ({
          name: column.name,
          type: typeProto(column.type),
        })),
      })),
      constant: [...catalog.constants.values()].map((constant) => ({
        namePath: [constant.name],
        type: typeProto(constant.type),
        value: valueProto(constant.value, constant.type),
      })),
    };
  }

  /** The `table_content` map entries (field `field`) for the catalog's tables in `names`. */
  #tableContent(catalog: Catalog, names: Set<string>, field: number): Uint8Array {
    const out = new PbWriter();
    for (const table of catalog.tables.values()) {
      if (!names.has(table.name.toLowerCase())) continue;
      out.message(field, (entry) => {
        entry.string(1, table.name);
        entry.message(2, (content) =>
          content.message(1, (data) => {
            for (const row of "rows" in table ? table.rows : []) {
              data.message(1, (r) => {
                table.columns.forEach((column, i) => {
                  r.message(1, (cell) => writeValue(cell, row[i] ?? null, column.type));
                });
              });
            }
          }));
      });
    }
    return out.finish();
  }

  /**
   * Parse and analyse one statement against a catalog: names and types resolved. Throws a
   * {@linkcode ZetaSqlError} with ZetaSQL's message (prefixed with `label`) when it does not.
   */
  async analyze(
    sql: string,
    catalog: Catalog,
    label = "analyse statement",
  ): Promise<AnalyzedStatement> {
    const response = await this.#call<{ resolvedStatement: Record<string, unknown> }>(
      "analyze",
      {
        options: this.#analyzerOptions(),
        simpleCatalog: this.#catalogProto(catalog),
        sqlStatement: sql,
      },
      label,
      sql,
    );
    return _describeResolved(response.resolvedStatement, sql);
  }

  /**
   * Evaluate a query with the reference engine over the catalog's tables (their rows are
   * sent with the request; only the tables the query reads).
   */
  async evaluate(sql: string, catalog: Catalog, label = "evaluate query"): Promise<Table> {
    const analysed = await this.analyze(sql, catalog, label);
    const used = new Set([...analysed.reads.keys()].map((name) => name.toLowerCase()));
    const sent = await this.#pruned(sql, _subset(catalog, used), analysed);
    const rows = await this.#call<Cell[][]>(
      "evaluateQuery",
      {
        options: this.#analyzerOptions(),
        simpleCatalog: this.#catalogProto(sent),
        sql,
      },
      label,
      sql,
      {
        tables: this.#tableContent(sent, used, 7),
        decode: decodeQueryRows,
      },
    );
    return { name: "result", columns: analysed.columns, rows };
  }

  /**
   * The tables with only the columns a query can use: a column whose name the SQL never
   * mentions and that is not an output column can only flow through a `select *` that
   * drops it later. Checked: the query must analyse to the same output columns; if not,
   * the tables go whole. (Less to send: the server ingests ~200k values per second.)
   */
  async #pruned(sql: string, catalog: Catalog, analysed: AnalyzedStatement): Promise<Catalog> {
    const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
    for (const column of analysed.columns) words.add(column.name.toLowerCase());
    const pruned = new Catalog([], [...catalog.constants.values()]);
    for (const table of catalog.tables.values()) {
      const keep = table.columns.flatMap((column, i) =>
        words.has(column.name.toLowerCase()) ? [i] : []
      );
      if (keep.length === table.columns.length || keep.length === 0) {
        pruned.add(table);
        continue;
      }
      const rows = "rows" in table ? table.rows.map((row) => keep.map((i) => row[i] ?? null)) : [];
      pruned.add({ name: table.name, columns: keep.map((i) => table.columns[i]!), rows });
    }
    try {
      const again = await this.analyze(sql, pruned);
      const same = JSON.stringify(again.columns) === JSON.stringify(analysed.columns);
      return same ? pruned : catalog;
    } catch {
      return catalog;
    }
  }

  /**
   * Evaluate a DML statement (insert, delete) and return the affected rows: for inserts
   * the new rows, for deletes the removed ones, cells in the target table's column order.
   */
  async evaluateModify(
    sql: string,
    catalog: Catalog,
    label = "evaluate statement",
  ): Promise<{ table: string; operation: string; rows: Cell[][] }> {
    const analysed = await this.analyze(sql, catalog, label);
    const target = analysed.target!;
    const used = new Set([...analysed.reads.keys(), target].map((name) => name.toLowerCase()));
    const response = await this.#call<{
      tableName?: string;
      content?: { operation?: string; cell?: unknown[] }[];
    }>(
      "evaluateModify",
      {
        options: this.#analyzerOptions(),
        simpleCatalog: this.#catalogProto(_subset(catalog, used)),
        sql,
      },
      label,
      sql,
      { tables: this.#tableContent(catalog, used, 7) },
    );
    const schema = catalog.get(target)!;
    const content = response.content ?? [];
    return {
      table: target,
      operation: content[0]?.operation ?? "NONE",
      rows: content.map((row) =>
        schema.columns.map((column, i) =>
          cellOf((row.cell ?? [])[i] as ValueProtoObject, column.type)
        )
      ),
    };
  }

  /** Parse a script (`declare`, `begin … exception … end`, statements) into its statements. */
  async parseScript(sql: string, label = "parse script"): Promise<ScriptStatement[]> {
    const response = await this.#call<{ parsedScript: Record<string, unknown> }>(
      "parse",
      { options: this.languageOptions, allowScript: true, sqlStatement: sql },
      label,
      sql,
    );
    const bytes = new TextEncoder().encode(sql);
    const out: ScriptStatement[] = [];
    _collectStatements(response.parsedScript, bytes, out, false);
    return out;
  }

  /**
   * Analyse every statement of a script in order against a catalog that follows the
   * script: `declare` adds a variable, `create [temp] table` / `create view` add a table
   * with the resolved columns, `drop` removes it, `alter table … rename to` renames it.
   * The catalog passed in is updated.
   */
  async analyzeScript(
    sql: string,
    catalog: Catalog,
    label = "analyse script",
  ): Promise<AnalyzedStatement[]> {
    const statements = await this.parseScript(sql, label);
    const out: AnalyzedStatement[] = [];
    for (const [i, statement] of statements.entries()) {
      const where = `${label}, statement ${i + 1} (${statement.kind})`;
      if (statement.declare) {
        for (const name of statement.declare.names) {
          catalog.constants.set(name.toLowerCase(), {
            name,
            type: statement.declare.type,
            value: null,
          });
        }
        if (statement.declare.defaultSql) {
          await this.analyze(`select ${statement.declare.defaultSql}`, catalog, where);
        }
        continue;
      }
      if (statement.kind === "RaiseStatement") continue;
      if (statement.kind === "SingleAssignment") {
        // `set name = expr` is script control flow the analyser does not take: check that the
        // variable was declared and that the expression resolves to its type.
        const match = /^\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([\s\S]+?)\s*;?\s*$/i.exec(
          statement.sql,
        );
        const variable = match && catalog.constants.get(match[1]!.toLowerCase());
        if (!match || !variable) {
          throw new ZetaSqlError(where, statement.sql, "assignment to an undeclared variable");
        }
        const value = await this.analyze(`select ${match[2]}`, catalog, where);
        const type = value.columns[0]?.type ?? "";
        const norm = (t: string) => t.replace(/\s+/g, "").toUpperCase();
        if (norm(type) !== norm(variable.type)) {
          throw new ZetaSqlError(
            where,
            statement.sql,
            `assigns ${type} to ${variable.name} of type ${variable.type}`,
          );
        }
        continue;
      }
      const analysed = await this.analyze(statement.sql, catalog, where);
      applyToCatalog(catalog, analysed);
      out.push(analysed);
    }
    return out;
  }

  /**
   * Run a script with the reference engine, statement by statement, on the catalog's
   * tables (updated in place): `declare` evaluates its default (or takes `variables[name]`),
   * `create [temp] table … as` evaluates its query into a new table, `insert` and `delete`
   * change the table, transaction statements are checked and otherwise ignored. Returns
   * the result of the last query.
   */
  async runScript(
    sql: string,
    catalog: Catalog,
    options: { label?: string; variables?: Record<string, Cell> } = {},
  ): Promise<Table | undefined> {
    const label = options.label ?? "run script";
    const statements = await this.parseScript(sql, label);
    let result: Table | undefined;
    for (const [i, statement] of statements.entries()) {
      if (statement.inHandler || statement.kind === "RaiseStatement") continue;
      const where = `${label}, statement ${i + 1} (${statement.kind})`;
      if (statement.declare) {
        const { names, type, defaultSql } = statement.declare;
        for (const name of names) {
          let value: Cell = null;
          if (options.variables && name in options.variables) value = options.variables[name]!;
          else if (defaultSql) {
            value = (await this.evaluate(`select ${defaultSql}`, catalog, where)).rows[0]![0]!;
          }
          catalog.constants.set(name.toLowerCase(), { name, type, value });
        }
        continue;
      }
      const analysed = await this.analyze(statement.sql, catalog, where);
      if (analysed.kind === "QueryStmt") {
        result = await this.evaluate(statement.sql, catalog, where);
      } else if (analysed.kind === "CreateTableAsSelectStmt") {
        const table = await this.evaluate(statement.querySql!, catalog, where);
        catalog.add({ ...table, name: analysed.target!, columns: analysed.columns });
      } else if (analysed.kind === "InsertStmt" || analysed.kind === "DeleteStmt") {
        const change = await this.evaluateModify(statement.sql, catalog, where);
        const table = catalog.get(change.table) as Table;
        const rows = "rows" in table ? table.rows : [];
        if (analysed.kind === "InsertStmt") {
          catalog.add({ ...table, rows: [...rows, ...change.rows] });
        } else {
          const removed = new Map<string, number>();
          for (const row of change.rows) {
            const key = rowKey(row, table.columns);
            removed.set(key, (removed.get(key) ?? 0) + 1);
          }
          catalog.add({
            ...table,
            rows: rows.filter((row) => {
              const key = rowKey(row, table.columns);
              const left = removed.get(key) ?? 0;
              if (left === 0) return true;
              removed.set(key, left - 1);
              return false;
            }),
          });
        }
      } else if (["BeginStmt", "CommitStmt", "RollbackStmt"].includes(analysed.kind)) {
        continue;
      } else {
        applyToCatalog(catalog, analysed);
        if (analysed.kind === "CreateTableStmt") {
          const table = catalog.get(analysed.target!)!;
          if (!("rows" in table)) catalog.add({ ...table, rows: [] });
        }
      }
    }
    return result;
  }

  /**
   * One call. The request object is serialised by the proto definitions; table content,
   * the bulk of an evaluation, comes pre-encoded (`extra.tables`, appended as more fields of
   * the same message) and query results are decoded by hand (`extra.decode`): generic
   * protobuf objects for ~200k cells cost seconds in JavaScript.
   */
  async #call<T>(
    method: string,
    request: unknown,
    label = method,
    sql = "",
    extra: { tables?: Uint8Array; decode?: (bytes: Uint8Array) => T } = {},
  ): Promise<T> {
    if (this.#closed) throw new Error(`Cannot ${label}: the ZetaSQL server was closed`);
    const name = method[0]!.toUpperCase() + method.slice(1);
    const rpc = (this.#definition["zetasql.local_service.ZetaSqlLocalService"] as unknown as Record<
      string,
      {
        path: string;
        requestSerialize: (value: unknown) => Uint8Array;
        responseDeserialize: (bytes: Uint8Array) => unknown;
      }
    >)[name];
    if (!rpc) throw new TypeError(`Unknown ZetaSQL method "${method}"`);
    let bytes = rpc.requestSerialize(request);
    if (extra.tables && extra.tables.length > 0) {
      const joined = new Uint8Array(bytes.length + extra.tables.length);
      joined.set(bytes);
      joined.set(extra.tables, bytes.length);
      bytes = joined;
    }
    if (bytes.length > MAX_REQUEST_BYTES) {
      throw new RangeError(
        `Cannot ${label}: the request is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, over ` +
          `ZetaSQL's ${MAX_REQUEST_BYTES / 1024 / 1024} MB cap (use fewer rows)`,
      );
    }
    const decode = extra.decode ?? ((b: Uint8Array) => rpc.responseDeserialize(b) as T);
    return await new Promise<T>((resolve, reject) => {
      this.#client.makeUnaryRequest<Uint8Array, T>(
        rpc.path,
        (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        (buffer) => decode(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)),
        bytes,
        new grpc.Metadata(),
        { deadline: Date.now() + this.#callTimeoutMs },
        (error, response) => {
          if (!error) return resolve(response as T);
          if (
            error.code === grpc.status.INVALID_ARGUMENT || error.code === grpc.status.OUT_OF_RANGE
          ) {
            reject(new ZetaSqlError(label, sql, error.details));
          } else {
            reject(new Error(`Cannot ${label}: ZetaSQL call ${method} failed: ${error.message}`));
          }
        },
      );
    });
  }

  /** Stop the server and close the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    globalThis.removeEventListener("unload", this.#killOnExit);
    this.#client.close();
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already exited */ }
    await this.#child.status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Apply a DDL statement's effect (create, drop, rename) to a catalog. */
export function applyToCatalog(catalog: Catalog, analysed: AnalyzedStatement): void {
  const target = analysed.target;
  if (!target) return;
  switch (analysed.kind) {
    case "CreateTableStmt":
      if (!(analysed.sql.match(/\bif\s+not\s+exists\b/i) && catalog.get(target))) {
        catalog.add({ name: target, columns: analysed.definedColumns ?? [] });
      }
      return;
    case "CreateTableAsSelectStmt":
    case "CreateViewStmt":
      catalog.add({ name: target, columns: analysed.columns });
      return;
    case "DropStmt":
      catalog.tables.delete(target.toLowerCase());
      return;
    case "AlterTableStmt": {
      const table = catalog.get(target);
      if (table && analysed.renamedTo) {
        catalog.tables.delete(target.toLowerCase());
        // BigQuery renames within the dataset: `p.d.old` → `p.d.new`.
        const dataset = target.includes(".") ? target.slice(0, target.lastIndexOf(".") + 1) : "";
        catalog.add({ ...table, name: dataset + analysed.renamedTo });
      }
      return;
    }
  }
}

/** A row as a comparable text key (see {@linkcode cellKey}). */
export function rowKey(row: Cell[], columns: Column[]): string {
  return row.map((cell, i) => cellKey(cell, columns[i]?.type ?? "STRING")).join(" | ");
}

/**
 * A cell as comparable text: floats to 12 significant digits (aggregates summed in another
 * order differ in the last bits), timestamps as ISO text with microseconds, JSON with sorted
 * keys, NULL as `NULL`.
 */
export function cellKey(cell: Cell, type: ZetaType): string {
  if (cell === null) return "NULL";
  if (type.startsWith("ARRAY<")) {
    const inner = type.slice(6, -1);
    return `[${(cell as Cell[]).map((c) => cellKey(c, inner)).join(", ")}]`;
  }
  switch (type) {
    case "FLOAT64": {
      const n = cell as number;
      return Number.isFinite(n) ? String(Number(n.toPrecision(12))) : String(n);
    }
    case "TIMESTAMP":
      return _isoMicros(cell as bigint);
    case "JSON":
      return _canonicalJson(cell as string);
    case "STRING":
      return JSON.stringify(cell);
    default:
      return String(cell);
  }
}

// ---------------------------------------------------------------------------------------
// Types and values

/** A TypeProto as the server sends it. */
export interface TypeProto {
  typeKind: string;
  arrayType?: { elementType: TypeProto };
  structType?: { field: { fieldName: string; fieldType: TypeProto }[] };
}

const KIND_NAMES: Record<string, string> = {
  TYPE_INT64: "INT64",
  TYPE_INT32: "INT32",
  TYPE_UINT64: "UINT64",
  TYPE_UINT32: "UINT32",
  TYPE_DOUBLE: "FLOAT64",
  TYPE_FLOAT: "FLOAT32",
  TYPE_BOOL: "BOOL",
  TYPE_STRING: "STRING",
  TYPE_BYTES: "BYTES",
  TYPE_DATE: "DATE",
  TYPE_TIMESTAMP: "TIMESTAMP",
  TYPE_DATETIME: "DATETIME",
  TYPE_TIME: "TIME",
  TYPE_JSON: "JSON",
  TYPE_NUMERIC: "NUMERIC",
  TYPE_BIGNUMERIC: "BIGNUMERIC",
  TYPE_INTERVAL: "INTERVAL",
};

/** `TYPE_DOUBLE` → `FLOAT64`, arrays and structs spelled out. */
export function typeName(type: TypeProto): ZetaType {
  if (type.typeKind === "TYPE_ARRAY") return `ARRAY<${typeName(type.arrayType!.elementType)}>`;
  if (type.typeKind === "TYPE_STRUCT") {
    const fields = (type.structType?.field ?? []).map((f) =>
      `${f.fieldName} ${typeName(f.fieldType)}`
    );
    return `STRUCT<${fields.join(", ")}>`;
  }
  const name = KIND_NAMES[type.typeKind];
  if (!name) throw new TypeError(`Unsupported ZetaSQL type ${type.typeKind}`);
  return name;
}

/** `FLOAT64` → `{ typeKind: "TYPE_DOUBLE" }`; `ARRAY<T>` and `STRUCT<a T, …>` too. */
export function typeProto(type: ZetaType): TypeProto {
  const t = type.trim().toUpperCase();
  if (t.startsWith("ARRAY<") && t.endsWith(">")) {
    return { typeKind: "TYPE_ARRAY", arrayType: { elementType: typeProto(t.slice(6, -1)) } };
  }
  if (t.startsWith("STRUCT<") && t.endsWith(">")) {
    const fields = _splitTopLevel(type.trim().slice(7, -1)).map((field) => {
      const space = field.trim().indexOf(" ");
      return {
        fieldName: field.trim().slice(0, space),
        fieldType: typeProto(field.trim().slice(space + 1)),
      };
    });
    return { typeKind: "TYPE_STRUCT", structType: { field: fields } };
  }
  const aliases: Record<string, string> = { FLOAT: "FLOAT64", INTEGER: "INT64", BOOLEAN: "BOOL" };
  const name = aliases[t] ?? t;
  const kind = Object.entries(KIND_NAMES).find(([, n]) => n === name)?.[0];
  if (!kind) throw new TypeError(`Unsupported type "${type}"`);
  return { typeKind: kind };
}

type ValueProtoObject = Record<string, unknown> & { value?: string };

const DAY_MS = 86_400_000;

/** A cell as a ValueProto of the given type. */
export function valueProto(cell: Cell, type: ZetaType): Record<string, unknown> {
  if (cell === null) return {};
  const t = type.toUpperCase();
  if (t.startsWith("ARRAY<")) {
    const inner = type.slice(6, -1);
    return { arrayValue: { element: (cell as Cell[]).map((c) => valueProto(c, inner)) } };
  }
  switch (t) {
    case "STRING":
      return { stringValue: String(cell) };
    case "JSON":
      return { jsonValue: String(cell) };
    case "INT64":
      return { int64Value: String(cell) };
    case "FLOAT64":
      return { doubleValue: Number(cell) };
    case "BOOL":
      return { boolValue: Boolean(cell) };
    case "DATE":
      return { dateValue: Math.round(Date.parse(`${cell}T00:00:00Z`) / DAY_MS) };
    case "TIMESTAMP": {
      const micros = BigInt(cell as bigint);
      const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
      const nanos = Number(micros - seconds * 1_000_000n) * 1000;
      return { timestampValue: { seconds: String(seconds), nanos } };
    }
    default:
      throw new TypeError(`Cannot send a ${type} value to ZetaSQL`);
  }
}

/** A ValueProto of the given type as a cell. */
export function cellOf(value: ValueProtoObject | undefined, type: ZetaType): Cell {
  if (!value || !value.value) return null;
  const t = type.toUpperCase();
  const v = value[value.value];
  if (t.startsWith("ARRAY<")) {
    const inner = type.slice(6, -1);
    const elements = (v as { element?: ValueProtoObject[] }).element ?? [];
    return elements.map((e) => cellOf(e, inner));
  }
  switch (value.value) {
    case "int64Value":
    case "int32Value":
    case "uint32Value":
    case "uint64Value":
      return BigInt(v as string);
    case "doubleValue":
    case "floatValue":
      return Number(v);
    case "dateValue":
      return new Date(Number(v) * DAY_MS).toISOString().slice(0, 10);
    case "timestampValue": {
      const ts = v as { seconds?: string; nanos?: number };
      return BigInt(ts.seconds ?? "0") * 1_000_000n + BigInt(Math.floor((ts.nanos ?? 0) / 1000));
    }
    case "stringValue":
    case "jsonValue":
    case "boolValue":
      return v as string | boolean;
    default:
      throw new TypeError(`Cannot read a ZetaSQL ${value.value} as ${type}`);
  }
}

// ---------------------------------------------------------------------------------------
// Protobuf wire format for table content (ValueProto in zetasql/public/value.proto)

/** A minimal protobuf writer: varints, length-delimited fields, nested messages. */
class PbWriter {
  #buf = new Uint8Array(1024);
  #pos = 0;
  static #encoder = new TextEncoder();

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  /** An unsigned varint (0 ≤ n < 2^53). */
  #varint(n: number): void {
    this.#ensure(10);
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[this.#pos++] = n;
  }

  /** A signed 64-bit varint (two's complement, as int64 fields are written). */
  #varint64(value: bigint): void {
    let n = BigInt.asUintN(64, value);
    this.#ensure(10);
    while (n >= 0x80n) {
      this.#buf[this.#pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.#buf[this.#pos++] = Number(n);
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  int64(field: number, value: bigint | number): void {
    this.#tag(field, 0);
    if (typeof value === "number" && value >= 0 && Number.isSafeInteger(value)) this.#varint(value);
    else this.#varint64(BigInt(value));
  }

  bool(field: number, value: boolean): void {
    this.#tag(field, 0);
    this.#byte(value ? 1 : 0);
  }

  double(field: number, value: number): void {
    this.#tag(field, 1);
    this.#ensure(8);
    new DataView(this.#buf.buffer).setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  string(field: number, value: string): void {
    this.#tag(field, 2);
    this.#ensure(value.length * 3 + 5);
    // Room for the longest length varint, the text, then the text moves next to its length.
    const at = this.#pos;
    const { written } = PbWriter.#encoder.encodeInto(value, this.#buf.subarray(at + 5));
    this.#lengthPrefixed(at, at + 5, written);
  }

  /** A nested message written by `fill`. */
  message(field: number, fill: (w: PbWriter) => void): void {
    this.#tag(field, 2);
    const start = this.#pos;
    this.#ensure(5);
    this.#pos += 5;
    const bodyStart = this.#pos;
    fill(this);
    this.#lengthPrefixed(start, bodyStart, this.#pos - bodyStart);
  }

  /** Write `length` as a varint at `at` and move the body (at `bodyStart`) right after it. */
  #lengthPrefixed(at: number, bodyStart: number, length: number): void {
    let size = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) size++;
    this.#buf.copyWithin(at + size, bodyStart, bodyStart + length);
    let n = length;
    let i = at;
    while (n >= 0x80) {
      this.#buf[i++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[i] = n;
    this.#pos = at + size + length;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}

/** Write a cell as the fields of a ValueProto (nothing for NULL). */
function writeValue(w: PbWriter, cell: Cell, type: ZetaType): void {
  if (cell === null) return;
  if (type.startsWith("ARRAY<")) {
    const inner = type.slice(6, -1);
    w.message(13, (array) => {
      for (const element of cell as Cell[]) {
        array.message(1, (e) => writeValue(e, element, inner));
      }
    });
    return;
  }
  switch (type) {
    case "STRING":
      return w.string(8, String(cell));
    case "JSON":
      return w.string(23, String(cell));
    case "INT64":
      return w.int64(2, cell as bigint | number);
    case "FLOAT64":
      return w.double(7, Number(cell));
    case "BOOL":
      return w.bool(5, Boolean(cell));
    case "DATE":
      return w.int64(10, Math.round(Date.parse(`${cell}T00:00:00Z`) / DAY_MS));
    case "TIMESTAMP": {
      const micros = BigInt(cell as bigint);
      const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
      const nanos = Number(micros - seconds * 1_000_000n) * 1000;
      return w.message(16, (ts) => {
        ts.int64(1, seconds);
        if (nanos) ts.int64(2, nanos);
      });
    }
    default:
      throw new TypeError(`Cannot send a ${type} value to ZetaSQL`);
  }
}

/** A minimal protobuf reader. */
class PbReader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  static #decoder = new TextDecoder();

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
  }

  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
  }

  /** A length-delimited field's bytes as a sub-reader. */
  sub(): PbReader {
    const length = this.varint();
    const reader = new PbReader(this.buf, this.pos + length);
    reader.pos = this.pos;
    this.pos += length;
    return reader;
  }

  text(): string {
    const length = this.varint();
    const text = PbReader.#decoder.decode(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  double(): number {
    const value = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint64();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const length = this.varint();
      this.pos += length;
    } else if (wire === 5) this.pos += 4;
    else throw new Error(`Cannot decode ZetaSQL response: wire type ${wire}`);
  }

  /** Each field of this message: `fn(field, wire)` must consume it (or call skip). */
  fields(fn: (field: number, wire: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      fn(Math.floor(key / 8), key % 8);
    }
  }
}

/** A ValueProto as a cell (the field number says the type). */
function readValue(r: PbReader): Cell {
  let cell: Cell = null;
  r.fields((field, wire) => {
    switch (field) {
      case 1: // int32
      case 2: // int64
      case 3: // uint32
      case 4: // uint64
        cell = r.varint64();
        return;
      case 5:
        cell = r.varint() !== 0;
        return;
      case 7:
        cell = r.double();
        return;
      case 8: // string
      case 23: // json
        cell = r.text();
        return;
      case 10:
        cell = new Date(Number(r.varint64()) * DAY_MS).toISOString().slice(0, 10);
        return;
      case 13: {
        const elements: Cell[] = [];
        r.sub().fields((f, w) => f === 1 ? elements.push(readValue(r.sub())) : r.skip(w));
        cell = elements;
        return;
      }
      case 16: {
        let seconds = 0n;
        let nanos = 0;
        const ts = r.sub();
        ts.fields((f, w) => {
          if (f === 1) seconds = ts.varint64();
          else if (f === 2) nanos = ts.varint();
          else ts.skip(w);
        });
        cell = seconds * 1_000_000n + BigInt(Math.floor(nanos / 1000));
        return;
      }
      default:
        throw new TypeError(`Cannot decode a ZetaSQL value with field ${field} (wire ${wire})`);
    }
  });
  return cell;
}

/** The rows of an EvaluateQueryResponse (content.table_data.row[].cell[]). */
function decodeQueryRows(bytes: Uint8Array): Cell[][] {
  const rows: Cell[][] = [];
  const response = new PbReader(bytes);
  response.fields((field, wire) => {
    if (field !== 1) return response.skip(wire);
    const content = response.sub();
    content.fields((f, w) => {
      if (f !== 1) return content.skip(w);
      const data = content.sub();
      data.fields((f2, w2) => {
        if (f2 !== 1) return data.skip(w2);
        const row = data.sub();
        const cells: Cell[] = [];
        row.fields((f3, w3) => f3 === 1 ? cells.push(readValue(row.sub())) : row.skip(w3));
        rows.push(cells);
      });
    });
  });
  return rows;
}

// ---------------------------------------------------------------------------------------
// Internals

function _freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function _spawn(binary: string, port: number, timeoutMs: number): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(binary, {
    args: ["127.0.0.1", String(port)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>, onText?: () => void) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      onText?.();
    }
  };
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => ready = resolve);
  const drained = Promise.all([
    collect(child.stdout, () => {
      if (output.includes("Server listening on")) ready();
    }),
    collect(child.stderr),
  ]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    listening.then(() => "ready" as const),
    child.status.then((status) => status),
    new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), timeoutMs)),
  ]);
  clearTimeout(timer);
  if (outcome === "ready") {
    // Keep draining the pipes in the background; they end when the server exits.
    drained.catch(() => {});
    return child;
  }
  if (outcome === "timeout") {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }
  await child.status;
  await drained.catch(() => {});
  const why = outcome === "timeout"
    ? `it did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`
    : `it exited with code ${outcome.code}`;
  throw new Error(`Cannot start ZetaSQL server "${binary}": ${why}; output: ${output.trim()}`);
}

function _subset(catalog: Catalog, names: Set<string>): Catalog {
  return new Catalog(
    [...catalog.tables.values()].filter((table) => names.has(table.name.toLowerCase())),
    [...catalog.constants.values()],
  );
}

/** Follow the `node` discriminators of a oneof wrapper to the concrete node. */
function _leaf(node: Record<string, unknown>): { kind: string; node: Record<string, unknown> } {
  let kind = "";
  let current = node;
  while (typeof current.node === "string") {
    kind = current.node;
    current = current[current.node] as Record<string, unknown>;
  }
  return { kind, node: current };
}

/** A field of a node or of its `parent` chain (the proto's base classes). */
function _field<T>(node: Record<string, unknown>, name: string): T | undefined {
  let current: Record<string, unknown> | undefined = node;
  while (current) {
    if (name in current) return current[name] as T;
    current = current.parent as Record<string, unknown> | undefined;
  }
  return undefined;
}

function _describeResolved(statement: Record<string, unknown>, sql: string): AnalyzedStatement {
  const { kind, node } = _leaf(statement);
  const shortKind = kind.replace(/^resolved/, "").replace(/Node$/, "");
  const name = (path?: string[]) => path?.join(".");
  const columnsOf = (list?: { name: string; column?: { type: TypeProto }; type?: TypeProto }[]) =>
    (list ?? []).map((c) => ({ name: c.name, type: typeName((c.column?.type ?? c.type)!) }));
  const out: AnalyzedStatement = {
    kind: shortKind.charAt(0).toUpperCase() + shortKind.slice(1),
    sql,
    columns: columnsOf(_field(node, "outputColumnList")),
    reads: _tableScans(node),
  };
  const target = name(_field<string[]>(node, "namePath"));
  if (target) out.target = target;
  if (out.kind === "InsertStmt" || out.kind === "DeleteStmt") {
    const scan = _field<Record<string, unknown>>(node, "tableScan");
    const table = scan && (_field<{ name?: string }>(scan, "table"));
    if (table?.name) out.target = table.name;
  }
  if (out.kind === "CreateTableStmt") {
    out.definedColumns = columnsOf(_field(node, "columnDefinitionList"));
  }
  if (out.kind === "AlterTableStmt") {
    for (const action of _field<Record<string, unknown>[]>(node, "alterActionList") ?? []) {
      const leaf = _leaf(action);
      if (leaf.kind === "resolvedRenameToActionNode") {
        out.renamedTo = (leaf.node.newPath as string[]).join(".");
      }
    }
  }
  return out;
}

/** Every table scan under a resolved node: table name → columns read. */
function _tableScans(root: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!value || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const scan = record.resolvedTableScanNode as Record<string, unknown> | undefined;
    if (scan) {
      const table = (scan.table as { name?: string } | undefined)?.name;
      if (table) {
        const columns = out.get(table) ?? new Set<string>();
        for (const column of _field<{ name: string }[]>(scan, "columnList") ?? []) {
          columns.add(column.name);
        }
        out.set(table, columns);
      }
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(root);
  return out;
}

function _collectStatements(
  node: unknown,
  bytes: Uint8Array,
  out: ScriptStatement[],
  inHandler: boolean,
): void {
  const list = (node as { statementListNode?: { statementList?: unknown[] } }).statementListNode
    ?.statementList ?? (node as { statementList?: unknown[] }).statementList ?? [];
  for (const entry of list) {
    const { kind, node: leaf } = _leaf(entry as Record<string, unknown>);
    const text = _slice(bytes, _range(leaf));
    const shortKind = kind.replace(/^ast/, "").replace(/Node$/, "");
    if (shortKind === "BeginEndBlock") {
      _collectStatements(leaf, bytes, out, inHandler);
      const handlers = (leaf.handlerList as { exceptionHandlerList?: unknown[] } | undefined)
        ?.exceptionHandlerList ?? [];
      for (const handler of handlers) {
        _collectStatements(
          (handler as { statementList: unknown }).statementList,
          bytes,
          out,
          true,
        );
      }
      continue;
    }
    const statement: ScriptStatement = { kind: shortKind, sql: text, inHandler };
    if (shortKind === "VariableDeclaration") {
      const names = (leaf.variableList as { identifierList: { idString: string }[] })
        .identifierList.map((id) => id.idString);
      const type = _leaf(leaf.type as Record<string, unknown>).node;
      const defaultValue = leaf.defaultValue as Record<string, unknown> | undefined;
      statement.declare = {
        names,
        type: _slice(bytes, _range(type)).toUpperCase(),
        defaultSql: defaultValue ? _slice(bytes, _range(_leaf(defaultValue).node)) : undefined,
      };
    }
    const query = leaf.query as Record<string, unknown> | undefined;
    if (query && shortKind !== "QueryStatement") statement.querySql = _slice(bytes, _range(query));
    out.push(statement);
  }
}

function _range(node: Record<string, unknown>): { start: number; end: number } {
  const range = _field<{ start: number; end: number }>(node, "parseLocationRange");
  if (!range) throw new Error("ZetaSQL parse tree node without a location");
  return range;
}

function _slice(bytes: Uint8Array, range: { start: number; end: number }): string {
  return new TextDecoder().decode(bytes.subarray(range.start, range.end));
}

function _splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "<") depth++;
    else if (text[i] === ">") depth--;
    else if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== "");
}

function _isoMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 23)}${String(rest).padStart(3, "0")}Z`;
}

function _canonicalJson(text: string): string {
  try {
    return JSON.stringify(_sortKeys(JSON.parse(text)));
  } catch {
    return `invalid JSON ${JSON.stringify(text)}`;
  }
}

function _sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(_sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, _sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** `Unrecognized name: x [at 3:8]` → the SQL line with a caret under column 8. */
function _pointAt(sql: string, message: string): string {
  const match = /\[at (\d+):(\d+)\]/.exec(message);
  if (!match || !sql) return "";
  const line = sql.split("\n")[Number(match[1]) - 1];
  if (line === undefined) return "";
  return `\n    ${line}\n    ${" ".repeat(Math.max(0, Number(match[2]) - 1))}^`;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
