// Scale benchmark: the whole pipeline at 1M and 10M events (30M when asked), every stage in
// its own process so each stage's peak memory is its own, then one more day appended to the
// warehouse and built incrementally, checked row for row against a full refresh.
//
// usage: deno run -A bench/scale_bench.ts [--sizes 1M,10M[,30M]] [--out DIR]
//          [--memory-limit SIZE] [--max-load L] [--keep] [--incremental 1M,10M]
//
// Per size: generate (90 days), load the first 89 days, build every model in full (with
// tests), the checks, the report; then (sizes in --incremental) load day 90, build
// incrementally, fully refresh a copy of the warehouse and compare every model (same row
// count, EXCEPT ALL empty). Each stage prints seconds, rows/s, peak RSS (/usr/bin/time, else /proc sampling) and the most DuckDB spilled to its
// temp directory. Results: console and target/bench/scale.json.
import { parseArgs } from "node:util";
import { join } from "node:path";
import { generateDataset } from "../lib/generate/mod.ts";
import { listDatasetFiles } from "../lib/load/mod.ts";
import { loadProject, runProject } from "../lib/models/mod.ts";
import { buildReport, collectReportData } from "../lib/report/mod.ts";
import {
  formatMemorySize,
  openWarehouse,
  type Warehouse,
  warehouseConfigFromEnv,
  warehouseMemoryLabel,
} from "../lib/warehouse/mod.ts";
import { datasetEnd, runChecksStage } from "../lib/pipeline/mod.ts";
import { peakRssMiB, report } from "./_bench.ts";

/** Sizes: registry users and days giving about that many events. */
const SIZES: Record<string, { users: number; days: number }> = {
  "1M": { users: 35_000, days: 90 },
  "10M": { users: 350_000, days: 90 },
  // The registry is capped at 899,999 users: a longer period makes up the rest (~30M).
  "30M": { users: 899_999, days: 120 },
};

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1M,10M" },
    out: { type: "string", default: join("target", "bench", "scale") },
    "memory-limit": { type: "string" },
    "max-load": { type: "string" },
    keep: { type: "boolean", default: false },
    incremental: { type: "string", default: "1M,10M" },
    help: { type: "boolean", short: "h" },
    // Child mode: one stage, in this process.
    stage: { type: "string" },
    raw: { type: "string" },
    warehouse: { type: "string" },
    other: { type: "string" },
    users: { type: "string" },
    days: { type: "string" },
    part: { type: "string" },
    "full-refresh": { type: "boolean", default: false },
    target: { type: "string" },
  },
  strict: true,
});

if (values.help) {
  console.log(`usage: deno run -A bench/scale_bench.ts [--sizes 1M,10M] [--out DIR]
         [--memory-limit SIZE] [--max-load L] [--keep]

The whole pipeline per size (1M, 10M; 30M only when listed in --sizes), each stage in its
own process: seconds, rows/s, peak RSS, bytes DuckDB spilled; then (sizes in --incremental)
one day appended and built incrementally, compared row for row with a full refresh.
  --memory-limit SIZE  DuckDB memory limit for every stage (default: TERRALOOP_MEMORY_LIMIT
                       or 40% of the machine, at most 2.5 GiB)
  --max-load L         skip sizes from 10M up while the 1-minute load average is above L
  --keep               keep the datasets and warehouses under --out
  --incremental SIZES  sizes that also get the appended day, incremental build, full
                       refresh and comparison (default 1M,10M)`);
  Deno.exit(0);
}

// ---------------------------------------------------------------------------------------
// Child mode: run one stage and print `BENCH {json}`.

async function openBenchWarehouse(path: string): Promise<Warehouse> {
  const config = warehouseConfigFromEnv(Deno.env.toObject(), {
    warehouse: path,
    memoryLimit: values["memory-limit"],
  });
  return await openWarehouse(config);
}

async function countEventRows(wh: Warehouse): Promise<number> {
  const [row] = await wh.query<{ n: number }>(
    `select count(*) as n from ${wh.relation({ schema: "raw", name: "events" })}`,
  );
  return Number(row?.n ?? 0);
}

async function childStage(stage: string): Promise<void> {
  const started = performance.now();
  const finish = (rows: number, details: Record<string, unknown> = {}) => {
    const seconds = (performance.now() - started) / 1000;
    report({
      stage,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      peakRssMiB: peakRssMiB(),
      details,
    });
  };
  if (stage === "generate") {
    const summary = await generateDataset(values.raw!, {
      users: Number(values.users),
      days: Number(values.days),
    });
    return finish(summary.counts.lines, { events: summary.counts.events });
  }
  const wh = await openBenchWarehouse(values.warehouse!);
  try {
    if (stage === "load") {
      const files = await listDatasetFiles(values.raw!);
      const events = files.filter((f) => f.kind === "events");
      const chosen = values.part === "last-day"
        ? events.slice(-1)
        : [...files.filter((f) => f.kind !== "events"), ...events.slice(0, -1)];
      const results = await wh.loadFiles(chosen);
      const lines = results.filter((r) => r.table.endsWith("events"))
        .reduce((sum, r) => sum + r.rows + r.rejected, 0);
      return finish(lines, { files: chosen.length });
    }
    if (stage === "models") {
      const results = await runProject(wh, {
        targetDir: values.target!,
        fullRefresh: values["full-refresh"],
      });
      if (!results.success) throw new Error(`models failed: ${results.errors.join("; ")}`);
      const modelSeconds = results.models.reduce((sum, m) => sum + m.seconds, 0);
      return finish(await countEventRows(wh), {
        modelSeconds,
        testSeconds: results.elapsedSeconds - modelSeconds,
        models: Object.fromEntries(
          results.models.map((
            m,
          ) => [m.name, { seconds: m.seconds, rows: m.rows, batch: m.batchRows }]),
        ),
        memory: warehouseMemoryLabel(
          warehouseConfigFromEnv(Deno.env.toObject(), {
            warehouse: values.warehouse,
            memoryLimit: values["memory-limit"],
          }),
        ),
      });
    }
    if (stage === "checks") {
      const checks = await runChecksStage(wh, {
        now: await datasetEnd(join(values.raw!, "truth.json")) ?? undefined,
        audit: true,
      });
      if (!checks.success) throw new Error(`checks failed: ${checks.errors.join("; ")}`);
      return finish(await countEventRows(wh), { checks: checks.results.length });
    }
    if (stage === "report") {
      const data = await collectReportData(wh, {
        truthPath: join(values.raw!, "truth.json"),
        runResultsPath: join(values.target!, "run_results.json"),
      });
      const html = buildReport(data);
      await Deno.writeTextFile(join(values.target!, "report.html"), html);
      const [row] = await wh.query<{ n: number }>(
        `select count(*) as n from ${wh.relation({ schema: "marts", name: "fct_events" })}`,
      );
      return finish(Number(row?.n ?? 0), { bytes: html.length });
    }
    if (stage === "compare") {
      await wh.execute(`attach ${wh.literal(values.other!)} as full_build (read_only)`);
      const project = await loadProject("sql");
      const differing: Record<string, number> = {};
      let rows = 0;
      for (const name of project.order) {
        const schema = project.models.get(name)!.schema;
        const columns = await wh.query<{ name: string; type: string }>(
          `select column_name as name, data_type as type from information_schema.columns
           where table_catalog = current_database() and table_schema = '${schema}'
             and table_name = '${name}' order by ordinal_position`,
        );
        // A sum's last bits depend on the order rows are added in: doubles to 9 decimals.
        const list = columns.map((c) =>
          c.type === "DOUBLE" ? `round("${c.name}", 9) as "${c.name}"` : `"${c.name}"`
        ).join(", ");
        const mine = `select ${list} from ${schema}.${name}`;
        const theirs = `select ${list} from full_build.${schema}.${name}`;
        // Same row count and nothing of one missing from the other (as multisets): equal.
        const [diff] = await wh.query<{ n: number; rows: number; other: number }>(
          `select
             (select count(*) from (${mine} except all ${theirs})) as n,
             (select count(*) from ${schema}.${name}) as rows,
             (select count(*) from full_build.${schema}.${name}) as other`,
        );
        rows += Number(diff!.rows);
        const bad = Number(diff!.n) + Math.abs(Number(diff!.rows) - Number(diff!.other));
        if (bad > 0) differing[name] = bad;
      }
      await wh.execute("detach full_build");
      return finish(rows, { models: project.order.length, differing });
    }
    throw new Error(`unknown stage "${stage}"`);
  } finally {
    await wh.close();
  }
}

if (values.stage) {
  await childStage(values.stage);
  Deno.exit(0);
}

// ---------------------------------------------------------------------------------------
// Parent mode.

interface StageResult {
  size: string;
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  /** User + system CPU seconds of the stage's process (NaN without /usr/bin/time). */
  cpuSeconds: number;
  spilledBytes: number;
  details: Record<string, unknown>;
}

const hasTime = await Deno.stat("/usr/bin/time").then(() => true, () => false);

function directoryBytes(path: string): number {
  let total = 0;
  try {
    for (const entry of Deno.readDirSync(path)) {
      const full = join(path, entry.name);
      if (entry.isDirectory) total += directoryBytes(full);
      else if (entry.isFile) total += Deno.statSync(full).size;
    }
  } catch {
    // not there (nothing spilled yet) or removed while reading
  }
  return total;
}

/** Run one stage as a child process; its peak RSS and the most its warehouse spilled. */
async function stage(
  size: string,
  label: string,
  args: string[],
  spillDir?: string,
): Promise<StageResult> {
  const timeFile = await Deno.makeTempFile({ prefix: "terraloop-scale-time-" });
  const command = hasTime
    ? new Deno.Command("/usr/bin/time", {
      args: [
        "-f",
        "%M %U %S",
        "-o",
        timeFile,
        Deno.execPath(),
        "run",
        "-A",
        "bench/scale_bench.ts",
        ...args,
      ],
      stdout: "piped",
      stderr: "inherit",
    })
    : new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/scale_bench.ts", ...args],
      stdout: "piped",
      stderr: "inherit",
    });
  const started = performance.now();
  const child = command.spawn();
  let spilled = 0;
  const poll = setInterval(() => {
    if (spillDir) spilled = Math.max(spilled, directoryBytes(spillDir));
  }, 250);
  const output = await child.output();
  clearInterval(poll);
  const wall = (performance.now() - started) / 1000;
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    console.log(text);
    throw new Error(`${size} ${label} failed with exit code ${output.code}`);
  }
  const line = text.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`${size} ${label}: no BENCH line in\n${text}`);
  const result = JSON.parse(line.slice(6));
  // `%M %U %S`: peak RSS in KiB, user and system CPU seconds (DuckDB's threads included).
  const [maxRssKb, userCpu, systemCpu] = hasTime
    ? (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!.split(" ").map(Number)
    : [NaN, NaN, NaN];
  const cpuSeconds = userCpu! + systemCpu!;
  await Deno.remove(timeFile).catch(() => {});
  const entry: StageResult = {
    size,
    stage: label,
    rows: result.rows,
    seconds: result.seconds,
    rowsPerSecond: result.rows / result.seconds,
    peakRssMiB: Number.isFinite(maxRssKb) ? maxRssKb! / 1024 : result.peakRssMiB,
    cpuSeconds,
    spilledBytes: spilled,
    details: { ...result.details, wallSeconds: wall },
  };
  console.log(
    `  ${label.padEnd(22)} ${entry.rows.toLocaleString("en-US").padStart(12)} rows ${
      entry.seconds.toFixed(2).padStart(8)
    } s ${Math.round(entry.rowsPerSecond).toLocaleString("en-US").padStart(11)} rows/s  cpu ${
      entry.cpuSeconds.toFixed(1).padStart(6)
    } s  peak ${entry.peakRssMiB.toFixed(0).padStart(5)} MiB  spilled ${formatMemorySize(spilled)}`,
  );
  return entry;
}

const sizes = values.sizes.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
for (const size of sizes) {
  if (!SIZES[size]) throw new RangeError(`--sizes: unknown size "${size}" (use 1M, 10M, 30M)`);
}
const incrementalSizes = new Set(
  values.incremental.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean),
);
const maxLoad = values["max-load"] === undefined ? Infinity : Number(values["max-load"]);
const memoryArgs = values["memory-limit"] ? ["--memory-limit", values["memory-limit"]] : [];
const results: StageResult[] = [];
const notes: string[] = [];
const summaries: Record<string, unknown>[] = [];

for (const size of sizes) {
  const { users, days } = SIZES[size]!;
  const load1 = Deno.loadavg()[0]!;
  if (size !== "1M" && load1 > maxLoad) {
    const note = `${size}: not run, load average ${load1.toFixed(2)} > --max-load ${maxLoad}`;
    console.log(`\n== ${note}`);
    notes.push(note);
    continue;
  }
  const dir = join(values.out, size);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const raw = join(dir, "raw");
  const wh = join(dir, "warehouse.duckdb");
  const full = join(dir, "warehouse-full-refresh.duckdb");
  const target = join(dir, "target");
  const spill = `${wh}.tmp`;
  console.log(
    `\n== ${size}: --users ${users} --days ${days} (load average ${load1.toFixed(2)}, ${
      Deno.env.get("TERRALOOP_MEMORY_LIMIT") ?? values["memory-limit"] ?? "default memory limit"
    })`,
  );
  const run = async (label: string, args: string[], spillDir?: string) => {
    const r = await stage(size, label, [...args, ...memoryArgs], spillDir);
    results.push(r);
    return r;
  };
  const generate = await run("generate", [
    "--stage",
    "generate",
    "--raw",
    raw,
    "--users",
    String(users),
    "--days",
    String(days),
  ]);
  const loadArgs = ["--stage", "load", "--raw", raw, "--warehouse", wh];
  const load = await run(`load (${days - 1} days)`, loadArgs, spill);
  const modelArgs = ["--stage", "models", "--warehouse", wh, "--target", target];
  const models = await run("models (full build)", modelArgs, spill);
  const checks = await run("checks", [
    "--stage",
    "checks",
    "--warehouse",
    wh,
    "--raw",
    raw,
  ], spill);
  const reportStage = await run("report", [
    "--stage",
    "report",
    "--warehouse",
    wh,
    "--raw",
    raw,
    "--target",
    target,
  ]);
  const pipeline = [generate, load, models, checks, reportStage];
  const pipelineSeconds = pipeline.reduce((sum, r) => sum + r.seconds, 0);
  const peak = Math.max(...pipeline.map((r) => r.peakRssMiB));
  const summary: Record<string, unknown> = {
    size,
    events: generate.details.events,
    lines: generate.rows,
    pipelineSeconds,
    secondsPerMillionLines: pipelineSeconds / (generate.rows / 1e6),
    peakRssMiB: peak,
    memory: models.details.memory,
  };
  summaries.push(summary);
  console.log(
    `  pipeline ${pipelineSeconds.toFixed(1)} s (${
      (summary.secondsPerMillionLines as number).toFixed(2)
    } s per million lines), peak RSS ${peak.toFixed(0)} MiB; ${summary.memory}`,
  );
  if (incrementalSizes.has(size)) {
    const append = await run("load (1 more day)", [...loadArgs, "--part", "last-day"], spill);
    const incremental = await run("models (incremental)", modelArgs, spill);
    await Deno.copyFile(wh, full);
    const refresh = await run(
      "models (full refresh)",
      [
        "--stage",
        "models",
        "--warehouse",
        full,
        "--target",
        join(dir, "target-full"),
        "--full-refresh",
      ],
      `${full}.tmp`,
    );
    const compare = await run("compare", [
      "--stage",
      "compare",
      "--warehouse",
      wh,
      "--other",
      full,
    ]);
    const incModel = Number(incremental.details.modelSeconds);
    const fullModel = Number(refresh.details.modelSeconds);
    const differing = compare.details.differing as Record<string, number>;
    const equal = Object.keys(differing).length === 0;
    Object.assign(summary, {
      incrementalModelSeconds: incModel,
      fullRefreshModelSeconds: fullModel,
      incrementalShare: incModel / fullModel,
      // Wall-clock shares move with what else runs; CPU seconds of the whole stage (start-up
      // and data tests included) much less.
      incrementalCpuShare: incremental.cpuSeconds / refresh.cpuSeconds,
      incrementalTestSeconds: incremental.details.testSeconds,
      appendLoadSeconds: append.seconds,
      equal,
      differing,
    });
    console.log(
      `  one more day: models ${incModel.toFixed(2)} s incremental vs ${
        fullModel.toFixed(2)
      } s full refresh (${(100 * incModel / fullModel).toFixed(1)}%; whole stage CPU ${
        (100 * incremental.cpuSeconds / refresh.cpuSeconds).toFixed(1)
      }%), tests ${Number(incremental.details.testSeconds).toFixed(2)} s; ${
        equal
          ? `every model equals the full refresh (${compare.rows.toLocaleString("en-US")} rows)`
          : `DIFFERS: ${JSON.stringify(differing)}`
      }`,
    );
  }
  summary.spilledBytes = Math.max(
    ...results.filter((r) => r.size === size).map((r) => r.spilledBytes),
  );
  if (!values.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
}

// Targets of the scale issue that these sizes can judge.
const targets: { target: string; pass: boolean }[] = [];
const bySize = new Map(summaries.map((s) => [s.size as string, s]));
const one = bySize.get("1M");
if (one) {
  targets.push({
    target: "1M pipeline under 20 s end to end",
    pass: Number(one.pipelineSeconds) < 20,
  });
}
for (const size of ["10M", "30M"]) {
  const s = bySize.get(size);
  if (!s) continue;
  targets.push({
    target: `${size} peak RSS under 4 GiB`,
    pass: Number(s.peakRssMiB) < 4096,
  });
}
const ten = bySize.get("10M");
if (ten) {
  targets.push({
    target: "10M: one more day's incremental model time under 10% of the full build's",
    pass: Number(ten.incrementalShare) < 0.1,
  });
}
const thirty = bySize.get("30M");
if (thirty) {
  targets.push({ target: "30M under 10 minutes", pass: Number(thirty.pipelineSeconds) < 600 });
  if (one) {
    targets.push({
      target: "30M time per line within 1.3x of 1M",
      pass: Number(thirty.secondsPerMillionLines) <= 1.3 * Number(one.secondsPerMillionLines),
    });
  }
}
for (const s of summaries) {
  if (s.equal === undefined) continue;
  targets.push({ target: `${s.size}: incremental equals a full refresh`, pass: s.equal === true });
}

console.log("\n== summary (2 cores shared; wall-clock figures move with machine load)");
for (const t of targets) console.log(`  ${t.pass ? "met   " : "MISSED"} ${t.target}`);
for (const note of notes) console.log(`  ${note}`);
for (const s of summaries) {
  report({
    stage: `scale ${s.size}`,
    rows: Number(s.lines),
    seconds: Number(s.pipelineSeconds),
    rowsPerSecond: Number(s.lines) / Number(s.pipelineSeconds),
    peakRssMiB: Number(s.peakRssMiB),
    target: s.equal === undefined
      ? "peak RSS under 4 GiB"
      : "equal to a full refresh after one incremental day",
    pass: s.equal === undefined ? Number(s.peakRssMiB) < 4096 : s.equal === true,
    details: s,
  });
}
await Deno.mkdir(join("target", "bench"), { recursive: true });
await Deno.writeTextFile(
  join("target", "bench", "scale.json"),
  JSON.stringify(
    { at: new Date().toISOString(), loadavg: Deno.loadavg(), results, summaries, targets, notes },
    null,
    2,
  ),
);
if (summaries.some((s) => s.equal === false)) Deno.exit(1);
