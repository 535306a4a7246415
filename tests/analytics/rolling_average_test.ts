import assert from "node:assert/strict";
import pl, { type DataFrame } from "nodejs-polars";
import { rollingAverage } from "../../lib/analytics/rolling_average.ts";
import { col, events, round, type Row } from "./_events.ts";

function dates(frame: DataFrame): string[] {
  return col<string>(frame.select(pl.col("date").cast(pl.Utf8)), "date");
}

const rows: Row[] = [
  ["u1", "s", "2026-03-01T08:00:00Z", { region: "NA" }],
  ["u2", "s", "2026-03-01T23:59:59Z", { region: "NA" }],
  ["u3", "s", "2026-03-03T00:00:00Z", { region: "NA" }],
  ["u4", "s", "2026-03-02T10:00:00Z", { region: "EU" }],
  ["u5", "s", "2026-03-02T11:00:00Z", { region: "EU" }],
  ["u6", "s", "2026-03-02T12:00:00Z", { region: "EU" }],
];

Deno.test("rollingAverage() counts rows per day, fills missing days with zero, per group", () => {
  const out = rollingAverage(events(rows, ["region"]), { by: "region", window: 2 });
  assert.deepEqual(out.columns, ["date", "region", "value", "rolling_mean"]);
  assert.deepEqual(col(out, "region"), ["EU", "EU", "EU", "NA", "NA", "NA"]);
  assert.deepEqual(dates(out), [
    "2026-03-01",
    "2026-03-02",
    "2026-03-03",
    "2026-03-01",
    "2026-03-02",
    "2026-03-03",
  ]);
  assert.deepEqual(col(out, "value"), [0, 3, 0, 2, 0, 1]);
  assert.deepEqual(col(out, "rolling_mean"), [0, 1.5, 1.5, 2, 1, 0.5]);
});

Deno.test("rollingAverage() sums a value column from a daily mart with a Date column", () => {
  const mart = pl.DataFrame({
    activity_date: pl.Series("activity_date", [
      new Date("2026-03-01T00:00:00Z"),
      new Date("2026-03-01T00:00:00Z"),
      new Date("2026-03-04T00:00:00Z"),
    ]).cast(pl.Date),
    n_active_users: pl.Series("n_active_users", [10, 5, null], pl.Float64),
  });
  const out = rollingAverage(mart, { value: "n_active_users", ts: "activity_date", window: 3 });
  assert.deepEqual(dates(out), ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]);
  assert.deepEqual(col(out, "value"), [15, 0, 0, 0]);
  assert.deepEqual(col(out, "rolling_mean"), [15, 7.5, 5, 0]);
});

Deno.test("rollingAverage() minPeriods leaves the first days null; default window is 7", async (t) => {
  await t.step("window 3, minPeriods 3", () => {
    const out = rollingAverage(events(rows), { window: 3, minPeriods: 3 });
    assert.deepEqual(col(out, "value"), [2, 3, 1]);
    assert.deepEqual(col(out, "rolling_mean"), [null, null, 2]);
  });
  await t.step("default window averages the days so far", () => {
    const out = rollingAverage(events(rows));
    assert.deepEqual(round(col(out, "rolling_mean")), [2, 2.5, 2]);
  });
});

Deno.test("rollingAverage() from/to set the calendar and drop rows outside it", () => {
  const out = rollingAverage(events(rows), {
    from: new Date("2026-02-27T00:00:00Z"),
    to: new Date("2026-03-02T00:00:00Z"),
    window: 2,
  });
  assert.deepEqual(dates(out), ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
  assert.deepEqual(col(out, "value"), [0, 0, 2, 3]);
  assert.deepEqual(col(out, "rolling_mean"), [0, 0, 1, 2.5]);
});

Deno.test("rollingAverage() keeps a null group as its own series", () => {
  const withNull: Row[] = [...rows, ["u7", "s", "2026-03-02T00:00:00Z", { region: null }]];
  const out = rollingAverage(events(withNull, ["region"]), { by: "region", window: 1 });
  const nullRows = out.filter(pl.col("region").isNull());
  assert.deepEqual(col(nullRows, "value"), [0, 1, 0]);
});

Deno.test("rollingAverage() empty input returns an empty frame with the output schema", async (t) => {
  for (const engine of ["streaming", "in-memory"] as const) {
    await t.step(engine, () => {
      const out = rollingAverage(events([], ["region"]), { by: "region", engine });
      assert.equal(out.height, 0);
      assert.deepEqual(out.columns, ["date", "region", "value", "rolling_mean"]);
      const plain = rollingAverage(events([]), { engine });
      assert.equal(plain.height, 0);
    });
  }
});

Deno.test("rollingAverage() rejects bad options with a message naming the option", () => {
  const frame = events(rows, ["region"]);
  assert.throws(() => rollingAverage(frame, { window: 0 }), /"window"/);
  assert.throws(() => rollingAverage(frame, { window: 3, minPeriods: 4 }), /"minPeriods"/);
  assert.throws(() => rollingAverage(frame, { by: "tier" }), /"tier"/);
});
