import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { affinityHeatmap, DIVERGING_SCALE } from "../../lib/charts/mod.ts";

function affinityFrame(): pl.DataFrame {
  return pl.DataFrame({
    tier: ["Basic", "Basic", "Pro", "Pro"],
    category: ["Metals", "Textiles", "Metals", "Textiles"],
    lift: [0.8, 1.1, 1.6, 0.7],
    share: [0.2, 0.33, 0.4, 0.21],
    overall_share: [0.25, 0.3, 0.25, 0.3],
    n: [40, 66, 24, 13],
    group_total: [200, 200, 60, 60],
  });
}

Deno.test("affinityHeatmap() builds a tier × category lift matrix", () => {
  const fig = affinityHeatmap(affinityFrame(), { title: "Pro over-indexes on metals" });
  const [t] = fig.data;
  assert.equal(t?.type, "heatmap");
  assert.deepEqual(t?.y, ["Basic", "Pro"]);
  assert.deepEqual(t?.x, ["Metals", "Textiles"]);
  assert.deepEqual(t?.z, [[0.8, 1.1], [1.6, 0.7]]);
  assert.deepEqual(t?.text, [["0.80×", "1.10×"], ["1.60×", "0.70×"]]);
});

Deno.test("affinityHeatmap() centres a diverging scale at 1, symmetric around it", () => {
  const t = affinityHeatmap(affinityFrame()).data[0];
  assert.equal(t?.colorscale, DIVERGING_SCALE);
  assert.equal(t?.zmid, 1);
  assert.ok(Math.abs(Number(t?.zmin) - 0.4) < 1e-9);
  assert.ok(Math.abs(Number(t?.zmax) - 1.6) < 1e-9);
});

Deno.test("affinityHeatmap() hover shows share, overall share and n of row total", () => {
  const hover = affinityHeatmap(affinityFrame()).data[0]?.customdata as string[][];
  assert.match(hover[1]![0]!, /Pro × Metals/);
  assert.match(hover[1]![0]!, /Share in Pro: 40\.0% vs 25\.0% overall/);
  assert.match(hover[1]![0]!, /n = 24 of 60 listings/);
});

Deno.test("affinityHeatmap() honours row order and percent share units", () => {
  const frame = affinityFrame().rename({ share: "share_pct", overall_share: "overall_pct" })
    .withColumns(pl.col("share_pct").mul(100), pl.col("overall_pct").mul(100));
  const fig = affinityHeatmap(frame, {
    rowOrder: ["Pro", "Basic"],
    columns: { share: "share_pct", overallShare: "overall_pct" },
  });
  assert.deepEqual(fig.data[0]?.y, ["Pro", "Basic"]);
  const hover = fig.data[0]?.customdata as string[][];
  assert.match(hover[0]![0]!, /40\.0% vs 25\.0%/);
});
