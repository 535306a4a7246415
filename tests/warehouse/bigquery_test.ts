// The BigQuery adapter against a local fake of the REST API (tests/warehouse/_fake_bigquery.ts):
// what it sends (datasets, SQL, load jobs, uploaded rows) and how it reads what comes back.
// No SQL runs here: BigQuery itself is out of reach, so these tests cannot show that the
// SQL is accepted by BigQuery, only that the adapter sends what it should.
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { type BigQueryWarehouse, openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { openDuckDb } from "../../lib/warehouse/duckdb.ts";
import { FullRefreshNeeded } from "../../lib/warehouse/incremental.ts";
import { withJobLabels } from "../../lib/warehouse/job_labels.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";
import { cliEnv } from "../_env.ts";

const PROJECT = "terraloop-test";
const ALL_DATASETS = {
  terraloop_raw: "US",
  terraloop_staging: "US",
  terraloop_marts: "US",
  terraloop_audit: "US",
};

async function withFake(
  options: FakeBigQueryOptions,
  fn: (fake: FakeBigQuery, wh: BigQueryWarehouse) => Promise<void>,
): Promise<void> {
  const fake = startFakeBigQuery({ datasets: ALL_DATASETS, ...options });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
    });
    try {
      await fn(fake, wh);
    } finally {
      await wh.close();
    }
    assert.deepEqual(fake.unrouted(), [], "every request the adapter made has a route");
  } finally {
    await fake.close();
  }
}

async function tempFiles(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-bq-test-" });
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") await Deno.writeTextFile(join(dir, name), content);
    else await Deno.writeFile(join(dir, name), content);
  }
  return dir;
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function ndjson(data: string): Record<string, unknown>[] {
  return data.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

const isScript = (sql: string) => sql.includes("event file(s) into raw.events");
const isManifestLookup = (sql: string) => sql.startsWith("select source_file, table_name, sha256");

/** The script's last statement: counts per file, as BigQuery would return them. */
function countsReply(counts: Record<string, [number, number]>) {
  return {
    fields: [
      { name: "source_file", type: "STRING" },
      { name: "n_rows", type: "INTEGER" },
      { name: "n_rejected", type: "INTEGER" },
    ],
    rows: Object.entries(counts).map(([file, [rows, rejected]]) => [
      file,
      String(rows),
      String(rejected),
    ]),
  };
}

Deno.test("openBigQuery() creates the missing datasets <prefix>_<schema> in the location", async () => {
  const fake = startFakeBigQuery({ datasets: { acme_raw: "EU" } });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
      datasetPrefix: "acme",
      location: "EU",
    });
    await wh.close();
    const created = fake.requests.filter((r) => r.method === "POST").map((r) => r.json);
    assert.deepEqual(
      created.map((body) => {
        const { datasetReference, location } = body as {
          datasetReference: { projectId: string; datasetId: string };
          location: string;
        };
        return [datasetReference.projectId, datasetReference.datasetId, location];
      }),
      [
        [PROJECT, "acme_staging", "EU"],
        [PROJECT, "acme_marts", "EU"],
        [PROJECT, "acme_audit", "EU"],
      ],
    );
    assert.equal(wh.description, "bigquery:terraloop-test/acme_* (EU)");
    for (const request of fake.requests) {
      assert.equal(request.authorization, "Bearer fake-token");
      assert.ok(request.path.startsWith(`/bigquery/v2/projects/${PROJECT}/datasets`));
    }
  } finally {
    await fake.close();
  }
});

Deno.test("openBigQuery() refuses a dataset that lives in another location", async () => {
  const fake = startFakeBigQuery({ datasets: { terraloop_raw: "EU" } });
  try {
    await assert.rejects(
      openBigQuery(PROJECT, { apiEndpoint: fake.endpoint, authClient: fakeAuthClient() }),
      /dataset "terraloop-test:terraloop_raw" is in location "EU" but the warehouse is configured for "US"/,
    );
  } finally {
    await fake.close();
  }
});

Deno.test("datasets and relations are named <project>.<prefix>_<schema>.<name>", async () => {
  await withFake({}, (_fake, wh) => {
    assert.equal(wh.dataset("marts"), "terraloop_marts");
    assert.equal(
      wh.relation({ schema: "marts", name: "fct_events" }),
      "`terraloop-test.terraloop_marts.fct_events`",
    );
    assert.equal(wh.literal("it's\r\n"), "'it\\'s\\r\\n'");
    assert.deepEqual(wh.naming, { bigqueryProject: PROJECT, datasetPrefix: "terraloop" });
    return Promise.resolve();
  });
});

Deno.test("query() runs a standard-SQL query job in the location and decodes every type", async () => {
  const fields = [
    { name: "n", type: "INTEGER" },
    { name: "big", type: "INTEGER" },
    { name: "x", type: "FLOAT" },
    { name: "ok", type: "BOOLEAN" },
    { name: "ts", type: "TIMESTAMP" },
    { name: "d", type: "DATE" },
    { name: "j", type: "JSON" },
    { name: "s", type: "STRING" },
    { name: "tags", type: "STRING", mode: "REPEATED" },
    { name: "rec", type: "RECORD", fields: [{ name: "a", type: "INTEGER" }] },
  ];
  const reply = {
    fields,
    rows: [
      [
        "42",
        "9007199254740993",
        "1.5",
        "true",
        "1767225600123456",
        "2026-01-02",
        '{"a":1}',
        "it's",
        [{ v: "a" }, { v: "b" }],
        { f: [{ v: "7" }] },
      ],
      [null, null, null, "false", null, null, null, null, [], null],
      ["3", "4", "NaN", null, "0", "1970-01-01", "null", "", [], { f: [{ v: null }] }],
    ],
    pending: 1,
    pageSize: 2,
  };
  await withFake(
    { onQuery: (sql) => sql === "select everything" ? reply : undefined },
    async (fake, wh) => {
      const rows = await wh.query("select everything");
      assert.deepEqual(rows[0], {
        n: 42,
        big: 9007199254740993n,
        x: 1.5,
        ok: true,
        ts: new Date("2026-01-01T00:00:00.123Z"),
        d: new Date("2026-01-02T00:00:00Z"),
        j: '{"a":1}',
        s: "it's",
        tags: ["a", "b"],
        rec: { a: 7 },
      });
      assert.deepEqual(rows[1], {
        n: null,
        big: null,
        x: null,
        ok: false,
        ts: null,
        d: null,
        j: null,
        s: null,
        tags: [],
        rec: null,
      });
      assert.equal(rows.length, 3);
      assert.ok(Number.isNaN(rows[2]!.x));

      const insert = fake.requests.find((r) => r.method === "POST" && r.path.endsWith("/jobs"))!;
      const body = insert.json as {
        configuration: { query: { query: string; useLegacySql: boolean }; labels: unknown };
        jobReference: { location: string; projectId: string };
      };
      assert.equal(body.configuration.query.query, "select everything");
      assert.equal(body.configuration.query.useLegacySql, false);
      assert.deepEqual(body.configuration.labels, { app: "terraloop" });
      assert.equal(body.jobReference.location, "US");
      assert.equal(body.jobReference.projectId, PROJECT);
      // One unfinished poll, then two pages.
      const polls = fake.requests.filter((r) => r.path.includes("/queries/"));
      assert.equal(polls.length, 3);
      assert.deepEqual(polls.map((r) => r.query.pageToken), [undefined, undefined, "2"]);
      assert.ok(polls.every((r) => r.query.location === "US"));
      assert.ok(polls.every((r) => r.query["formatOptions.useInt64Timestamp"] === "true"));
    },
  );
});

Deno.test("execute() waits for the job without fetching rows", async () => {
  await withFake({ onQuery: () => ({ pending: 2 }) }, async (fake, wh) => {
    await wh.execute("create schema if not exists `terraloop_marts`");
    const polls = fake.requests.filter((r) => r.path.includes("/queries/"));
    assert.equal(polls.length, 3);
    assert.ok(polls.every((r) => r.query.maxResults === "0"));
  });
});

Deno.test("a failed job raises an error with the job id and BigQuery's message", async () => {
  await withFake({
    onQuery: () => ({ error: "Syntax error: Unexpected keyword FROM at [1:8]" }),
  }, async (_fake, wh) => {
    await assert.rejects(
      wh.query("select from"),
      /^Error: BigQuery job [0-9a-f-]{36} failed: Syntax error: Unexpected keyword FROM at \[1:8\]$/,
    );
  });
});

Deno.test("queryFrame() builds a typed Polars frame from the result pages", async () => {
  const reply = {
    fields: [
      { name: "user_id", type: "STRING" },
      { name: "n_events", type: "INTEGER" },
      { name: "share", type: "FLOAT" },
      { name: "is_orphan", type: "BOOLEAN" },
      { name: "event_at", type: "TIMESTAMP" },
      { name: "event_date", type: "DATE" },
      { name: "tags", type: "STRING", mode: "REPEATED" },
    ],
    rows: [
      ["U000001", "9007199254740993", "0.25", "true", "1767225600123456", "2026-01-01", [{
        v: "a",
      }]],
      [null, null, null, null, null, null, []],
      ["U000003", "-3", "Infinity", "false", "0", "1970-01-01", []],
    ],
    pageSize: 2,
  };
  await withFake({ onQuery: () => reply }, async (_fake, wh) => {
    const frame = await wh.queryFrame("select * from marts");
    assert.deepEqual(frame.shape, { height: 3, width: 7 });
    assert.ok(frame.getColumn("user_id").dtype.equals(pl.String), "user_id");
    assert.ok(frame.getColumn("n_events").dtype.equals(pl.Int64), "n_events");
    assert.ok(frame.getColumn("share").dtype.equals(pl.Float64), "share");
    assert.ok(frame.getColumn("is_orphan").dtype.equals(pl.Bool), "is_orphan");
    assert.ok(frame.getColumn("event_at").dtype.equals(pl.Datetime("us", "UTC")), "event_at");
    assert.ok(frame.getColumn("event_date").dtype.equals(pl.Date), "event_date");
    // Exact beyond 2^53: compare as text through Polars.
    assert.deepEqual(
      frame.getColumn("n_events").cast(pl.Utf8).toArray(),
      ["9007199254740993", null, "-3"],
    );
    assert.deepEqual(frame.getColumn("event_at").cast(pl.Int64).cast(pl.Utf8).toArray(), [
      "1767225600123456",
      null,
      "0",
    ]);
    assert.deepEqual(frame.getColumn("is_orphan").toArray(), [true, null, false]);
    // BigQuery arrays are never NULL: an empty one comes back as [].
    assert.deepEqual(frame.getColumn("tags").toArray(), ['["a"]', "[]", "[]"]);
    assert.equal(frame.getColumn("share").toArray()[2], Infinity);
  });
});

Deno.test("queryFrame() keeps the columns of an empty result", async () => {
  const reply = { fields: [{ name: "n", type: "INTEGER" }, { name: "ts", type: "TIMESTAMP" }] };
  await withFake({ onQuery: () => reply }, async (_fake, wh) => {
    const frame = await wh.queryFrame("select n, ts from t where false");
    assert.deepEqual(frame.shape, { height: 0, width: 2 });
    assert.deepEqual(frame.columns, ["n", "ts"]);
  });
});

Deno.test("exists() and describe() read table metadata; types come back in standard SQL", async () => {
  const tables = {
    "terraloop_marts.fct_events": {
      schema: {
        fields: [
          { name: "event_id", type: "STRING", mode: "REQUIRED" },
          { name: "n", type: "INTEGER" },
          { name: "w", type: "FLOAT" },
          { name: "ok", type: "BOOLEAN" },
          { name: "tags", type: "STRING", mode: "REPEATED" },
          { name: "geo", type: "RECORD", fields: [{ name: "lat", type: "FLOAT" }] },
          { name: "payload", type: "JSON" },
        ],
      },
    },
  };
  await withFake({ tables }, async (fake, wh) => {
    assert.equal(await wh.exists({ schema: "marts", name: "fct_events" }), true);
    assert.equal(await wh.exists({ schema: "marts", name: "nope" }), false);
    assert.deepEqual(await wh.describe({ schema: "marts", name: "fct_events" }), [
      { name: "event_id", type: "STRING" },
      { name: "n", type: "INT64" },
      { name: "w", type: "FLOAT64" },
      { name: "ok", type: "BOOL" },
      { name: "tags", type: "ARRAY<STRING>" },
      { name: "geo", type: "STRUCT<lat FLOAT64>" },
      { name: "payload", type: "JSON" },
    ]);
    assert.deepEqual(await wh.describe({ schema: "marts", name: "nope" }), []);
    assert.equal(fake.queries().length, 0, "metadata calls, no query jobs");
  });
});

Deno.test("listRelations() reads a dataset's tables page by page from tables.list", async () => {
  const tables = {
    "terraloop_marts.mart_b": { type: "TABLE" },
    "terraloop_marts.dim_a": { type: "TABLE" },
    "terraloop_marts.view_c": { type: "VIEW" },
    "terraloop_staging.stg_x": { type: "VIEW" },
  };
  await withFake({ tables }, async (fake, wh) => {
    assert.deepEqual(await wh.listRelations("marts"), ["dim_a", "mart_b", "view_c"]);
    assert.deepEqual(await wh.listRelations("raw"), []);
    assert.equal(
      fake.requests.filter((r) => r.path.endsWith("/terraloop_marts/tables")).length,
      2,
      "two pages",
    );
    assert.equal(fake.queries().length, 0, "no query job");
  });
  const fake = startFakeBigQuery({ datasets: { terraloop_raw: "US" } });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
      schemas: [],
    });
    assert.deepEqual(await wh.listRelations("marts"), [], "a missing dataset has no relations");
    await wh.close();
  } finally {
    await fake.close();
  }
});

Deno.test("materialize() sends create or replace table … as <select> and returns the row count", async () => {
  const select = "with final as (\n    select 1 as n\n)\nselect * from final;\n";
  await withFake({
    onQuery: (sql) =>
      sql.includes("select count(*)")
        ? { fields: [{ name: "n", type: "INTEGER" }], rows: [["123"]] }
        : undefined,
  }, async (fake, wh) => {
    const rows = await wh.materialize({ schema: "marts", name: "fct_x" }, select, "table");
    assert.equal(rows, 123);
    assert.equal(
      fake.queries()[0],
      "create or replace table `terraloop-test.terraloop_marts.fct_x` as\n" +
        "with final as (\n    select 1 as n\n)\nselect * from final\n;\n" +
        "select count(*) as n from `terraloop-test.terraloop_marts.fct_x`;",
    );
    const views = await wh.materialize({ schema: "staging", name: "stg_x" }, select, "view");
    assert.equal(views, null);
    assert.equal(
      fake.queries()[1],
      "create or replace view `terraloop-test.terraloop_staging.stg_x` as\n" +
        "with final as (\n    select 1 as n\n)\nselect * from final\n",
    );
  });
});

const DAILY_EVENT_DATE = { field: "event_date", dataType: "date", granularity: "day" } as const;

Deno.test("merge() sends one script: batch table, partition list, MERGE by key, counts", async () => {
  const fields = ["event_id", "event_date", "tier"].map((name) => ({ name, type: "STRING" }));
  await withFake({
    tables: {
      "terraloop_marts.fct": {
        type: "TABLE",
        schema: { fields },
        timePartitioning: { type: "DAY", field: "event_date" },
      },
      "terraloop_marts.plain": { type: "TABLE", schema: { fields } },
    },
    onQuery: () => ({
      fields: [{ name: "batch_rows", type: "INTEGER" }, { name: "n", type: "INTEGER" }],
      rows: [["3", "42"]],
    }),
  }, async (fake, wh) => {
    const result = await wh.merge(
      { schema: "marts", name: "fct" },
      "select * from new_rows;\n",
      { uniqueKey: ["event_id"], partitionBy: DAILY_EVENT_DATE },
    );
    assert.deepEqual(result, { batchRows: 3, rows: 42 });
    const target = "`terraloop-test.terraloop_marts.fct`";
    assert.equal(
      fake.queries()[0],
      [
        "declare incremental_partitions array<date>;",
        "create temp table `fct__incremental` as\nselect * from new_rows;",
        "set incremental_partitions = (\n" +
        "    select array_agg(distinct `event_date` ignore nulls) from `fct__incremental`\n);",
        `merge into ${target} as target\nusing \`fct__incremental\` as batch\n` +
        "on target.`event_date` in unnest(incremental_partitions)\n" +
        "    and target.`event_id` = batch.`event_id`\n" +
        "when matched then update set\n" +
        "    `event_date` = batch.`event_date`,\n    `tier` = batch.`tier`\n" +
        "when not matched then insert (`event_id`, `event_date`, `tier`)\n" +
        "    values (batch.`event_id`, batch.`event_date`, batch.`tier`);",
        "select\n    (select count(*) from `fct__incremental`) as batch_rows,\n" +
        `    (select count(*) from ${target}) as n;`,
      ].join("\n\n"),
    );
    await assert.rejects(
      wh.merge({ schema: "marts", name: "plain" }, "select 1", {
        uniqueKey: ["event_id"],
        partitionBy: DAILY_EVENT_DATE,
      }),
      (error) =>
        error instanceof FullRefreshNeeded &&
        /not partitioned by day of event_date/.test(error.message),
    );
    await assert.rejects(
      wh.merge({ schema: "marts", name: "missing" }, "select 1", { uniqueKey: ["event_id"] }),
      (error) =>
        error instanceof FullRefreshNeeded && /no table .*missing` yet/.test(error.message),
    );
    assert.equal(fake.queries().length, 1, "nothing runs when the merge cannot happen");
  });
});

Deno.test("merge() with insert_overwrite replaces the batch's partitions in one MERGE", async () => {
  const fields = ["activity_date", "n"].map((name) => ({ name, type: "STRING" }));
  await withFake({
    tables: {
      "terraloop_marts.daily": {
        type: "TABLE",
        schema: { fields },
        timePartitioning: { type: "DAY", field: "activity_date" },
      },
    },
    onQuery: () => ({ fields: [{ name: "batch_rows", type: "INTEGER" }], rows: [["1", "9"]] }),
  }, async (fake, wh) => {
    await wh.merge({ schema: "marts", name: "daily" }, "select 1", {
      strategy: "insert_overwrite",
      partitionBy: { field: "activity_date", dataType: "date", granularity: "day" },
    });
    const sql = fake.queries()[0]!;
    assert.match(
      sql,
      /on false\nwhen not matched by source and target\.`activity_date` in unnest\(incremental_partitions\) then delete\nwhen not matched then insert \(`activity_date`, `n`\)/,
    );
    assert.doesNotMatch(sql, /when matched then update/);
  });
});

Deno.test("merge() on a timestamp-partitioned table truncates to the partition and runs as a labelled job", async () => {
  const fields = ["event_id", "event_at"].map((name) => ({ name, type: "STRING" }));
  await withFake({
    tables: {
      "terraloop_marts.fct": {
        type: "TABLE",
        schema: { fields },
        timePartitioning: { type: "DAY", field: "event_at" },
        clustering: { fields: ["user_id"] },
      },
    },
    onQuery: () => ({
      fields: [{ name: "batch_rows", type: "INTEGER" }, { name: "n", type: "INTEGER" }],
      rows: [["1", "2"]],
    }),
  }, async (fake, wh) => {
    await withJobLabels(
      { model: "fct_events" },
      () =>
        wh.merge({ schema: "marts", name: "fct" }, "select 1", {
          uniqueKey: ["event_id"],
          partitionBy: { field: "event_at", dataType: "timestamp", granularity: "day" },
        }),
    );
    const sql = fake.queries()[0]!;
    assert.match(sql, /^declare incremental_partitions array<timestamp>;/);
    assert.match(sql, /array_agg\(distinct timestamp_trunc\(`event_at`, day\) ignore nulls\)/);
    assert.match(
      sql,
      /on timestamp_trunc\(target\.`event_at`, day\) in unnest\(incremental_partitions\)/,
    );
    const job = fake.jobs().find((j) => j.configuration.query?.query === sql);
    assert.equal(job?.configuration.labels?.model, "fct_events");
  });
});

Deno.test("loadFile() uploads event lines as NDJSON with a load job, then classifies them in one transaction", async () => {
  const lines = [
    '{"event_id":"E1","user_id":"U1","event":"search","ts":"2026-03-01T10:00:00Z"}',
    "not json",
    "   ",
    '{"event_id":"E2","user_id":"U1","event":"search","ts":"2026-03-01T10:00:01Z"}',
  ];
  const dir = await tempFiles({ "events-2026-03-01.ndjson": lines.join("\r\n") + "\r\n" });
  try {
    await withFake({
      onQuery: (sql) =>
        isScript(sql) ? countsReply({ "events-2026-03-01.ndjson": [2, 2] }) : undefined,
    }, async (fake, wh) => {
      const result = await wh.loadFile({
        path: join(dir, "events-2026-03-01.ndjson"),
        kind: "events",
      });
      assert.equal(result.table, "raw.events");
      assert.equal(result.status, "loaded");
      assert.equal(result.rows, 2);
      assert.equal(result.rejected, 2);
      assert.match(result.sha256, /^[0-9a-f]{64}$/);

      const [upload] = fake.uploads();
      assert.ok(upload);
      const load = upload.metadata.configuration.load;
      assert.equal(load.sourceFormat, "NEWLINE_DELIMITED_JSON");
      // Appended to a scratch table created just before, with an expiration.
      assert.equal(load.createDisposition, "CREATE_NEVER");
      assert.equal(load.writeDisposition, "WRITE_APPEND");
      assert.equal(load.maxBadRecords, 0);
      assert.deepEqual(load.schema, {
        fields: [
          { name: "file_index", type: "INT64", mode: "REQUIRED" },
          { name: "_line", type: "INT64", mode: "REQUIRED" },
          { name: "text", type: "STRING", mode: "REQUIRED" },
          { name: "reason", type: "STRING", mode: "NULLABLE" },
        ],
      });
      assert.equal(load.destinationTable.projectId, PROJECT);
      assert.equal(load.destinationTable.datasetId, "terraloop_raw");
      assert.match(load.destinationTable.tableId, /^_load_[0-9a-f]{32}$/);
      assert.equal(upload.metadata.jobReference.location, "US");
      assert.deepEqual(
        ndjson(upload.data),
        lines.map((text, i) => ({ file_index: 0, _line: i + 1, text })),
      );

      const queries = fake.queries();
      assert.match(
        queries[0]!,
        /create table if not exists `terraloop-test\.terraloop_raw\.events` \([^;]*\)\npartition by date\(_loaded_at\)\ncluster by _source_file;/,
      );
      assert.ok(isManifestLookup(queries[1]!));
      const script = queries[2]!;
      const scratch = `\`terraloop-test.terraloop_raw.${load.destinationTable.tableId}\``;
      for (
        const expected of [
          "declare loaded_at TIMESTAMP default current_timestamp();",
          "safe.parse_json(text, wide_number_mode => 'round')",
          `from ${scratch}`,
          "when lines_typed.preset_reason is not null then lines_typed.preset_reason",
          "then 'empty line'",
          "then 'invalid JSON'",
          "then 'not a JSON object'",
          `then 'missing required field "event_id"'`,
          `then 'missing required field "ts"'`,
          "begin transaction;",
          "delete from `terraloop-test.terraloop_raw.events` where _source_file in",
          "delete from `terraloop-test.terraloop_raw.events_rejected` where _source_file in",
          "insert into `terraloop-test.terraloop_raw.events` (_raw_id, _source_file, _line, _loaded_at, payload)",
          "concat(source_file, ':', cast(line_number as STRING))",
          "insert into `terraloop-test.terraloop_raw._load_manifest`",
          "commit transaction;",
          "rollback transaction;",
          `'events-2026-03-01.ndjson' as source_file, ${result.bytes} as bytes, '${result.sha256}' as sha256`,
        ]
      ) {
        assert.ok(script.includes(expected), `script contains ${expected}\n${script}`);
      }
      assert.ok(script.indexOf("begin transaction;") < script.indexOf("delete from"));
      assert.ok(script.indexOf("insert into") < script.indexOf("commit transaction;"));

      const created = fake.requests.filter((r) =>
        r.method === "POST" && r.path.endsWith("/tables")
      );
      assert.equal(created.length, 1);
      const scratchTable = created[0]!.json as {
        tableReference: { tableId: string };
        expirationTime: string;
      };
      assert.equal(scratchTable.tableReference.tableId, load.destinationTable.tableId);
      const expiresInHours = (Number(scratchTable.expirationTime) - Date.now()) / 3_600_000;
      assert.ok(expiresInHours > 23 && expiresInHours <= 24, `expires in ${expiresInHours} h`);
      const deleted = fake.requests.filter((r) => r.method === "DELETE");
      assert.deepEqual(deleted.map((r) => r.path.split("/").pop()), [
        load.destinationTable.tableId,
      ]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() numbers lines as the DuckDB loader does (same _line for every line)", async () => {
  const text = [
    '{"event_id":"E1","user_id":"U1","event":"search","ts":"t"}',
    "",
    "[1,2]",
    '{"user_id":"U1","event":"search","ts":"t"}',
    "{broken",
    '"just a string"',
    '{"event_id":null,"user_id":"U1","event":"x","ts":"t"}',
  ].join("\n") + "\r\n" + '{"event_id":"E9","user_id":"U9","event":"search","ts":"t"}';
  const dir = await tempFiles({ "events-x.ndjson": text });
  const path = join(dir, "events-x.ndjson");
  const duck = await openDuckDb(":memory:");
  try {
    await duck.loadFile({ path, kind: "events" });
    const duckLines = await duck.query<{ line: number; text: string | null }>(
      `select _line as line, null as text from raw.events
       union all select _line, raw_text from raw.events_rejected order by line`,
    );
    await withFake({
      onQuery: (sql) => isScript(sql) ? countsReply({ "events-x.ndjson": [2, 6] }) : undefined,
    }, async (fake, wh) => {
      await wh.loadFile({ path, kind: "events" });
      const uploaded = ndjson(fake.uploads()[0]!.data) as { _line: number; text: string }[];
      assert.deepEqual(uploaded.map((row) => row._line), duckLines.map((row) => row.line));
      for (const row of duckLines.filter((r) => r.text !== null)) {
        assert.equal(uploaded[row.line - 1]!.text, row.text, `line ${row.line}`);
      }
    });
  } finally {
    await duck.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFiles() skips a file whose manifest sha256 is unchanged and reloads a changed one", async () => {
  const dir = await tempFiles({
    "events-a.ndjson": '{"event_id":"E1","user_id":"U1","event":"search","ts":"t"}\n',
    "events-b.ndjson": '{"event_id":"E2","user_id":"U1","event":"search","ts":"t"}\n',
  });
  const bytes = await Deno.readFile(join(dir, "events-a.ndjson"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const shaA = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    await withFake({
      onQuery: (sql) => {
        if (isManifestLookup(sql)) {
          return {
            fields: [
              { name: "source_file", type: "STRING" },
              { name: "table_name", type: "STRING" },
              { name: "sha256", type: "STRING" },
            ],
            rows: [
              ["events-a.ndjson", "raw.events", shaA],
              ["events-b.ndjson", "raw.events", "0".repeat(64)],
            ],
          };
        }
        return isScript(sql) ? countsReply({ "events-b.ndjson": [1, 0] }) : undefined;
      },
    }, async (fake, wh) => {
      const seen: string[] = [];
      const results = await wh.loadFiles([
        { path: join(dir, "events-a.ndjson"), kind: "events" },
        { path: join(dir, "events-b.ndjson"), kind: "events" },
      ], (result) => seen.push(result.sourceFile));
      assert.deepEqual(seen, ["events-a.ndjson", "events-b.ndjson"]);
      assert.deepEqual(results.map((r) => [r.sourceFile, r.status, r.rows, r.rejected]), [
        ["events-a.ndjson", "unchanged", 0, 0],
        ["events-b.ndjson", "reloaded", 1, 0],
      ]);
      const manifestLookup = fake.queries().find(isManifestLookup)!;
      assert.match(manifestLookup, /from `terraloop-test\.terraloop_raw\._load_manifest`/);
      assert.match(manifestLookup, /source_file in \('events-a\.ndjson', 'events-b\.ndjson'\)/);
      assert.equal(fake.uploads().length, 1);
      const uploaded = ndjson(fake.uploads()[0]!.data);
      assert.deepEqual(uploaded.map((row) => row.text), [
        '{"event_id":"E2","user_id":"U1","event":"search","ts":"t"}',
      ]);
      const script = fake.queries().find(isScript)!;
      assert.ok(!script.includes("events-a.ndjson"), "the unchanged file is not touched");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFiles() sends changed event files (gzip too) in one load job and one script", async () => {
  const dir = await tempFiles({
    "events-a.ndjson": "a1\na2\n",
    "events-b.ndjson.gz": await gzip("b1\nb2\nb3"),
  });
  try {
    await withFake({
      onQuery: (sql) =>
        isScript(sql)
          ? countsReply({ "events-a.ndjson": [0, 2], "events-b.ndjson.gz": [0, 3] })
          : undefined,
    }, async (fake, wh) => {
      const results = await wh.loadFiles([
        { path: join(dir, "events-a.ndjson"), kind: "events" },
        { path: join(dir, "events-b.ndjson.gz"), kind: "events" },
      ]);
      assert.deepEqual(results.map((r) => r.rejected), [2, 3]);
      assert.equal(fake.uploads().length, 1);
      assert.deepEqual(
        ndjson(fake.uploads()[0]!.data).map((r) => [r.file_index, r._line, r.text]),
        [[0, 1, "a1"], [0, 2, "a2"], [1, 1, "b1"], [1, 2, "b2"], [1, 3, "b3"]],
      );
      const script = fake.queries().find(isScript)!;
      assert.match(script, /struct\(0 as file_index, 'events-a\.ndjson' as source_file/);
      assert.match(script, /struct\(1 as file_index, 'events-b\.ndjson\.gz' as source_file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFiles() retries a failing batch file by file and names the file that fails", async () => {
  const dir = await tempFiles({ "events-a.ndjson": "a\n", "events-b.ndjson": "b\n" });
  try {
    await withFake({
      onQuery: (sql) => {
        if (!isScript(sql)) return undefined;
        if (sql.includes("'events-b.ndjson'")) return { error: "Transaction is aborted" };
        return countsReply({ "events-a.ndjson": [1, 0] });
      },
    }, async (fake, wh) => {
      const loaded: string[] = [];
      await assert.rejects(
        wh.loadFiles([
          { path: join(dir, "events-a.ndjson"), kind: "events" },
          { path: join(dir, "events-b.ndjson"), kind: "events" },
        ], (result) => loaded.push(result.sourceFile)),
        (error: Error) => {
          assert.match(
            error.message,
            /^Cannot load ".*events-b\.ndjson" into raw\.events: BigQuery job .* failed: Transaction is aborted$/,
          );
          return true;
        },
      );
      assert.deepEqual(loaded, ["events-a.ndjson"]);
      assert.equal(fake.queries().filter(isScript).length, 3, "the batch, then a, then b");
      const scratchDrops = fake.requests.filter((r) => r.method === "DELETE").length;
      assert.equal(scratchDrops, 3, "every scratch table is dropped, failed or not");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() refuses a script whose counts do not add up to the uploaded lines", async () => {
  const dir = await tempFiles({ "events-a.ndjson": "a\nb\n" });
  try {
    await withFake({
      onQuery: (sql) => isScript(sql) ? countsReply({ "events-a.ndjson": [1, 0] }) : undefined,
    }, async (_fake, wh) => {
      await assert.rejects(
        wh.loadFile({ path: join(dir, "events-a.ndjson"), kind: "events" }),
        /Cannot load ".*events-a\.ndjson" into raw\.events: "events-a\.ndjson" has 2 lines but BigQuery classified 1/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() CSV: one RFC 4180 record per line, every line a row or a rejected line, as in DuckDB", async () => {
  const csv = [
    "user_id,full_name,email,company,tier,region,signup_at",
    'U000001,"Doe, Jane",jane@x.org,,Pro,NA,2026-01-03T10:22:11Z',
    'U000002,"Say ""hi""","multi',
    'line",Acme,Basic,EMEA,2026-01-04T00:00:00Z',
    "U000003,too,many,columns,here,x,y,z",
    "",
    'U000004,"unterminated,x,y,z,a,b',
    'U000005,"",e@x,c,Basic,APAC,2026-01-05T00:00:00Z',
  ].join("\n") + "\n";
  const dir = await tempFiles({ "users.csv": csv });
  try {
    await withFake({}, async (fake, wh) => {
      const result = await wh.loadFile({ path: join(dir, "users.csv"), kind: "users" });
      assert.deepEqual([result.table, result.rows, result.rejected], ["raw.users", 2, 5]);
      const upload = fake.uploads()[0]!;
      assert.deepEqual(
        (upload.metadata.configuration.load.schema as { fields: { name: string }[] }).fields
          .map((f) => f.name),
        [
          "_line",
          "text",
          "reason",
          "user_id",
          "full_name",
          "email",
          "company",
          "tier",
          "region",
          "signup_at",
        ],
      );
      const rows = ndjson(upload.data);
      // A quoted line break is not a record boundary (docs/contracts.md: one record per
      // line), so both of its lines are rejected, as DuckDB rejects them.
      assert.deepEqual(rows.map((r) => [r._line, r.reason]), [
        [2, null],
        [3, "Value with unterminated quote"],
        [4, "Expected Number of Columns: 7 Found: 5"],
        [5, "Expected Number of Columns: 7 Found: 8"],
        [6, "empty line"],
        [7, "Value with unterminated quote"],
        [8, null],
      ]);
      const duck = await openDuckDb(":memory:");
      try {
        await duck.loadFile({ path: join(dir, "users.csv"), kind: "users" });
        const duckLines = await duck.query<{ line: number; ok: boolean }>(
          `select _line as line, true as ok from raw.users
           union all select _line, false from raw.users_rejected order by line`,
        );
        assert.deepEqual(
          rows.map((r) => [r._line, r.reason === null]),
          duckLines.map((r) => [r.line, r.ok]),
          "the same lines are rows and rejected lines in both loaders",
        );
      } finally {
        await duck.close();
      }
      assert.deepEqual(rows[0], {
        _line: 2,
        text: 'U000001,"Doe, Jane",jane@x.org,,Pro,NA,2026-01-03T10:22:11Z',
        reason: null,
        user_id: "U000001",
        full_name: "Doe, Jane",
        email: "jane@x.org",
        company: null,
        tier: "Pro",
        region: "NA",
        signup_at: "2026-01-03T10:22:11Z",
      });
      assert.equal(rows[1]!.text, 'U000002,"Say ""hi""","multi');
      assert.equal(rows[2]!.user_id, null, "a rejected record carries no values");
      assert.equal(rows[5]!.text, 'U000004,"unterminated,x,y,z,a,b');
      assert.equal(rows[6]!.full_name, null, "a quoted empty field is null, as in DuckDB");

      const script = fake.queries().find((sql) => sql.includes("load users.csv into raw.users"))!;
      assert.ok(script);
      for (
        const expected of [
          "begin transaction;",
          "delete from `terraloop-test.terraloop_raw.users` where _source_file = 'users.csv';",
          "delete from `terraloop-test.terraloop_raw.users_rejected` where _source_file = 'users.csv';",
          "insert into `terraloop-test.terraloop_raw.users` (_raw_id, _source_file, _line, _loaded_at, user_id, full_name, email, company, tier, region, signup_at)",
          "from `terraloop-test.terraloop_raw._load_",
          "where reason is not null",
          `values ('users.csv', 'raw.users', ${result.bytes}, '${result.sha256}', 2,\n        5, loaded_at,`,
          "commit transaction;",
        ]
      ) {
        assert.ok(script.includes(expected), `script contains ${expected}\n${script}`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() CSV with a wrong header fails naming the file and uploads nothing", async () => {
  const dir = await tempFiles({ "listings.csv": "listing_id,user_id\nL1,U1\n" });
  try {
    await withFake({}, async (fake, wh) => {
      await assert.rejects(
        wh.loadFile({ path: join(dir, "listings.csv"), kind: "listings" }),
        /^Error: Cannot load ".*listings\.csv": expected header "listing_id,user_id,title,/,
      );
      assert.equal(fake.uploads().length, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() names a missing file, an empty CSV or a broken gzip file", async (t) => {
  const dir = await tempFiles({
    "users.csv": "",
    "events-bad.ndjson.gz": "not gzip at all",
  });
  const cases: [string, RegExp][] = [
    ["events-missing.ndjson", /Cannot load ".*events-missing\.ndjson": file not found/],
    ["users.csv", /Cannot load ".*users\.csv": the file is empty/],
    ["events-bad.ndjson.gz", /Cannot load ".*events-bad\.ndjson\.gz": not a valid gzip file/],
  ];
  try {
    await withFake({}, async (fake, wh) => {
      for (const [name, expected] of cases) {
        await t.step(name, async () => {
          const kind = name.endsWith(".csv") ? "users" : "events";
          await assert.rejects(wh.loadFile({ path: join(dir, name), kind }), expected);
        });
      }
      assert.equal(fake.uploads().length, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() rejects an invalid UTF-8 line on its own and drops a BOM, as the DuckDB loader does", async () => {
  const good = (id: string) => `{"event_id":"${id}","user_id":"U1","event":"search","ts":"t"}`;
  const bytes = new Uint8Array([
    ...new TextEncoder().encode("\uFEFF" + good("E1") + "\n"),
    0x7b,
    0xe9,
    0x7d,
    0x0a, // "{é}" in Latin-1
    ...new TextEncoder().encode(good("E3") + "\n"),
  ]);
  const dir = await tempFiles({ "events-a.ndjson": bytes, "events-b.ndjson.gz": await gzip("") });
  try {
    await withFake({
      onQuery: (sql) =>
        isScript(sql)
          ? countsReply({ "events-a.ndjson": [2, 1], "events-b.ndjson.gz": [0, 0] })
          : undefined,
    }, async (fake, wh) => {
      const results = await wh.loadFiles([
        { path: join(dir, "events-a.ndjson"), kind: "events" },
        { path: join(dir, "events-b.ndjson.gz"), kind: "events" },
      ]);
      assert.deepEqual(results.map((r) => [r.sourceFile, r.rows, r.rejected]), [
        ["events-a.ndjson", 2, 1],
        ["events-b.ndjson.gz", 0, 0],
      ]);
      assert.deepEqual(ndjson(fake.uploads()[0]!.data), [
        { file_index: 0, _line: 1, text: good("E1") },
        { file_index: 0, _line: 2, text: "{\uFFFD}", reason: "invalid UTF-8" },
        { file_index: 0, _line: 3, text: good("E3") },
      ]);
    });
    const duck = await openDuckDb(":memory:");
    try {
      await duck.loadFile({ path: join(dir, "events-a.ndjson"), kind: "events" });
      assert.deepEqual(
        await duck.query("select _line, reason, raw_text from raw.events_rejected"),
        [{ _line: 2, reason: "invalid UTF-8", raw_text: "{\uFFFD}" }],
      );
    } finally {
      await duck.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() loads an empty events file as zero lines: no upload, a script over no lines", async () => {
  const dir = await tempFiles({ "events-empty.ndjson": "" });
  try {
    await withFake({
      onQuery: (sql) => isScript(sql) ? countsReply({}) : undefined,
    }, async (fake, wh) => {
      const result = await wh.loadFile({ path: join(dir, "events-empty.ndjson"), kind: "events" });
      assert.deepEqual([result.status, result.rows, result.rejected], ["loaded", 0, 0]);
      assert.equal(fake.uploads().length, 0);
      const script = fake.queries().find(isScript)!;
      assert.match(
        script,
        /from unnest\(array<struct<file_index INT64, _line INT64, text STRING, reason STRING>>\[\]\)/,
      );
      assert.match(script, /'events-empty\.ndjson' as source_file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFile() keeps the previous rows of a CSV whose every row is malformed, and warns", async () => {
  const header = "user_id,full_name,email,company,tier,region,signup_at\n";
  const dir = await tempFiles({ "users.csv": header + "U1;Ann;a@x\nU2;Bo;b@x\n" });
  try {
    await withFake({
      onQuery: (sql) => {
        if (isManifestLookup(sql)) {
          return {
            fields: [
              { name: "source_file", type: "STRING" },
              { name: "table_name", type: "STRING" },
              { name: "sha256", type: "STRING" },
            ],
            rows: [["users.csv", "raw.users", "0".repeat(64)]],
          };
        }
        if (sql.startsWith("select count(*) as n from")) {
          return { fields: [{ name: "n", type: "INTEGER" }], rows: [["40"]] };
        }
        return undefined;
      },
    }, async (fake, wh) => {
      const result = await wh.loadFile({ path: join(dir, "users.csv"), kind: "users" });
      assert.equal(result.status, "kept");
      assert.deepEqual([result.rows, result.rejected], [0, 0]);
      assert.equal(
        result.warning,
        "users.csv: all 2 rows are malformed; the 40 rows loaded before are kept (fix the file and load again)",
      );
      assert.equal(fake.uploads().length, 0);
      assert.ok(
        !fake.queries().some((sql) => sql.includes("delete from")),
        "nothing is deleted",
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the adapter talks only to its apiEndpoint (a subprocess allowed no other network)", async () => {
  const dir = await tempFiles({ "events-a.ndjson": "x\n" });
  const fake = startFakeBigQuery({
    datasets: ALL_DATASETS,
    onQuery: (sql) =>
      isScript(sql)
        ? countsReply({ "events-a.ndjson": [0, 1] })
        : { fields: [{ name: "n", type: "INTEGER" }], rows: [["1"]] },
  });
  const script = `
    import { openBigQuery } from ${
    JSON.stringify(new URL("../../lib/warehouse/bigquery.ts", import.meta.url).href)
  };
    import { fakeAuthClient } from ${
    JSON.stringify(new URL("./_fake_bigquery.ts", import.meta.url).href)
  };
    const wh = await openBigQuery("${PROJECT}", { apiEndpoint: Deno.args[0], authClient: fakeAuthClient() });
    const rows = await wh.query("select 1 as n");
    const frame = await wh.queryFrame("select 1 as n");
    const loaded = await wh.loadFile({ path: Deno.args[1], kind: "events" });
    await wh.close();
    console.log(JSON.stringify({ rows, height: frame.height, rejected: loaded.rejected }));
  `;
  try {
    const scriptPath = join(dir, "probe.ts");
    await Deno.writeTextFile(scriptPath, script);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        "--allow-ffi",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        scriptPath,
        fake.endpoint,
        join(dir, "events-a.ndjson"),
      ],
      clearEnv: true,
      env: cliEnv({ NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      rows: [{ n: 1 }],
      height: 1,
      rejected: 1,
    });
    // google-auth-library swallows a failed metadata-server probe and only warns
    // (MetadataLookupWarning … EPERM), so a probe shows up on stderr, not in the exit code.
    assert.doesNotMatch(err, /EPERM|NotCapable|Requires net access|MetadataLookup|Warning/);
    assert.ok(fake.requests.length > 5);
    assert.ok(fake.requests.every((r) => r.authorization === "Bearer fake-token"));
    assert.deepEqual(fake.unrouted(), []);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
