// The observability SQL on BigQuery, analysed by ZetaSQL (GoogleSQL's front end): each
// declared check's query against the raw tables and the models, and every statement the
// checks, alerts and run-history code sends for the audit tables (captured from the
// REST-level fake, in the order sent: schema and table DDL, inserts, the history readers).
// Names and types must resolve; what BigQuery computes is not proven here. One function is
// out of ZetaSQL 1.13's reach: JSON_KEYS (see the schema_change step).
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  appendAudit,
  CheckQueryCompiler,
  compileProject,
  type RunResults,
} from "../../lib/models/mod.ts";
import {
  appendCheckHistory,
  type CheckEvaluation,
  checkQuery,
  loadCheckDeclarations,
  notEvaluatedCheckResult,
  readAlertState,
  readPayloadSchema,
  readRunHistory,
} from "../../lib/observe/mod.ts";
import { alertResultsOf, appendRunHistory, runAlertsStage } from "../../lib/pipeline/mod.ts";
import { Catalog, startZetaSql } from "./_zetasql.ts";
import { captureLoad, PROJECT, withFakeBigQuery } from "./_bigquery_sql.ts";
import { EDGE_EVENTS_FILE, writeEdgeDataset } from "./_edge_cases.ts";

Deno.test("ZetaSQL analyses the checks' queries and every audit-table statement on BigQuery", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-zetasql-observe-" });
  await using zeta = await startZetaSql();
  try {
    await writeEdgeDataset(dir);
    const catalog = new Catalog();
    const load = await captureLoad(join(dir, EDGE_EVENTS_FILE), "events");
    await zeta.analyzeScript(load.statements[0]!, catalog, "analyse the raw tables DDL");
    const compiled = await compileProject("sql", { dialect: "bigquery", bigqueryProject: PROJECT });
    for (const model of compiled.models) {
      const analysed = await zeta.analyze(model.sql, catalog, `analyse model "${model.name}"`);
      catalog.add({ name: model.relationSql.replace(/^`|`$/g, ""), columns: analysed.columns });
    }

    const checks = await loadCheckDeclarations("sql");
    const compiler = new CheckQueryCompiler(compiled.project, {
      dialect: "bigquery",
      bigqueryProject: PROJECT,
    });
    const expected: Record<string, string[]> = {
      freshness_raw_events: ["newest TIMESTAMP"],
      schema_change_raw_events_payload: ["key STRING", "type STRING"],
      volume_anomaly_stg_events_by_event_name: ["event_name STRING", "day DATE", "value INT64"],
    };
    assert.deepEqual(checks.map((c) => c.name).sort(), Object.keys(expected).sort());
    for (const check of checks) {
      await t.step(`check ${check.name}`, async () => {
        let sql = checkQuery(check, compiler);
        if (check.kind === "schema_change") {
          // ZetaSQL 1.13 predates BigQuery's JSON_KEYS(json, max_depth) (ARRAY<STRING>): the
          // rest of the query is analysed with JSON_VALUE_ARRAY, of the same type, in its place.
          assert.equal(sql.match(/json_keys\((payload|level_1\.value), 1\)/g)?.length, 2);
          sql = sql.replace(/json_keys\(([\w.]+), 1\)/g, "json_value_array($1)");
        }
        const analysed = await zeta.analyze(
          sql,
          catalog,
          `analyse check "${check.name}" (${check.path}:${check.line})`,
        );
        assert.equal(analysed.kind, "QueryStmt");
        assert.deepEqual(
          analysed.columns.map((c) => `${c.name} ${c.type}`),
          expected[check.name],
        );
      });
    }

    await t.step("the audit tables' statements, in the order they are sent", async () => {
      const runAt = new Date("2026-04-01T05:00:00Z");
      const sent = await withFakeBigQuery({
        // Give the readers a run to read, so every one of their queries is sent.
        onQuery: (sql) => {
          if (/min\(run_at\) as run_at/.test(sql)) {
            return {
              fields: [{ name: "run_id", type: "STRING" }, { name: "run_at", type: "TIMESTAMP" }],
              rows: [["r1", String(runAt.getTime() * 1000)]],
            };
          }
          if (/^select run_id from .* limit 1$/s.test(sql)) {
            return { fields: [{ name: "run_id", type: "STRING" }], rows: [["r1"]] };
          }
          return undefined;
        },
      }, async (fake, wh) => {
        await appendAudit(wh, {
          runId: "r1",
          generatedAt: runAt.toISOString(),
          tests: [{
            name: "t",
            model: "m",
            severity: "error",
            status: "pass",
            failures: 0,
            sample: [],
          }],
        } as unknown as RunResults);
        const evaluations: CheckEvaluation[] = checks.map((check) => ({
          check,
          result: notEvaluatedCheckResult(check, "error", 'it\'s "quoted"\nand new-lined'),
          series: [{
            series: "search",
            at: runAt,
            value: 1,
            expected: 2,
            lower: 0.5,
            upper: 3,
            z: -1.5,
            status: "ok",
            isAnomalous: false,
          }],
          schema: check.kind === "schema_change" ? { "properties.w": "number|string" } : null,
          seconds: 0,
        }));
        await appendCheckHistory(wh, evaluations, { runId: "r1", runAt, now: runAt });
        await runAlertsStage(
          wh,
          alertResultsOf([], [], evaluations.map((e) => e.result)),
          { runId: "r1", runAt, now: runAt },
        );
        await appendRunHistory(wh, {
          runId: "r1",
          startedAt: runAt,
          endedAt: runAt,
          status: "failed",
          trigger: "schedule",
          parameters: { users: 1 },
          versions: { deno: "2" },
          link: null,
          message: "x",
          models: [{
            name: "stg_events",
            schema: "staging",
            relation: "x",
            materialized: "table",
            status: "success",
            rows: 3,
            seconds: 0.5,
            message: null,
          }],
        });
        await readRunHistory(wh);
        await readAlertState(wh);
        await readPayloadSchema(wh, "raw.events", "payload");
        return fake.queries();
      });
      const kinds = new Map<string, number>();
      for (const [i, sql] of sent.entries()) {
        const label = `analyse audit statement ${i + 1} (${sql.split("\n")[0]!.slice(0, 60)})`;
        for (const analysed of await zeta.analyzeScript(sql, catalog, label)) {
          kinds.set(analysed.kind, (kinds.get(analysed.kind) ?? 0) + 1);
        }
      }
      // 7 audit tables created (data tests, check results, series, schemas, alert state, runs,
      // model runs), rows inserted into each, and the readers' queries.
      assert.equal(kinds.get("CreateTableStmt"), 7, JSON.stringify([...kinds]));
      assert.equal(kinds.get("InsertStmt"), 7, JSON.stringify([...kinds]));
      assert.ok((kinds.get("QueryStmt") ?? 0) >= 8, JSON.stringify([...kinds]));
      assert.ok(kinds.has("CreateSchemaStmt"));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
