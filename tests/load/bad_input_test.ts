// Bad bytes, odd paths and odd files the loader must take without losing, duplicating or
// silently dropping a line (docs/contracts.md §1, "Loading rules").
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { listDatasetFiles, loadDataset } from "../../lib/load/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";

const USERS_HEADER = "user_id,full_name,email,company,tier,region,signup_at\n";
const USERS = USERS_HEADER +
  "U000001,Ann Lee,ann@example.com,Acme,Basic,NA,2026-01-01T00:00:00Z\n" +
  "U000002,Bo Chen,bo@example.com,Recyclo,Pro,EMEA,2026-01-02T08:00:00Z\n";
const LISTINGS_HEADER =
  "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at\n";
const LISTINGS = LISTINGS_HEADER +
  "L0000001,U000002,Old servers,Electronics,120.5,310.2,EMEA,2026-01-03T09:00:00Z\n";
const event = (id: string) =>
  JSON.stringify({ event_id: id, user_id: "U000001", event: "search", ts: "2026-01-05T10:00:00Z" });
const encode = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** A dataset directory from a map of file name → content (string or bytes). */
async function writeDataset(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeFile(join(dir, name), typeof content === "string" ? encode(content) : content);
  }
  return dir;
}

async function withWarehouse(fn: (root: string, wh: Warehouse) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "terraloop-bad-input-" });
  const wh = await openDuckDb(join(root, "warehouse.duckdb"), { threads: 1 });
  try {
    await fn(root, wh);
  } finally {
    await wh.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Rows and rejected rows per source file, from the tables themselves. */
async function perFile(wh: Warehouse, kind: "events" | "users" | "listings") {
  const rows = await wh.query<{ f: string; rows: number; rejected: number }>(
    `select f, sum(r)::int as rows, sum(j)::int as rejected from (
       select _source_file as f, 1 as r, 0 as j from raw.${kind}
       union all select _source_file, 0, 1 from raw.${kind}_rejected
     ) group by f order by f`,
  );
  return Object.fromEntries(rows.map((r) => [r.f, [r.rows, r.rejected]]));
}

Deno.test("one invalid UTF-8 byte rejects only its own line; the rest of the file loads", async (t) => {
  await withWarehouse(async (root, wh) => {
    const bad = concat(
      encode('{"event_id":"E2","user_id":"U000001","event":"sea'),
      new Uint8Array([0xff]),
      encode('rch","ts":"2026-01-05T10:00:00Z"}'),
    );
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": USERS,
      "listings.csv": LISTINGS,
      "events-2026-01-05.ndjson": concat(
        encode(event("E1") + "\n"),
        bad,
        encode("\n" + event("E3") + "\n"),
      ),
      // The bad line is the last one and has no newline after it.
      "events-2026-01-06.ndjson": concat(encode(event("E4") + "\n"), new Uint8Array([0x7b, 0xc3])),
      "events-2026-01-07.ndjson.gz": gzipSync(concat(bad, encode("\n" + event("E5") + "\n"))),
    });
    const summary = await loadDataset(dir, wh);
    await t.step("each file's lines are all accounted for", async () => {
      assert.deepEqual(await perFile(wh, "events"), {
        "events-2026-01-05.ndjson": [2, 1],
        "events-2026-01-06.ndjson": [1, 1],
        "events-2026-01-07.ndjson.gz": [1, 1],
      });
      assert.equal(summary.eventLines, 7);
    });
    await t.step("the rejected line has its reason, file, line and text", async () => {
      const rejected = await wh.query<
        { f: string; l: number; reason: string; raw_text: string }
      >(
        `select _source_file as f, _line as l, reason, raw_text from raw.events_rejected
         order by f`,
      );
      assert.deepEqual(rejected.map((r) => [r.f, r.l, r.reason]), [
        ["events-2026-01-05.ndjson", 2, "invalid UTF-8"],
        ["events-2026-01-06.ndjson", 2, "invalid UTF-8"],
        ["events-2026-01-07.ndjson.gz", 1, "invalid UTF-8"],
      ]);
      assert.equal(
        rejected[0]?.raw_text,
        '{"event_id":"E2","user_id":"U000001","event":"sea\uFFFDrch","ts":"2026-01-05T10:00:00Z"}',
      );
    });
  });
});

Deno.test("a Latin-1 byte in users.csv or listings.csv rejects only that row", async () => {
  await withWarehouse(async (root, wh) => {
    const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0)); // é is one byte, 0xE9
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": concat(
        encode(USERS),
        latin1("U000003,Ren\u00e9 Roux,rene@example.com,Acme,Basic,EMEA,2026-01-03T00:00:00Z\n"),
        encode("U000004,Dee,d@example.com,Co,Pro,APAC,2026-01-04T00:00:00Z\n"),
      ),
      "listings.csv": concat(
        encode(LISTINGS),
        latin1("L0000002,U000001,Caf\u00e9 chairs,Metals,10,20,NA,2026-01-03T09:00:00Z\n"),
      ),
      "events-2026-01-05.ndjson": event("E1") + "\n",
    });
    await loadDataset(dir, wh);
    assert.deepEqual(await perFile(wh, "users"), { "users.csv": [3, 1] });
    assert.deepEqual(await perFile(wh, "listings"), { "listings.csv": [1, 1] });
    assert.deepEqual(
      await wh.query("select _line, reason, raw_text from raw.users_rejected"),
      [{
        _line: 4,
        reason: "invalid UTF-8",
        raw_text: "U000003,Ren\uFFFD Roux,rene@example.com,Acme,Basic,EMEA,2026-01-03T00:00:00Z",
      }],
    );
    assert.deepEqual(
      await wh.query("select _line, reason from raw.listings_rejected"),
      [{ _line: 3, reason: "invalid UTF-8" }],
    );
    assert.deepEqual(
      (await wh.query<{ user_id: string }>("select user_id from raw.users order by _line"))
        .map((r) => r.user_id),
      ["U000001", "U000002", "U000004"],
    );
  });
});

Deno.test("a UTF-8 byte-order mark at the start of an events file does not reject the first event", async () => {
  await withWarehouse(async (root, wh) => {
    const bom = "\uFEFF";
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": bom + USERS,
      "listings.csv": LISTINGS,
      "events-2026-01-05.ndjson": bom + event("E1") + "\n" + event("E2") + "\n",
      "events-2026-01-06.ndjson.gz": gzipSync(encode(bom + event("E3") + "\n")),
    });
    await loadDataset(dir, wh);
    assert.deepEqual(await perFile(wh, "events"), {
      "events-2026-01-05.ndjson": [2, 0],
      "events-2026-01-06.ndjson.gz": [1, 0],
    });
    assert.deepEqual(
      await wh.query(
        "select json_extract_string(payload, '$.event_id') as id from raw.events where _line = 1 order by id",
      ),
      [{ id: "E1" }, { id: "E3" }],
    );
    assert.deepEqual(await perFile(wh, "users"), { "users.csv": [2, 0] });
  });
});

Deno.test("paths are taken literally: glob characters, spaces and Unicode in file and directory names", async (t) => {
  await t.step("a file named events-2026-01-0?.ndjson loads only itself", async () => {
    await withWarehouse(async (root, wh) => {
      const dir = await writeDataset(join(root, "raw"), {
        "users.csv": USERS,
        "listings.csv": LISTINGS,
        "events-2026-01-01.ndjson": event("E1") + "\n",
        "events-2026-01-02.ndjson": event("E2") + "\n" + event("E3") + "\n",
        "events-2026-01-0?.ndjson": event("E4") + "\n",
        "events-2026-01-*.ndjson": event("E5") + "\n",
        "events-2026-01-[12].ndjson": event("E6") + "\n",
        "events-{a,b}.ndjson": event("E7") + "\n",
      });
      const summary = await loadDataset(dir, wh);
      assert.deepEqual(await perFile(wh, "events"), {
        "events-2026-01-*.ndjson": [1, 0],
        "events-2026-01-01.ndjson": [1, 0],
        "events-2026-01-02.ndjson": [2, 0],
        "events-2026-01-0?.ndjson": [1, 0],
        "events-2026-01-[12].ndjson": [1, 0],
        "events-{a,b}.ndjson": [1, 0],
      });
      assert.equal(summary.eventLines, 7);
      const manifest = await wh.query<{ source_file: string; n_rows: number }>(
        "select source_file, n_rows from raw._load_manifest where table_name = 'raw.events' order by 1",
      );
      assert.deepEqual(manifest.map((m) => m.n_rows), [1, 1, 2, 1, 1, 1]);
    });
  });
  for (
    const [name, sibling] of [["data[1]", "data1"], ["my data ü €", "my data u"], ["d*", "dd"]]
  ) {
    await t.step(`a dataset directory "${name}" beside "${sibling}"`, async () => {
      await withWarehouse(async (root, wh) => {
        const dir = await writeDataset(join(root, name!), {
          "users.csv": USERS,
          "listings.csv": LISTINGS,
          "events-2026-01-01.ndjson": event("MINE") + "\n",
        });
        await writeDataset(join(root, sibling!), {
          "users.csv": USERS + "U000009,Sib,s@example.com,S,Pro,NA,2026-01-09T00:00:00Z\n",
          "listings.csv": LISTINGS,
          "events-2026-01-01.ndjson": event("SIBLING") + "\n" + event("SIBLING2") + "\n",
        });
        await loadDataset(dir, wh);
        assert.deepEqual(
          await wh.query("select json_extract_string(payload, '$.event_id') as id from raw.events"),
          [{ id: "MINE" }],
        );
        assert.deepEqual(await perFile(wh, "users"), { "users.csv": [2, 0] });
      });
    });
  }
});

Deno.test("symlinked dataset files are followed, and a broken one is named", async (t) => {
  await withWarehouse(async (root, wh) => {
    const elsewhere = await writeDataset(join(root, "elsewhere"), {
      "users-real.csv": USERS,
      "events-real.ndjson": event("E1") + "\n" + event("E2") + "\n",
    });
    const dir = await writeDataset(join(root, "raw"), {
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": event("E3") + "\n",
    });
    await Deno.symlink(join(elsewhere, "users-real.csv"), join(dir, "users.csv"));
    await Deno.symlink(
      join(elsewhere, "events-real.ndjson"),
      join(dir, "events-2026-01-02.ndjson"),
    );
    await t.step("listed and loaded", async () => {
      const files = await listDatasetFiles(dir);
      assert.deepEqual(files.map((f) => f.path.split("/").pop()), [
        "users.csv",
        "listings.csv",
        "events-2026-01-01.ndjson",
        "events-2026-01-02.ndjson",
      ]);
      await loadDataset(dir, wh);
      assert.deepEqual(await perFile(wh, "events"), {
        "events-2026-01-01.ndjson": [1, 0],
        "events-2026-01-02.ndjson": [2, 0],
      });
      assert.deepEqual(await perFile(wh, "users"), { "users.csv": [2, 0] });
    });
    await t.step("a broken symlink stops the load, naming it", async () => {
      await Deno.symlink(join(elsewhere, "gone.ndjson"), join(dir, "events-2026-01-03.ndjson"));
      await assert.rejects(
        () => loadDataset(dir, wh),
        /events-2026-01-03\.ndjson": .*symbolic link to a missing file/,
      );
    });
  });
});

Deno.test("an empty (0-byte) events file loads as zero lines with a manifest row", async () => {
  await withWarehouse(async (root, wh) => {
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": USERS,
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": event("E1") + "\n",
      "events-2026-01-02.ndjson": "",
      "events-2026-01-03.ndjson.gz": gzipSync(new Uint8Array()),
    });
    const summary = await loadDataset(dir, wh);
    assert.deepEqual(
      summary.files.filter((f) => f.table === "raw.events").map((
        f,
      ) => [f.sourceFile, f.rows, f.rejected]),
      [
        ["events-2026-01-01.ndjson", 1, 0],
        ["events-2026-01-02.ndjson", 0, 0],
        ["events-2026-01-03.ndjson.gz", 0, 0],
      ],
    );
    assert.deepEqual(
      await wh.query(
        "select source_file, n_rows, n_rejected from raw._load_manifest where table_name = 'raw.events' order by 1",
      ),
      [
        { source_file: "events-2026-01-01.ndjson", n_rows: 1, n_rejected: 0 },
        { source_file: "events-2026-01-02.ndjson", n_rows: 0, n_rejected: 0 },
        { source_file: "events-2026-01-03.ndjson.gz", n_rows: 0, n_rejected: 0 },
      ],
    );
  });
});

Deno.test("an empty users.csv (no header) is refused, naming it", async () => {
  await withWarehouse(async (root, wh) => {
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": "",
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": event("E1") + "\n",
    });
    await assert.rejects(() => loadDataset(dir, wh), /users\.csv": the file is empty/);
  });
});

Deno.test("a CSV whose every row is malformed keeps the previous rows and warns", async () => {
  await withWarehouse(async (root, wh) => {
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": USERS,
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": event("E1") + "\n",
    });
    await loadDataset(dir, wh);
    await Deno.writeTextFile(join(dir, "users.csv"), USERS_HEADER + "U1;Ann;a@x\nU2;Bo;b@x\n");
    const summary = await loadDataset(dir, wh);
    const users = summary.files.find((f) => f.sourceFile === "users.csv")!;
    assert.equal(users.status, "kept");
    assert.deepEqual([users.rows, users.rejected], [0, 0]);
    assert.match(
      users.warning ?? "",
      /users\.csv: all 2 rows are malformed; the 2 rows loaded before are kept/,
    );
    assert.deepEqual(summary.warnings, [users.warning]);
    assert.deepEqual(await perFile(wh, "users"), { "users.csv": [2, 0] });
    // The manifest still describes the bytes that are loaded, so the next run tries again.
    const again = await loadDataset(dir, wh);
    assert.equal(again.files.find((f) => f.sourceFile === "users.csv")?.status, "kept");
  });
});

Deno.test("a first load whose every CSV row is malformed keeps the lines in the rejected table and warns", async () => {
  await withWarehouse(async (root, wh) => {
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": USERS_HEADER + "U1;Ann;a@x\n",
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": event("E1") + "\n",
    });
    const summary = await loadDataset(dir, wh);
    const users = summary.files.find((f) => f.sourceFile === "users.csv")!;
    assert.equal(users.status, "loaded");
    assert.deepEqual([users.rows, users.rejected], [0, 1]);
    assert.match(users.warning ?? "", /users\.csv: all 1 rows are malformed/);
  });
});

Deno.test("the same day as .ndjson and .ndjson.gz is refused, naming both files", async (t) => {
  await t.step("both in the directory", async () => {
    await withWarehouse(async (root, wh) => {
      const dir = await writeDataset(join(root, "raw"), {
        "users.csv": USERS,
        "listings.csv": LISTINGS,
        "events-2026-01-01.ndjson": event("E1") + "\n",
        "events-2026-01-01.ndjson.gz": gzipSync(encode(event("E1") + "\n")),
      });
      await assert.rejects(
        () => loadDataset(dir, wh),
        /"events-2026-01-01\.ndjson" and "events-2026-01-01\.ndjson\.gz" hold the same day/,
      );
      assert.deepEqual(await perFile(wh, "events"), {});
    });
  });
  await t.step("one loaded before, the other in the directory now (without prune)", async () => {
    await withWarehouse(async (root, wh) => {
      const dir = await writeDataset(join(root, "raw"), {
        "users.csv": USERS,
        "listings.csv": LISTINGS,
        "events-2026-01-01.ndjson": event("E1") + "\n",
      });
      await loadDataset(dir, wh);
      await Deno.remove(join(dir, "events-2026-01-01.ndjson"));
      await Deno.writeFile(
        join(dir, "events-2026-01-01.ndjson.gz"),
        gzipSync(encode(event("E1") + "\n")),
      );
      await assert.rejects(
        () => loadDataset(dir, wh),
        /"events-2026-01-01\.ndjson\.gz" holds the same day as "events-2026-01-01\.ndjson", loaded before.*prune/,
      );
      // With prune, the old file's rows go and the new one loads: the day is there once.
      await loadDataset(dir, wh, { prune: true });
      assert.deepEqual(await perFile(wh, "events"), { "events-2026-01-01.ndjson.gz": [1, 0] });
    });
  });
});

Deno.test("strict JSON as BigQuery reads it: NaN, Infinity, trailing commas, 1e400 are invalid", async () => {
  await withWarehouse(async (root, wh) => {
    const base = '"user_id":"U000001","event":"search","ts":"2026-01-05T10:00:00Z"';
    const lines = [
      `{"event_id":"E1",${base},"properties":{"w":NaN}}`, // 1 rejected
      `{"event_id":"E2",${base},"properties":{"w":-Infinity}}`, // 2 rejected
      `{"event_id":"E3",${base},}`, // 3 rejected
      `{"event_id":"E4",${base},"tags":[1, 2 ,\t]}`, // 4 rejected
      `{"event_id":"E5",${base},"n":1e400}`, // 5 rejected
      `{"event_id":"E6",${base},"n":-1E+309}`, // 6 rejected
      `{"user_id":"U1","properties":{"w":NaN}}`, // 7 rejected as invalid JSON, not as missing
      // Look-alikes that are strict JSON load: the words in strings, commas in strings,
      // a 3-digit exponent in range, large but finite numbers.
      `{"event_id":"E8",${base},"properties":{"q":"NaN Infinity ,] ,}","n":1e300,"m":1e-300}}`,
      `{"event_id":"E9",${base},"n":1.7976931348623157e308}`,
      `\uFEFF{"event_id":"E10",${base},"q":"a ,}"}`,
    ];
    const dir = await writeDataset(join(root, "raw"), {
      "users.csv": USERS,
      "listings.csv": LISTINGS,
      "events-2026-01-01.ndjson": lines.join("\n") + "\n",
    });
    await loadDataset(dir, wh);
    const rejected = await wh.query<{ line: number; reason: string }>(
      "select _line as line, reason from raw.events_rejected order by _line",
    );
    assert.deepEqual(
      rejected.map((r) => [Number(r.line), r.reason]),
      [1, 2, 3, 4, 5, 6, 7].map((n) => [n, "invalid JSON"]),
    );
    const loaded = await wh.query<{ line: number }>(
      "select _line as line from raw.events order by 1",
    );
    assert.deepEqual(loaded.map((r) => Number(r.line)), [8, 9, 10]);
    assert.deepEqual(await perFile(wh, "events"), { "events-2026-01-01.ndjson": [3, 7] });
  });
});
