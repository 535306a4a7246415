/** The alerts stage: what each outcome means to the alerting, and delivery with state kept. */
import assert from "node:assert/strict";
import type { ModelResult, TestResult } from "../../lib/models/mod.ts";
import type { CheckResult } from "../../lib/observe/mod.ts";
import { alertResultsOf, runAlertsStage } from "../../lib/pipeline/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";
import { startReceiver } from "../alerts/_receiver.ts";

function model(name: string, status: ModelResult["status"], message: string | null = null) {
  return {
    name,
    schema: "staging",
    relation: `staging.${name}`,
    materialized: "table",
    status,
    rows: null,
    seconds: 0,
    message,
  } satisfies ModelResult;
}

function test(name: string, status: TestResult["status"], extra: Partial<TestResult> = {}) {
  return {
    name,
    model: "stg_events",
    column: "event_id",
    type: "not_null",
    severity: status === "warn" ? "warn" : "error",
    status,
    failures: status === "fail" || status === "warn" ? 2 : status === "pass" ? 0 : null,
    sample: status === "fail" ? [{ event_id: null, at: new Date("2026-01-02T00:00:00Z") }] : [],
    sql: "",
    seconds: 0,
    message: status === "error" ? "Binder Error: no column" : null,
    ...extra,
  } satisfies TestResult;
}

function check(name: string, status: CheckResult["status"], severity: "warn" | "error") {
  return {
    name,
    kind: "volume_anomaly",
    target: "stg_events",
    severity,
    status,
    failures: status === "warn" || status === "fail" ? 1 : 0,
    message: "",
    sample: status === "warn" || status === "fail" ? ["search 2026-01-25: 61"] : [],
    fingerprint: status === "warn" || status === "fail" ? "search@2026-01-25" : "",
    alertSuppressionHours: 6,
  } satisfies CheckResult;
}

Deno.test("alertResultsOf() maps models, tests and checks to alert outcomes", () => {
  const results = alertResultsOf(
    [model("stg_a", "success"), model("stg_b", "error", "boom"), model("stg_c", "skipped")],
    [
      test("t_pass", "pass"),
      test("t_fail", "fail"),
      test("t_warn", "warn"),
      test("t_error", "error"),
      test("t_skip", "skipped"),
    ],
    [
      check("c_pass", "pass", "warn"),
      check("c_warn", "warn", "warn"),
      check("c_fail", "fail", "error"),
      check("c_broken_warn", "error", "warn"),
      check("c_broken_error", "error", "error"),
      check("c_wait", "not_enough_data", "warn"),
      check("c_skip", "skipped", "warn"),
    ],
  );
  assert.deepEqual(results.map((r) => `${r.key} ${r.kind} ${r.outcome}`), [
    "model:stg_a model pass",
    "model:stg_b model fail",
    "model:stg_c model skipped",
    "test:t_pass test pass",
    "test:t_fail test fail",
    "test:t_warn test warn",
    "test:t_error test fail",
    "test:t_skip test skipped",
    "check:c_pass check pass",
    "check:c_warn check warn",
    "check:c_fail check fail",
    "check:c_broken_warn check warn",
    "check:c_broken_error check fail",
    "check:c_wait check skipped",
    "check:c_skip check skipped",
  ]);
  const byKey = new Map(results.map((r) => [r.key, r]));
  assert.equal(byKey.get("model:stg_b")?.sample, "boom");
  assert.equal(byKey.get("test:t_fail")?.sample, "event_id=null at=2026-01-02");
  assert.equal(byKey.get("test:t_fail")?.fingerprint, "fail:2");
  assert.equal(byKey.get("test:t_error")?.sample, "Binder Error: no column");
  assert.equal(byKey.get("check:c_warn")?.fingerprint, "search@2026-01-25");
  assert.equal(byKey.get("check:c_warn")?.suppressionHours, 6);
  assert.equal(byKey.get("check:c_warn")?.model, "stg_events");
});

async function withWarehouse(fn: (wh: Warehouse) => Promise<void>): Promise<void> {
  const wh = await openDuckDb(":memory:");
  try {
    await fn(wh);
  } finally {
    await wh.close();
  }
}

const SECRET = "/services/T0STAGE001/B0STAGE002/stageSecretToken77";
const hour = (h: number) => new Date(Date.UTC(2026, 1, 1, h));

Deno.test("runAlertsStage() posts once, stays quiet while unchanged, keeps state in the warehouse", async () => {
  await withWarehouse(async (wh) => {
    await using receiver = startReceiver([{ status: 200 }]);
    const webhookUrl = receiver.origin + SECRET;
    const failing = alertResultsOf([], [test("t_fail", "fail")], [check("c_warn", "warn", "warn")]);
    const first = await runAlertsStage(wh, failing, { webhookUrl, now: hour(1), runId: "r1" });
    assert.deepEqual(
      [first.channel, first.delivered, first.alerts, first.attempts, first.warning],
      ["slack", true, 2, 1, null],
    );
    assert.equal(first.headline, "TerraLoop pipeline: 1 failing, 1 warning");
    assert.equal(receiver.received.length, 1);

    const second = await runAlertsStage(wh, failing, { webhookUrl, now: hour(2), runId: "r2" });
    assert.deepEqual([second.channel, second.suppressed, receiver.received.length], ["none", 2, 1]);

    // The check's own interval (6 h) has passed at hour 8, the test's default 24 h has not.
    const third = await runAlertsStage(wh, failing, { webhookUrl, now: hour(8), runId: "r3" });
    assert.deepEqual([third.alerts, third.suppressed], [1, 1]);
    const rows = await wh.query(
      `select run_id, count(*) as n from audit.alert_state group by run_id order by run_id`,
    );
    assert.deepEqual(rows, [{ run_id: "r1", n: 2 }, { run_id: "r2", n: 2 }, {
      run_id: "r3",
      n: 2,
    }]);
  });
});

Deno.test("runAlertsStage(): Slack failing is a warning without the URL, and the alert is kept for the next run", async () => {
  await withWarehouse(async (wh) => {
    await using receiver = startReceiver([{ status: 503, body: "down" }, { status: 503 }, {
      status: 200,
    }]);
    const webhookUrl = receiver.origin + SECRET;
    const failing = alertResultsOf([], [test("t_fail", "fail")], []);
    const send = { maxAttempts: 2, backoffMs: 1 };
    const lost = await runAlertsStage(wh, failing, { webhookUrl, now: hour(1), send });
    assert.deepEqual([lost.channel, lost.delivered, lost.attempts], ["slack", false, 2]);
    assert.match(lost.warning ?? "", /Slack alert not sent after 2 attempts: last HTTP 503/);
    assert.ok(!JSON.stringify(lost).includes("stageSecretToken77"));
    assert.ok(!JSON.stringify(lost).includes(receiver.origin));

    const retried = await runAlertsStage(wh, failing, { webhookUrl, now: hour(2), send });
    assert.deepEqual([retried.delivered, retried.alerts], [true, 1]);
    assert.equal(receiver.received.length, 3);
  });
});

Deno.test("runAlertsStage() without a webhook returns the text; without audit it keeps no state", async () => {
  await withWarehouse(async (wh) => {
    const failing = alertResultsOf([model("stg_b", "error", "boom")], [], []);
    const summary = await runAlertsStage(wh, failing, {
      now: hour(1),
      audit: false,
      link: "reports/terraloop-report.html",
    });
    assert.equal(summary.channel, "console");
    assert.equal(
      summary.text,
      [
        "TerraLoop pipeline: 1 failing",
        "stg_b",
        "  ✗ stg_b (error): build failed; sample: boom",
        "Read more: reports/terraloop-report.html",
      ].join("\n"),
    );
    assert.equal(await wh.exists({ schema: "audit", name: "alert_state" }), false);
    const quiet = await runAlertsStage(wh, alertResultsOf([model("stg_b", "success")], [], []), {
      now: hour(2),
    });
    assert.deepEqual([quiet.channel, quiet.text], ["none", null]);
  });
});
