import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { densityChart, ecoImpactChart, PALETTE, regionalBars } from "../../lib/charts/mod.ts";

function regionFrame(): pl.DataFrame {
  return pl.DataFrame({
    region: ["NA", "EMEA", "APAC"],
    n_users: [2000, 1500, 1000],
    n_listings: [240, 120, 150],
    listings_per_1k_users: [120, 80, 150],
    density_ci_low: [106, 67, 128],
    density_ci_high: [135, 95, 175],
    eco_kg_per_listing: [10, 14.5, 9],
    eco_ci_low: [9, 12, 7.5],
    eco_ci_high: [11.5, 17, 10],
  });
}

Deno.test("densityChart() sorts bars by value with CI error bars", () => {
  const fig = densityChart(regionFrame(), { title: "APAC lists the most" });
  const [bars] = fig.data;
  assert.deepEqual(bars?.x, ["APAC", "NA", "EMEA"]);
  assert.deepEqual(bars?.y, [150, 120, 80]);
  const err = bars?.error_y as { array: number[]; arrayminus: number[] };
  assert.deepEqual(err.array, [25, 15, 15]);
  assert.deepEqual(err.arrayminus, [22, 14, 13]);
});

Deno.test("densityChart() hover gives numerator and denominator", () => {
  const hover = densityChart(regionFrame()).data[0]?.customdata as string[];
  assert.match(hover[1]!, /<b>NA<\/b>/);
  assert.match(hover[1]!, /Listings per 1,000 users: 120\.0/);
  assert.match(hover[1]!, /95% CI: 106\.0 – 135\.0/);
  assert.match(hover[1]!, /240 listings \/ 2,000 users/);
});

Deno.test("ecoImpactChart() uses the same region colours as densityChart()", () => {
  const density = densityChart(regionFrame());
  const eco = ecoImpactChart(regionFrame());
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
  const fig = ecoImpactChart(regionFrame(), { sort: "label" });
  assert.deepEqual(fig.data[0]?.x, ["APAC", "EMEA", "NA"]);
  const hover = fig.data[0]?.customdata as string[];
  assert.match(hover[1]!, /kg CO₂e avoided per listing: 14\.5/);
  assert.match(hover[1]!, /Mean of 120 listings/);
  assert.match(String((fig.layout.yaxis as { title: { text: string } }).title.text), /kg CO₂e/);
});

Deno.test("densityChart() omits error bars when the frame has no CI columns", () => {
  const fig = densityChart(regionFrame().drop(["density_ci_low", "density_ci_high"]));
  assert.equal(fig.data[0]?.error_y, undefined);
});

Deno.test("regionalBars() puts density and eco impact in two subplots", () => {
  const fig = regionalBars(regionFrame(), { title: "Both" });
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[1]?.xaxis, "x2");
  assert.equal(fig.data[1]?.yaxis, "y2");
  assert.deepEqual(fig.data[1]?.y, [14.5, 10, 9]);
  assert.ok(fig.layout.xaxis2);
  assert.equal((fig.layout.annotations as unknown[]).length, 2);
});
