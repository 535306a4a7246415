import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  INCOMPLETE_MARK,
  MUTED_FILL,
  retentionHeatmap,
  SEQUENTIAL_SCALE,
} from "../../lib/charts/mod.ts";

// Two weekly cohorts; the younger cohort's week 1 is still running.
function retentionFrame(): pl.DataFrame {
  return pl.DataFrame({
    cohort: ["2026-03-09", "2026-03-02", "2026-03-02", "2026-03-09", "2026-03-02"],
    period: [0, 0, 1, 1, 2],
    retention_pct: [100, 100, 40, 30, 25],
    users: [80, 50, 20, 24, 12.5 * 1],
    cohort_size: [80, 50, 50, 80, 50],
    is_complete: [true, true, true, false, true],
  }).withColumns(pl.col("cohort").str.strptime(pl.Date, "%Y-%m-%d"));
}

Deno.test("retentionHeatmap() lays cohorts (ascending) by periods", () => {
  const fig = retentionHeatmap(retentionFrame(), { title: "T" });
  const [done] = fig.data;
  assert.deepEqual(done?.y, ["2026-03-02", "2026-03-09"]);
  assert.deepEqual(done?.x, [0, 1, 2]);
  assert.deepEqual(done?.z, [[100, 40, 25], [100, null, null]]);
  assert.equal(done?.colorscale, SEQUENTIAL_SCALE);
  assert.equal((fig.layout.yaxis as { autorange: string }).autorange, "reversed");
});

Deno.test("retentionHeatmap() puts incomplete cells in a separate grey, starred trace", () => {
  const fig = retentionHeatmap(retentionFrame());
  const open = fig.data[1];
  assert.equal(open?.name, "Incomplete");
  assert.deepEqual(open?.z, [[null, null, null], [null, 30, null]]);
  assert.deepEqual(open?.colorscale, [[0, MUTED_FILL], [1, MUTED_FILL]]);
  assert.equal((open?.text as string[][])[1]![1], `30%${INCOMPLETE_MARK}`);
  const notes = fig.layout.annotations as { text: string }[];
  assert.equal(notes.length, 1);
  assert.match(notes[0]!.text, /still in progress/);
});

Deno.test("retentionHeatmap() annotates cells and hovers with users and cohort size", () => {
  const fig = retentionHeatmap(retentionFrame(), { periodUnit: "week" });
  assert.equal((fig.data[0]?.text as string[][])[0]![1], "40%");
  assert.equal(fig.data[0]?.texttemplate, "%{text}");
  const hover = fig.data[0]?.customdata as string[][];
  assert.match(hover[0]![1]!, /Cohort 2026-03-02 · week 1/);
  assert.match(hover[0]![1]!, /20 of 50 cohort users/);
  assert.match(hover[1]![1]!, /24 of 80 cohort users<br>Incomplete/);
});

Deno.test("retentionHeatmap() scales colours to the largest value after period 0", () => {
  const fig = retentionHeatmap(retentionFrame());
  assert.equal(fig.data[0]?.zmin, 0);
  assert.equal(fig.data[0]?.zmax, 40);
});

Deno.test("retentionHeatmap() without is_complete treats every cell as complete", () => {
  const fig = retentionHeatmap(retentionFrame().drop("is_complete"));
  assert.deepEqual(fig.data[0]?.z, [[100, 40, 25], [100, 30, null]]);
  assert.deepEqual(fig.layout.annotations, []);
});
