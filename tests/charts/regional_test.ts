import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { densityChart, ecoImpactChart, PALETTE, regionalBars } from "../../lib/charts/mod.ts";

// regionalDensity() and ecoImpactByRegion() rows, under their own column names.
function densityFrame(): pl.DataFrame {
  return pl.DataFrame({
    region: ["NA", "EMEA", "APAC"],
    n_listings: [240, 120, 150],
    n_active_users: [2000, 1500, 1000],
    listings_per_user: [0.12, 0.08, 0.15],
    listings_per_user_ci_low: [0.106, 0.067, 0.128],
    listings_per_user_ci_high: [0.135, 0.095, 0.175],
    listings_per_1000_users: [120, 80, 150],
    listings_per_1000_users_ci_low: [106, 67, 128],
    listings_per_1000_users_ci_high: [135, 95, 175],
  });
}

function ecoFrame(): pl.DataFrame {
  return pl.DataFrame({
    region: ["NA", "EMEA", "APAC"],
    n_listings: [240, 120, 150],
    mean_eco_score_kg_co2e: [10, 14.5, 9],
    mean_ci_low_kg_co2e: [9, 12, 7.5],
    mean_ci_high_kg_co2e: [11.5, 17, 10],
  });
}

Deno.test("densityChart() sorts bars by value with CI error bars", () => {
  const fig = densityChart(densityFrame(), { title: "APAC lists the most" });
  const [bars] = fig.data;
  assert.deepEqual(bars?.x, ["APAC", "NA", "EMEA"]);
  assert.deepEqual(bars?.y, [150, 120, 80]);
  const err = bars?.error_y as { array: number[]; arrayminus: number[] };
  assert.deepEqual(err.array, [25, 15, 15]);
  assert.deepEqual(err.arrayminus, [22, 14, 13]);
});

Deno.test("densityChart() hover gives numerator and denominator", () => {
  const hover = densityChart(densityFrame()).data[0]?.customdata as string[];
  assert.match(hover[1]!, /<b>NA<\/b>/);
  assert.match(hover[1]!, /Listings per 1,000 active users: 120\.0/);
  assert.match(hover[1]!, /95% CI: 106\.0 – 135\.0/);
  assert.match(hover[1]!, /240 listings \/ 2,000 users/);
});

Deno.test("ecoImpactChart() uses the same region colours as densityChart()", () => {
  const density = densityChart(densityFrame());
  const eco = ecoImpactChart(ecoFrame());
  const colourOf = (fig: typeof eco, region: string) => {
    const t = fig.data[0]!;
    return (t.marker?.color as string[])[(t.x as string[]).indexOf(region)];
  };
  for (const region of ["NA", "EMEA", "APAC"]) {
    assert.equal(colourOf(density, region), colourOf(eco, region));
  }
  // Alphabetical assignment: APAC, EMEA, NA.
  assert.equal(colourOf(eco, "APAC"), PALETTE[0]);
  assert.equal(colourOf(eco, "NA"), PALETTE[2]);
});

Deno.test("ecoImpactChart() hover names how many listings were averaged", () => {
  const fig = ecoImpactChart(ecoFrame(), { sort: "label" });
  assert.deepEqual(fig.data[0]?.x, ["APAC", "EMEA", "NA"]);
  const hover = fig.data[0]?.customdata as string[];
  assert.match(hover[1]!, /kg CO₂e avoided per listing: 14\.5/);
  assert.match(hover[1]!, /Mean of 120 listings/);
  assert.match(String((fig.layout.yaxis as { title: { text: string } }).title.text), /kg CO₂e/);
});

Deno.test("densityChart() omits error bars when the frame has no CI columns", () => {
  const fig = densityChart(
    densityFrame().drop(["listings_per_1000_users_ci_low", "listings_per_1000_users_ci_high"]),
  );
  assert.equal(fig.data[0]?.error_y, undefined);
});

Deno.test("regionalBars() puts density and eco impact in two subplots", () => {
  const fig = regionalBars(densityFrame(), ecoFrame(), { title: "Both" });
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[1]?.xaxis, "x2");
  assert.equal(fig.data[1]?.yaxis, "y2");
  assert.deepEqual(fig.data[1]?.y, [14.5, 10, 9]);
  assert.ok(fig.layout.xaxis2);
  assert.equal((fig.layout.annotations as unknown[]).length, 2);
});

Deno.test("densityChart() per active user reads the per-user columns with two decimals", () => {
  const fig = densityChart(densityFrame(), { measure: "per_user" });
  assert.deepEqual(fig.data[0]?.y, [0.15, 0.12, 0.08]);
  assert.deepEqual(fig.data[0]?.text, ["0.15", "0.12", "0.08"]);
  const hover = fig.data[0]?.customdata as string[];
  assert.match(hover[0]!, /Listings per active user: 0\.15<br>95% CI: 0\.13 – 0\.18/);
  assert.throws(() => densityChart(densityFrame(), { measure: "per_km" as never }), RangeError);
});

Deno.test("regionalBars() colours a region alike in both panels when one panel lacks a region", () => {
  const fig = regionalBars(densityFrame(), ecoFrame().filter(pl.col("region").neq(pl.lit("APAC"))));
  const colourOf = (trace: number, region: string) => {
    const t = fig.data[trace]!;
    return (t.marker?.color as string[])[(t.x as string[]).indexOf(region)];
  };
  for (const region of ["NA", "EMEA"]) assert.equal(colourOf(0, region), colourOf(1, region));
  assert.equal(colourOf(1, "NA"), PALETTE[2]);
});
