import assert from "node:assert/strict";
import {
  activationInsight,
  affinityInsight,
  flowSentence,
  idSyncSentence,
  listPhrase,
  regionalInsight,
  retentionSummary,
} from "../../lib/report/mod.ts";
import { fixtureReport } from "./_fixture.ts";

Deno.test("activationInsight() lets the data decide which tier is lowest and highest", async (t) => {
  await t.step("fixture: Basic lowest, Pro highest, intervals apart", () => {
    const insight = activationInsight(fixtureReport().activation);
    assert.equal(insight.lowest, "Basic");
    assert.equal(insight.highest, "Pro");
    assert.equal(insight.separated, true);
    assert.deepEqual(insight.tiers.map((x) => [x.tier, x.pct, x.n]), [
      ["Basic", 25, 100],
      ["Pro", 60, 200],
    ]);
  });

  await t.step("swapping the tiers' numbers swaps the sentence", () => {
    const activation = fixtureReport().activation;
    activation.funnel = activation.funnel.map((r) => ({
      ...r,
      tier: r.tier === "Basic" ? "Pro" : "Basic",
    }));
    const insight = activationInsight(activation);
    assert.equal(insight.lowest, "Pro");
    assert.ok(insight.sentence.startsWith("Pro users start a listing after a session"));
  });

  await t.step("overlapping intervals are reported as no clear gap", () => {
    const activation = fixtureReport().activation;
    activation.funnel = activation.funnel.map((r) =>
      r.tier === "Basic" && r.step === 3 ? { ...r, conversion_ci_high: 55 } : r
    );
    const insight = activationInsight(activation);
    assert.equal(insight.separated, false);
    assert.ok(insight.sentence.includes("about as often"), insight.sentence);
    assert.ok(insight.sentence.includes("the 95% intervals overlap"));
  });

  await t.step("a middle tier is quoted with its own interval and n", () => {
    const activation = fixtureReport().activation;
    activation.funnel.push(
      { ...activation.funnel[0]!, tier: "Enterprise", users: 50 },
      {
        ...activation.funnel[2]!,
        tier: "Enterprise",
        users: 20,
        conversion_pct: 40,
        conversion_ci_low: 27.6,
        conversion_ci_high: 53.8,
      },
    );
    const insight = activationInsight(activation);
    assert.ok(insight.sentence.endsWith(" Enterprise: 40.0% (95% CI 27.6–53.8%, n=50)."));
  });
});

Deno.test("regionalInsight() names the top region for density and for eco impact", async (t) => {
  await t.step("different regions", () => {
    const insight = regionalInsight(fixtureReport().regions);
    assert.equal(insight.topDensity, "EMEA");
    assert.equal(insight.topEco, "NA");
    assert.equal(insight.title, "EMEA lists the most per user; NA listings avoid the most CO₂e");
  });

  await t.step("the same region on both", () => {
    const regions = fixtureReport().regions.map((r) =>
      r.region === "EMEA" ? { ...r, eco_kg_per_listing: 120, eco_ci_low: 110, eco_ci_high: 130 } : r
    );
    const insight = regionalInsight(regions);
    assert.equal(insight.topEco, "EMEA");
    assert.ok(insight.sentence.includes("Its listings also avoid the most CO₂e: 120.0 kg"));
  });

  await t.step("no regions", () => {
    assert.equal(regionalInsight([]).topDensity, null);
  });
});

Deno.test("affinityInsight() lists only categories whose lift interval lies above 1", async (t) => {
  await t.step("Pro over-indexes on Metals only", () => {
    const insight = affinityInsight(fixtureReport().affinity, "Pro");
    assert.deepEqual(insight.overIndexed, ["Metals"]);
    assert.equal(insight.underIndexed.length, 1);
  });

  await t.step("a lift above 1 whose interval reaches 1 is not named", () => {
    const affinity = fixtureReport().affinity.map((r) =>
      r.tier === "Pro" && r.category === "Metals" ? { ...r, lift_ci_low: 0.98 } : r
    );
    const insight = affinityInsight(affinity, "Pro");
    assert.deepEqual(insight.overIndexed, []);
    assert.ok(insight.sentence.startsWith("Pro users do not clearly over-index on any category"));
  });

  await t.step("another tier: Basic over-indexes on Textiles, under-indexes on Metals", () => {
    const insight = affinityInsight(fixtureReport().affinity, "Basic");
    assert.deepEqual(insight.overIndexed, ["Textiles"]);
    assert.deepEqual(insight.underIndexed, ["Metals"]);
  });

  await t.step("a tier with no listings", () => {
    assert.ok(affinityInsight([], "Pro").sentence.includes("no listings from Pro users"));
  });
});

Deno.test("listPhrase() joins with commas and a final 'and'", () => {
  assert.equal(listPhrase([]), "");
  assert.equal(listPhrase(["Industrial"]), "Industrial");
  assert.equal(listPhrase(["Industrial", "Electronics"]), "Industrial and Electronics");
  assert.equal(listPhrase(["a", "b", "c"]), "a, b and c");
});

Deno.test("health sentences account for every line and state the match rates", () => {
  const health = fixtureReport().health;
  assert.equal(
    flowSentence(health.outcomes),
    "Of 1,000 event lines delivered, 5 (0.50%) were rejected at load (invalid JSON), " +
      "10 (1.00%) were duplicate deliveries, 5 (0.50%) were quarantined " +
      "(<script>alert(1)</script>) and 980 (98.00%) were kept, 20 of them from user ids not " +
      "in the registry (flagged as orphans).",
  );
  const id = idSyncSentence(health.idSync);
  assert.ok(id.startsWith("Before standardisation, 95.0% of 980 clean event rows (931)"), id);
  assert.ok(id.includes("98.0% (960) do, 100.0% of rows from registry users"), id);
  assert.ok(idSyncSentence(null).includes("missing"));
  assert.ok(flowSentence([]).includes("missing"));
});

Deno.test("retentionSummary() pools complete cohorts only", () => {
  const data = fixtureReport().retention;
  assert.ok(
    retentionSummary(data).startsWith(
      "Pooled over cohorts whose week is complete, 50.0% (95% CI 40.4–59.6%; 50 of 100 " +
        "users, 1 cohort) are active again in week 1 and 40.0% (95% CI 30.9–49.8%; 40 of 100 " +
        "users, 1 cohort) in week 2.",
    ),
  );
  const none = { ...data, rows: data.rows.filter((r) => r.period === 0) };
  assert.ok(retentionSummary(none).startsWith("No cohort has a complete week"));
});
