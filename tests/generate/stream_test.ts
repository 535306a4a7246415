// The generator streams events through spill files (lib/generate/_stream.ts) instead of
// holding them. Its output must not change: these digests were taken from the in-memory
// generator it replaced (same options, same seed), over every file of the dataset.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { generateDataset, type GenerateOptions } from "../../lib/generate/mod.ts";
import { tempDir } from "./_dataset.ts";

const PINNED: [string, GenerateOptions, string][] = [
  [
    "small",
    { users: 300, days: 12, seed: 5 },
    "a5de7b8b36460d6591df2154566bbd4f346ac917d1e922f468079bbeddd275d9",
  ],
  [
    "gzip, from the end of February",
    { users: 500, days: 9, seed: 9, gzip: true, start: "2026-02-25" },
    "7810657119e2c7b6fdb9a9b26f1552bc87285e0005404680759c88ccc95f1247",
  ],
  [
    "one day",
    { users: 50, days: 1, seed: 3 },
    "36a4dc976f94225825c3976ca625531378f6846f91241168ed13761e4750ba78",
  ],
  [
    "messy: lines delivered days after their events",
    {
      users: 200,
      days: 6,
      seed: 21,
      mess: {
        duplicate_delivery: 0.2,
        late_arrival: 0.5,
        orphan_user: 0.05,
        unknown_event: 0.05,
        malformed: 0.01,
      },
    },
    "d265b0af9f453cc33cb22e7d053db71f08ef6db406f52bc146c733054f9d9282",
  ],
];

/** SHA-256 over `name \0 sha256(bytes) \n` of every entry, by name. */
async function datasetDigest(dir: string): Promise<{ digest: string; names: string[] }> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  names.sort();
  const all = createHash("sha256");
  for (const name of names) {
    const file = createHash("sha256").update(await Deno.readFile(`${dir}/${name}`)).digest("hex");
    all.update(`${name}\0${file}\n`);
  }
  return { digest: all.digest("hex"), names };
}

Deno.test("generateDataset() streams to exactly the files the in-memory generator wrote", async (t) => {
  for (const [label, options, expected] of PINNED) {
    await t.step(label, async () => {
      await using dir = await tempDir("gen_stream_");
      await generateDataset(dir.path, options);
      const { digest, names } = await datasetDigest(dir.path);
      assert.ok(!names.some((n) => n.startsWith(".")), `spill left behind: ${names.join(", ")}`);
      assert.equal(digest, expected);
    });
  }
});
