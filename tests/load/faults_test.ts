// Fault injection: whatever the input, path or crash, every line written is in exactly one
// of raw.<kind> and raw.<kind>_rejected (per file, exactly), and after a failure the
// previous tables are intact. Where a fault is placed and when a process is killed come
// from a seed, printed in every message: FAULT_SEED=<n> deno test -A tests/load/faults_test.ts
// replays a run. bench/faults_bench.ts runs many more crash points.
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { loadDataset } from "../../lib/load/mod.ts";
import { runProject } from "../../lib/models/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";
import {
  assertAccounting,
  copyDir,
  countLines,
  datasetLines,
  faultSeed,
  killAfter,
  loadChildCode,
  modelsChildCode,
  projectModule,
  seededRandom,
  smallDataset,
  snapshot,
  spawnModule,
  timeChild,
  warehouseLines,
} from "../../bench/_faults.ts";

const SEED = faultSeed();
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const at = (what: string) => `FAULT_SEED=${SEED}: ${what}`;
const encode = (text: string) => new TextEncoder().encode(text);

/** The base dataset every case copies and damages. */
const BASE = (async () => {
  const root = await Deno.makeTempDir({ prefix: "tl-faults-" });
  return { root, base: await smallDataset(join(root, "base"), 7) };
})();

let caseCounter = 0;
/** A fresh copy of the base dataset and a fresh warehouse for one case. */
async function withCase(
  fn: (dir: string, wh: Warehouse, root: string) => Promise<void>,
  dirName = "raw",
): Promise<void> {
  const { root, base } = await BASE;
  const caseRoot = join(root, `case-${++caseCounter}`);
  const dir = join(caseRoot, dirName);
  await copyDir(base, dir);
  const wh = await openDuckDb(join(caseRoot, "wh.duckdb"), { threads: 1 });
  try {
    await fn(dir, wh, caseRoot);
  } finally {
    await wh.close();
  }
}

async function eventFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith("events-")) names.push(e.name);
  return names.sort();
}

/** Replace line `index` (0-based) of a file by `make(line)`; returns the line number. */
async function damageLine(
  path: string,
  make: (line: Uint8Array) => Uint8Array,
): Promise<number> {
  const bytes = await Deno.readFile(path);
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (i > start || i < bytes.length) lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  const index = Math.floor(random() * lines.length);
  lines[index] = make(lines[index]!);
  const out: number[] = [];
  lines.forEach((line, i) => {
    out.push(...line);
    if (i < lines.length - 1 || bytes[bytes.length - 1] === 0x0a) out.push(0x0a);
  });
  await Deno.writeFile(path, new Uint8Array(out));
  return index + 1;
}

/** Insert `inserted` at a random position of a line. */
const insertBytes = (inserted: number[]) => (line: Uint8Array) => {
  const at = Math.floor(random() * (line.length + 1));
  return new Uint8Array([...line.subarray(0, at), ...inserted, ...line.subarray(at)]);
};

Deno.test("fault suite: bad bytes, names and files lose no line", async (t) => {
  const cases: [string, (dir: string, root: string) => Promise<void>][] = [
    [
      "invalid UTF-8 bytes in event lines (0xFF, overlong, lone surrogate, cut sequence)",
      async (dir) => {
        const files = await eventFiles(dir);
        for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
          await damageLine(join(dir, pick(files)), insertBytes(bad));
        }
      },
    ],
    ["Latin-1 rows in users.csv and listings.csv", async (dir) => {
      for (const name of ["users.csv", "listings.csv"]) {
        await damageLine(join(dir, name), (line) =>
          // never the header: a wrong header stops the load by design
          line[0] === 0x55 || line[0] === 0x4c ? insertBytes([0xe9])(line) : line);
        await Deno.writeFile(
          join(dir, name),
          new Uint8Array([...await Deno.readFile(join(dir, name)), 0x52, 0xe9, 0x0a]),
        );
      }
    }],
    ["an events file in UTF-16 with its BOM", async (dir) => {
      const name = pick(await eventFiles(dir));
      const text = new TextDecoder().decode(await Deno.readFile(join(dir, name)));
      const utf16 = new Uint8Array(2 + text.length * 2);
      utf16.set([0xff, 0xfe]);
      for (let i = 0; i < text.length; i++) {
        utf16[2 + 2 * i] = text.charCodeAt(i) & 0xff;
        utf16[3 + 2 * i] = text.charCodeAt(i) >> 8;
      }
      await Deno.writeFile(join(dir, name.replace(/\.ndjson$/, "-utf16.ndjson")), utf16);
    }],
    ["byte-order marks at the start of event files (plain and gzip) and users.csv", async (dir) => {
      const bom = [0xef, 0xbb, 0xbf];
      const [first, second] = await eventFiles(dir);
      const plain = await Deno.readFile(join(dir, first!));
      await Deno.writeFile(join(dir, first!), new Uint8Array([...bom, ...plain]));
      const other = await Deno.readFile(join(dir, second!));
      await Deno.remove(join(dir, second!));
      await Deno.writeFile(
        join(dir, `${second}.gz`),
        gzipSync(new Uint8Array([...bom, ...other])),
      );
      const users = await Deno.readFile(join(dir, "users.csv"));
      await Deno.writeFile(join(dir, "users.csv"), new Uint8Array([...bom, ...users]));
    }],
    ["NUL bytes, control characters and CRLF line ends", async (dir) => {
      const files = await eventFiles(dir);
      await damageLine(join(dir, pick(files)), insertBytes([0x00]));
      await damageLine(join(dir, pick(files)), insertBytes([0x01, 0x1b, 0x7f]));
      const name = pick(files);
      const text = await Deno.readTextFile(join(dir, name));
      await Deno.writeTextFile(join(dir, name), text.replaceAll("\n", "\r\n"));
    }],
    ["glob characters, spaces and Unicode in file names", async (dir) => {
      const files = await eventFiles(dir);
      const names = [
        "events-2026-01-0?.ndjson",
        "events-*.ndjson",
        "events-[12] ü €.ndjson",
        "events-{a,b}.ndjson",
      ];
      for (const [i, name] of names.entries()) {
        await Deno.rename(join(dir, files[i]!), join(dir, name));
      }
    }],
    ["symbolic links to event files and users.csv", async (dir, root) => {
      const elsewhere = join(root, "elsewhere");
      await Deno.mkdir(elsewhere);
      for (const name of ["users.csv", pick(await eventFiles(dir))]) {
        await Deno.rename(join(dir, name), join(elsewhere, name));
        await Deno.symlink(join(elsewhere, name), join(dir, name));
      }
    }],
    ["empty files: 0 bytes, an empty gzip, a lone newline, a line of spaces", async (dir) => {
      await Deno.writeFile(join(dir, "events-2099-01-01.ndjson"), new Uint8Array());
      await Deno.writeFile(join(dir, "events-2099-01-02.ndjson.gz"), gzipSync(new Uint8Array()));
      await Deno.writeTextFile(join(dir, "events-2099-01-03.ndjson"), "\n");
      await Deno.writeTextFile(join(dir, "events-2099-01-04.ndjson"), "   ");
    }],
    ["huge lines: a 6 MB event and a 6 MB line of garbage", async (dir) => {
      const big = JSON.stringify({
        event_id: "E-HUGE",
        user_id: "U000001",
        event: "search",
        ts: "2026-01-02T00:00:00Z",
        properties: { query: "x".repeat(6 << 20) },
      });
      await Deno.writeTextFile(
        join(dir, "events-2099-02-01.ndjson"),
        `${big}\n${"garbage ".repeat(6 << 17)}\n${big.replace("E-HUGE", "E-HUGE2")}`,
      );
    }],
  ];
  for (const [name, damage] of cases) {
    await t.step(name, async () => {
      const dirName = name.startsWith("glob") ? "data [1] ü*" : "raw";
      await withCase(async (dir, wh, root) => {
        await damage(dir, root);
        await loadDataset(dir, wh);
        await assertAccounting(wh, dir, at(name));
        // Loading again adds nothing: the same bytes are recognised.
        const again = await loadDataset(dir, wh);
        assert.equal(again.rows + again.rejected, 0, at(`${name}: reload added rows`));
      }, dirName);
    });
  }
});

Deno.test("fault suite: a load that fails leaves the previous tables intact", async (t) => {
  const failures: [string, (dir: string) => Promise<RegExp>][] = [
    ["a truncated gzip file", async (dir) => {
      const name = pick(await eventFiles(dir));
      const text = await Deno.readFile(join(dir, name));
      const gz = gzipSync(text);
      await Deno.writeFile(join(dir, `${name}.gz`), gz.subarray(0, Math.floor(gz.length / 2)));
      await Deno.remove(join(dir, name));
      return /not a valid gzip file/;
    }],
    ["the same day as .ndjson and .ndjson.gz", async (dir) => {
      const name = pick(await eventFiles(dir));
      await Deno.writeFile(join(dir, `${name}.gz`), gzipSync(await Deno.readFile(join(dir, name))));
      return /hold the same day/;
    }],
    ["a users.csv with a wrong header", async (dir) => {
      const text = await Deno.readTextFile(join(dir, "users.csv"));
      await Deno.writeTextFile(join(dir, "users.csv"), text.replace("full_name", "name"));
      return /users\.csv": expected header/;
    }],
  ];
  for (const [name, damage] of failures) {
    await t.step(name, async () => {
      await withCase(async (dir, wh) => {
        await loadDataset(dir, wh);
        const before = await snapshot(wh);
        // Other files change too: none of them may land when the load is refused.
        const other = pick(await eventFiles(dir));
        await Deno.writeTextFile(join(dir, other), '{"not":"an event"}\n', { append: true });
        const expected = await damage(dir);
        await assert.rejects(() => loadDataset(dir, wh, { prune: true }), expected, at(name));
        assert.deepEqual(await snapshot(wh), before, at(`${name}: tables changed`));
      });
    });
  }
});

Deno.test("fault suite: a second writer is refused while a load holds the warehouse", async () => {
  const { root, base } = await BASE;
  const dir = join(root, "concurrent");
  await copyDir(base, dir);
  const path = join(root, "concurrent.duckdb");
  // The first writer loads, then holds the file until told to let go.
  const holder = await spawnModule(
    root,
    "holder.ts",
    `import { loadDataset } from ${JSON.stringify(projectModule("lib/load/mod.ts"))};
import { openDuckDb } from ${JSON.stringify(projectModule("lib/warehouse/mod.ts"))};
const wh = await openDuckDb(Deno.args[1], { threads: 1 });
await loadDataset(Deno.args[0], wh);
console.log("ready");
while (!(await Deno.stat(Deno.args[1] + ".release").then(() => true, () => false))) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await wh.close();
`,
    [dir, path],
  );
  await holder.ready;
  const second = await spawnModule(root, "second.ts", loadChildCode(), [dir, path]);
  const refused = await second.status;
  const stderr = await second.stderr;
  await Deno.writeTextFile(`${path}.release`, "");
  assert.equal((await holder.status).code, 0, await holder.stderr);
  assert.notEqual(refused.code, 0, at("the second writer was let in"));
  assert.match(stderr, /Cannot open DuckDB warehouse ".*concurrent\.duckdb": .*lock/s, at(stderr));
  const wh = await openDuckDb(path, { threads: 1 });
  try {
    await assertAccounting(wh, dir, at("after a refused second writer"));
  } finally {
    await wh.close();
  }
});

/** A second version of the base dataset: changed, new, removed and damaged files. */
async function secondVersion(from: string, to: string): Promise<void> {
  await copyDir(from, to);
  const files = await eventFiles(to);
  await Deno.writeTextFile(join(to, files[0]!), "not json\n", { append: true });
  await Deno.remove(join(to, files[1]!));
  await damageLine(join(to, files[2]!), insertBytes([0xff]));
  await Deno.copyFile(join(to, files[3]!), join(to, "events-2099-03-01.ndjson"));
  const users = await Deno.readTextFile(join(to, "users.csv"));
  await Deno.writeTextFile(
    join(to, "users.csv"),
    users + "U999998,Late Signup,late@example.com,C,Pro,NA,2026-01-03T00:00:00Z\n",
  );
}

/**
 * After a killed load every file is wholly in its old or its new version (or, for a new
 * file, absent; for a removed one, gone or still there), and the manifest agrees.
 */
async function assertWholeFiles(
  wh: Warehouse,
  v1: Map<string, number>,
  v2: Map<string, number>,
  context: string,
): Promise<void> {
  const { tables, manifest } = await warehouseLines(wh);
  for (const key of new Set([...v1.keys(), ...v2.keys(), ...manifest.keys()])) {
    const have = manifest.get(key);
    const allowed = new Set([v1.get(key), v2.get(key)]);
    assert.ok(allowed.has(have), `${context}: ${key} has ${have} lines in the manifest`);
    assert.equal(tables.get(key) ?? 0, have ?? 0, `${context}: ${key} rows differ from manifest`);
  }
}

Deno.test("fault suite: kill -9 at random points of a load", async () => {
  const { root, base } = await BASE;
  const v2 = join(root, "kill-load-v2");
  await secondVersion(base, v2);
  const v1Lines = await datasetLines(base);
  const v2Lines = await datasetLines(v2);
  const original = join(root, "kill-load-v1.duckdb");
  const seed = await openDuckDb(original, { threads: 1 });
  await loadDataset(base, seed);
  const before = await snapshot(seed);
  await seed.close();

  const timing = join(root, "kill-load-timing.duckdb");
  await Deno.copyFile(original, timing);
  const fullMs = await timeChild(
    await spawnModule(root, "load-timing.ts", loadChildCode(), [v2, timing]),
  );
  const attempts = 3;
  let interrupted = 0;
  for (let i = 0; i < attempts; i++) {
    const path = join(root, `kill-load-${i}.duckdb`);
    await Deno.copyFile(original, path);
    const delay = Math.floor((i + random()) / attempts * fullMs);
    const context = at(`load killed after ${delay} of ${Math.round(fullMs)} ms`);
    const status = await killAfter(
      await spawnModule(root, `load-${i}.ts`, loadChildCode(), [v2, path]),
      delay,
    );
    if (status.signal === "SIGKILL") interrupted += 1;
    const wh = await openDuckDb(path, { threads: 1 });
    try {
      await assertWholeFiles(wh, v1Lines, v2Lines, context);
      await loadDataset(v2, wh, { prune: true });
      await assertAccounting(wh, v2, `${context}, then loaded again`);
    } finally {
      await wh.close();
    }
  }
  assert.ok(interrupted > 0, at("no load was killed before it finished"));
  // The untouched copy still holds exactly what was loaded: nothing shares state.
  const check = await openDuckDb(original, { threads: 1 });
  try {
    assert.deepEqual(await snapshot(check), before);
  } finally {
    await check.close();
  }
  for (const [key, lines] of v2Lines) {
    if (key.startsWith("events/")) assert.equal(lines, await countLines(join(v2, key.slice(7))));
  }
});

const MARTS = [
  "marts.dim_users",
  "marts.dim_listings",
  "marts.fct_events",
  "marts.mart_daily_activity",
  "marts.mart_user_funnel",
  "marts.mart_id_sync",
  "marts.mart_pipeline_health",
];

Deno.test("fault suite: kill -9 at random points of a model build", async () => {
  const { root, base } = await BASE;
  const v2 = join(root, "kill-models-v2");
  await secondVersion(base, v2);
  // Old marts built from v1; the raw tables then hold v2, so a rebuild changes every mart.
  const path = join(root, "kill-models.duckdb");
  const wh = await openDuckDb(path, { threads: 1 });
  await loadDataset(base, wh);
  const built = await runProject(wh, { modelsDir: "sql", targetDir: null });
  assert.equal(built.success, true, built.errors.join("\n"));
  const oldMarts = await snapshot(wh, MARTS);
  await loadDataset(v2, wh, { prune: true });
  await wh.close();
  const reference = join(root, "kill-models-reference.duckdb");
  await Deno.copyFile(path, reference);
  const fullMs = await timeChild(
    await spawnModule(root, "models-timing.ts", modelsChildCode(), [reference]),
  );
  const check = await openDuckDb(reference, { threads: 1 });
  const newMarts = await snapshot(check, MARTS);
  await check.close();
  for (const mart of MARTS) {
    if (mart !== "marts.dim_users" && mart !== "marts.mart_user_funnel") {
      assert.notEqual(oldMarts[mart], newMarts[mart], `${mart} changes between versions`);
    }
  }

  const attempts = 2;
  let interrupted = 0;
  for (let i = 0; i < attempts; i++) {
    const copy = join(root, `kill-models-${i}.duckdb`);
    await Deno.copyFile(path, copy);
    const delay = Math.floor((i + random()) / attempts * fullMs);
    const context = at(`model build killed after ${delay} of ${Math.round(fullMs)} ms`);
    const status = await killAfter(
      await spawnModule(root, `models-${i}.ts`, modelsChildCode(), [copy]),
      delay,
    );
    if (status.signal === "SIGKILL") interrupted += 1;
    const after = await openDuckDb(copy, { threads: 1 });
    try {
      const marts = await snapshot(after, MARTS);
      for (const mart of MARTS) {
        assert.ok(
          marts[mart] === oldMarts[mart] || marts[mart] === newMarts[mart],
          `${context}: ${mart} is neither the old nor the new table`,
        );
      }
      const rebuilt = await runProject(after, { modelsDir: "sql", targetDir: null });
      assert.equal(rebuilt.success, true, `${context}: ${rebuilt.errors.join("\n")}`);
      assert.deepEqual(await snapshot(after, MARTS), newMarts, `${context}: rebuilt`);
    } finally {
      await after.close();
    }
  }
  assert.ok(interrupted > 0, at("no model build was killed before it finished"));
});

Deno.test({
  name: "fault suite: clean up",
  fn: async () => {
    const { root } = await BASE;
    await Deno.remove(root, { recursive: true });
  },
});
