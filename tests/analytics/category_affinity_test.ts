import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { categoryAffinity } from "../../lib/analytics/category_affinity.ts";
import { col, round } from "./_events.ts";

function listings(cells: [string, string, number][]) {
  const tier: string[] = [];
  const category: string[] = [];
  for (const [t, c, n] of cells) {
    for (let i = 0; i < n; i++) {
      tier.push(t);
      category.push(c);
    }
  }
  return pl.DataFrame({ tier, category });
}

Deno.test("categoryAffinity() share, overall share and lift by hand", () => {
  // Basic: 6 Electronics, 2 Metals; Pro: 2 Electronics, 6 Metals. Overall 50/50.
  const out = categoryAffinity(listings([
    ["Basic", "Electronics", 6],
    ["Basic", "Metals", 2],
    ["Pro", "Electronics", 2],
    ["Pro", "Metals", 6],
  ]));
  assert.deepEqual(col(out, "tier"), ["Basic", "Basic", "Pro", "Pro"]);
  assert.deepEqual(col(out, "category"), ["Electronics", "Metals", "Electronics", "Metals"]);
  assert.deepEqual(col(out, "n"), [6, 2, 2, 6]);
  assert.deepEqual(col(out, "group_total"), [8, 8, 8, 8]);
  assert.deepEqual(col(out, "share"), [0.75, 0.25, 0.25, 0.75]);
  assert.deepEqual(col(out, "overall_share"), [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(col(out, "lift"), [1.5, 0.5, 0.5, 1.5]);
  // Var(log lift) for Basic/Electronics = 2²·(1−6/8)/(6·8²) + 2·(1−2/8)/8² = 0.0260417
  const half = 1.959963984540054 * Math.sqrt(0.0260416667);
  assert.deepEqual(round(col(out, "lift_ci_low"), 5)[0], round([1.5 * Math.exp(-half)], 5)[0]);
  assert.deepEqual(round(col(out, "lift_ci_high"), 5)[0], round([1.5 * Math.exp(half)], 5)[0]);
  // two-proportion z: (0.75 − 0.25) / √(0.25 · (1/8 + 1/8)) = 2, p = 0.0455
  assert.deepEqual(round(col(out, "z"), 9), [2, -2, -2, 2]);
  assert.deepEqual(round(col(out, "p_value"), 4), [0.0455, 0.0455, 0.0455, 0.0455]);
});

Deno.test("categoryAffinity() fills unseen pairs with zero and handles a single group", async (t) => {
  await t.step("unseen pair", () => {
    const out = categoryAffinity(listings([
      ["Basic", "Electronics", 3],
      ["Pro", "Electronics", 1],
      ["Pro", "Metals", 4],
    ]));
    const row = out.filter(
      pl.col("tier").eq(pl.lit("Basic")).and(pl.col("category").eq(pl.lit("Metals"))),
    );
    assert.deepEqual(col(row, "n"), [0]);
    assert.deepEqual(col(row, "lift"), [0]);
    assert.deepEqual(col(row, "lift_ci_low"), [null]);
  });
  await t.step("one group: lift is exactly 1, no test", () => {
    const out = categoryAffinity(listings([["Pro", "A", 2], ["Pro", "B", 3]]));
    assert.deepEqual(col(out, "lift"), [1, 1]);
    assert.deepEqual(col(out, "lift_ci_low"), [1, 1]);
    assert.deepEqual(col(out, "p_value"), [null, null]);
  });
});

Deno.test("categoryAffinity() custom columns, nulls dropped, empty input", () => {
  const frame = pl.DataFrame({
    region: ["NA", "NA", null, "EU"],
    kind: ["x", "y", "x", null],
  });
  const out = categoryAffinity(frame, { by: "region", category: "kind" });
  assert.deepEqual(out.columns.slice(0, 2), ["region", "kind"]);
  assert.deepEqual(col(out, "n"), [1, 1]);
  assert.equal(categoryAffinity(frame.head(0), { by: "region", category: "kind" }).height, 0);
  assert.throws(() => categoryAffinity(frame), /"tier"/);
});
