/** checkHistoryChart(): panels, band, expected line, flagged points, escaping. */
import assert from "node:assert/strict";
import { checkHistoryChart } from "../../lib/charts/mod.ts";

const day = (d: number) => new Date(Date.UTC(2026, 0, d));

const points = [
  { series: "view", x: day(2), value: 300, expected: 290, lower: 200, upper: 380, flagged: false },
  {
    series: "view",
    x: day(1),
    value: 280,
    expected: null,
    lower: null,
    upper: null,
    flagged: false,
  },
  { series: "search", x: day(1), value: 100, expected: 98, lower: 70, upper: 130, flagged: false },
  { series: "search", x: day(2), value: 31, expected: 101, lower: 72, upper: 134, flagged: true },
  { series: "<b>x</b>", x: day(1), value: 5, flagged: false },
];

Deno.test("checkHistoryChart() draws one panel per series, flagged series first", () => {
  const fig = checkHistoryChart(points, { title: "Rows per day", valueLabel: "Rows" });
  const observed = fig.data.filter((t) => t.name === "Observed");
  // search (flagged) first, then the others by name.
  assert.deepEqual(observed.map((t) => [t.xaxis, t.yaxis, t.y]), [
    ["x", "y", [100, 31]],
    ["x2", "y2", [5]],
    ["x3", "y3", [280, 300]],
  ]);
  assert.deepEqual(observed.map((t) => t.x), [
    ["2026-01-01", "2026-01-02"],
    ["2026-01-01"],
    ["2026-01-01", "2026-01-02"],
  ]);
  const flagged = fig.data.filter((t) => t.name === "Flagged");
  assert.deepEqual(flagged.map((t) => [t.x, t.y]), [[["2026-01-02"], [31]], [[], []], [[], []]]);
  // The band: upper first, then lower filled up to it; absent where no point has a band.
  const band = fig.data.filter((t) => t.name === "Expected band" && t.yaxis === "y3");
  assert.deepEqual(band.map((t) => [t.y, t.fill ?? null]), [
    [[null, 380], null],
    [[0, 200], "tonexty"],
  ]);
  assert.equal(fig.data.filter((t) => t.yaxis === "y2" && t.name === "Expected band").length, 0);
  // Legend entries once, on the first panel.
  assert.deepEqual(
    fig.data.filter((t) => t.showlegend).map((t) => t.name),
    ["Expected band", "Expected", "Observed", "Flagged"],
  );
  const layout = fig.layout as Record<string, Record<string, unknown>>;
  assert.deepEqual(layout.grid, {
    rows: 3,
    columns: 1,
    pattern: "independent",
    roworder: "top to bottom",
  });
  assert.equal(layout.xaxis2?.matches, "x");
  const annotations = fig.layout.annotations as { text: string; yref: string }[];
  assert.deepEqual(annotations.map((a) => [a.text, a.yref]), [
    ["<b>search</b>", "y domain"],
    ["<b>&lt;b&gt;x&lt;/b&gt;</b>", "y2 domain"],
    ["<b>view</b>", "y3 domain"],
  ]);
  const hover = observed[0]!.customdata as string[];
  assert.equal(
    hover[1],
    "<b>search</b> · 2026-01-02<br>Observed: 31<br>Expected: 101<br>Band: 72 – 134<br><b>Flagged</b>",
  );
});

Deno.test("checkHistoryChart() with one series titles the y axis; order puts series first", () => {
  const one = checkHistoryChart(points.filter((p) => p.series === "view"), {
    valueLabel: "Age (hours)",
    xLabel: "Run (UTC)",
  });
  const layout = one.layout as Record<string, { title?: { text: string } }>;
  assert.equal(layout.yaxis?.title?.text, "Age (hours)");
  assert.equal(layout.xaxis?.title?.text, "Run (UTC)");
  assert.equal(one.layout.annotations, undefined);
  const ordered = checkHistoryChart(points, { order: ["view"] });
  assert.deepEqual(
    ordered.data.filter((t) => t.name === "Observed").map((t) => (t.y as number[])[0]),
    [280, 100, 5],
  );
  const empty = checkHistoryChart([]);
  assert.deepEqual(empty.data, []);
});
