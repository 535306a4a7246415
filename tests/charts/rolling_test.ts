import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { PALETTE, rollingLines } from "../../lib/charts/mod.ts";

function dailyFrame(): pl.DataFrame {
  return pl.DataFrame({
    date: ["2026-03-02", "2026-03-01", "2026-03-01", "2026-03-02", "2026-03-03"],
    region: ["NA", "NA", "EMEA", "EMEA", "NA"],
    value: [14, 10, 5, 7, 12],
    rolling_mean: [12, 10, 5, 6, 12],
    n_users: [100, 90, 50, 55, 95],
  }).withColumns(pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"));
}

Deno.test("rollingLines() draws one line per group of rolling means, sorted by date", () => {
  const fig = rollingLines(dailyFrame(), { by: "region", title: "T" });
  const lines = fig.data.filter((t) => t.mode === "lines");
  assert.deepEqual(lines.map((t) => t.name), ["NA", "EMEA"]);
  assert.deepEqual(lines[0]?.x, ["2026-03-01", "2026-03-02", "2026-03-03"]);
  assert.deepEqual(lines[0]?.y, [10, 12, 12]);
  assert.deepEqual(lines[1]?.y, [5, 6]);
  assert.equal(lines[0]?.line?.color, PALETTE[0]);
  assert.equal(lines[1]?.line?.color, PALETTE[1]);
});

Deno.test("rollingLines() adds faint daily markers in the group colour, without legend entries", () => {
  const fig = rollingLines(dailyFrame(), { by: "region", order: ["EMEA"] });
  const markers = fig.data.filter((t) => t.mode === "markers");
  assert.equal(markers.length, 2);
  assert.equal(markers[0]?.name, "EMEA");
  assert.deepEqual(markers[0]?.y, [5, 7]);
  assert.equal(markers[0]?.marker?.color, PALETTE[0]);
  assert.ok(Number(markers[0]?.marker?.opacity) < 0.5);
  assert.equal(markers[0]?.showlegend, false);
  // Markers come first so lines draw on top.
  assert.equal(fig.data[0]?.mode, "markers");
});

Deno.test("rollingLines() with showDaily false draws lines only", () => {
  const fig = rollingLines(dailyFrame(), { by: "region", showDaily: false });
  assert.deepEqual(fig.data.map((t) => t.mode), ["lines", "lines"]);
});

Deno.test("rollingLines() hover shows the mean, the day's value and an optional denominator", () => {
  const fig = rollingLines(dailyFrame(), {
    by: "region",
    rollingLabel: "7-day mean",
    columns: { denominator: "n_users" },
  });
  const line = fig.data.find((t) => t.mode === "lines" && t.name === "NA");
  const hover = line?.customdata as string[];
  assert.match(hover[1]!, /NA<\/b> · 2026-03-02/);
  assert.match(hover[1]!, /7-day mean: 12\.0/);
  assert.match(hover[1]!, /Daily: 14 \(of 100\)/);
});

Deno.test("rollingLines() keeps the time of day for datetime values", () => {
  const fig = rollingLines([
    { date: new Date("2026-03-01T06:30:00Z"), group: "A", value: 1, rolling_mean: 1 },
  ]);
  assert.deepEqual(fig.data[1]?.x, ["2026-03-01 06:30:00.000"]);
  assert.equal((fig.layout.xaxis as { type: string }).type, "date");
});
