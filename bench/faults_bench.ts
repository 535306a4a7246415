// Fault benchmark: many kill -9 points during loads and model builds (the test suite tries
// a few). After each kill: every file is wholly in its old or new version with the manifest
// agreeing, every mart is wholly old or new, and a rerun restores the exact line accounting.
// usage: deno run -A bench/faults_bench.ts [--loads N] [--builds N] [--seed S]
import { parseArgs } from "node:util";
import { join } from "node:path";
import { loadDataset } from "../lib/load/mod.ts";
import { runProject } from "../lib/models/mod.ts";
import { openDuckDb } from "../lib/warehouse/mod.ts";
import {
  copyDir,
  datasetLines,
  killAfter,
  loadChildCode,
  modelsChildCode,
  seededRandom,
  smallDataset,
  snapshot,
  spawnModule,
  timeChild,
  warehouseLines,
} from "./_faults.ts";
import { peakRssMiB, report } from "./_bench.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    loads: { type: "string", default: "20" },
    builds: { type: "string", default: "10" },
    seed: { type: "string" },
  },
  strict: true,
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const random = seededRandom(seed);
const loads = Number(values.loads);
const builds = Number(values.builds);
console.log(
  `faults: seed ${seed} (replay with --seed ${seed}), ${loads} load and ${builds} build kills`,
);

const root = await Deno.makeTempDir({ prefix: "tl-faults-bench-" });
const started = performance.now();
let tried = 0;
let interrupted = 0;
let linesLost = 0;
let inconsistent = 0;
try {
  const v1 = await smallDataset(join(root, "v1"), 11, 20);
  const v2 = join(root, "v2");
  await copyDir(v1, v2);
  // v2: one day re-delivered with more lines, one gone, one new, a damaged line.
  const names = [...(await datasetLines(v1)).keys()].filter((k) => k.startsWith("events/"))
    .map((k) => k.slice(7)).sort();
  await Deno.writeTextFile(join(v2, names[0]!), "not json\n", { append: true });
  await Deno.remove(join(v2, names[1]!));
  await Deno.copyFile(join(v2, names[2]!), join(v2, "events-2099-01-01.ndjson"));
  const v1Lines = await datasetLines(v1);
  const v2Lines = await datasetLines(v2);

  const base = join(root, "v1.duckdb");
  const wh = await openDuckDb(base, { threads: 2 });
  await loadDataset(v1, wh);
  const built = await runProject(wh, { modelsDir: "sql", targetDir: null });
  if (!built.success) throw new Error(built.errors.join("\n"));
  const marts = built.models.filter((m) => m.schema === "marts" && m.materialized === "table")
    .map((m) => `marts.${m.name}`);
  const oldMarts = await snapshot(wh, marts);
  await wh.close();

  // Loads of v2 into copies of the v1 warehouse.
  const timing = join(root, "timing.duckdb");
  await Deno.copyFile(base, timing);
  const loadMs = await timeChild(await spawnModule(root, "t.ts", loadChildCode(), [v2, timing]));
  for (let i = 0; i < loads; i++) {
    const path = join(root, `load-${i}.duckdb`);
    await Deno.copyFile(base, path);
    const delay = Math.floor(random() * loadMs * 1.1);
    const status = await killAfter(
      await spawnModule(root, `l${i}.ts`, loadChildCode(), [v2, path]),
      delay,
    );
    tried += 1;
    if (status.signal === "SIGKILL") interrupted += 1;
    const after = await openDuckDb(path, { threads: 2 });
    const { tables, manifest } = await warehouseLines(after);
    for (const key of new Set([...v1Lines.keys(), ...v2Lines.keys(), ...manifest.keys()])) {
      const have = manifest.get(key);
      const whole = have === v1Lines.get(key) || have === v2Lines.get(key);
      if (!whole || (tables.get(key) ?? 0) !== (have ?? 0)) {
        inconsistent += 1;
        console.log(`  kill ${i} after ${delay} ms: ${key} has ${have} (manifest) lines`);
      }
    }
    await loadDataset(v2, after, { prune: true });
    const final = await warehouseLines(after);
    for (const [key, lines] of v2Lines) {
      linesLost += Math.abs(lines - (final.tables.get(key) ?? 0));
    }
    await after.close();
    await Deno.remove(path);
  }

  // Model builds over the v2 raw tables, killed; marts must be wholly old or wholly new.
  const v2Base = join(root, "v2.duckdb");
  await Deno.copyFile(base, v2Base);
  const loaded = await openDuckDb(v2Base, { threads: 2 });
  await loadDataset(v2, loaded, { prune: true });
  await loaded.close();
  const reference = join(root, "reference.duckdb");
  await Deno.copyFile(v2Base, reference);
  const buildMs = await timeChild(await spawnModule(root, "m.ts", modelsChildCode(), [reference]));
  const ref = await openDuckDb(reference, { threads: 2 });
  const newMarts = await snapshot(ref, marts);
  await ref.close();
  for (let i = 0; i < builds; i++) {
    const path = join(root, `build-${i}.duckdb`);
    await Deno.copyFile(v2Base, path);
    const delay = Math.floor(random() * buildMs * 1.1);
    const status = await killAfter(
      await spawnModule(root, `b${i}.ts`, modelsChildCode(), [path]),
      delay,
    );
    tried += 1;
    if (status.signal === "SIGKILL") interrupted += 1;
    const after = await openDuckDb(path, { threads: 2 });
    const now = await snapshot(after, marts);
    for (const mart of marts) {
      if (now[mart] !== oldMarts[mart] && now[mart] !== newMarts[mart]) {
        inconsistent += 1;
        console.log(`  build kill ${i} after ${delay} ms: ${mart} is neither old nor new`);
      }
    }
    const rebuilt = await runProject(after, { modelsDir: "sql", targetDir: null });
    const final = await snapshot(after, marts);
    if (!rebuilt.success || marts.some((m) => final[m] !== newMarts[m])) {
      inconsistent += 1;
      console.log(`  build kill ${i}: the rebuild did not give the reference marts`);
    }
    await after.close();
    await Deno.remove(path);
  }
} finally {
  await Deno.remove(root, { recursive: true }).catch(() => {});
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `faults: ${tried} crash points tried (${interrupted} killed mid-way), ` +
    `${linesLost} lines lost, ${inconsistent} inconsistent files or marts`,
);
report({
  stage: "faults",
  rows: tried,
  seconds,
  rowsPerSecond: tried / seconds,
  peakRssMiB: peakRssMiB(),
  target: "0 lines lost, 0 inconsistent",
  pass: linesLost === 0 && inconsistent === 0,
  details: { seed, tried, interrupted, linesLost, inconsistent },
});
if (linesLost !== 0 || inconsistent !== 0) Deno.exit(1);
