/**
 * Benchmark of the data generator at the default scale (~1M events, 90 days), files included.
 *
 * ```sh
 * deno run -A bench/generate_bench.ts [--scale 1] [--users N] [--days D] [--gzip] [--repeat R]
 * ```
 *
 * Prints events, lines, seconds, events/s, CPU seconds and peak memory (VmHWM from
 * /proc/self/status, plus the largest sampled `Deno.memoryUsage().rss`). Targets: ≥ 250k
 * events/s and < 2 GiB peak. Wall-clock numbers depend on what else the machine is running,
 * so the load average is printed too.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { PIPELINE_DEFAULTS, runGenerateStage } from "../lib/pipeline/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scale: { type: "string", default: "1" },
    users: { type: "string" },
    days: { type: "string" },
    gzip: { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
  },
  strict: true,
});

const scale = Number(values.scale);
if (!(scale > 0)) throw new RangeError(`--scale must be a positive number, got "${values.scale}"`);
const users = values.users ? Number(values.users) : Math.round(PIPELINE_DEFAULTS.users * scale);
const days = values.days ? Number(values.days) : undefined;
const repeat = Number(values.repeat);

function procStatus(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(
    Deno.readTextFileSync("/proc/self/status"),
  );
  return m ? Number(m[1]) * 1024 : NaN;
}

function cpuSeconds(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
const loadAverage = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(
  `generate bench: users ${users}, days ${days ?? PIPELINE_DEFAULTS.days}, gzip ${values.gzip}, ` +
    `load average ${loadAverage} (${navigator.hardwareConcurrency} cores)`,
);

const rates: number[] = [];
let lastEvents = 0;
let maxRss = 0;
for (let run = 1; run <= repeat; run++) {
  const dir = await Deno.makeTempDir({ prefix: "generate_bench_" });
  try {
    const cpu0 = cpuSeconds();
    const summary = await runGenerateStage({
      out: dir,
      users,
      days,
      gzip: values.gzip,
      onProgress: () => {
        maxRss = Math.max(maxRss, Deno.memoryUsage().rss);
      },
    });
    const cpu = cpuSeconds() - cpu0;
    const bytes = summary.files.reduce((a, f) => a + f.bytes, 0);
    rates.push(summary.eventsPerSecond);
    lastEvents = summary.counts.events;
    console.log(
      `run ${run}: events ${summary.counts.events}, lines ${summary.counts.lines}, ` +
        `${(bytes / 1e6).toFixed(1)} MB in ${summary.files.length} files, ` +
        `${summary.seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ` +
        `${Math.round(summary.eventsPerSecond).toLocaleString("en-US")} events/s`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const best = Math.max(...rates);
const peak = procStatus("VmHWM");
console.log(
  `best ${Math.round(best).toLocaleString("en-US")} events/s (target ≥ 250,000: ${
    best >= 250_000 ? "met" : "NOT met"
  }); peak RSS ${gib(peak)} GiB (VmHWM), max sampled ${gib(maxRss)} GiB ` +
    `(target < 2 GiB: ${peak < 2 ** 31 ? "met" : "NOT met"})`,
);

// Machine-readable line for `deno task bench` (bench/bench.ts).
const eventsGenerated = lastEvents;
console.log(`BENCH ${
  JSON.stringify({
    stage: "generate",
    rows: eventsGenerated,
    seconds: eventsGenerated / best,
    rowsPerSecond: best,
    peakRssMiB: peak / 2 ** 20,
    target: ">= 250k events/s, peak < 2 GiB",
    pass: best >= 250_000 && peak < 2 ** 31,
  })
}`);
