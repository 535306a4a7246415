/**
 * The volume check on the project generator's own data: at the default scale (35,000 users,
 * about 1M events over 90 days), a planted drop is flagged on exactly its day and event, and
 * nothing else in 7 event names × 90 days is.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { generateDataset, NO_MESS } from "../../lib/generate/mod.ts";
import { dailyCounts, volumeAnomalies } from "../../lib/observe/mod.ts";
import { tempDir } from "../generate/_dataset.ts";

Deno.test("volumeAnomalies() flags exactly a planted drop across a 90-day generated run", async (t) => {
  await using dir = await tempDir("observe_generated_");
  // No mess: lines are canonical, so the day of `ts` is the first 10 characters and every
  // line is a true event; mess is drawn after the simulation and would not change the counts.
  const summary = await generateDataset(dir.path, {
    users: 35_000,
    days: 90,
    seed: 42,
    mess: NO_MESS,
    plantAnomalies: [{ kind: "drop", event: "start_listing", date: "2026-03-10", factor: 0.5 }],
  });
  const planted = summary.plantedAnomalies[0]!;
  const events = pl.scanJson(join(dir.path, "events-*.ndjson"), {})
    .select(
      pl.col("event"),
      pl.col("ts").str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d").alias("ts"),
    )
    .collectSync();
  assert.equal(events.height, summary.counts.events);
  const counts = dailyCounts(events, { dimensions: ["event"] });
  const options = { dimensions: ["event"] };

  await t.step("the planted day is the only anomaly", () => {
    const scored = volumeAnomalies(counts, options);
    assert.equal(scored.height, 7 * 90);
    const hits = scored.filter(pl.col("is_anomalous")).toRecords() as Record<string, unknown>[];
    assert.deepEqual(
      hits.map((r) => `${r.event}@${(r.day as Date).toISOString().slice(0, 10)}`),
      ["start_listing@2026-03-10"],
    );
    const hit = hits[0] as { value: number; z: number; lower: number; upper: number };
    assert.equal(hit.value, planted.planted_count);
    assert.ok(hit.z < -3, `z ${hit.z}`);
    // What the simulation produced that day lies inside the band: the drop is the anomaly.
    assert.ok(
      planted.simulated_count >= hit.lower && planted.simulated_count <= hit.upper,
      `${planted.simulated_count} in [${hit.lower}, ${hit.upper}]`,
    );
    assert.ok(scored.filter(pl.col("status").eq(pl.lit("ok"))).height >= 7 * 80);
  });

  await t.step("without the drop (the simulated count restored) no day is flagged", () => {
    const isPlanted = pl.col("event").eq(pl.lit("start_listing"))
      .and(pl.col("day").eq(pl.lit(new Date("2026-03-10T00:00:00Z")).cast(pl.Date)));
    const quiet = counts.withColumns(
      pl.when(isPlanted).then(pl.lit(planted.simulated_count)).otherwise(pl.col("value"))
        .cast(pl.Float64).alias("value"),
    );
    assert.equal(quiet.filter(isPlanted).getColumn("value").toArray()[0], planted.simulated_count);
    const scored = volumeAnomalies(quiet, options);
    assert.equal(scored.filter(pl.col("is_anomalous")).height, 0);
  });
});
