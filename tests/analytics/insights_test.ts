import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  activationGapSentence,
  affinitySentence,
  categoryAffinity,
  densitySentence,
  ecoImpactByRegion,
  ecoImpactSentence,
  funnel,
  regionalDensity,
  retention,
  retentionSentence,
} from "../../lib/analytics/mod.ts";
import { events, type Row } from "./_events.ts";

const funnelByTier = pl.DataFrame({
  tier: ["Basic", "Basic", "Basic", "Enterprise", "Enterprise", "Enterprise", "Pro", "Pro", "Pro"],
  step: [1, 2, 3, 1, 2, 3, 1, 2, 3],
  label: Array.from({ length: 3 }, () => ["session_start", "view_listing", "start_listing"]).flat(),
  users: [5120, 3000, 1441, 900, 700, 450, 4410, 4000, 2968],
});

Deno.test("activationGapSentence() compares the lowest and highest converting groups", async (t) => {
  await t.step("first to last step", () => {
    // 1441/5120 = 28.1% (Wilson 26.9–29.4%), 2968/4410 = 67.3% (65.9–68.7%)
    assert.equal(
      activationGapSentence(funnelByTier),
      "Basic users convert from session_start to start_listing at 28.1% (95% CI 26.9–29.4%, n=5,120) vs 67.3% for Pro users (95% CI 65.9–68.7%, n=4,410): a gap of 39.2 percentage points; the intervals do not overlap.",
    );
  });
  await t.step("the winner is read from the data", () => {
    const swapped = funnelByTier.withColumns(
      pl.when(pl.col("tier").eq(pl.lit("Pro"))).then(pl.lit("Basic"))
        .when(pl.col("tier").eq(pl.lit("Basic"))).then(pl.lit("Pro"))
        .otherwise(pl.col("tier")).alias("tier"),
    );
    assert.match(activationGapSentence(swapped), /^Pro users convert .* for Basic users/);
  });
  await t.step("between chosen steps, overlapping intervals flagged", () => {
    const small = pl.DataFrame({
      tier: ["A", "A", "B", "B"],
      step: [1, 2, 1, 2],
      label: ["x", "y", "x", "y"],
      users: [10, 4, 10, 6],
    });
    assert.match(
      activationGapSentence(small),
      /at 40\.0% .* vs 60\.0% for B users .*overlap, so the gap may be noise\.$/,
    );
  });
  await t.step("from a real funnel", () => {
    const rows: Row[] = [
      ["u1", "A", "2026-03-02T10:00:00Z", { tier: "Pro" }],
      ["u1", "B", "2026-03-02T11:00:00Z", { tier: "Pro" }],
      ["u2", "A", "2026-03-02T10:00:00Z", { tier: "Basic" }],
    ];
    const out = funnel(events(rows, ["tier"]), { steps: ["A", "B"], breakdown: "tier" });
    assert.match(
      activationGapSentence(out),
      /^Basic users convert from A to B at 0\.0% .* vs 100\.0% for Pro users/,
    );
  });
});

Deno.test("retentionSentence() pools complete cohorts and names the best and worst", () => {
  const table = pl.DataFrame({
    cohort: pl.Series(
      "cohort",
      ["2026-03-02", "2026-03-02", "2026-03-09", "2026-03-09", "2026-03-16", "2026-03-16"].map((
        d,
      ) => new Date(`${d}T00:00:00Z`)),
    ).cast(pl.Date),
    cohort_size: [700, 700, 655, 655, 500, 500],
    period: [0, 1, 0, 1, 0, 1],
    users: [700, 189, 655, 130, 500, 10],
    is_complete: [true, true, true, true, true, false],
  });
  // (189 + 130) / (700 + 655) = 23.5%; the incomplete 16 March cohort is left out
  assert.equal(
    retentionSentence(table),
    "Week-1 retention is 23.5% (95% CI 21.4–25.9%) over 2 complete cohorts (1,355 users); best: the cohort of 2026-03-02 at 27.0% (n=700), worst: 2026-03-09 at 19.8% (n=655).",
  );
  assert.equal(
    retentionSentence(table, { minCohortSize: 700 }),
    "Week-1 retention is 23.5% (95% CI 21.4–25.9%) over 2 complete cohorts (1,355 users).",
  );
  assert.equal(
    retentionSentence(table, { period: 3 }),
    "No complete cohort has reached week-3 yet.",
  );
  const real = retention(
    events([
      ["a", "s", "2026-03-02T00:00:00Z"],
      ["a", "s", "2026-03-03T00:00:00Z"],
      ["a", "s", "2026-03-05T00:00:00Z"],
    ]),
    { period: "day", intervals: 2, type: "recurring" },
  );
  // cohorts 2 March (back on 3 March) and 3 March (not back on 4 March); 5 March incomplete
  assert.match(retentionSentence(real), /^Day-1 retention is 50\.0% .* over 2 complete cohorts/);
});

Deno.test("densitySentence() and ecoImpactSentence() rank regions from the numbers", () => {
  const listings = pl.DataFrame({
    listing_id: ["a", "b", "c", "d", "e", "f"],
    region: ["NA", "NA", "NA", "APAC", "APAC", "EMEA"],
    eco_score_kg_co2e: [1, 2, 3, 10, 12, 5],
    is_published: [true, true, true, true, true, true],
    tier: ["Basic", "Pro", "Pro", "Pro", "Basic", "Basic"],
    category: ["x", "y", "y", "y", "x", "x"],
  });
  const users = pl.DataFrame({ region: ["NA", "APAC", "EMEA"], n_active_users: [1000, 4000, 100] });
  assert.equal(
    densitySentence(regionalDensity(listings, users)),
    "EMEA has the most listings per 1,000 active users: 10.0 (95% CI 1.8–56.6; 1 listings / 100 users), 20.0× APAC at 0.5 (95% CI 0.1–1.8; 2 / 4,000).",
  );
  assert.equal(
    ecoImpactSentence(ecoImpactByRegion(listings)),
    "Listings in APAC avoid the most CO2e: 11.0 kg on average (95% CI -1.7 to 23.7, n=2), vs 2.0 kg in NA (95% CI -0.5 to 4.5, n=3).",
  );
});

Deno.test("affinitySentence() names the highest lift among large enough cells", () => {
  const tier: string[] = [];
  const category: string[] = [];
  const add = (t: string, c: string, n: number) => {
    for (let i = 0; i < n; i++) {
      tier.push(t);
      category.push(c);
    }
  };
  add("Basic", "Electronics", 60);
  add("Basic", "Metals", 20);
  add("Pro", "Electronics", 20);
  add("Pro", "Metals", 60);
  add("Pro", "Batteries", 5);
  const affinity = categoryAffinity(pl.DataFrame({ tier, category }));
  // Pro/Batteries has lift 1.94 but only 5 listings, below minN 30; next is Basic/Electronics:
  // 0.75 / (80/165) = 1.547, Var(log lift) = 20²·0.25/(60·80²) + 20·(1 − 20/85)/80² = 0.00265
  assert.equal(
    affinitySentence(affinity),
    "Basic users list Electronics 1.55× as often as everyone (75.0% of their 80 listings vs 48.5% overall; lift 95% CI 1.40–1.71, p < 0.001).",
  );
  assert.match(affinitySentence(affinity, { minN: 1 }), /^Pro users list Batteries 1\.94×/);
  assert.equal(
    affinitySentence(affinity.head(0)),
    "No tier × category cell has at least 30 listings to compare.",
  );
});
