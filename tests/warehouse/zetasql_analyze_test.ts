// Every piece of BigQuery SQL the project sends, parsed and analysed by ZetaSQL (GoogleSQL's
// own front end, the one behind BigQuery): names and types must resolve. The statements
// are the ones the adapter and the runner really send (captured from the REST-level fake),
// analysed in the order they run against a catalog that follows them: the raw DDL creates
// the raw tables, each model's resolved output becomes the table the next model reads.
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileProject, runProject } from "../../lib/models/mod.ts";
import { readFunnelEvents, readPathEvents } from "../../lib/report/mod.ts";
import { type AnalyzedStatement, Catalog, startZetaSql } from "./_zetasql.ts";
import { captureLoad, columnsOf, withFakeBigQuery } from "./_bigquery_sql.ts";
import { EDGE_EVENTS_FILE, writeEdgeDataset } from "./_edge_cases.ts";
import type { BigQueryField } from "../../lib/warehouse/bigquery.ts";

/** The text between the backticks of a BigQuery relation. */
const tableName = (relationSql: string) => relationSql.replace(/^`|`$/g, "");

Deno.test("ZetaSQL analyses every BigQuery statement: raw DDL, load scripts, models, data tests, runner", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-zetasql-analyze-" });
  await using zeta = await startZetaSql();
  try {
    await writeEdgeDataset(dir);
    const catalog = new Catalog();

    // What loading sends: the raw DDL, the manifest lookup, and one script per file
    // reading the scratch table its load job filled.
    const loads = [
      await captureLoad(join(dir, "users.csv"), "users"),
      await captureLoad(join(dir, "listings.csv"), "listings"),
      await captureLoad(join(dir, EDGE_EVENTS_FILE), "events"),
    ];
    await t.step("raw tables DDL", async () => {
      const ddl = loads[0]!.statements[0]!;
      assert.match(ddl, /^-- TerraLoop Analytics: raw tables/);
      const created = await zeta.analyzeScript(ddl, catalog, "analyse the raw tables DDL");
      assert.deepEqual(
        created.map((s) => s.target?.split(".").pop()).sort(),
        [
          "_load_manifest",
          "events",
          "events_rejected",
          "listings",
          "listings_rejected",
          "users",
          "users_rejected",
        ],
      );
      assert.deepEqual(
        catalog.get("terraloop-test.terraloop_raw.events")!.columns.map((c) =>
          `${c.name} ${c.type}`
        ),
        [
          "_raw_id STRING",
          "_source_file STRING",
          "_line INT64",
          "_loaded_at TIMESTAMP",
          "payload JSON",
        ],
      );
    });
    for (const load of loads) {
      const label = load.script.split("\n")[0]!.replace(/^-- TerraLoop Analytics: /, "");
      await t.step(label, async () => {
        const fileCatalog = catalog.clone().add(load.scratch);
        for (const [i, sql] of load.statements.entries()) {
          if (i === 0 && sql.startsWith("-- TerraLoop Analytics: raw tables")) continue;
          await zeta.analyzeScript(sql, fileCatalog, `analyse "${label}" statement ${i + 1}`);
        }
      });
    }

    const compiled = await compileProject("sql", {
      dialect: "bigquery",
      bigqueryProject: "terraloop-test",
    });
    const rawCatalog = catalog.clone();
    const outputs = new Map<string, AnalyzedStatement>();
    for (const model of compiled.models) {
      await t.step(`model ${model.name}`, async () => {
        const analysed = await zeta.analyze(
          model.sql,
          catalog,
          `analyse model "${model.name}" (${model.path})`,
        );
        assert.equal(analysed.kind, "QueryStmt");
        assert.ok(analysed.columns.length > 0);
        // Upstream models become tables with the columns ZetaSQL resolved.
        catalog.add({ name: tableName(model.relationSql), columns: analysed.columns });
        outputs.set(model.name, analysed);
      });
    }
    await t.step("every model's columns are the ones its YAML documents", () => {
      for (const model of compiled.models) {
        const declared = compiled.project.models.get(model.name)!.columns.map((c) => c.name);
        if (declared.length === 0) continue;
        const resolved = outputs.get(model.name)?.columns.map((c) => c.name) ?? [];
        for (const name of declared) {
          assert.ok(
            resolved.includes(name),
            `model "${model.name}" has documented column "${name}"`,
          );
        }
      }
    });
    // Incremental models, second rendering: the batch select (reading the model's own table
    // through `this`), the full_refresh_if query, and the whole MERGE script as it runs.
    const incremental = compiled.models.filter((model) => model.incremental !== undefined);
    assert.deepEqual(
      incremental.map((model) => model.name).sort(),
      ["base_events", "fct_events", "mart_daily_activity", "stg_events"],
    );
    for (const model of incremental) {
      await t.step(`incremental model ${model.name}: batch and MERGE script`, async () => {
        const { sql, script, fullRefreshIf } = model.incremental!;
        const batch = await zeta.analyze(sql, catalog, `analyse batch of "${model.name}"`);
        assert.equal(batch.kind, "QueryStmt");
        assert.deepEqual(
          batch.columns.map((c) => `${c.name} ${c.type}`),
          outputs.get(model.name)!.columns.map((c) => `${c.name} ${c.type}`),
          "the batch has the table's columns",
        );
        if (fullRefreshIf !== undefined) {
          await zeta.analyze(fullRefreshIf, catalog, `analyse full_refresh_if of "${model.name}"`);
        }
        const kinds = (await zeta.analyzeScript(
          script,
          catalog.clone(),
          `analyse the MERGE script of "${model.name}"`,
        )).map((s) => s.kind);
        assert.ok(kinds.includes("MergeStmt"), `a MERGE in ${kinds.join(", ")}`);
        assert.equal(kinds[0], "CreateTableAsSelectStmt");
      });
    }
    for (const test of compiled.tests) {
      await t.step(`data test ${test.name}`, async () => {
        await zeta.analyze(test.sql, catalog, `analyse data test "${test.name}" (${test.path})`);
      });
    }

    await t.step("the report's readers, one group of users at a time", async () => {
      const sent = await withFakeBigQuery({}, async (fake, wh) => {
        // The fake holds no rows: only the SQL sent matters here.
        await readFunnelEvents(wh, ["session_start", "view_listing"], { index: 1, of: 3 })
          .catch(() => {});
        await readPathEvents(wh, { index: 2, of: 3 }).catch(() => {});
        return fake.queries();
      });
      const grouped = sent.filter((sql) => sql.includes("farm_fingerprint(user_id), 3)"));
      assert.equal(grouped.length, 2, sent.join("\n---\n"));
      for (const [i, sql] of grouped.entries()) {
        const analysed = await zeta.analyze(sql, catalog, `analyse grouped reader ${i + 1}`);
        assert.equal(analysed.kind, "QueryStmt");
      }
    });

    await t.step(
      "the runner's statements (build, tests, audit) in the order it sends them",
      async () => {
        const sent = await withFakeBigQuery({}, async (fake, wh) => {
          const results = await runProject(wh, { ...wh.naming, targetDir: null });
          assert.equal(results.summary.models.error, 0, results.errors.join("\n"));
          return fake.queries();
        });
        const runCatalog = rawCatalog.clone();
        const kinds = new Set<string>();
        for (const [i, sql] of sent.entries()) {
          const label = `analyse runner statement ${i + 1} (${sql.split("\n")[0]!.slice(0, 60)})`;
          for (const analysed of await zeta.analyzeScript(sql, runCatalog, label)) {
            kinds.add(analysed.kind);
          }
        }
        for (
          const kind of [
            "CreateSchemaStmt",
            "CreateTableAsSelectStmt",
            "QueryStmt",
            "CreateTableStmt",
            "InsertStmt",
          ]
        ) {
          assert.ok(kinds.has(kind), `the runner sent a ${kind} (sent: ${[...kinds].join(", ")})`);
        }
      },
    );

    await t.step("switching materialisation: table over a view, view over a table", async () => {
      const [dimUsers, stgUsers] = ["dim_users", "stg_users"].map((name) =>
        compiled.models.find((m) => m.name === name)!
      );
      const sent = await withFakeBigQuery({
        tables: {
          "terraloop_marts.dim_users": { type: "VIEW" },
          "terraloop_staging.stg_users": { type: "TABLE" },
        },
      }, async (fake, wh) => {
        await wh.materialize({ schema: "marts", name: "dim_users" }, dimUsers!.sql, "table");
        await wh.materialize({ schema: "staging", name: "stg_users" }, stgUsers!.sql, "view");
        return [...fake.dryRuns(), ...fake.queries()];
      });
      const switchCatalog = catalog.clone();
      const kinds: string[] = [];
      for (const [i, sql] of sent.entries()) {
        const analysed = await zeta.analyzeScript(sql, switchCatalog, `analyse statement ${i + 1}`);
        kinds.push(...analysed.map((s: AnalyzedStatement) => s.kind));
      }
      assert.deepEqual(kinds, [
        // stg_users' view, dry-run before the table is touched
        "QueryStmt",
        // dim_users: built under __building, expiration cleared, view dropped, renamed in
        // (the exception handler's statements are analysed too), rows counted
        "CreateTableAsSelectStmt",
        "AlterTableSetOptionsStmt",
        "DropStmt",
        "AlterTableStmt",
        "QueryStmt",
        // stg_users: old table renamed aside, view created, handler's rename back, old dropped
        "DropStmt",
        "AlterTableStmt",
        "CreateViewStmt",
        "AlterTableStmt",
        "DropStmt",
      ]);
      assert.ok(
        switchCatalog.get("terraloop-test.terraloop_marts.dim_users"),
        "renamed into place",
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a statement ZetaSQL cannot resolve fails naming the statement and ZetaSQL's message", async () => {
  await using zeta = await startZetaSql();
  const fields: BigQueryField[] = [{ name: "payload", type: "JSON" }];
  const catalog = new Catalog([{ name: "terraloop_raw.events", columns: columnsOf(fields) }]);
  await assert.rejects(
    zeta.analyze(
      "select\n    json_value(payload, '$.a') as a,\n    nope\nfrom `terraloop_raw.events`",
      catalog,
      'analyse model "broken"',
    ),
    (error: Error) => {
      assert.match(
        error.message,
        /^Cannot analyse model "broken": Unrecognized name: nope \[at 3:5\]/,
      );
      assert.match(error.message, /\n {8}nope\n {8}\^$/);
      return true;
    },
  );
  await assert.rejects(
    zeta.analyze("select date_diff(payload, payload, week) from `terraloop_raw.events`", catalog),
    /No matching signature for function DATE_DIFF/,
  );
});

Deno.test("startZetaSql() names a missing server binary", async () => {
  await assert.rejects(
    startZetaSql({ binary: "/nonexistent/remote_server.so" }),
    /Cannot start ZetaSQL: server binary "\/nonexistent\/remote_server\.so" not found; run `deno install`/,
  );
});
