import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { ecoImpactByRegion, regionalDensity } from "../../lib/analytics/mod.ts";
import { regionalInsight } from "../../lib/insights/mod.ts";
import { fixtureReport, XSS_IMG } from "../report/_fixture.ts";

Deno.test("regionalInsight() names the top region for density and for eco impact", async (t) => {
  await t.step("different regions", () => {
    const insight = regionalInsight(fixtureReport().regions);
    assert.equal(insight.topDensity, "EMEA");
    assert.equal(insight.topEco, "NA");
    assert.equal(insight.title, "EMEA lists the most per user; NA listings avoid the most CO₂e");
    assert.equal(
      insight.sentence,
      "EMEA has the highest listing density: 1.80 published listings per active user " +
        "(95% CI 1.69–1.92; 900 listings from 500 active users, 1,800 per 1,000) vs 1.10 in NA, " +
        "the next highest (the 95% intervals do not overlap). But NA listings avoid the most " +
        "CO₂e each: 95.8 kg CO₂e avoided per published listing (95% CI 90.5–101.0 kg, n=440) " +
        `vs 61.0 kg in ${XSS_IMG}, the next highest (the 95% intervals do not overlap); ` +
        "EMEA's listings average 60.3 kg.",
    );
  });

  await t.step("the same region on both", () => {
    const regions = fixtureReport().regions;
    regions.ecoImpact = regions.ecoImpact.map((r) =>
      r.region === "EMEA"
        ? { ...r, mean_eco_score_kg_co2e: 120, mean_ci_low_kg_co2e: 110, mean_ci_high_kg_co2e: 130 }
        : r
    );
    const insight = regionalInsight(regions);
    assert.equal(insight.topEco, "EMEA");
    assert.ok(insight.sentence.includes("Its listings also avoid the most CO₂e: 120.0 kg"));
  });

  await t.step("no regions", () => {
    assert.equal(regionalInsight({ density: [], ecoImpact: [] }).topDensity, null);
  });
});

Deno.test("regionalInsight() reads analytics frames; a negative bound reads 'to'", () => {
  const listings = pl.DataFrame({
    listing_id: ["a", "b", "c", "d", "e", "f"],
    region: ["NA", "NA", "NA", "APAC", "APAC", "EMEA"],
    eco_score_kg_co2e: [1, 2, 3, 10, 12, 5],
    is_published: [true, true, true, true, true, true],
  });
  const users = pl.DataFrame({ region: ["NA", "APAC", "EMEA"], n_active_users: [1000, 4000, 100] });
  const insight = regionalInsight({
    density: regionalDensity(listings, users),
    ecoImpact: ecoImpactByRegion(listings),
  });
  assert.equal(insight.topDensity, "EMEA");
  assert.equal(insight.topEco, "APAC");
  // APAC: mean 11, sd √2, t(1) = 12.706: 11 ± 12.7 → -1.7 to 23.7.
  assert.ok(
    insight.sentence.includes(
      "But APAC listings avoid the most CO₂e each: 11.0 kg CO₂e avoided per published " +
        "listing (95% CI -1.7 to 23.7 kg, n=2)",
    ),
    insight.sentence,
  );
});
