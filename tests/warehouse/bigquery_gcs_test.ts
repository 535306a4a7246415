// Loading from Cloud Storage (`gs://bucket/prefix/`) on BigQuery, against the REST-level
// fake's storage endpoints: the objects API lists the prefix, each object's manifest key is
// its name and MD5 (from the objects API), an unchanged object is skipped without being
// downloaded, a changed one is downloaded (that generation) and loaded exactly as a local
// file (same uploaded lines, same script). What this cannot show: real bucket permissions,
// and objects of hundreds of MB (the download is streamed to disk, not tried at that size).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { listRemoteDatasetFiles, loadDataset } from "../../lib/load/mod.ts";
import { type BigQueryWarehouse, openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { openDuckDb } from "../../lib/warehouse/duckdb.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  type RecordedRequest,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";

const PROJECT = "terraloop-test";
const DATASETS = {
  terraloop_raw: "US",
  terraloop_staging: "US",
  terraloop_marts: "US",
  terraloop_audit: "US",
};
const USERS = "user_id,full_name,email,company,tier,region,signup_at\n" +
  "U000001,Ann,a@x.org,,Pro,NA,2026-01-03T10:22:11Z\n";
const LISTINGS =
  "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at\n";
const EVENTS_1 = '{"event_id":"E1","user_id":"U1","event":"search","ts":"t"}\nnot json\n';
const EVENTS_2 = '{"event_id":"E2","user_id":"U1","event":"search","ts":"t"}\n';

const md5 = (text: string) => `md5:${createHash("md5").update(text).digest("hex")}`;
const isScript = (sql: string) => sql.includes("event file(s) into raw.events");
const isManifestLookup = (sql: string) => sql.startsWith("select source_file, table_name, sha256");
const isMedia = (r: RecordedRequest) => r.query.alt === "media";

/** A fake whose manifest remembers what the load scripts wrote, like BigQuery's would. */
function manifestFake(
  extra: FakeBigQueryOptions = {},
  counts: Record<string, [number, number]> = {},
): FakeBigQueryOptions {
  const manifest = new Map<string, string>();
  return {
    datasets: DATASETS,
    onQuery: (sql) => {
      if (isManifestLookup(sql)) {
        return {
          fields: [
            { name: "source_file", type: "STRING" },
            { name: "table_name", type: "STRING" },
            { name: "sha256", type: "STRING" },
          ],
          rows: [...manifest].map(([key, sum]) => [...key.split("|"), sum]),
        };
      }
      const csv = /^-- TerraLoop Analytics: load (\S+) into (raw\.\w+)/.exec(sql);
      if (csv) {
        manifest.set(
          `${csv[1]}|${csv[2]}`,
          /values \('[^']+', '[^']+', \d+, '([^']+)'/.exec(sql)![1]!,
        );
        return undefined;
      }
      if (isScript(sql)) {
        const files = [
          ...sql.matchAll(/'([^']+)' as source_file, \d+ as bytes, '([^']+)' as sha256/g),
        ];
        for (const [, name, sum] of files) manifest.set(`${name}|raw.events`, sum!);
        return {
          fields: [
            { name: "source_file", type: "STRING" },
            { name: "n_rows", type: "INTEGER" },
            { name: "n_rejected", type: "INTEGER" },
          ],
          rows: files.map(([, name]) => [name, ...(counts[name!] ?? [1, 0]).map(String)]),
        };
      }
      return undefined;
    },
    ...extra,
  };
}

async function withFake(
  options: FakeBigQueryOptions,
  fn: (fake: FakeBigQuery, wh: BigQueryWarehouse) => Promise<void>,
): Promise<void> {
  const fake = startFakeBigQuery(options);
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      storageEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
      retry: { initialDelayMs: 1 },
    });
    try {
      await fn(fake, wh);
    } finally {
      await wh.close();
    }
    assert.deepEqual(fake.unrouted(), []);
  } finally {
    await fake.close();
  }
}

const OBJECTS = {
  "acme-raw/terraloop/users.csv": USERS,
  "acme-raw/terraloop/listings.csv": LISTINGS,
  "acme-raw/terraloop/events-2026-01-01.ndjson": EVENTS_1,
  "acme-raw/terraloop/events-2026-01-02.ndjson": EVENTS_2,
  "acme-raw/terraloop/README.txt": "not a raw file",
  "acme-raw/terraloop/archive/events-2025-12-31.ndjson": "one level only",
  "acme-raw/other/users.csv": "another prefix",
};

Deno.test("listRemoteDatasetFiles() lists one level of a gs:// prefix, page by page, in load order", async () => {
  await withFake({ datasets: DATASETS, objects: OBJECTS, objectsPageSize: 2 }, async (fake, wh) => {
    const files = await listRemoteDatasetFiles("gs://acme-raw/terraloop", wh);
    assert.deepEqual(files, [
      { path: "gs://acme-raw/terraloop/users.csv", kind: "users" },
      { path: "gs://acme-raw/terraloop/listings.csv", kind: "listings" },
      { path: "gs://acme-raw/terraloop/events-2026-01-01.ndjson", kind: "events" },
      { path: "gs://acme-raw/terraloop/events-2026-01-02.ndjson", kind: "events" },
    ]);
    const lists = fake.requests.filter((r) => r.path === "/storage/v1/b/acme-raw/o");
    assert.ok(lists.length >= 2, "paged");
    assert.ok(lists.every((r) => r.query.prefix === "terraloop/" && r.query.delimiter === "/"));
    assert.ok(lists.every((r) => r.authorization === "Bearer fake-token"), "the same credentials");
  });
});

Deno.test("listRemoteDatasetFiles() names a prefix without the registry files", async () => {
  await withFake(
    { datasets: DATASETS, objects: { "acme-raw/x/events-1.ndjson": "x" } },
    async (_fake, wh) => {
      await assert.rejects(
        listRemoteDatasetFiles("gs://acme-raw/x/", wh),
        /Cannot load dataset "gs:\/\/acme-raw\/x\/": object "users\.csv" not found under it/,
      );
    },
  );
});

Deno.test("loadDataset(gs://…) keys the manifest by object name and MD5 and skips unchanged objects unread", async () => {
  const counts: Record<string, [number, number]> = { "events-2026-01-01.ndjson": [1, 1] };
  await withFake(manifestFake({ objects: OBJECTS }, counts), async (fake, wh) => {
    const first = await loadDataset("gs://acme-raw/terraloop/", wh);
    assert.deepEqual(first.files.map((f) => [f.sourceFile, f.status, f.rows, f.rejected]), [
      ["users.csv", "loaded", 1, 0],
      ["listings.csv", "loaded", 0, 0],
      ["events-2026-01-01.ndjson", "loaded", 1, 1],
      ["events-2026-01-02.ndjson", "loaded", 1, 0],
    ]);
    assert.deepEqual(first.files.map((f) => f.sha256), [
      md5(USERS),
      md5(LISTINGS),
      md5(EVENTS_1),
      md5(EVENTS_2),
    ]);
    // Downloaded once each, at the generation the metadata named; loaded as a local file is.
    const media = fake.requests.filter(isMedia);
    assert.equal(media.length, 4);
    assert.ok(media.every((r) => /^\d+$/.test(r.query.generation ?? "")));
    const events = fake.uploads().find((u) => u.data.includes('"file_index"'))!;
    assert.deepEqual(
      events.data.split("\n").filter(Boolean).map((line) => JSON.parse(line)),
      [
        {
          file_index: 0,
          _line: 1,
          text: '{"event_id":"E1","user_id":"U1","event":"search","ts":"t"}',
        },
        { file_index: 0, _line: 2, text: "not json" },
        {
          file_index: 1,
          _line: 1,
          text: '{"event_id":"E2","user_id":"U1","event":"search","ts":"t"}',
        },
      ],
    );

    // Same objects again: nothing downloaded, nothing uploaded.
    const uploads = fake.uploads().length;
    const again = await loadDataset("gs://acme-raw/terraloop/", wh);
    assert.deepEqual(again.files.map((f) => f.status), [
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    assert.equal(fake.requests.filter(isMedia).length, 4);
    assert.equal(fake.uploads().length, uploads);

    // Rewritten with the same bytes (new generation): still unchanged. New bytes: reloaded.
    fake.putObject("acme-raw/terraloop/events-2026-01-01.ndjson", EVENTS_1);
    fake.putObject("acme-raw/terraloop/events-2026-01-02.ndjson", EVENTS_2 + EVENTS_2);
    counts["events-2026-01-02.ndjson"] = [2, 0];
    const third = await loadDataset("gs://acme-raw/terraloop/", wh);
    assert.deepEqual(third.files.map((f) => f.status), [
      "unchanged",
      "unchanged",
      "unchanged",
      "reloaded",
    ]);
    const lastMedia = fake.requests.filter(isMedia).slice(4);
    assert.deepEqual(lastMedia.map((r) => r.path), [
      "/storage/v1/b/acme-raw/o/terraloop%2Fevents-2026-01-02.ndjson",
    ]);
  });
});

Deno.test("a gs:// object that cannot be loaded is named by its URI", async (t) => {
  const objects = {
    // Not UTF-8 is no longer a file error (the line is rejected on its own): a broken gzip is.
    "acme-raw/t/events-cut.ndjson.gz": "not gzip at all",
    "acme-raw/t/users.csv": "wrong,header\n",
  };
  await withFake(manifestFake({ objects }), async (_fake, wh) => {
    await t.step("missing object", async () => {
      await assert.rejects(
        wh.loadFile({ path: "gs://acme-raw/t/events-missing.ndjson", kind: "events" }),
        /^Error: Cannot read "gs:\/\/acme-raw\/t\/events-missing\.ndjson" from Cloud Storage: not found$/,
      );
    });
    await t.step("not gzip", async () => {
      await assert.rejects(
        wh.loadFile({ path: "gs://acme-raw/t/events-cut.ndjson.gz", kind: "events" }),
        (error: Error) => {
          assert.match(error.message, /Cannot load "gs:\/\/acme-raw\/t\/events-cut\.ndjson\.gz"/);
          assert.doesNotMatch(error.message, /terraloop-bq-/, "the scratch copy is not named");
          return true;
        },
      );
    });
    await t.step("bad CSV header", async () => {
      await assert.rejects(
        wh.loadFile({ path: "gs://acme-raw/t/users.csv", kind: "users" }),
        /Cannot load "gs:\/\/acme-raw\/t\/users\.csv": expected header/,
      );
    });
  });
});

Deno.test("a download cut off by a 503 is retried from the start", async () => {
  let failures = 1;
  await withFake(
    manifestFake({
      objects: OBJECTS,
      faults: (r) =>
        isMedia(r) && failures-- > 0 ? { status: 503, reason: "backendError" } : undefined,
    }),
    async (fake, wh) => {
      const result = await wh.loadFile({
        path: "gs://acme-raw/terraloop/users.csv",
        kind: "users",
      });
      assert.equal(result.rows, 1);
      assert.deepEqual(fake.requests.filter(isMedia).map((r) => r.status), [503, 200]);
    },
  );
});

Deno.test("DuckDB refuses a gs:// dataset with a message saying what to do", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    await assert.rejects(
      loadDataset("gs://acme-raw/terraloop/", wh),
      /Cannot load dataset "gs:\/\/acme-raw\/terraloop\/": the duckdb warehouse cannot read remote files \(load from gs:\/\/ needs TERRALOOP_WAREHOUSE=bigquery/,
    );
  } finally {
    await wh.close();
  }
});

Deno.test("a local dataset still loads on BigQuery next to the gs:// path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "users.csv"), USERS);
    await Deno.writeTextFile(join(dir, "listings.csv"), LISTINGS);
    await Deno.writeTextFile(join(dir, "events-2026-01-02.ndjson"), EVENTS_2);
    await withFake(manifestFake(), async (fake, wh) => {
      const summary = await loadDataset(dir, wh);
      assert.equal(summary.files.length, 3);
      assert.match(summary.files[0]!.sha256, /^[0-9a-f]{64}$/, "local files keep SHA-256");
      assert.equal(fake.requests.filter((r) => r.path.startsWith("/storage/")).length, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
