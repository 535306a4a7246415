// Every chart builder reads lib/analytics results as they come, with no column options.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  categoryAffinity,
  ecoImpactByRegion,
  funnel,
  regionalDensity,
  retention,
  rollingAverage,
} from "../../lib/analytics/mod.ts";
import {
  affinityHeatmap,
  densityChart,
  ecoImpactChart,
  funnelChart,
  regionalBars,
  retentionHeatmap,
  rollingLines,
} from "../../lib/charts/mod.ts";
import { events, type Row } from "../analytics/_events.ts";

const rows: Row[] = [
  ["u1", "A", "2026-03-02T10:00:00Z", { tier: "Pro" }],
  ["u1", "B", "2026-03-02T11:00:00Z", { tier: "Pro" }],
  ["u2", "A", "2026-03-03T10:00:00Z", { tier: "Basic" }],
  ["u2", "A", "2026-03-10T10:00:00Z", { tier: "Basic" }],
];
const frame = events(rows, ["tier"]);
const listings = pl.DataFrame({
  listing_id: ["L1", "L2", "L3", "L4"],
  region: ["NA", "NA", "EMEA", "EMEA"],
  tier: ["Pro", "Basic", "Pro", "Pro"],
  category: ["Metals", "Textiles", "Metals", "Textiles"],
  is_published: [true, true, true, false],
  eco_score_kg_co2e: [1.5, 2.5, 4, 8],
});
const active = pl.DataFrame({ region: ["NA", "EMEA"], n_active_users: [4, 2] });

Deno.test("chart builders take analytics results unchanged", async (t) => {
  await t.step("funnel", () => {
    const fig = funnelChart(funnel(frame, { steps: ["A", "B"], breakdown: "tier" }), {
      by: "tier",
    });
    assert.deepEqual(fig.data.map((trace) => trace.y), [[100, 0], [100, 100]]);
  });
  await t.step("retention", () => {
    const fig = retentionHeatmap(retention(frame, { period: "week", intervals: 2 }));
    assert.equal(fig.data.length, 2);
  });
  await t.step("rolling average", () => {
    const fig = rollingLines(rollingAverage(frame, { by: "tier", window: 2 }), { by: "tier" });
    assert.equal(fig.data.filter((trace) => trace.mode === "lines").length, 2);
  });
  await t.step("density, eco impact and both", () => {
    const density = regionalDensity(listings, active);
    const eco = ecoImpactByRegion(listings);
    // EMEA: 1 published listing / 2 active users = 500 per 1,000; NA: 2 / 4 = 500.
    assert.deepEqual(densityChart(density, { sort: "label" }).data[0]?.y, [500, 500]);
    assert.deepEqual(ecoImpactChart(eco, { sort: "label" }).data[0]?.y, [4, 2]);
    const hover = ecoImpactChart(eco, { sort: "label" }).data[0]?.customdata as string[];
    assert.match(hover[1]!, /Mean of 2 listings/);
    assert.equal(regionalBars(density, eco).data.length, 2);
  });
  await t.step("category affinity, with the row total in hover", () => {
    const fig = affinityHeatmap(categoryAffinity(listings));
    const hover = fig.data[0]?.customdata as string[][];
    // Pro × Metals: 2 of Pro's 3 listings.
    assert.match(hover[1]![0]!, /n = 2 of 3 listings/);
  });
});
