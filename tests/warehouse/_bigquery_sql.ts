/**
 * The SQL the BigQuery adapter and the model runner send, captured from the REST-level
 * fake (`_fake_bigquery.ts`) so ZetaSQL can analyse and run exactly those statements.
 *
 * ```ts
 * const load = await captureEventLoad("tests/testdata/events_edge_cases.ndjson");
 * load.script; // the classification script, as sent
 * load.scratch.rows; // the uploaded lines: [file_index, _line, text]
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type BigQueryField,
  type BigQueryWarehouse,
  openBigQuery,
} from "../../lib/warehouse/bigquery.ts";
import type { RawKind } from "../../lib/warehouse/types.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";
import type { Cell, Column, Table } from "./_zetasql.ts";

/** The project the fake serves. */
export const PROJECT = "terraloop-test";

const ALL_DATASETS = {
  terraloop_raw: "US",
  terraloop_staging: "US",
  terraloop_marts: "US",
  terraloop_audit: "US",
};

/** The fake's reply that stops a load script from "running" (its SQL is what we want). */
const CAPTURED = "captured for ZetaSQL";

/** Whether a statement is the events classification script. */
export const isEventsScript = (sql: string): boolean =>
  sql.includes("event file(s) into raw.events");

/** Run `fn` against the fake with a warehouse opened on it; requests must all be routed. */
export async function withFakeBigQuery<T>(
  options: FakeBigQueryOptions,
  fn: (fake: FakeBigQuery, wh: BigQueryWarehouse) => Promise<T>,
): Promise<T> {
  const fake = startFakeBigQuery({ datasets: ALL_DATASETS, ...options });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
    });
    let result: T;
    try {
      result = await fn(fake, wh);
    } finally {
      await wh.close();
    }
    assert.deepEqual(fake.unrouted(), [], "every request the adapter made has a route");
    return result;
  } finally {
    await fake.close();
  }
}

/** A BigQuery REST schema as ZetaSQL columns (`REPEATED` → `ARRAY<…>`). */
export function columnsOf(fields: BigQueryField[]): Column[] {
  const legacy: Record<string, string> = {
    INTEGER: "INT64",
    FLOAT: "FLOAT64",
    BOOLEAN: "BOOL",
  };
  return fields.map((field) => {
    const type = legacy[field.type] ?? field.type;
    return { name: field.name, type: field.mode === "REPEATED" ? `ARRAY<${type}>` : type };
  });
}

/** What loading one file sends: every statement in order, and the uploaded scratch table. */
export interface CapturedLoad {
  /** Query jobs in order (DDL, manifest lookup, the load script). */
  statements: string[];
  /** The script that classifies and inserts the rows. */
  script: string;
  /** The scratch table the load job filled, with the uploaded rows. */
  scratch: Table;
}

/**
 * Load one file through the adapter against the fake and capture what it sends. For event
 * files the fake fails the classification script (it runs no SQL), so the adapter's error
 * is expected and swallowed; CSV files load through.
 */
export async function captureLoad(path: string, kind: RawKind): Promise<CapturedLoad> {
  return await withFakeBigQuery({
    onQuery: (sql) => isEventsScript(sql) ? { error: CAPTURED } : undefined,
  }, async (fake, wh) => {
    if (kind === "events") {
      await assert.rejects(wh.loadFile({ path, kind }), new RegExp(CAPTURED));
    } else {
      await wh.loadFile({ path, kind });
    }
    const statements = fake.queries();
    const script = statements.find((sql) => /^-- TerraLoop Analytics: load /.test(sql));
    assert.ok(script, `the adapter sent a load script for "${path}"`);
    const upload = fake.uploads()[0];
    assert.ok(upload, `the adapter uploaded "${path}"`);
    const load = upload.metadata.configuration.load;
    const destination = load.destinationTable;
    const columns = columnsOf((load.schema as { fields: BigQueryField[] }).fields);
    const rows = upload.data.split("\n").filter((line) => line !== "").map((line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      return columns.map((column): Cell => {
        const value = record[column.name];
        if (value === null || value === undefined) return null;
        return column.type === "INT64" ? BigInt(value as number) : String(value);
      });
    });
    return {
      statements,
      script,
      scratch: {
        name: `${destination.projectId}.${destination.datasetId}.${destination.tableId}`,
        columns,
        rows,
      },
    };
  });
}
