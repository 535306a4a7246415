// Each metric's exported column list is exactly what it returns, and metricRows() hands the
// rows over unchanged: the vocabulary the report, sentences, charts and notebooks rely on.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  CATEGORY_AFFINITY_COLUMNS,
  categoryAffinity,
  ECO_IMPACT_COLUMNS,
  ecoImpactByRegion,
  funnel,
  FUNNEL_COLUMNS,
  type FunnelRow,
  keyColumnOf,
  type Keyed,
  metricRows,
  REGIONAL_DENSITY_COLUMNS,
  regionalDensity,
  retention,
  RETENTION_COLUMNS,
  type RetentionRow,
  ROLLING_AVERAGE_COLUMNS,
  rollingAverage,
} from "../../lib/analytics/mod.ts";
import { events, type Row } from "./_events.ts";

const rows: Row[] = [
  ["u1", "A", "2026-03-02T10:00:00Z", { tier: "Pro" }],
  ["u1", "B", "2026-03-02T11:00:00Z", { tier: "Pro" }],
  ["u2", "A", "2026-03-03T10:00:00Z", { tier: "Basic" }],
  ["u2", "A", "2026-03-10T10:00:00Z", { tier: "Basic" }],
];
const frame = events(rows, ["tier"]);
const listings = pl.DataFrame({
  listing_id: ["L1", "L2", "L3"],
  region: ["NA", "NA", "EMEA"],
  tier: ["Pro", "Basic", "Pro"],
  category: ["Metals", "Textiles", "Metals"],
  is_published: [true, true, true],
  eco_score_kg_co2e: [1.5, 2.5, 4],
});

Deno.test("every metric returns exactly its exported columns, key columns first", async (t) => {
  await t.step("funnel", () => {
    const plain = funnel(frame, { steps: ["A", "B"] });
    assert.deepEqual(plain.columns, [...FUNNEL_COLUMNS]);
    const byTier = funnel(frame, { steps: ["A", "B"], breakdown: "tier" });
    assert.deepEqual(byTier.columns, ["tier", ...FUNNEL_COLUMNS]);
    assert.equal(keyColumnOf(byTier, FUNNEL_COLUMNS), "tier");
    assert.equal(keyColumnOf(plain, FUNNEL_COLUMNS), null);
  });
  await t.step("retention", () => {
    const out = retention(frame, { period: "week", intervals: 2 });
    assert.deepEqual(out.columns, [...RETENTION_COLUMNS]);
  });
  await t.step("rolling average", () => {
    const out = rollingAverage(frame, { by: "tier", window: 2 });
    assert.deepEqual(out.columns, [
      ROLLING_AVERAGE_COLUMNS[0],
      "tier",
      ...ROLLING_AVERAGE_COLUMNS.slice(1),
    ]);
  });
  await t.step("regional density and eco impact", () => {
    const active = pl.DataFrame({ region: ["NA", "EMEA"], n_active_users: [4, 2] });
    assert.deepEqual(regionalDensity(listings, active).columns, [
      "region",
      ...REGIONAL_DENSITY_COLUMNS,
    ]);
    assert.deepEqual(ecoImpactByRegion(listings).columns, ["region", ...ECO_IMPACT_COLUMNS]);
  });
  await t.step("category affinity", () => {
    assert.deepEqual(categoryAffinity(listings).columns, [
      "tier",
      "category",
      ...CATEGORY_AFFINITY_COLUMNS,
    ]);
  });
});

Deno.test("metricRows() gives the frame's rows with numbers, dates and nulls as such", () => {
  const byTier = metricRows<Keyed<FunnelRow, "tier">>(
    funnel(frame, { steps: ["A", "B"], breakdown: "tier" }),
  );
  assert.deepEqual(
    byTier.map((r) => [r.tier, r.step, r.label, r.users, r.step_conversion_pct]),
    [
      ["Basic", 1, "A", 1, null],
      ["Basic", 2, "B", 0, 0],
      ["Pro", 1, "A", 1, null],
      ["Pro", 2, "B", 1, 100],
    ],
  );
  const weekly = metricRows<RetentionRow>(retention(frame, { period: "week", intervals: 2 }));
  assert.ok(weekly[0]!.cohort instanceof Date);
  assert.equal(weekly[0]!.cohort.toISOString(), "2026-03-02T00:00:00.000Z");
  assert.equal(typeof weekly[0]!.is_complete, "boolean");
  // Rows given as rows come back as a copy of the same rows.
  assert.deepEqual(metricRows(byTier), byTier);
  assert.throws(() => metricRows(42 as never), TypeError);
});
