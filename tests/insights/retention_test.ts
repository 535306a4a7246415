import assert from "node:assert/strict";
import { retention } from "../../lib/analytics/mod.ts";
import { retentionSentence } from "../../lib/insights/mod.ts";
import { events } from "../analytics/_events.ts";
import { fixtureReport } from "../report/_fixture.ts";

Deno.test("retentionSentence() pools complete cohorts only", () => {
  const rows = fixtureReport().retention.rows;
  assert.equal(
    retentionSentence(rows),
    "Pooled over cohorts whose week is complete, 50.0% (95% CI 40.4–59.6%; 50 of 100 " +
      "users, 1 cohort) are active again in week 1 and 40.0% (95% CI 30.9–49.8%; 40 of 100 " +
      "users, 1 cohort) in week 2. Grey cells marked * are weeks still in progress at the " +
      "end of the data.",
  );
  const none = rows.filter((r) => r.period === 0);
  assert.ok(retentionSentence(none, { unit: "week" }).startsWith("No cohort has a complete week"));
});

Deno.test("retentionSentence() reads a retention() frame and names its period", () => {
  const daily = retention(
    events([
      ["a", "s", "2026-03-02T00:00:00Z"],
      ["a", "s", "2026-03-03T00:00:00Z"],
      ["b", "s", "2026-03-03T00:00:00Z"],
      ["a", "s", "2026-03-05T00:00:00Z"],
    ]),
    { period: "day", intervals: 2 },
  );
  // First-time cohorts: 2 March (a, back on 3 March) and 3 March (b, not back on 4 March).
  assert.ok(
    retentionSentence(daily).startsWith(
      "Pooled over cohorts whose day is complete, 50.0% (95% CI 9.5–90.5%; 1 of 2 users, " +
        "2 cohorts) are active again in day 1.",
    ),
    retentionSentence(daily),
  );
});
