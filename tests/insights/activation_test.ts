import assert from "node:assert/strict";
import { funnel } from "../../lib/analytics/mod.ts";
import { type ActivationInput, activationInsight } from "../../lib/insights/mod.ts";
import { events, type Row } from "../analytics/_events.ts";
import { fixtureReport } from "../report/_fixture.ts";

type TierRow = ReturnType<typeof fixtureReport>["activation"]["funnel"][number];

function input(): { funnel: TierRow[]; activationStep: string; windowDays: number } {
  const a = fixtureReport().activation;
  return { funnel: a.funnel, activationStep: a.activationStep, windowDays: a.windowDays };
}

Deno.test("activationInsight() lets the data decide which tier is lowest and highest", async (t) => {
  await t.step("fixture: Basic lowest, Pro highest, intervals apart", () => {
    const insight = activationInsight(input());
    assert.equal(insight.lowest, "Basic");
    assert.equal(insight.highest, "Pro");
    assert.equal(insight.separated, true);
    assert.deepEqual(insight.groups.map((x) => [x.name, x.pct, x.n]), [
      ["Basic", 25, 100],
      ["Pro", 60, 200],
    ]);
    assert.equal(
      insight.sentence,
      "Basic users start a listing after a session far less often than Pro users: " +
        "25.0% (95% CI 17.5–34.4%, n=100) vs 60.0% (95% CI 53.1–66.5%, n=200) within 14 days, " +
        "so Pro users do so 2.4× as often; the 95% intervals do not overlap.",
    );
    assert.equal(
      insight.title,
      "Basic users start a listing after a session far less often than Pro users",
    );
  });

  await t.step("swapping the tiers' numbers swaps the sentence", () => {
    const swapped = input();
    swapped.funnel = swapped.funnel.map((r) => ({
      ...r,
      tier: r.tier === "Basic" ? "Pro" : "Basic",
    }));
    const insight = activationInsight(swapped);
    assert.equal(insight.lowest, "Pro");
    assert.ok(insight.sentence.startsWith("Pro users start a listing after a session"));
  });

  await t.step("overlapping intervals are reported as no clear gap", () => {
    const overlapping = input();
    overlapping.funnel = overlapping.funnel.map((r) =>
      r.tier === "Basic" && r.step === 3 ? { ...r, conversion_ci_high: 55 } : r
    );
    const insight = activationInsight(overlapping);
    assert.equal(insight.separated, false);
    assert.ok(insight.sentence.includes("about as often"), insight.sentence);
    assert.ok(insight.sentence.includes("the 95% intervals overlap"));
  });

  await t.step("a middle tier is quoted with its own interval and n", () => {
    const three = input();
    three.funnel.push(
      { ...three.funnel[0]!, tier: "Enterprise", users: 50 },
      {
        ...three.funnel[2]!,
        tier: "Enterprise",
        users: 20,
        conversion_pct: 40,
        conversion_ci_low: 27.6,
        conversion_ci_high: 53.8,
      },
    );
    const insight = activationInsight(three);
    assert.ok(insight.sentence.endsWith(" Enterprise: 40.0% (95% CI 27.6–53.8%, n=50)."));
  });

  await t.step("the activation step defaults to the last step; no window, no 'within'", () => {
    const insight = activationInsight({ funnel: fixtureReport().activation.funnel });
    assert.ok(insight.sentence.startsWith("Basic users publish a listing after a session"));
    assert.ok(!insight.sentence.includes("within"));
  });

  await t.step("an activation step that is not in the funnel is refused, naming the steps", () => {
    assert.throws(
      () => activationInsight({ ...input(), activationStep: "signup" }),
      /Cannot describe activation: step "signup" is not in the funnel \(steps: session_start, /,
    );
  });

  await t.step("one tier, or none", () => {
    const one = input();
    one.funnel = one.funnel.filter((r) => r.tier === "Pro");
    assert.equal(
      activationInsight(one).sentence,
      "Pro users start a listing after a session in 60.0% of cases (95% CI 53.1–66.5%, " +
        "n=200); there is no other tier to compare with.",
    );
    assert.equal(activationInsight({ ...input(), funnel: [] }).lowest, null);
  });
});

Deno.test("activationInsight() reads a funnel() frame and finds its breakdown column", () => {
  const rows: Row[] = [
    ["u1", "session_start", "2026-03-02T10:00:00Z", { tier: "Pro" }],
    ["u1", "start_listing", "2026-03-02T11:00:00Z", { tier: "Pro" }],
    ["u2", "session_start", "2026-03-02T10:00:00Z", { tier: "Basic" }],
    ["u3", "session_start", "2026-03-02T10:00:00Z", { tier: "Basic" }],
  ];
  const byTier = funnel(events(rows, ["tier"]), {
    steps: ["session_start", "start_listing"],
    breakdown: "tier",
  });
  const insight = activationInsight({ funnel: byTier });
  assert.deepEqual(insight.groups.map((g) => [g.name, g.users, g.n]), [
    ["Basic", 0, 2],
    ["Pro", 1, 1],
  ]);
  // 0 of 2 vs 1 of 1: Wilson intervals 0–65.8% and 20.7–100% overlap.
  assert.ok(
    insight.sentence.startsWith(
      "Basic and Pro users start a listing after a session about as often: 0.0% (95% CI " +
        "0.0–65.8%, n=2) vs 100.0% (95% CI 20.7–100.0%, n=1); the 95% intervals overlap",
    ),
    insight.sentence,
  );
});
