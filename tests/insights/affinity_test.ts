import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { categoryAffinity } from "../../lib/analytics/mod.ts";
import { affinityInsight } from "../../lib/insights/mod.ts";
import { fixtureReport, XSS_SCRIPT } from "../report/_fixture.ts";

Deno.test("affinityInsight() lists only categories whose lift interval lies above 1", async (t) => {
  await t.step("Pro over-indexes on Metals only", () => {
    const insight = affinityInsight(fixtureReport().affinity, { tier: "Pro" });
    assert.deepEqual(insight.overIndexed, ["Metals"]);
    assert.equal(insight.underIndexed.length, 1);
    assert.equal(
      insight.sentence,
      "Pro users over-index on Metals, listing them more often than sellers overall (lift = " +
        "share in tier ÷ overall share, 200 Pro listings): Metals at 1.50× (95% CI 1.33–1.69): " +
        `60.0% of Pro listings vs 40.0% of all. They under-index most on ${XSS_SCRIPT}: 0.67× ` +
        "(95% CI 0.57–0.78).",
    );
  });

  await t.step("a lift above 1 whose interval reaches 1 is not named", () => {
    const affinity = fixtureReport().affinity.map((r) =>
      r.tier === "Pro" && r.category === "Metals" ? { ...r, lift_ci_low: 0.98 } : r
    );
    const insight = affinityInsight(affinity);
    assert.deepEqual(insight.overIndexed, []);
    assert.ok(insight.sentence.startsWith("Pro users do not clearly over-index on any category"));
  });

  await t.step("another tier: Basic over-indexes on Textiles, under-indexes on Metals", () => {
    const insight = affinityInsight(fixtureReport().affinity, { tier: "Basic" });
    assert.deepEqual(insight.overIndexed, ["Textiles"]);
    assert.deepEqual(insight.underIndexed, ["Metals"]);
  });

  await t.step("a tier with no listings", () => {
    assert.ok(affinityInsight([]).sentence.includes("no listings from Pro users"));
  });
});

Deno.test("affinityInsight() reads a categoryAffinity() frame with its own column names", () => {
  const tier: string[] = [];
  const kind: string[] = [];
  const add = (t: string, c: string, n: number) => {
    for (let i = 0; i < n; i++) {
      tier.push(t);
      kind.push(c);
    }
  };
  add("Basic", "Electronics", 60);
  add("Basic", "Metals", 20);
  add("Pro", "Electronics", 20);
  add("Pro", "Metals", 60);
  const affinity = categoryAffinity(pl.DataFrame({ seller: tier, kind }), {
    by: "seller",
    category: "kind",
  });
  const insight = affinityInsight(affinity, { tier: "Pro", by: "seller", category: "kind" });
  // Pro/Metals: share 0.75 vs 80/160 overall = lift 1.5; Pro/Electronics lift 0.5.
  assert.deepEqual(insight.overIndexed, ["Metals"]);
  assert.deepEqual(insight.underIndexed, ["Electronics"]);
  assert.ok(insight.sentence.includes("75.0% of Pro listings vs 50.0% of all"), insight.sentence);
});
