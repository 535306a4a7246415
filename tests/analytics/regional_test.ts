import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { ecoImpactByRegion, regionalDensity } from "../../lib/analytics/regional.ts";
import { poissonRateInterval, tCritical95 } from "../../lib/analytics/intervals.ts";
import { col, round } from "./_events.ts";

const listings = pl.DataFrame({
  listing_id: ["L1", "L2", "L3", "L4", "L5", "L6"],
  region: ["NA", "NA", "NA", "EMEA", "NA", "LATAM"],
  eco_score_kg_co2e: pl.Series("eco_score_kg_co2e", [1, 2, 100, 10, 3, null], pl.Float64),
  is_published: [true, true, false, true, true, true],
});

const activeEvents = pl.DataFrame({
  user_id: ["u1", "u2", "u1", "u3", "u4", "u5", "u6", "u7"],
  region: ["NA", "NA", "NA", "EMEA", "EMEA", "EMEA", "EMEA", "APAC"],
});

Deno.test("regionalDensity() divides published listings by distinct active users", () => {
  const out = regionalDensity(listings, activeEvents);
  assert.deepEqual(col(out, "region"), ["APAC", "EMEA", "LATAM", "NA"]);
  assert.deepEqual(col(out, "n_listings"), [0, 1, 1, 3]);
  assert.deepEqual(col(out, "n_active_users"), [1, 4, 0, 2]);
  assert.deepEqual(col(out, "listings_per_user"), [0, 0.25, null, 1.5]);
  assert.deepEqual(col(out, "listings_per_1000_users"), [0, 250, null, 1500]);
  const na = poissonRateInterval(3, 2);
  assert.deepEqual(round(col(out, "listings_per_user_ci_low"), 6)[3], round([na.low], 6)[0]);
  assert.deepEqual(
    round(col(out, "listings_per_1000_users_ci_high"), 3)[3],
    round([na.high * 1000], 3)[0],
  );
  // zero listings: interval [0, z²/users]
  assert.equal(col(out, "listings_per_user_ci_low")[0], 0);
  assert.deepEqual(round(col(out, "listings_per_user_ci_high"), 4)[0], 3.8415);
});

Deno.test("regionalDensity() accepts per-region active-user counts and all listings", () => {
  const counts = pl.DataFrame({ region: ["NA", "EMEA"], n_active_users: [10, 20] });
  const out = regionalDensity(listings.drop("is_published"), counts, { publishedOnly: false });
  assert.deepEqual(col(out, "region"), ["EMEA", "LATAM", "NA"]);
  assert.deepEqual(col(out, "n_listings"), [1, 1, 4]);
  assert.deepEqual(col(out, "listings_per_user"), [0.05, null, 0.4]);
});

Deno.test("regionalDensity() names missing columns", () => {
  assert.throws(
    () => regionalDensity(listings.drop("is_published"), activeEvents),
    /"is_published"/,
  );
  assert.throws(() => regionalDensity(listings, activeEvents.drop("user_id")), /"user_id"/);
});

Deno.test("ecoImpactByRegion() mean per published listing with a t interval", () => {
  const out = ecoImpactByRegion(listings);
  assert.deepEqual(col(out, "region"), ["EMEA", "LATAM", "NA"]);
  assert.deepEqual(col(out, "n_listings"), [1, 0, 3]);
  assert.deepEqual(col(out, "n_listings_missing_score"), [0, 1, 0]);
  assert.deepEqual(col(out, "mean_eco_score_kg_co2e"), [10, null, 2]);
  assert.deepEqual(col(out, "total_eco_score_kg_co2e"), [10, 0, 6]);
  assert.deepEqual(col(out, "sd_eco_score_kg_co2e")[2], 1);
  // NA: 2 ± t(2) · 1/√3
  const half = tCritical95(2) / Math.sqrt(3);
  assert.deepEqual(round(col(out, "mean_ci_low_kg_co2e"), 9)[2], round([2 - half], 9)[0]);
  assert.deepEqual(round(col(out, "mean_ci_high_kg_co2e"), 9)[2], round([2 + half], 9)[0]);
  assert.equal(col(out, "mean_ci_low_kg_co2e")[0], null);
});

Deno.test("ecoImpactByRegion() and regionalDensity() return empty frames for empty input", () => {
  const empty = listings.head(0);
  assert.equal(ecoImpactByRegion(empty).height, 0);
  assert.equal(regionalDensity(empty, activeEvents.head(0)).height, 0);
  assert.equal(regionalDensity(empty, activeEvents.head(0)).columns.length, 9);
});
