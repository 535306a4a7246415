/**
 * Three simulated pipeline runs through the whole alert path (plan → message → webhook on
 * 127.0.0.1), with the state carried between runs as the audit table would carry it.
 */
import assert from "node:assert/strict";
import {
  type AlertResult,
  type AlertStateRow,
  buildSlackMessage,
  deliverAlert,
  planAlerts,
  renderAlertText,
  type SlackMessage,
} from "../../lib/alerts/mod.ts";
import { startReceiver } from "./_receiver.ts";

const SECRET_PATH = "/services/T0SECRET01/B0SECRET02/xoxSecretToken123";
const RUN_ENV_LINK = "https://github.com/acme/terraloop/actions/runs/";

function anomaly(outcome: "warn" | "pass"): AlertResult {
  return {
    key: "check:volume_anomaly_stg_events_by_event_name",
    model: "stg_events",
    name: "volume_anomaly_stg_events_by_event_name",
    kind: "check",
    severity: "warn",
    outcome,
    failures: outcome === "warn" ? 1 : 0,
    sample: outcome === "warn"
      ? "start_listing 2026-03-10: 412 (expected 830, band 640–1080, z -9.1)"
      : "",
    fingerprint: outcome === "warn" ? "start_listing@2026-03-10" : "",
  };
}

const passing: AlertResult[] = ["not_null_stg_events_event_id", "unique_dim_users_user_id"].map((
  name,
  i,
) => ({
  key: `test:${name}`,
  model: i === 0 ? "stg_events" : "dim_users",
  name,
  kind: "test",
  severity: "error",
  outcome: "pass",
  failures: 0,
}));

function lines(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) =>
    b.type === "section" ? b.text.text.split("\n").filter((l) => l.startsWith("• ")) : []
  );
}

Deno.test("three runs: quiet, an anomaly posts one grouped message, recovery posts one resolved line", async () => {
  await using receiver = startReceiver([{ status: 200 }]);
  const webhookUrl = receiver.origin + SECRET_PATH;
  let state: AlertStateRow[] = [];
  const outputs: unknown[] = [];
  const run = async (n: number, results: AlertResult[]) => {
    const plan = planAlerts(results, state, { now: new Date(Date.UTC(2026, 3, n, 4)) });
    state = plan.state;
    const link = `${RUN_ENV_LINK}${n}`;
    const message = buildSlackMessage(plan, { runLabel: String(n), link });
    const text = renderAlertText(plan, { runLabel: String(n), link });
    outputs.push(plan, message, text);
    if (message === null) return null;
    const delivery = await deliverAlert(message, text!, { webhookUrl });
    outputs.push(delivery);
    assert.equal(delivery.delivered, true);
    return message;
  };

  assert.equal(await run(1, [...passing, anomaly("pass")]), null, "a quiet run posts nothing");
  assert.equal(receiver.received.length, 0);

  const second = await run(2, [...passing, anomaly("warn")]);
  assert.equal(receiver.received.length, 1);
  assert.deepEqual(receiver.received[0]!.body, second);
  assert.deepEqual(lines(second!), [
    "• :large_yellow_circle: `volume_anomaly_stg_events_by_event_name` — warn — 1 failure — sample: `start_listing 2026-03-10: 412 (expected 830, band 640–1080, z -9.1)` — <https://github.com/acme/terraloop/actions/runs/2|details>",
  ]);

  const third = await run(3, [...passing, anomaly("pass")]);
  assert.equal(receiver.received.length, 2);
  assert.deepEqual(lines(third!), [
    "• :white_check_mark: resolved: `volume_anomaly_stg_events_by_event_name` (failing since 2026-04-02 04:00 UTC)",
  ]);
  assert.equal(third!.text, "TerraLoop pipeline: 1 resolved");

  assert.equal(await run(4, [...passing, anomaly("pass")]), null, "resolved once, then quiet");
  assert.equal(receiver.received.length, 2);
  assert.ok(receiver.received.every((r) => r.path === SECRET_PATH));
  // The webhook URL is in no plan, state row, message, console text or delivery result.
  assert.doesNotMatch(JSON.stringify([outputs, state]), /SECRET0|SecretToken|services\//);
});
