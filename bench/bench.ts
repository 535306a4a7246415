// deno task bench: every stage at the default scale, one stage per process so each stage's
// peak memory is its own. Results: console table and target/bench/results.json.
// usage: deno task bench [--users N] [--only generate,load,models,analytics,faults,scale]
import { parseArgs } from "node:util";
import { join } from "node:path";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    users: { type: "string" },
    only: { type: "string" },
    "analytics-events": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(`usage: deno task bench [--users N] [--only STAGES] [--analytics-events N]

Runs each benchmark in its own process and prints rows/s and peak memory per stage:
  generate   generator at the default scale (~1M events), files included
  load       loading that dataset into a fresh DuckDB file
  models     building every SQL model with its data tests
  analytics  Polars vs DuckDB on the same definitions (funnel, retention, rolling) at 10M
             and 1M events (--analytics-events sets the large size)
Only when asked (they take minutes):
  faults     randomised crash points during loads and model builds; lines lost must be 0
  scale      the whole pipeline at 1M and 10M events (bench/scale_bench.ts --help for
             --sizes 1M,10M,30M), peak RSS and spill per stage, and an incremental day
Results are also written to target/bench/results.json.`);
  Deno.exit(0);
}
const stages = (values.only ?? "generate,load,models,analytics").split(",").map((s) => s.trim());
const dataDir = join("target", "bench", "raw");
const results: Record<string, unknown>[] = [];

async function run(script: string, args: string[]) {
  console.log(`\n== ${script} ${args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    buffered += text;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("BENCH ")) results.push(JSON.parse(line.slice(6)));
      else console.log(line);
    }
  }
  const status = await child.status;
  if (!status.success) throw new Error(`${script} failed with exit code ${status.code}`);
}

const userArgs = values.users ? ["--users", values.users] : [];
if (stages.includes("generate")) await run("bench/generate_bench.ts", userArgs);
if (stages.includes("load") || stages.includes("models")) {
  console.log(`\n== preparing ${dataDir} (not timed)`);
  await run("cli/generate.ts", ["--out", dataDir, ...userArgs]);
}
if (stages.includes("load")) await run("bench/load_bench.ts", [dataDir]);
if (stages.includes("models")) await run("bench/models_bench.ts", [dataDir]);
if (stages.includes("faults")) await run("bench/faults_bench.ts", []); // only when asked
if (stages.includes("scale")) await run("bench/scale_bench.ts", []); // only when asked
if (stages.includes("analytics")) {
  await run(
    "bench/analytics_bench.ts",
    values["analytics-events"] ? ["--events", values["analytics-events"]] : [],
  );
}

console.log("\n== summary (2 cores; wall-clock figures move with machine load)");
for (const r of results) {
  console.log(
    `  ${String(r.stage).padEnd(22)} ${
      Math.round(Number(r.rowsPerSecond)).toLocaleString("en-US").padStart(11)
    } rows/s  ${Number(r.seconds).toFixed(2).padStart(7)} s  peak ${
      Number(r.peakRssMiB).toFixed(0).padStart(5)
    } MiB  ${r.target ? `${r.pass ? "met" : "MISSED"}: ${r.target}` : ""}`,
  );
}
await Deno.mkdir(join("target", "bench"), { recursive: true });
await Deno.writeTextFile(
  join("target", "bench", "results.json"),
  JSON.stringify({ at: new Date().toISOString(), loadavg: Deno.loadavg(), results }, null, 2),
);
