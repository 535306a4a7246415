// How often the volume check cries wolf on the generator's own data, and whether it finds a
// planted drop, for several option sets (the table in docs/observability.md).
// usage: deno run -A bench/volume_false_alarms.ts [--users 35000] [--seeds 42,7,8,9,10,11,12,13,14,15]
import { parseArgs } from "node:util";
import { join } from "node:path";
import pl from "nodejs-polars";
import { EVENT_NAMES, generateDataset, NO_MESS } from "../lib/generate/mod.ts";
import { dailyCounts, volumeAnomalies, type VolumeAnomalyOptions } from "../lib/observe/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    users: { type: "string", default: "35000" },
    seeds: { type: "string", default: "42,7,8,9,10,11,12,13,14,15" },
  },
  strict: true,
});
const users = Number(values.users);
const seeds = values.seeds!.split(",").map(Number);
const VARIANTS: Record<string, VolumeAnomalyOptions> = {
  "mean, no floor (Elementary)": {
    method: "mean",
    ignoreSmallChanges: { spikePct: 0, dropPct: 0 },
  },
  "mean, 30 % floor": { method: "mean" },
  "trend, no floor": { ignoreSmallChanges: { spikePct: 0, dropPct: 0 } },
  "trend, 20 % floor": { ignoreSmallChanges: { spikePct: 20, dropPct: 20 } },
  "trend, 30 % floor (default)": {},
};
const PLANTED_DAY = 68; // 2026-03-10
const tally = new Map<string, { flags: number; runs: number; found: number }>();
const dir = await Deno.makeTempDir({ prefix: "volume_bench_" });
try {
  for (const seed of seeds) {
    await generateDataset(dir, { users, days: 90, seed, mess: NO_MESS });
    const events = pl.scanJson(join(dir, "events-*.ndjson"), {})
      .select(
        pl.col("event"),
        pl.col("ts").str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d").alias("ts"),
      )
      .collectSync();
    const quiet = dailyCounts(events, { dimensions: ["event"] });
    const day = pl.lit(new Date(Date.UTC(2026, 0, 1 + PLANTED_DAY))).cast(pl.Date);
    for (const [name, options] of Object.entries(VARIANTS)) {
      const t = tally.get(name) ?? { flags: 0, runs: 0, found: 0 };
      const flags =
        volumeAnomalies(quiet, { ...options, dimensions: ["event"] }).filter(pl.col("is_anomalous"))
          .height;
      t.flags += flags;
      if (flags > 0) t.runs++;
      for (const event of EVENT_NAMES) {
        const target = pl.col("event").eq(pl.lit(event)).and(pl.col("day").eq(day));
        const planted = quiet.withColumns(
          pl.when(target).then(pl.col("value").mul(0.5).round(0)).otherwise(pl.col("value")).alias(
            "value",
          ),
        );
        const hit = volumeAnomalies(planted, { ...options, dimensions: ["event"] })
          .filter(pl.col("is_anomalous").and(target)).height;
        t.found += hit;
      }
      tally.set(name, t);
    }
    console.log(`seed ${seed} done`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log(`\n${users} users, 90 days, ${seeds.length} seeds, 7 event names`);
console.log(
  "options".padEnd(30),
  "quiet days flagged",
  "runs with a flag",
  "planted 50 % drops found",
);
for (const [name, t] of tally) {
  console.log(
    name.padEnd(30),
    String(t.flags).padStart(18),
    `${t.runs}/${seeds.length}`.padStart(16),
    `${t.found}/${seeds.length * EVENT_NAMES.length}`.padStart(24),
  );
}
