import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { rollingAverage } from "../../lib/analytics/mod.ts";
import { activityInsight } from "../../lib/insights/mod.ts";
import { fixtureReport, XSS_IMG } from "../report/_fixture.ts";

Deno.test("activityInsight() names the busiest and quietest group on the last day", () => {
  const insight = activityInsight(fixtureReport().rolling);
  assert.equal(insight.busiest, "NA");
  assert.equal(insight.quietest, XSS_IMG);
  assert.equal(
    insight.title,
    "NA has the most daily active users: 21 a day (7-day mean to 2026-01-07)",
  );
  assert.equal(
    insight.sentence,
    "In the 7 days to 2026-01-07, NA had the most daily active users (21 a day on average) " +
      `and ${XSS_IMG} the fewest (6).`,
  );
  assert.equal(activityInsight([]).title, "Daily active users by region");
});

Deno.test("activityInsight() reads a rollingAverage() frame", () => {
  const daily = pl.DataFrame({
    day: [new Date("2026-03-01T00:00:00Z"), new Date("2026-03-02T00:00:00Z")],
    team: ["a", "a"],
    n: [10, 20],
  });
  const dau = rollingAverage(daily, { value: "n", by: "team", ts: "day", window: 2 });
  const insight = activityInsight(dau, { by: "team", window: 2 });
  assert.equal(
    insight.sentence,
    "In the 2 days to 2026-03-02, a had 15 daily active users a day on average.",
  );
});
