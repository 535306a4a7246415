import assert from "node:assert/strict";
import { type AlertResult, type AlertStateRow, planAlerts } from "../../lib/alerts/mod.ts";

const T0 = Date.parse("2026-04-01T04:00:00Z");
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

function test(
  name: string,
  outcome: AlertResult["outcome"],
  failures = 0,
  extra: Partial<AlertResult> = {},
): AlertResult {
  return {
    key: `test:${name}`,
    model: "stg_events",
    name,
    kind: "test",
    severity: outcome === "warn" ? "warn" : "error",
    outcome,
    failures,
    ...extra,
  };
}

const summary = (plan: ReturnType<typeof planAlerts>) => ({
  alerts: plan.alerts.map((a) => `${a.result.name}:${a.reason}`),
  resolved: plan.resolved.map((r) => r.result.name),
  suppressed: plan.suppressed.map((s) => s.result.name),
});

Deno.test("planAlerts() across three runs: new, suppressed, changed, reminder, resolved once", async (t) => {
  let state: AlertStateRow[] = [];
  await t.step("run 1: two new failures, a pass with no history says nothing", () => {
    const plan = planAlerts(
      [
        test("not_null_event_id", "fail", 12),
        test("volume_anomaly", "warn", 1, {
          kind: "check",
          fingerprint: "start_listing@2026-03-10",
        }),
        test("unique_event_id", "pass"),
      ],
      state,
      { now: at(0) },
    );
    assert.deepEqual(summary(plan), {
      alerts: ["not_null_event_id:new", "volume_anomaly:new"],
      resolved: [],
      suppressed: [],
    });
    assert.deepEqual(plan.state.map((s) => `${s.alert_key} ${s.status}`), [
      "test:not_null_event_id failing",
      "test:volume_anomaly failing",
    ]);
    state = plan.state;
  });
  await t.step(
    "run 2 (6 h later): same result suppressed, a changed result and a new failure alerted",
    () => {
      const plan = planAlerts(
        [
          test("not_null_event_id", "fail", 12),
          test("volume_anomaly", "warn", 2, {
            kind: "check",
            fingerprint: "start_listing@2026-03-10,search@2026-03-11",
          }),
          test("unique_event_id", "fail", 3),
        ],
        state,
        { now: at(6) },
      );
      assert.deepEqual(summary(plan), {
        alerts: ["volume_anomaly:changed", "unique_event_id:new"],
        resolved: [],
        suppressed: ["not_null_event_id"],
      });
      assert.equal(plan.suppressed[0]!.quietUntil, at(24).toISOString());
      assert.equal(plan.alerts[0]!.failingSince, at(0).toISOString(), "still failing since run 1");
      state = plan.state;
    },
  );
  await t.step(
    "run 3 (28 h): the 24 h interval has passed for one, a recovery is announced",
    () => {
      const plan = planAlerts(
        [
          test("not_null_event_id", "fail", 12),
          test("volume_anomaly", "pass", 0, { kind: "check" }),
          test("unique_event_id", "fail", 3),
        ],
        state,
        { now: at(28) },
      );
      assert.deepEqual(summary(plan), {
        alerts: ["not_null_event_id:reminder"],
        resolved: ["volume_anomaly"],
        suppressed: ["unique_event_id"],
      });
      assert.equal(plan.resolved[0]!.failingSince, at(0).toISOString());
      const resolved = plan.state.find((s) => s.alert_key === "test:volume_anomaly")!;
      assert.deepEqual([resolved.status, resolved.resolved_at], ["resolved", at(28).toISOString()]);
      state = plan.state;
    },
  );
  await t.step(
    "run 4: a resolved test that keeps passing is not mentioned again; failing again is new",
    () => {
      const quiet = planAlerts([test("volume_anomaly", "pass", 0, { kind: "check" })], state, {
        now: at(31),
      });
      assert.deepEqual(summary(quiet), { alerts: [], resolved: [], suppressed: [] });
      const again = planAlerts(
        [test("volume_anomaly", "warn", 1, { kind: "check", fingerprint: "x" })],
        quiet.state,
        { now: at(32) },
      );
      assert.deepEqual(summary(again).alerts, ["volume_anomaly:new"]);
      assert.equal(again.alerts[0]!.failingSince, at(32).toISOString());
    },
  );
});

Deno.test("planAlerts() suppression is configurable per test and by default", async (t) => {
  const first = planAlerts(
    [
      test("every_run", "fail", 1, { suppressionHours: 0 }),
      test("two_days", "fail", 1, { suppressionHours: 48 }),
      test("default", "fail", 1),
    ],
    [],
    { now: at(0), suppressionHours: 12 },
  );
  await t.step("the interval is recorded in the state", () => {
    assert.deepEqual(first.state.map((s) => s.suppression_hours), [12, 0, 48]);
  });
  await t.step("13 h later: interval 0 and the 12 h default re-alert, 48 h does not", () => {
    const plan = planAlerts(
      [
        test("every_run", "fail", 1, { suppressionHours: 0 }),
        test("two_days", "fail", 1, { suppressionHours: 48 }),
        test("default", "fail", 1),
      ],
      first.state,
      { now: at(13), suppressionHours: 12 },
    );
    assert.deepEqual(summary(plan), {
      alerts: ["every_run:reminder", "default:reminder"],
      resolved: [],
      suppressed: ["two_days"],
    });
  });
  await t.step("warn turning into fail is a changed result", () => {
    const warned = planAlerts([test("t", "warn", 4)], [], { now: at(0) });
    const failed = planAlerts([test("t", "fail", 4)], warned.state, { now: at(1) });
    assert.deepEqual(summary(failed).alerts, ["t:changed"]);
  });
  await t.step("skipped results and absent keys keep their state", () => {
    const plan = planAlerts([test("every_run", "skipped")], first.state, { now: at(50) });
    assert.deepEqual(plan.state, first.state);
    assert.deepEqual(summary(plan), { alerts: [], resolved: [], suppressed: [] });
  });
  await t.step("bad input is refused", () => {
    assert.throws(
      () => planAlerts([test("a", "fail"), test("a", "pass")], []),
      /result key "test:a" appears twice/,
    );
    assert.throws(
      () => planAlerts([test("a", "fail", 1, { suppressionHours: -1 })], []),
      /suppressionHours of "test:a" must be a number of hours ≥ 0, got -1/,
    );
  });
});
