/** evaluateChecks() on DuckDB: hand-made tables whose anomalies, ages and keys are known. */
import assert from "node:assert/strict";
import { CheckQueryCompiler, loadProject } from "../../lib/models/mod.ts";
import {
  appendCheckHistory,
  checkAuditRows,
  evaluateChecks,
  parseCheckDeclarations,
  readPayloadSchema,
  utcDayStart,
} from "../../lib/observe/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";

const YAML = `
models:
  - name: stg_events
    checks:
      - volume_anomaly: { timestamp_column: event_at, dimensions: [event_name], severity: error }
  - name: fct_events
    checks:
      - volume_anomaly: { timestamp_column: event_at }
sources:
  - name: raw
    tables:
      - name: events
        checks:
          - freshness:
              loaded_at_field: "{{ parse_timestamp_any(json_str('payload', '$.ts')) }}"
              warn_after: { count: 12, period: hour }
              error_after: { count: 2, period: day }
          - schema_change
      - name: users
        checks:
          - schema_change: { column: payload }
`;
const checks = parseCheckDeclarations(YAML, "checks.yml");
const project = await loadProject("sql");
const compiler = new CheckQueryCompiler(project, { dialect: "duckdb" });
const NOW = new Date("2026-01-31T00:00:00Z");

async function withData(fn: (wh: Warehouse) => Promise<void>): Promise<void> {
  const wh = await openDuckDb(":memory:");
  try {
    // 30 days of two event names, steady with a small weekly wobble; search drops on Jan 25.
    const rows: string[] = [];
    for (let d = 1; d <= 30; d++) {
      for (const [name, base] of [["search", 200], ["view", 400]] as const) {
        const n = name === "search" && d === 25 ? 60 : base + (d % 7) * 3;
        rows.push(`select '${name}' as event_name, range as i, ${d} as d from range(${n})`);
      }
    }
    await wh.execute(`
      create schema if not exists staging;
      create table staging.stg_events as
      select event_name, timestamp '2026-01-01 12:00:00+00' + to_days(d - 1) as event_at
      from (${rows.join(" union all ")});
      create or replace table raw.events (payload json);
      insert into raw.events values
        ('{"id": "E1", "ts": "2026-01-30T10:00:00Z"}'),
        ('{"id": "E2", "ts": "2026-01-29T10:00:00Z", "extra": 1}');
    `);
    await fn(wh);
  } finally {
    await wh.close();
  }
}

Deno.test("evaluateChecks() flags the dropped day, ages the source, records the schema baseline", async () => {
  await withData(async (wh) => {
    const seen: string[] = [];
    const evaluations = await evaluateChecks(wh, checks, {
      compiler,
      now: NOW,
      built: new Set(["stg_events"]),
      onCheck: (e) => seen.push(e.result.name),
    });
    assert.deepEqual(seen, evaluations.map((e) => e.result.name));
    const byName = new Map(evaluations.map((e) => [e.result.name, e]));

    const volume = byName.get("volume_anomaly_stg_events_by_event_name")!;
    assert.deepEqual(
      [volume.result.status, volume.result.failures, volume.result.fingerprint],
      ["fail", 1, "search@2026-01-25"],
    );
    assert.equal(volume.series.length, 2 * 30);
    assert.deepEqual(
      volume.series.filter((p) => p.isAnomalous).map((p) => `${p.series} ${p.at.toISOString()}`),
      ["search 2026-01-25T00:00:00.000Z"],
    );

    const skipped = byName.get("volume_anomaly_fct_events")!;
    assert.deepEqual([skipped.result.status, skipped.result.message], [
      "skipped",
      'skipped: model "fct_events" was not built',
    ]);

    const fresh = byName.get("freshness_raw_events")!;
    // Newest 2026-01-30 10:00, now 2026-01-31 00:00: 14 h, past warn_after (12 h).
    assert.deepEqual([fresh.result.status, fresh.result.severity], ["warn", "warn"]);
    assert.deepEqual(fresh.series.map((p) => [p.series, p.value, p.upper, p.isAnomalous]), [
      ["age_hours", 14, 12, true],
    ]);

    const schema = byName.get("schema_change_raw_events_payload")!;
    assert.equal(schema.result.status, "pass");
    assert.match(schema.result.message, /baseline/);
    assert.deepEqual(schema.schema, { extra: "number", id: "string", ts: "string" });

    const broken = byName.get("schema_change_raw_users_payload")!;
    assert.equal(broken.result.status, "error");
    assert.match(broken.result.message, /^Cannot run check "schema_change_raw_users_payload": /);
    assert.equal(broken.result.severity, "warn");
  });
});

Deno.test("evaluateChecks() compares the payload schema with the previous run's", async () => {
  await withData(async (wh) => {
    const schemaCheck = checks.filter((c) => c.name === "schema_change_raw_events_payload");
    const runAt = new Date("2026-02-01T05:00:00Z");
    const first = await evaluateChecks(wh, schemaCheck, { compiler, now: NOW });
    await appendCheckHistory(wh, first, { runId: "r1", runAt, now: NOW });
    assert.deepEqual(await readPayloadSchema(wh, "raw.events", "payload"), first[0]!.schema);

    await wh.execute(`insert into raw.events values ('{"id": 7, "ts": "2026-01-30T11:00:00Z"}')`);
    await wh.execute(`delete from raw.events where payload ->> 'id' = 'E2'`);
    const [second] = await evaluateChecks(wh, schemaCheck, { compiler, now: NOW });
    assert.deepEqual([second!.result.status, second!.result.failures], ["warn", 2]);
    assert.deepEqual(second!.result.sample, ["- extra (number)", "~ id: string → number|string"]);
    assert.deepEqual(second!.series.map((p) => [p.value, p.expected, p.isAnomalous]), [
      [2, 3, true],
    ]);
  });
});

Deno.test("checkAuditRows() gives one result row per check and the points and keys behind them", async () => {
  await withData(async (wh) => {
    const evaluations = await evaluateChecks(wh, checks, { compiler, now: NOW, built: null });
    const rows = checkAuditRows(evaluations, { runId: "r9", runAt: NOW, now: NOW });
    assert.equal(rows.results.length, checks.length);
    assert.ok(rows.results.every((r) => r.run_id === "r9" && r.checked_at === NOW));
    assert.equal(
      rows.series.filter((r) => r.check_name === "volume_anomaly_stg_events_by_event_name").length,
      60,
    );
    assert.deepEqual(rows.schemas.map((r) => [r.target, r.json_column, r.key, r.type]), [
      ["raw.events", "payload", "extra", "number"],
      ["raw.events", "payload", "id", "string"],
      ["raw.events", "payload", "ts", "string"],
    ]);
    // fct_events is not in this warehouse: without `built`, the check runs and errors.
    const fct = evaluations.find((e) => e.result.name === "volume_anomaly_fct_events")!;
    assert.equal(fct.result.status, "error");
  });
});

Deno.test("utcDayStart() is the UTC midnight of the day", () => {
  assert.equal(
    utcDayStart(new Date("2026-01-31T23:59:59.999Z")).toISOString(),
    "2026-01-31T00:00:00.000Z",
  );
});
