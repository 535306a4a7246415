import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { funnelChart, HOVER_TEMPLATE, PALETTE } from "../../lib/charts/mod.ts";

// Two tiers, three steps; CIs are made up but hand-checkable.
function funnelFrame(): pl.DataFrame {
  return pl.DataFrame({
    tier: ["Pro", "Pro", "Pro", "Basic", "Basic", "Basic"],
    step: [1, 2, 3, 1, 2, 3],
    label: ["Session", "View", "Publish", "Session", "View", "Publish"],
    users: [200, 150, 90, 1000, 400, 100],
    conversion_pct: [100, 75, 45, 100, 40, 10],
    conversion_ci_low: [98, 68.5, 38.3, 99.6, 37, 8.3],
    conversion_ci_high: [100, 80.5, 51.9, 100, 43.1, 12],
    step_conversion_pct: [100, 75, 60, 100, 40, 25],
  });
}

Deno.test("funnelChart() draws one bar trace per breakdown value with conversion heights", () => {
  const fig = funnelChart(funnelFrame(), { by: "tier", order: ["Basic", "Pro"], title: "T" });
  assert.equal(fig.data.length, 2);
  const [basic, pro] = fig.data;
  assert.equal(basic?.type, "bar");
  assert.equal(basic?.name, "Basic");
  assert.deepEqual(basic?.x, ["Session", "View", "Publish"]);
  assert.deepEqual(basic?.y, [100, 40, 10]);
  assert.deepEqual(pro?.y, [100, 75, 45]);
  assert.equal(fig.layout.barmode, "group");
});

Deno.test("funnelChart() turns CI bounds into asymmetric error bars", () => {
  const fig = funnelChart(funnelFrame(), { by: "tier", order: ["Basic", "Pro"] });
  const err = fig.data[1]?.error_y as { array: number[]; arrayminus: number[]; symmetric: boolean };
  assert.equal(err.symmetric, false);
  // Pro: high - value and value - low.
  assert.deepEqual(err.array.map((v) => Number(v.toFixed(6))), [0, 5.5, 6.9]);
  assert.deepEqual(err.arrayminus.map((v) => Number(v.toFixed(6))), [2, 6.5, 6.7]);
});

Deno.test("funnelChart() colours groups from the Okabe-Ito palette, overrides win", () => {
  const fig = funnelChart(funnelFrame(), { by: "tier", order: ["Basic", "Pro"] });
  assert.equal(fig.data[0]?.marker?.color, PALETTE[0]);
  assert.equal(fig.data[1]?.marker?.color, PALETTE[1]);
  const custom = funnelChart(funnelFrame(), { by: "tier", colors: { Pro: "#123456" } });
  assert.equal(custom.data.find((t) => t.name === "Pro")?.marker?.color, "#123456");
});

Deno.test("funnelChart() hover text gives exact users and both denominators", () => {
  const fig = funnelChart(funnelFrame(), { by: "tier", order: ["Basic", "Pro"] });
  const hover = fig.data[0]?.customdata as string[];
  assert.equal(fig.data[0]?.hovertemplate, HOVER_TEMPLATE);
  assert.match(hover[1]!, /400 of 1,000 users at “Session” \(40\.0%\)/);
  assert.match(hover[1]!, /95% CI: 37\.0% – 43\.1%/);
  assert.match(hover[2]!, /From previous step: 100 of 400 \(25\.0%\)/);
  assert.match(hover[0]!, /First step/);
});

Deno.test("funnelChart() orders steps by step number, not by row order", () => {
  const rows = funnelFrame().toRecords().reverse();
  const fig = funnelChart(rows, { by: "tier" });
  assert.deepEqual(fig.data[0]?.x, ["Session", "View", "Publish"]);
  assert.deepEqual((fig.layout.xaxis as { categoryarray: string[] }).categoryarray, [
    "Session",
    "View",
    "Publish",
  ]);
});

Deno.test("funnelChart() without a breakdown draws a single 'All users' series", () => {
  const frame = funnelFrame().filter(pl.col("tier").eq(pl.lit("Pro"))).drop("tier");
  const fig = funnelChart(frame, { title: "One series" });
  assert.equal(fig.data.length, 1);
  assert.equal(fig.data[0]?.name, "All users");
  assert.equal(fig.layout.showlegend, false);
  assert.equal((fig.layout.title as { text: string }).text, "One series");
});

Deno.test("funnelChart() escapes labels for Plotly so markup shows as text", () => {
  const frame = funnelFrame().withColumns(
    pl.lit("<script>alert(1)</script>").alias("label"),
  ).filter(pl.col("step").eq(1));
  const fig = funnelChart(frame, { by: "tier" });
  const json = JSON.stringify(fig);
  assert.ok(!json.includes("<script>"), "raw <script> survived in the figure");
  assert.deepEqual(fig.data[0]?.x, ["&lt;script&gt;alert(1)&lt;/script&gt;"]);
});

Deno.test("funnelChart() names the missing column", () => {
  assert.throws(
    () => funnelChart(funnelFrame().drop("conversion_ci_low"), { by: "tier" }),
    (err: Error) =>
      err instanceof TypeError && /column "conversion_ci_low" is missing/.test(err.message),
  );
});

Deno.test("funnelChart() reads renamed columns", () => {
  const frame = funnelFrame().rename({ users: "n_users", tier: "breakdown" });
  const fig = funnelChart(frame, { columns: { users: "n_users" } });
  assert.equal(fig.data.length, 2, "the 'breakdown' column is used when present");
  assert.match((fig.data[0]?.customdata as string[])[1]!, /150 of 200/);
});
