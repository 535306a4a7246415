import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { generateDataset, type GenerateProgress, resolveOptions } from "../../lib/generate/mod.ts";
import { tempDir } from "./_dataset.ts";

const SMALL = { users: 400, days: 12 } as const;

async function readAll(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(dir)) out.set(e.name, await Deno.readFile(join(dir, e.name)));
  return out;
}

Deno.test("generateDataset() is deterministic for a seed and differs across seeds", async (t) => {
  await using a = await tempDir("gen_det_a_");
  await using b = await tempDir("gen_det_b_");
  await using c = await tempDir("gen_det_c_");
  await generateDataset(a.path, { ...SMALL, seed: 7 });
  await generateDataset(b.path, { ...SMALL, seed: 7 });
  await generateDataset(c.path, { ...SMALL, seed: 8 });
  const [filesA, filesB, filesC] = await Promise.all([a, b, c].map((d) => readAll(d.path)));

  await t.step("same seed gives byte-identical files", () => {
    assert.deepEqual([...filesA!.keys()].sort(), [...filesB!.keys()].sort());
    for (const [name, bytes] of filesA!) assert.deepEqual(bytes, filesB!.get(name), name);
  });
  await t.step("a different seed gives different users, events and truth", () => {
    for (const name of ["users.csv", "truth.json", "events-2026-01-05.ndjson"]) {
      assert.notDeepEqual(filesA!.get(name), filesC!.get(name), name);
    }
  });
  await t.step("truth.json holds no wall-clock time", () => {
    const truth = new TextDecoder().decode(filesA!.get("truth.json"));
    assert.doesNotMatch(truth, /seconds|elapsed|generated_at|per_second/i);
  });
});

Deno.test("generateDataset() writes the contract's files, headers and file list", async () => {
  await using dir = await tempDir("gen_files_");
  const progress: GenerateProgress[] = [];
  const summary = await generateDataset(dir.path, {
    ...SMALL,
    start: "2026-02-27",
    onProgress: (p) => progress.push(p),
  });
  const files = await readAll(dir.path);
  const text = (name: string) => new TextDecoder().decode(files.get(name));
  assert.equal(
    text("users.csv").split("\n")[0],
    "user_id,full_name,email,company,tier,region,signup_at",
  );
  assert.equal(
    text("listings.csv").split("\n")[0],
    "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at",
  );
  // 12 days from Feb 27 crosses the month end (2026 is not a leap year).
  const eventFiles = [...files.keys()].filter((n) => n.startsWith("events-")).sort();
  assert.equal(eventFiles.length, 12);
  assert.equal(eventFiles[0], "events-2026-02-27.ndjson");
  assert.equal(eventFiles[2], "events-2026-03-01.ndjson");
  assert.equal(eventFiles[11], "events-2026-03-10.ndjson");

  const truth = JSON.parse(text("truth.json"));
  assert.equal(truth.parameters.end, "2026-03-11");
  assert.equal(truth.files.length, files.size - 1, "truth.json lists every other file");
  for (const f of truth.files) {
    const bytes = files.get(f.name)!;
    assert.equal(bytes.length, f.bytes, `${f.name} bytes`);
    const lines = new TextDecoder().decode(bytes).split("\n").length - 1;
    assert.equal(lines, f.lines, `${f.name} lines`);
  }
  assert.deepEqual(summary.counts, truth.counts);
  assert.equal(summary.files.at(-1)!.name, "truth.json");
  assert.ok(summary.eventsPerSecond > 0);
  assert.equal(progress.filter((p) => p.stage === "write").length, 12 + 3);
  assert.deepEqual(progress.at(-1), { stage: "write", file: "truth.json", done: 15, total: 15 });
  assert.match(text("users.csv").split("\n")[1]!, /^U000001,/);
  assert.ok(text("users.csv").endsWith("\n") && !text("users.csv").includes("\r"));
});

Deno.test("generateDataset() replaces a previous dataset in the directory and keeps other files", async () => {
  await using dir = await tempDir("gen_rerun_");
  await generateDataset(dir.path, { users: 200, days: 10 });
  await Deno.writeTextFile(join(dir.path, "events-2099-01-01.ndjson.gz"), "stale");
  await Deno.writeTextFile(join(dir.path, "notes.txt"), "keep me");
  await generateDataset(dir.path, { users: 200, days: 5 });
  const names = [...(await readAll(dir.path)).keys()].sort();
  assert.deepEqual(names, [
    "events-2026-01-01.ndjson",
    "events-2026-01-02.ndjson",
    "events-2026-01-03.ndjson",
    "events-2026-01-04.ndjson",
    "events-2026-01-05.ndjson",
    "listings.csv",
    "notes.txt",
    "truth.json",
    "users.csv",
  ]);
});

Deno.test("generateDataset() gzip output is byte-stable and decompresses to the plain files", async () => {
  await using plain = await tempDir("gen_plain_");
  await using gz1 = await tempDir("gen_gz1_");
  await using gz2 = await tempDir("gen_gz2_");
  await generateDataset(plain.path, SMALL);
  await generateDataset(gz1.path, { ...SMALL, gzip: true });
  await generateDataset(gz2.path, { ...SMALL, gzip: true });
  const [p, g1, g2] = await Promise.all([plain, gz1, gz2].map((d) => readAll(d.path)));
  const gzNames = [...g1!.keys()].filter((n) => n.endsWith(".ndjson.gz"));
  assert.equal(gzNames.length, SMALL.days);
  for (const name of gzNames) {
    assert.deepEqual(g1!.get(name), g2!.get(name), `${name} byte-stable`);
    assert.deepEqual(
      new Uint8Array(gunzipSync(g1!.get(name)!)),
      p!.get(name.replace(/\.gz$/, "")),
      `${name} content`,
    );
  }
  assert.deepEqual(g1!.get("users.csv"), p!.get("users.csv"));
  const truthGz = JSON.parse(new TextDecoder().decode(g1!.get("truth.json")));
  const truthPlain = JSON.parse(new TextDecoder().decode(p!.get("truth.json")));
  assert.equal(truthGz.parameters.gzip, true);
  assert.deepEqual(truthGz.counts, truthPlain.counts);
  assert.deepEqual(truthGz.effects, truthPlain.effects);
  assert.deepEqual(
    truthGz.malformed_lines.map((m: { file: string }) => m.file),
    truthPlain.malformed_lines.map((m: { file: string }) => `${m.file}.gz`),
  );
});

Deno.test("generateDataset() rejects bad options naming the option, before touching disk", async (t) => {
  await using dir = await tempDir("gen_bad_");
  const target = join(dir.path, "never");
  const cases: [string, Record<string, unknown>, ErrorConstructor, RegExp][] = [
    ["users zero", { users: 0 }, RangeError, /^users must be a positive integer from 1 to/],
    ["users fraction", { users: 1.5 }, TypeError, /^users must be a positive integer, got 1.5/],
    ["users string", { users: "abc" }, TypeError, /^users must be a positive integer, got "abc"/],
    ["users too many", { users: 900_000 }, RangeError, /^users must be/],
    ["days", { days: -1 }, RangeError, /^days must be a positive integer/],
    [
      "start format",
      { start: "01/02/2026" },
      TypeError,
      /^start must be a date written YYYY-MM-DD/,
    ],
    ["start date", { start: "2026-02-30" }, RangeError, /^start must be a real calendar date/],
    ["seed", { seed: -3 }, RangeError, /^seed must be an integer from 0 to 4294967295/],
    ["gzip", { gzip: "yes" }, TypeError, /^gzip must be a boolean/],
    ["mess kind", { mess: { typo: 0.1 } }, TypeError, /^mess has no kind "typo"/],
    ["mess rate", { mess: { malformed: 2 } }, RangeError, /^mess.malformed must be a rate/],
    ["ts sum", { mess: { ts_offset: 0.5, ts_naive: 0.6 } }, RangeError, /ts_offset \+/],
    ["effects key", { effects: { activation: { nope: 1 } } }, TypeError, /effects.activation/],
    [
      "effects probability",
      { effects: { activation: { listerShare: { Basic: 1.5 } } } },
      RangeError,
      /^effects.activation.listerShare.Basic must be a probability/,
    ],
  ];
  for (const [name, options, errorClass, message] of cases) {
    await t.step(name, async () => {
      assert.throws(
        () => resolveOptions(options),
        (e) => e instanceof errorClass && message.test((e as Error).message),
      );
      await assert.rejects(generateDataset(target, options), errorClass);
    });
  }
  await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
});
