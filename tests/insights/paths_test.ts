import assert from "node:assert/strict";
import { paths } from "../../lib/analytics/mod.ts";
import { pathsInsight } from "../../lib/insights/mod.ts";
import { events, type Row, us } from "../analytics/_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const MIN = 60_000_000;

/** Basic: 4 users (2 search, 1 view, 1 ends); Pro: 2 users (1 start_listing, 1 search). */
function rows(): Row[] {
  const out: Row[] = [];
  const journey = (user: string, tier: string, next: string[]) => {
    out.push([user, "session_start", t0, { tier }]);
    next.forEach((e, i) => out.push([user, e, t0 + (i + 1) * MIN, { tier }]));
  };
  journey("b1", "Basic", ["search", "view_listing"]);
  journey("b2", "Basic", ["search"]);
  journey("b3", "Basic", ["view_listing"]);
  journey("b4", "Basic", []);
  journey("p1", "Pro", ["start_listing"]);
  journey("p2", "Pro", ["search"]);
  return out;
}

Deno.test("pathsInsight() names each group's most frequent next events from the numbers", () => {
  const edges = paths(events(rows(), ["tier"]), {
    start: "session_start",
    steps: 2,
    breakdown: "tier",
  });
  const insight = pathsInsight({ paths: edges });
  assert.equal(insight.anchor, "session_start");
  assert.deepEqual(insight.groups.map((g) => [g.name, g.users]), [["Basic", 4], ["Pro", 2]]);
  assert.equal(
    insight.sentence,
    "After session_start, Basic users most often go on to search (50.0% of 4 users), then " +
      "view_listing (25.0%); 25.0% end their journey there. Pro users most often go on to " +
      "search (50.0% of 2 users), then start_listing (50.0%).",
  );
  assert.equal(insight.title, "After session_start, Basic users most often go on to search");
});

Deno.test("pathsInsight() compares one next event across groups with intervals", () => {
  const edges = paths(events(rows(), ["tier"]), { start: "session_start", breakdown: "tier" });
  const insight = pathsInsight({
    paths: edges,
    groups: ["Basic", "Pro"],
    top: 1,
    compare: "start_listing",
  });
  assert.ok(
    insight.sentence.endsWith(
      "start_listing comes next for 0.0% of Basic users (95% CI 0.0–49.0%; 0 of 4) and " +
        "50.0% of Pro users (95% CI 9.5–90.5%; 1 of 2).",
    ),
    insight.sentence,
  );
});

Deno.test("pathsInsight() before an end event, without a breakdown, and with no data", () => {
  const edges = paths(events(rows()), { end: "search", steps: 1 });
  const insight = pathsInsight({ paths: edges });
  assert.equal(
    insight.sentence,
    "Before search, users most often come from session_start (100.0% of 3 users).",
  );
  const none = pathsInsight({ paths: paths(events([]), { start: "session_start" }) });
  assert.equal(none.groups.length, 0);
  assert.match(none.sentence, /no paths to describe/);
});
