/**
 * Acceptance of the observability issue, end to end: `deno task pipeline` (the real entry
 * point, in a subprocess) on a real DuckDB file, with SLACK_WEBHOOK_URL pointing at a local
 * receiver on 127.0.0.1.
 *
 * 1. and 2. Two quiet runs: both are in the audit history (run 1's rows untouched by run 2);
 *    nothing is posted.
 * 3. A run with a planted drop (`--plant-anomaly` semantics, through the generator): the
 *    volume check flags exactly the planted day and one grouped message is posted.
 * 4. The anomaly gone: one message with a single "resolved" line.
 * 5. The anomaly again, and Slack refuses the message: a warning line, exit 0, and the state
 *    not advanced (the next run says it again).
 *
 * The datasets are generated here without mess (2,000 users, 30 days, seed 2), then each run
 * uses `--skip-generate`: with mess, the warn-severity orphan tests' failing-row counts change
 * whenever the dataset changes (the mess draws follow the events), and they would rightly be
 * re-alerted as "changed" next to the anomaly. This scale and seed are quiet for the project's
 * own volume check (trend, sensitivity 3, 30 % floor): no day of 7 event names × 23 scored days
 * is flagged. Checks compare with the dataset's end (truth.json), the pipeline's default.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateDataset, NO_MESS, type PlantAnomalyOptions } from "../../lib/generate/mod.ts";
import { AUDIT_TABLES } from "../../lib/observe/mod.ts";
import { AUDIT_RELATION } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { cliEnv } from "../_env.ts";
import { type Received, startReceiver } from "../alerts/_receiver.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SECRET = "acceptanceSecretToken42";
const SECRET_PATH = `/services/T0ACCEPT01/B0ACCEPT02/${SECRET}`;
const DATASET = { users: 2000, days: 30, seed: 2, mess: NO_MESS };
const PLANTED: PlantAnomalyOptions = {
  kind: "drop",
  event: "search",
  date: "2026-01-25",
  factor: 0.3,
};
const VOLUME_CHECK = "volume_anomaly_stg_events_by_event_name";

interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

Deno.test({
  name: "pipeline runs append to the audit history; a planted anomaly is flagged and posted " +
    "once to Slack; its recovery posts one resolved line",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-observability-" });
    const raw = join(dir, "raw");
    const warehouse = join(dir, "warehouse.duckdb");
    const target = join(dir, "target");
    const report = join(dir, "report.html");
    // Runs 3 and 4 are taken; run 5 is refused, as Slack refuses a bad payload.
    await using receiver = startReceiver([
      { status: 200 },
      { status: 200 },
      { status: 400, body: "invalid_payload" },
    ]);
    const webhookUrl = receiver.origin + SECRET_PATH;
    const outputs: string[] = [];

    const generate = async (plant: PlantAnomalyOptions[]) => {
      const summary = await generateDataset(raw, { ...DATASET, plantAnomalies: plant });
      return summary;
    };
    const pipeline = async (): Promise<RunOutput> => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          join(ROOT, "cli", "pipeline.ts"),
          "--skip-generate",
          "--out",
          raw,
          "--warehouse",
          warehouse,
          "--target-dir",
          target,
          "--report",
          report,
        ],
        cwd: ROOT,
        clearEnv: true,
        env: cliEnv({ SLACK_WEBHOOK_URL: webhookUrl }),
      }).output();
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      const result = {
        code: output.code,
        stdout: decode(output.stdout),
        stderr: decode(output.stderr),
      };
      outputs.push(result.stdout, result.stderr);
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      return result;
    };
    const query = async (sql: string) => {
      const wh = await openDuckDb(warehouse, { readOnly: true });
      try {
        return await wh.query(sql);
      } finally {
        await wh.close();
      }
    };
    const runResults = async () =>
      JSON.parse(await Deno.readTextFile(join(target, "run_results.json")));
    const relation = (name: string) => `audit.${name}`;

    try {
      let run1Rows: unknown[] = [];
      await t.step("two quiet runs: both recorded, nothing posted", async () => {
        await generate([]);
        const first = await pipeline();
        assert.match(first.stdout, /✔ checks\s+3 checks, 3 pass, 0 warn, 0 failed/);
        assert.match(first.stdout, /✔ alerts\s+nothing new to say/);
        run1Rows = await query(
          `select * from ${relation("check_results")} order by check_name`,
        );
        assert.equal(run1Rows.length, 3);

        const second = await pipeline();
        assert.match(second.stdout, /✔ checks\s+3 checks, 3 pass/);
        assert.equal(receiver.received.length, 0, "a quiet run posts nothing");

        const runs = await query(
          `select run_id, status, trigger, target from ${
            relation("pipeline_runs")
          } order by started_at`,
        );
        assert.equal(runs.length, 2);
        assert.deepEqual(runs.map((r) => [r.status, r.trigger, r.target]), [
          ["success", "cli", "duckdb"],
          ["success", "cli", "duckdb"],
        ]);
        const ids = runs.map((r) => String(r.run_id));
        assert.notEqual(ids[0], ids[1]);
        // Every audit table holds both runs under the same ids.
        for (
          const table of [
            AUDIT_TABLES.modelRuns.relation.name,
            AUDIT_TABLES.checkResults.relation.name,
            AUDIT_TABLES.checkSeries.relation.name,
            AUDIT_TABLES.payloadSchemas.relation.name,
            AUDIT_RELATION.name,
          ]
        ) {
          const found = await query(
            `select distinct run_id from ${relation(table)} order by run_id`,
          );
          assert.deepEqual(found.map((r) => r.run_id), [...ids].sort(), table);
        }
        const models = await query(
          `select run_id, count(*) as n, count(n_rows) as with_rows, sum(seconds) > 0 as timed ` +
            `from ${relation("model_runs")} group by run_id`,
        );
        for (const row of models) assert.deepEqual([row.n, row.timed], [12, true]);
        // Run 1's rows are still there, unchanged (append only).
        const again = await query(
          `select * from ${relation("check_results")} where run_id = '${ids[0]}' ` +
            `order by check_name`,
        );
        assert.deepEqual(again, run1Rows);
        // The second run compared the payload schema with the first: no change.
        const schema = (await runResults()).checks.find((c: { kind: string }) =>
          c.kind === "schema_change"
        );
        assert.equal(schema.status, "pass");
        assert.match(schema.message, /no key of payload appeared, vanished or changed type/);
      });

      let third: Received | undefined;
      await t.step("a planted drop: flagged on its day only, one grouped message", async () => {
        const generated = await generate([PLANTED]);
        const planted = generated.plantedAnomalies[0]!;
        const run = await pipeline();
        assert.match(run.stdout, /WARN\s+volume_anomaly_stg_events_by_event_name/);
        assert.equal(receiver.received.length, 1, "one message for the run");
        third = receiver.received[0]!;
        assert.equal(third.path, SECRET_PATH);
        const body = third.body as {
          text: string;
          blocks: { type: string; text?: { text: string } }[];
        };
        assert.equal(body.text, "TerraLoop pipeline: 1 warning");
        const sections = body.blocks.filter((b) => b.type === "section").map((b) => b.text!.text);
        assert.equal(sections.length, 1, "grouped: one section, for stg_events");
        assert.match(sections[0]!, /^\*`stg_events`\*\n• /);
        assert.match(sections[0]!, new RegExp(`\`${VOLUME_CHECK}\` — warn — 1 failure`));
        assert.match(sections[0]!, /search 2026-01-25: \d+ \(expected/);
        // The report path is where to read more (no workflow run outside Actions).
        assert.ok(JSON.stringify(body).includes(report));

        const results = await runResults();
        const volume = results.checks.find((c: { name: string }) => c.name === VOLUME_CHECK);
        assert.deepEqual([volume.status, volume.failures, volume.fingerprint], [
          "warn",
          1,
          "search@2026-01-25",
        ]);
        assert.equal(results.summary.checks.warn, 1);
        // Exactly the planted day is flagged, with the count the generator wrote that day.
        const flagged = await query(
          `select series, cast(point_at as date)::varchar as day, value from ${
            relation("check_series")
          } where is_anomalous and check_name = '${VOLUME_CHECK}' and run_id = '${results.runId}'`,
        );
        assert.deepEqual(flagged.map((r) => `${r.series}@${r.day}`), ["search@2026-01-25"]);
        assert.ok(
          Math.abs(Number(flagged[0]!.value) - planted.planted_count) <= 2,
          `stg_events counts ${flagged[0]!.value}, truth.json ${planted.planted_count}`,
        );
        // The report's history section charts the flagged day.
        const html = await Deno.readTextFile(report);
        assert.match(html, /<section id="history">/);
        assert.match(html, /"name":"Flagged"[^}]*"x":\["2026-01-25"\]/);
      });

      await t.step("the anomaly gone: one message with a single resolved line", async () => {
        await generate([]);
        const run = await pipeline();
        assert.match(run.stdout, /✔ checks\s+3 checks, 3 pass/);
        assert.equal(receiver.received.length, 2);
        const body = receiver.received[1]!.body as {
          text: string;
          blocks: { type: string; text?: { text: string } }[];
        };
        assert.equal(body.text, "TerraLoop pipeline: 1 resolved");
        const lines = body.blocks.filter((b) => b.type === "section")
          .flatMap((b) => b.text!.text.split("\n").filter((l) => l.startsWith("• ")));
        assert.equal(lines.length, 1);
        assert.match(lines[0]!, new RegExp(`^• :white_check_mark: resolved: \`${VOLUME_CHECK}\``));

        const state = await query(
          `select alert_key, status from ${relation("alert_state")} where run_id = ` +
            `(select run_id from ${relation("alert_state")} order by run_at desc limit 1)`,
        );
        assert.deepEqual(state, [{ alert_key: `check:${VOLUME_CHECK}`, status: "resolved" }]);
        const runs = await query(`select status from ${relation("pipeline_runs")}`);
        assert.deepEqual(runs.map((r) => r.status), ["success", "success", "success", "success"]);
        const history = await query(
          `select run_id, status from ${relation("check_results")} where check_name = ` +
            `'${VOLUME_CHECK}' order by run_at`,
        );
        assert.deepEqual(history.map((r) => r.status), ["pass", "pass", "warn", "pass"]);
      });

      await t.step(
        "Slack refusing the message: a warning line, exit 0, said again next run",
        async () => {
          await generate([PLANTED]);
          const run = await pipeline();
          assert.equal(receiver.received.length, 3);
          assert.match(
            run.stderr,
            /warning: Slack alert not sent: the webhook answered HTTP 400 "invalid_payload"/,
          );
          assert.match(run.stdout, /Slack message NOT delivered \(1 attempts\)/);
          assert.match(run.stdout, /✔ pipeline\s+done/);
          // Not said, so not suppressed: the failure is new again for the next run.
          const [state] = await query(
            `select status, last_alerted_at from ${
              relation("alert_state")
            } order by run_at desc limit 1`,
          );
          assert.deepEqual(state, { status: "failing", last_alerted_at: null });
        },
      );

      await t.step("the webhook URL is nowhere: output, run_results, report, audit", async () => {
        const texts = [
          ...outputs,
          await Deno.readTextFile(join(target, "run_results.json")),
          await Deno.readTextFile(report),
        ];
        for (const table of Object.values(AUDIT_TABLES)) {
          const rows = await query(`select * from ${relation(table.relation.name)}`);
          texts.push(JSON.stringify(rows));
        }
        for (const text of texts) {
          assert.ok(!text.includes(SECRET), "the webhook token leaked");
          assert.ok(!text.includes(receiver.origin), "the webhook origin leaked");
        }
        // Slack was said to be set, without the URL.
        const [params] = await query(
          `select parameters from ${relation("pipeline_runs")} limit 1`,
        );
        assert.deepEqual(JSON.parse(String(params!.parameters)).alerts, {
          slack: true,
          suppression_hours: null,
        });
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
