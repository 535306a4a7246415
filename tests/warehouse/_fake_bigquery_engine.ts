// An engine for the REST-level BigQuery fake (`_fake_bigquery.ts`) that answers the pipeline's
// query jobs from an in-memory DuckDB, so `deno task pipeline --target bigquery` can run load ->
// models -> tests -> report offline. It does NOT run BigQuery SQL (DuckDB cannot): each
// statement is answered by its DuckDB twin, and that is all this engine proves about SQL.
//
// - load scripts: the files they name are loaded by the DuckDB loader (same manifest, same
//   line numbers), and the script's counts are the DuckDB loader's;
// - model builds (`create or replace …`, the swap scripts): the model's DuckDB-compiled SQL
//   from the same template is materialised;
// - data tests and the observability checks' queries: the BigQuery SQL is replaced by its
//   DuckDB-compiled twin;
// - everything else (manifest lookups, prunes, audit rows, the report's queries): relation
//   names `project.prefix_schema.name` become `schema.name`, BigQuery string literals DuckDB
//   ones, and the statement runs on DuckDB. A name BigQuery would not find (`marts.x` without
//   project and prefix, an unqualified `information_schema`) fails as BigQuery fails.
//
// Results go back in the REST API's form (typed schema, string cells, int64 microsecond
// timestamps), so the adapter's paging and decoding are exercised on real result shapes.
// What stays unproven here: that BigQuery accepts the BigQuery SQL and computes the same
// rows (ZetaSQL's analysis and parity tests cover that part; a live project the rest).
import pl from "nodejs-polars";
import { join } from "node:path";
import { CheckQueryCompiler, compileProject } from "../../lib/models/mod.ts";
import { checkQuery, loadCheckDeclarations } from "../../lib/observe/mod.ts";
import { type DuckDbWarehouse, openDuckDb } from "../../lib/warehouse/duckdb.ts";
import type { RawFile } from "../../lib/warehouse/types.ts";
import type { BigQueryField } from "../../lib/warehouse/bigquery.ts";
import type { FakeQueryReply, QueryContext } from "./_fake_bigquery.ts";

/** Options of {@linkcode startDuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** Local directory with the dataset's files (load scripts load them from here by name). */
  datasetDir: string;
  /** The BigQuery project the adapter names relations with. */
  project: string;
  /** Its dataset prefix. */
  datasetPrefix?: string;
  /** The models directory. */
  modelsDir?: string;
  /** Rows per result page. */
  pageSize?: number;
}

/** How one statement was answered. */
export type Handling =
  | "raw-ddl"
  | "load-events"
  | "load-csv"
  | "model"
  | "model-prebuild"
  | "test"
  | "translated"
  | "dry-run"
  | "refused";

/** A running engine. */
export interface DuckDbEngine {
  /** Pass as the fake's `onQuery`. */
  onQuery: (sql: string, context: QueryContext) => Promise<FakeQueryReply | undefined>;
  /** Every statement with how it was answered, in order. */
  handled: { sql: string; as: Handling; error?: string }[];
  /** The DuckDB behind it. */
  duck: DuckDbWarehouse;
  /** Close the DuckDB. */
  close(): Promise<void>;
}

/** Start an engine over a fresh in-memory DuckDB. */
export async function startDuckDbEngine(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
  const prefix = options.datasetPrefix ?? "terraloop";
  const modelsDir = options.modelsDir ?? "sql";
  const naming = { bigqueryProject: options.project, datasetPrefix: prefix };
  const bq = await compileProject(modelsDir, { dialect: "bigquery", ...naming });
  const dk = await compileProject(bq.project, { dialect: "duckdb" });
  const models = new Map(
    dk.models.map((m) => [m.name, { schema: m.relation.schema, sql: m.sql, how: m.materialized }]),
  );
  const checks = await loadCheckDeclarations(modelsDir);
  const bqChecks = new CheckQueryCompiler(bq.project, { dialect: "bigquery", ...naming });
  const dkChecks = new CheckQueryCompiler(bq.project, { dialect: "duckdb" });
  const tests = [
    ...bq.tests.map((t, i) => [_body(t.sql), _body(dk.tests[i]!.sql)] as const),
    ...checks.map((c) => [_body(checkQuery(c, bqChecks)), _body(checkQuery(c, dkChecks))] as const),
  ].sort((a, b) => b[0].length - a[0].length);
  const duck = await openDuckDb(":memory:");
  const handled: DuckDbEngine["handled"] = [];
  const pageSize = options.pageSize ?? 500;
  const qualified = new RegExp(
    "`" + _escape(options.project) + "\\." + _escape(prefix ? `${prefix}_` : "") +
      "([a-z_]+)(?:\\.([A-Za-z0-9_]+))?`",
    "g",
  );

  const materialize = async (name: string, sql: string): Promise<FakeQueryReply | undefined> => {
    const model = models.get(name);
    if (!model) throw new Error(`engine: no model "${name}"`);
    const rows = await duck.materialize({ schema: model.schema, name }, model.sql, model.how);
    handled.push({ sql, as: "model" });
    return /select count\(\*\) as n from/.test(sql)
      ? { fields: [{ name: "n", type: "INTEGER" }], rows: [[String(rows ?? 0)]] }
      : undefined;
  };

  const onQuery = async (
    sql: string,
    context: QueryContext,
  ): Promise<FakeQueryReply | undefined> => {
    try {
      if (context.dryRun) {
        handled.push({ sql, as: "dry-run" });
        return { bytesProcessed: 0 };
      }
      if (sql.startsWith("-- TerraLoop Analytics: raw tables")) {
        handled.push({ sql, as: "raw-ddl" });
        return undefined;
      }
      if (/^-- TerraLoop Analytics: load \d+ event file\(s\)/.test(sql)) {
        const names = [...sql.matchAll(/struct\(\d+ as file_index, '([^']+)' as source_file/g)]
          .map((m) => m[1]!);
        const files: RawFile[] = names.map((name) => ({
          path: join(options.datasetDir, name),
          kind: "events",
        }));
        const results = await duck.loadFiles(files);
        handled.push({ sql, as: "load-events" });
        return {
          fields: [
            { name: "source_file", type: "STRING" },
            { name: "n_rows", type: "INTEGER" },
            { name: "n_rejected", type: "INTEGER" },
          ],
          rows: results.map((r) => [r.sourceFile, String(r.rows), String(r.rejected)]),
        };
      }
      const csv = /^-- TerraLoop Analytics: load (\S+) into raw\.(users|listings)\n/.exec(sql);
      if (csv) {
        await duck.loadFile({
          path: join(options.datasetDir, csv[1]!),
          kind: csv[2] as RawFile["kind"],
        });
        handled.push({ sql, as: "load-csv" });
        return undefined;
      }
      const swap = /^-- TerraLoop Analytics: replace (?:table|view) (\w+)/.exec(sql);
      if (swap) return await materialize(swap[1]!, sql);
      const build = /^create or replace (table|view) `[^`]+\.([A-Za-z0-9_]+)`/.exec(sql);
      if (build) {
        if (build[2]!.endsWith("__building")) {
          handled.push({ sql, as: "model-prebuild" });
          return undefined;
        }
        return await materialize(build[2]!, sql);
      }
      const test = tests.find(([body]) => sql.includes(body));
      if (test) {
        handled.push({ sql, as: "test" });
        // A function replacement: a `$` in the twin (DuckDB JSON paths) stays literal.
        return await _answer(duck, sql.replace(test[0], () => test[1]), pageSize);
      }
      const refused = _refusal(sql, options.project);
      if (refused) {
        handled.push({ sql, as: "refused", error: refused });
        return { error: refused };
      }
      const translated = _strings(
        sql.replace(qualified, (_m, schema, name) => name ? `${schema}.${name}` : schema),
      ).replace(/\bFLOAT64\b/g, "DOUBLE");
      handled.push({ sql, as: "translated" });
      return await _answer(duck, translated, pageSize);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      handled.push({ sql, as: "refused", error: message });
      return { error: message };
    }
  };

  return { onQuery, handled, duck, close: () => duck.close() };
}

/** Run on DuckDB; a query's result in the REST API's form. */
async function _answer(
  duck: DuckDbWarehouse,
  sql: string,
  pageSize: number,
): Promise<FakeQueryReply | undefined> {
  const head = sql.replace(/^(\s*--[^\n]*\n)*\s*/, "").slice(0, 10).toLowerCase();
  if (!head.startsWith("select") && !head.startsWith("with") && !head.startsWith("(")) {
    await duck.execute(sql);
    return undefined;
  }
  const frame = await duck.queryFrame(sql);
  const fields: BigQueryField[] = [];
  const columns: (string | null)[][] = [];
  for (const series of frame.getColumns()) {
    const [type, cells] = _restColumn(series);
    fields.push({ name: series.name, type, mode: "NULLABLE" });
    columns.push(cells);
  }
  const rows: unknown[][] = [];
  for (let r = 0; r < frame.height; r++) rows.push(columns.map((column) => column[r] ?? null));
  return { fields, rows, pageSize };
}

/** A Polars column as a BigQuery REST column: its type and its cells as the API sends them. */
function _restColumn(series: pl.Series): [string, (string | null)[]] {
  const dtype = String(series.dtype);
  const text = (s: pl.Series) => s.cast(pl.Utf8).toArray() as (string | null)[];
  if (/Int\d+|UInt\d+/.test(dtype)) return ["INTEGER", text(series)];
  if (/Float\d+|Decimal/.test(dtype)) return ["FLOAT", text(series.cast(pl.Float64))];
  if (/Bool/.test(dtype)) return ["BOOLEAN", text(series)];
  if (/Datetime/.test(dtype)) {
    return ["TIMESTAMP", text(series.cast(pl.Datetime("us")).cast(pl.Int64))];
  }
  if (/Date/.test(dtype)) return ["DATE", text(series)];
  if (/Null/.test(dtype)) return ["STRING", new Array(series.length).fill(null)];
  return ["STRING", text(series)];
}

/** What BigQuery refuses that DuckDB would accept: names without project and prefix. */
function _refusal(sql: string, project: string): string | undefined {
  const bare = _strings(sql, true);
  const layer = /(?<![.\w])(raw|staging|marts|audit)\.[A-Za-z_]/.exec(bare);
  if (layer) {
    return `Not found: Dataset ${project}:${layer[1]} was not found in location US`;
  }
  if (/(?<![.\w])information_schema\./i.test(bare)) {
    return 'Table "INFORMATION_SCHEMA.TABLES" must be qualified with a dataset (e.g. dataset.table).';
  }
  return undefined;
}

/**
 * BigQuery single-quoted literals (backslash escapes) as DuckDB ones (doubled quotes); with
 * `blank`, literals and backtick names are blanked instead (for scanning the rest).
 */
function _strings(sql: string, blank = false): string {
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      out += blank ? "" : sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "`") {
      const end = sql.indexOf("`", i + 1);
      out += blank ? "``" : sql.slice(i, end + 1);
      i = end;
    } else if (c === "'") {
      let value = "";
      let j = i + 1;
      for (; j < sql.length && sql[j] !== "'"; j++) {
        if (sql[j] === "\\") {
          const next = sql[++j]!;
          value += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
        } else {
          value += sql[j];
        }
      }
      out += blank ? "''" : `'${value.replaceAll("'", "''")}'`;
      i = j;
    } else {
      out += c;
    }
  }
  return out;
}

function _body(sql: string): string {
  return sql.replace(/;\s*$/, "");
}

function _escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
