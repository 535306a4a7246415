import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { listDatasetFiles, loadDataset } from "../../lib/load/mod.ts";
import { openDuckDb, renderRelation, sqlLiteral, type Warehouse } from "../../lib/warehouse/mod.ts";

const USERS = "user_id,full_name,email,company,tier,region,signup_at\n" +
  'U000001,Ann Lee,ann@example.com,"Acme, Inc",Basic,NA,2026-01-01T00:00:00Z\n' +
  "U000002,Bo Chen,bo@example.com,Recyclo,Pro,EMEA,2026-01-02T08:00:00Z\n";
const LISTINGS =
  "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at\n" +
  "L0000001,U000002,Old servers,Electronics,120.5,310.2,EMEA,2026-01-03T09:00:00Z\n";
const EVENT = (id: string) =>
  JSON.stringify({
    event_id: id,
    user_id: "U000001",
    event: "session_start",
    ts: "2026-01-05T10:00:00Z",
  });
// Line numbers matter: 2 (truncated), 3 (not JSON), 5 (array), 6 (missing field) are bad.
const EVENTS_DAY1 = [
  EVENT("E1"),
  '{"event_id":"E2","user_id":"U000001","ev',
  "<html>502 Bad Gateway</html>",
  EVENT("E3"),
  "[1,2,3]",
  JSON.stringify({ event_id: "E4", user_id: "U000001", ts: "2026-01-05T10:00:00Z" }),
  EVENT("E5"),
].join("\n") + "\n";
const EVENTS_DAY2 = [EVENT("E6"), EVENT("E1")].join("\n") + "\n";

async function fixtureDataset(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-load-" });
  await Deno.writeTextFile(join(dir, "users.csv"), USERS);
  await Deno.writeTextFile(join(dir, "listings.csv"), LISTINGS);
  await Deno.writeTextFile(join(dir, "events-2026-01-05.ndjson"), EVENTS_DAY1);
  await Deno.writeFile(
    join(dir, "events-2026-01-06.ndjson.gz"),
    gzipSync(new TextEncoder().encode(EVENTS_DAY2)),
  );
  await Deno.writeTextFile(join(dir, "truth.json"), "{}");
  return dir;
}

async function withDataset(fn: (dir: string, wh: Warehouse) => Promise<void>) {
  const dir = await fixtureDataset();
  const wh = await openDuckDb(join(dir, "warehouse.duckdb"));
  try {
    await fn(dir, wh);
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const count = async (wh: Warehouse, table: string) =>
  (await wh.query<{ n: number }>(`select count(*) as n from ${table}`))[0]?.n;

Deno.test("listDatasetFiles() orders registry files before event files and ignores others", async () => {
  await withDataset(async (dir) => {
    const files = await listDatasetFiles(dir);
    assert.deepEqual(files.map((f) => [f.kind, f.path.split("/").pop()]), [
      ["users", "users.csv"],
      ["listings", "listings.csv"],
      ["events", "events-2026-01-05.ndjson"],
      ["events", "events-2026-01-06.ndjson.gz"],
    ]);
  });
});

Deno.test("loadDataset() puts every event line in exactly one of raw.events and raw.events_rejected", async () => {
  await withDataset(async (dir, wh) => {
    const summary = await loadDataset(dir, wh);
    assert.equal(summary.eventLines, 9);
    assert.equal(await count(wh, "raw.events"), 5);
    assert.equal(await count(wh, "raw.events_rejected"), 4);
    const rejected = await wh.query<{ _line: number; reason: string; raw_text: string }>(
      "select _line, reason, raw_text from raw.events_rejected order by _line",
    );
    assert.deepEqual(rejected.map((r) => [r._line, r.reason]), [
      [2, "invalid JSON"],
      [3, "invalid JSON"],
      [5, "not a JSON object"],
      [6, 'missing required field "event"'],
    ]);
    assert.equal(rejected[1]?.raw_text, "<html>502 Bad Gateway</html>");
    const lines = await wh.query<{ f: string; l: number }>(
      "select _source_file as f, _line as l from raw.events order by f, l",
    );
    assert.deepEqual(lines.map((r) => `${r.f}:${r.l}`), [
      "events-2026-01-05.ndjson:1",
      "events-2026-01-05.ndjson:4",
      "events-2026-01-05.ndjson:7",
      "events-2026-01-06.ndjson.gz:1",
      "events-2026-01-06.ndjson.gz:2",
    ]);
  });
});

Deno.test("loadDataset() keeps CSV columns as text with load metadata", async () => {
  await withDataset(async (dir, wh) => {
    await loadDataset(dir, wh);
    const users = await wh.query(
      "select _source_file, _line, user_id, company, signup_at from raw.users order by _line",
    );
    assert.deepEqual(users[0], {
      _source_file: "users.csv",
      _line: 2,
      user_id: "U000001",
      company: "Acme, Inc",
      signup_at: "2026-01-01T00:00:00Z",
    });
    assert.equal(await count(wh, "raw.listings"), 1);
  });
});

Deno.test("loadDataset() is idempotent and replaces a file whose bytes changed", async () => {
  await withDataset(async (dir, wh) => {
    await loadDataset(dir, wh);
    const again = await loadDataset(dir, wh);
    assert.equal(again.rows, 0);
    assert.equal(again.unchanged, 4);
    assert.equal(await count(wh, "raw.events"), 5);
    assert.equal(await count(wh, "raw._load_manifest"), 4);

    await Deno.writeTextFile(join(dir, "events-2026-01-05.ndjson"), EVENT("E9") + "\n");
    const third = await loadDataset(dir, wh);
    assert.equal(
      third.files.find((f) => f.status === "reloaded")?.sourceFile,
      "events-2026-01-05.ndjson",
    );
    assert.equal(await count(wh, "raw.events"), 3);
    assert.equal(await count(wh, "raw.events_rejected"), 0);
    const manifest = await wh.query<{ n_rows: number; n_rejected: number }>(
      "select n_rows, n_rejected from raw._load_manifest where source_file = 'events-2026-01-05.ndjson'",
    );
    assert.deepEqual(manifest, [{ n_rows: 1, n_rejected: 0 }]);
  });
});

Deno.test("loadDataset() names the file for missing, empty and wrongly headed inputs", async (t) => {
  await t.step("missing directory", async () => {
    const wh = await openDuckDb(":memory:");
    await assert.rejects(
      () => loadDataset("/no/such/dir", wh),
      /"\/no\/such\/dir": directory not found/,
    );
    await wh.close();
  });
  await t.step("missing users.csv", async () => {
    await withDataset(async (dir, wh) => {
      await Deno.remove(join(dir, "users.csv"));
      await assert.rejects(() => loadDataset(dir, wh), /users\.csv" not found/);
    });
  });
  await t.step("empty listings.csv (an empty events file is zero lines instead)", async () => {
    await withDataset(async (dir, wh) => {
      await Deno.writeTextFile(join(dir, "listings.csv"), "");
      await assert.rejects(() => loadDataset(dir, wh), /listings\.csv": the file is empty/);
    });
  });
  await t.step("CSV with the wrong header", async () => {
    await withDataset(async (dir, wh) => {
      await Deno.writeTextFile(
        join(dir, "users.csv"),
        "user_id,name,email,company,tier,region,signup_at\nU1,A,a@x,C,Basic,NA,2026-01-01T00:00:00Z\n",
      );
      await assert.rejects(
        () => loadDataset(dir, wh),
        (error: Error) => {
          assert.match(error.message, /users\.csv/);
          assert.match(error.message, /missing "full_name"; unexpected "name"/);
          return true;
        },
      );
      assert.equal(await count(wh, "raw.users"), 0);
    });
  });
});

Deno.test("loadDataset() keeps broken CSV rows with their line and reason", async () => {
  await withDataset(async (dir, wh) => {
    await Deno.writeTextFile(
      join(dir, "users.csv"),
      USERS + "U000003,Short Row,c@x\nU000004,Dee,d@x,Co,Pro,APAC,2026-01-04T00:00:00Z\n",
    );
    const summary = await loadDataset(dir, wh);
    assert.equal(summary.files[0]?.rows, 3);
    assert.equal(summary.files[0]?.rejected, 1);
    const rejected = await wh.query("select _line, raw_text from raw.users_rejected");
    assert.deepEqual(rejected, [{ _line: 4, raw_text: "U000003,Short Row,c@x" }]);
    const good = await wh.query<{ user_id: string; _line: number }>(
      "select user_id, _line from raw.users order by _line",
    );
    assert.deepEqual(good.map((r) => [r.user_id, r._line]), [
      ["U000001", 2],
      ["U000002", 3],
      ["U000004", 5],
    ]);
  });
});

Deno.test("a file that cannot be read stops the load before anything is written", async () => {
  await withDataset(async (dir, wh) => {
    await loadDataset(dir, wh);
    // A changed file beside a truncated gzip: neither lands, the earlier rows stay.
    await Deno.writeTextFile(join(dir, "events-2026-01-05.ndjson"), EVENT("E9") + "\n");
    const gz = gzipSync(new TextEncoder().encode(EVENT("E7") + "\n" + EVENT("E8") + "\n"));
    await Deno.writeFile(join(dir, "events-2026-01-07.ndjson.gz"), gz.subarray(0, gz.length - 9));
    await assert.rejects(
      () => loadDataset(dir, wh),
      /events-2026-01-07\.ndjson\.gz": not a valid gzip file/,
    );
    assert.equal(await count(wh, "raw.events"), 5);
    assert.equal(await count(wh, "raw.events_rejected"), 4);
    const manifest = await wh.query(
      "select source_file from raw._load_manifest order by source_file",
    );
    assert.deepEqual(manifest.map((r) => r.source_file), [
      "events-2026-01-05.ndjson",
      "events-2026-01-06.ndjson.gz",
      "listings.csv",
      "users.csv",
    ]);
  });
});

Deno.test("loadDataset({ prune: true }) removes rows of files that left the directory", async () => {
  await withDataset(async (dir, wh) => {
    await loadDataset(dir, wh);
    await Deno.remove(join(dir, "events-2026-01-05.ndjson"));
    const kept = await loadDataset(dir, wh);
    assert.deepEqual(kept.pruned, []);
    assert.equal(await count(wh, "raw.events"), 5, "without prune nothing is removed");
    const pruned = await loadDataset(dir, wh, { prune: true });
    assert.deepEqual(pruned.pruned, ["events-2026-01-05.ndjson"]);
    assert.equal(await count(wh, "raw.events"), 2);
    assert.equal(await count(wh, "raw.events_rejected"), 0);
    assert.equal(await count(wh, "raw._load_manifest"), 3);
  });
});

Deno.test("loadDataset({ prune: true }) asks the warehouse how to name the raw tables", async () => {
  // A BigQuery-named warehouse that only records: the manifest lists a file no longer there.
  const naming = { bigqueryProject: "acme-prod", datasetPrefix: "tl" };
  const statements: string[] = [];
  const warehouse: Warehouse = {
    dialect: "bigquery",
    description: "recording",
    naming,
    relation: (relation) => renderRelation(relation, "bigquery", naming),
    literal: (value) => sqlLiteral(value, "bigquery"),
    execute: (sql) => {
      statements.push(sql);
      return Promise.resolve();
    },
    query: <T>(sql: string) => {
      statements.push(sql);
      return Promise.resolve(
        [{ source_file: "events-old's.ndjson", table_name: "raw.events" }] as T[],
      );
    },
    queryFrame: () => Promise.reject(new Error("not used")),
    exists: () => Promise.resolve(true),
    listRelations: () => Promise.resolve([]),
    describe: () => Promise.resolve([]),
    materialize: () => Promise.reject(new Error("not used")),
    loadFile: () => Promise.reject(new Error("not used")),
    loadFiles: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  const dir = await fixtureDataset();
  try {
    const summary = await loadDataset(dir, warehouse, { prune: true });
    assert.deepEqual(summary.pruned, ["events-old's.ndjson"]);
    const sql = statements.join("\n");
    assert.match(sql, /from `acme-prod\.tl_raw\._load_manifest`/);
    assert.match(
      sql,
      /delete from `acme-prod\.tl_raw\.events` where _source_file = 'events-old\\'s\.ndjson'/,
    );
    assert.match(sql, /delete from `acme-prod\.tl_raw\.events_rejected` where/);
    assert.match(sql, /table_name = 'raw\.events'/);
    assert.doesNotMatch(sql, /(?:from|into)\s+raw\./, "no DuckDB-style raw.<table> name");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadDataset() reads CRLF event files line by line", async () => {
  await withDataset(async (dir, wh) => {
    await Deno.writeTextFile(
      join(dir, "events-2026-01-07.ndjson"),
      [EVENT("E7"), "  ", EVENT("E8")].join("\r\n") + "\r\n",
    );
    await loadDataset(dir, wh);
    const rows = await wh.query<{ l: number; id: string }>(
      `select _line as l, json_extract_string(payload, '$.event_id') as id from raw.events
       where _source_file = 'events-2026-01-07.ndjson' order by l`,
    );
    assert.deepEqual(rows, [{ l: 1, id: "E7" }, { l: 3, id: "E8" }]);
    const rejected = await wh.query(
      "select _line, reason from raw.events_rejected where _source_file = 'events-2026-01-07.ndjson'",
    );
    assert.deepEqual(rejected, [{ _line: 2, reason: "empty line" }]);
  });
});

Deno.test("an unterminated quote in a CSV rejects only its own line; every line is accounted for", async () => {
  await withDataset(async (dir, wh) => {
    await Deno.writeTextFile(
      join(dir, "users.csv"),
      USERS +
        'U000003,"Broken,c@x,C,Basic,NA,2026-01-03T00:00:00Z\n' +
        'U000004,"Dee ""DJ"" Ray",d@x,,Pro,APAC,2026-01-04T00:00:00Z\n' +
        "\n" +
        "U000005,Eve,e@x,C,Pro,APAC,2026-01-05T00:00:00Z\n",
    );
    const summary = await loadDataset(dir, wh);
    assert.equal(summary.files[0]?.rows, 4);
    assert.equal(summary.files[0]?.rejected, 2);
    const rejected = await wh.query<{ _line: number; reason: string }>(
      "select _line, reason from raw.users_rejected order by _line",
    );
    assert.deepEqual(rejected.map((r) => [r._line, r.reason]), [
      [4, "malformed quoting (an unterminated or stray quote)"],
      [6, "empty line"],
    ]);
    const good = await wh.query(
      "select _line, user_id, full_name, company from raw.users where _line >= 5 order by _line",
    );
    assert.deepEqual(good, [
      { _line: 5, user_id: "U000004", full_name: 'Dee "DJ" Ray', company: null },
      { _line: 7, user_id: "U000005", full_name: "Eve", company: "C" },
    ]);
  });
});

Deno.test("event files load in batches of at most loadBatchBytes, with the same rows as one batch", async (t) => {
  await t.step("a file per batch loads exactly what one batch loads", async () => {
    const dir = await fixtureDataset();
    // A third events file, so two connections each take more than one batch.
    await Deno.writeTextFile(join(dir, "events-2026-01-07.ndjson"), EVENT("E7") + "\n");
    const snapshot = async (wh: Warehouse) =>
      await wh.query(
        `select _source_file, _line, payload::varchar as payload from raw.events
         union all select _source_file, _line, reason from raw.events_rejected
         order by 1, 2`,
      );
    try {
      const whole = await openDuckDb(":memory:");
      const perFile = await openDuckDb(":memory:", { loadBatchBytes: 1 });
      try {
        assert.equal(perFile.limits.loadBatchBytes, 1);
        const a = await loadDataset(dir, whole);
        const b = await loadDataset(dir, perFile);
        const withoutTime = (files: typeof a.files) => files.map(({ seconds: _, ...rest }) => rest);
        assert.deepEqual(withoutTime(b.files), withoutTime(a.files));
        const rows = await snapshot(perFile);
        assert.equal(rows.length, 10);
        assert.deepEqual(rows, await snapshot(whole));
      } finally {
        await whole.close();
        await perFile.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
