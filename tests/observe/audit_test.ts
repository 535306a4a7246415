/** The audit tables: append-only writes and the readers of history, on DuckDB. */
import assert from "node:assert/strict";
import {
  appendAuditRows,
  AUDIT_TABLES,
  readAlertState,
  readPayloadSchema,
  readRunHistory,
} from "../../lib/observe/mod.ts";
import { appendAudit, type RunResults } from "../../lib/models/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";

async function withWarehouse(fn: (wh: Warehouse) => Promise<void>): Promise<void> {
  const wh = await openDuckDb(":memory:");
  try {
    await fn(wh);
  } finally {
    await wh.close();
  }
}

const at = (day: number, hour = 5) => new Date(Date.UTC(2026, 3, day, hour));

Deno.test("appendAuditRows() creates the table, appends, and converts values by column type", async () => {
  await withWarehouse(async (wh) => {
    const table = AUDIT_TABLES.checkSeries;
    const row = {
      run_id: "r1",
      run_at: at(1),
      check_name: "volume",
      series: "search / it's",
      point_at: "2026-03-10T00:00:00.000Z",
      value: 412,
      expected: Number.NaN,
      is_anomalous: true,
    };
    await appendAuditRows(wh, table, [row]);
    await appendAuditRows(wh, table, [{ ...row, run_id: "r2", is_anomalous: false }]);
    const rows = await wh.query(
      `select run_id, series, point_at, value, expected, lower, is_anomalous from ${
        wh.relation(table.relation)
      } order by run_id`,
    );
    assert.deepEqual(rows, [
      {
        run_id: "r1",
        series: "search / it's",
        point_at: new Date("2026-03-10T00:00:00Z"),
        value: 412,
        expected: null,
        lower: null,
        is_anomalous: true,
      },
      {
        run_id: "r2",
        series: "search / it's",
        point_at: new Date("2026-03-10T00:00:00Z"),
        value: 412,
        expected: null,
        lower: null,
        is_anomalous: false,
      },
    ]);
    const columns = await wh.describe(table.relation);
    assert.deepEqual(columns.map((c) => c.name), table.columns.map((c) => c.name));
    await assert.rejects(
      () => appendAuditRows(wh, table, [{ ...row, colour: "red" }]),
      /Cannot append to audit\.check_series: no column "colour"/,
    );
    await appendAuditRows(wh, AUDIT_TABLES.pipelineRuns, [{
      run_id: "r1",
      parameters: { users: 10, nested: { a: [1] } },
    }]);
    const [run] = await wh.query(`select parameters from audit.pipeline_runs`);
    assert.equal(run?.parameters, '{"users":10,"nested":{"a":[1]}}');
  });
});

Deno.test("readAlertState() and readPayloadSchema() read the latest earlier run only", async () => {
  await withWarehouse(async (wh) => {
    assert.deepEqual(await readAlertState(wh), []);
    assert.equal(await readPayloadSchema(wh, "raw.events", "payload"), null);
    const state = (runId: string, day: number, status: string) => ({
      run_id: runId,
      run_at: at(day),
      alert_key: "check:volume",
      model: "stg_events",
      name: "volume",
      status,
      outcome: status === "failing" ? "warn" : "pass",
      fingerprint: "search@2026-03-10",
      first_failed_at: at(1).toISOString(),
      last_failed_at: at(day).toISOString(),
      last_alerted_at: at(1).toISOString(),
      resolved_at: status === "resolved" ? at(day).toISOString() : null,
      suppression_hours: 24,
    });
    await appendAuditRows(wh, AUDIT_TABLES.alertState, [state("r2", 2, "resolved")]);
    await appendAuditRows(wh, AUDIT_TABLES.alertState, [state("r1", 1, "failing")]);
    const current = await readAlertState(wh);
    assert.deepEqual(current.map((r) => [r.alert_key, r.status, r.resolved_at]), [
      ["check:volume", "resolved", at(2).toISOString()],
    ]);
    assert.equal(current[0]?.suppression_hours, 24);

    const key = (runId: string, day: number, target: string, k: string, type: string) => ({
      run_id: runId,
      run_at: at(day),
      check_name: "schema",
      target,
      json_column: "payload",
      key: k,
      type,
    });
    await appendAuditRows(wh, AUDIT_TABLES.payloadSchemas, [
      key("r1", 1, "raw.events", "ts", "string"),
      key("r1", 1, "raw.events", "id", "string"),
      key("r2", 2, "raw.events", "ts", "number|string"),
      key("r3", 3, "raw.other", "x", "number"),
    ]);
    assert.deepEqual(await readPayloadSchema(wh, "raw.events", "payload"), {
      ts: "number|string",
    });
    assert.equal(await readPayloadSchema(wh, "raw.events", "body"), null);
  });
});

Deno.test("readRunHistory() gives the last runs newest first, their tests, checks and chart points", async () => {
  await withWarehouse(async (wh) => {
    assert.deepEqual(await readRunHistory(wh), { runs: [], tests: [], checks: [], series: [] });
    for (const [i, runId] of ["r1", "r2", "r3"].entries()) {
      const day = i + 1;
      const results = {
        runId,
        generatedAt: at(day).toISOString(),
        tests: [{
          name: "not_null_x",
          model: "m",
          severity: "error",
          status: runId === "r2" ? "fail" : "pass",
          failures: runId === "r2" ? 3 : 0,
          sample: [],
        }],
      } as unknown as RunResults;
      await appendAudit(wh, results);
      await appendAuditRows(wh, AUDIT_TABLES.checkResults, [
        {
          run_id: runId,
          run_at: at(day),
          check_name: "volume",
          kind: "volume_anomaly",
          status: "pass",
        },
        { run_id: runId, run_at: at(day), check_name: "fresh", kind: "freshness", status: "pass" },
      ]);
      await appendAuditRows(wh, AUDIT_TABLES.checkSeries, [
        ...[1, 2].map((d) => ({
          run_id: runId,
          run_at: at(day),
          check_name: "volume",
          series: "search",
          point_at: at(d, 0),
          value: 10 * day + d,
          is_anomalous: false,
        })),
        {
          run_id: runId,
          run_at: at(day),
          check_name: "fresh",
          series: "age_hours",
          point_at: at(9),
          value: day,
        },
      ]);
      await appendAuditRows(wh, AUDIT_TABLES.pipelineRuns, [{
        run_id: runId,
        started_at: at(day),
        status: runId === "r2" ? "failed" : "success",
      }]);
    }
    const history = await readRunHistory(wh, { runs: 2 });
    assert.deepEqual(history.runs, [
      { runId: "r3", runAt: at(3).toISOString(), status: "success" },
      { runId: "r2", runAt: at(2).toISOString(), status: "failed" },
    ]);
    assert.deepEqual(history.tests.map((t) => [t.runId, t.status, t.failures]).sort(), [
      ["r2", "fail", 3],
      ["r3", "pass", 0],
    ]);
    assert.equal(history.checks.length, 4);
    // Volume: the newest run's days only; freshness: one point per run shown.
    const volume = history.series.filter((p) => p.checkName === "volume");
    assert.deepEqual(volume.map((p) => [p.runId, p.value]), [["r3", 31], ["r3", 32]]);
    const fresh = history.series.filter((p) => p.checkName === "fresh");
    assert.deepEqual(fresh.map((p) => [p.runId, p.value]), [["r2", 2], ["r3", 3]]);
  });
});
