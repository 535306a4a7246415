// The raw-file reading both loaders share (lib/warehouse/_raw_files.ts) and the manifest
// bookkeeping (lib/warehouse/_raw_manifest.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cleanRawBytes,
  contentLines,
  firstLine,
  rawContent,
  readRawBytes,
  sha256Hex,
  splitLines,
} from "../../lib/warehouse/_raw_files.ts";
import { identifySource, loadResult, ManifestHashes } from "../../lib/warehouse/_raw_manifest.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "raw-files-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("splitLines() numbers lines as both loaders do", async (t) => {
  const cases: [string, string[]][] = [
    ["a\nb\n", ["a", "b"]],
    ["a\nb", ["a", "b"]],
    ["a\r\nb\r\n", ["a", "b"]],
    ["a\n\nb\n", ["a", "", "b"]],
    ["a\rb\n", ["a\rb"]],
    ["\n", [""]],
    ["", []],
  ];
  for (const [text, lines] of cases) {
    await t.step(JSON.stringify(text), () => assert.deepEqual(splitLines(text), lines));
  }
});

Deno.test("firstLine() is the text before the first newline", () => {
  assert.equal(firstLine("user_id,tier\r\nU1,basic\n"), "user_id,tier\r");
  assert.equal(firstLine("user_id,tier"), "user_id,tier");
});

Deno.test("sha256Hex() is the hex SHA-256 the manifest records", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("rawContent() gunzips .gz, drops a leading BOM and sets invalid UTF-8 lines aside", async (t) => {
  await withDir(async (dir) => {
    const text = '\uFEFF{"a":1}\n{"b":"\uFEFF"}\n';
    const bytes = new TextEncoder().encode(text);
    await Deno.writeFile(join(dir, "plain.ndjson"), bytes);
    await Deno.writeFile(join(dir, "zipped.ndjson.gz"), await gzip(bytes));
    await Deno.writeFile(join(dir, "broken.ndjson.gz"), bytes);
    await Deno.writeFile(join(dir, "empty.ndjson"), new Uint8Array());
    await t.step("plain and gzip give the same content, the first BOM only removed", async () => {
      for (const name of ["plain.ndjson", "zipped.ndjson.gz"]) {
        const path = join(dir, name);
        const content = await rawContent(path, await readRawBytes(path));
        assert.deepEqual(contentLines(content), ['{"a":1}', '{"b":"\uFEFF"}']);
        assert.deepEqual(content.invalidLines, []);
      }
    });
    await t.step("invalid lines: a space in their place, their lossy text set aside", () => {
      const raw = new Uint8Array([0x7b, 0xe9, 0x7d, 0x0d, 0x0a, 0x61, 0x0a, 0xc3]);
      const content = cleanRawBytes(raw);
      assert.deepEqual(Array.from(content.bytes), [0x20, 0x0a, 0x61, 0x0a, 0x20]);
      assert.deepEqual(content.invalidLines, [
        { line: 1, text: "{\uFFFD}" },
        { line: 3, text: "\uFFFD" },
      ]);
      assert.deepEqual(contentLines(content), ["{\uFFFD}", "a", "\uFFFD"]);
    });
    await t.step("valid bytes are returned without a copy", () => {
      const valid = new TextEncoder().encode("é\nü\n");
      assert.equal(cleanRawBytes(valid).bytes, valid);
    });
    const failures: [string, RegExp][] = [
      ["broken.ndjson.gz", /broken\.ndjson\.gz": not a valid gzip file/],
      ["empty.ndjson", /empty\.ndjson": the file is empty/],
      ["missing.ndjson", /missing\.ndjson": file not found/],
    ];
    for (const [name, expected] of failures) {
      await t.step(name, async () => {
        const path = join(dir, name);
        await assert.rejects(
          async () => await rawContent(path, await readRawBytes(path)),
          expected,
        );
      });
    }
    await t.step("readRawBytes({ allowEmpty }) takes an empty file as no bytes", async () => {
      const empty = await readRawBytes(join(dir, "empty.ndjson"), { allowEmpty: true });
      assert.equal(empty.length, 0);
      assert.deepEqual(contentLines(await rawContent("empty.ndjson", empty)), []);
    });
  });
});

Deno.test("identifySource() and ManifestHashes give each file its load status", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "users.csv");
    await Deno.writeTextFile(path, "user_id\nU1\n");
    const { source, bytes } = await identifySource({ path, kind: "users" });
    assert.equal(source.sourceFile, "users.csv");
    assert.equal(source.table, "raw.users");
    assert.equal(source.bytes, bytes.length);
    assert.equal(source.sha256, await sha256Hex(bytes));

    const manifest = new ManifestHashes();
    manifest.mark(source);
    assert.equal(loadResult(source, { rows: 1, rejected: 0 }, 1500).status, "loaded");
    manifest.add("raw.users", "users.csv", "0".repeat(64));
    manifest.add("raw.listings", "users.csv", source.sha256);
    manifest.mark(source);
    assert.equal(loadResult(source, { rows: 1, rejected: 0 }, 0).status, "reloaded");
    manifest.add("raw.users", "users.csv", source.sha256);
    manifest.mark(source);
    assert.deepEqual(loadResult(source, { rows: 0, rejected: 0 }, 1500), {
      sourceFile: "users.csv",
      table: "raw.users",
      rows: 0,
      rejected: 0,
      bytes: source.bytes,
      sha256: source.sha256,
      status: "unchanged",
      seconds: 1.5,
    });
  });
});
