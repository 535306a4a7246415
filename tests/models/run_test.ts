import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type RelationNaming,
  renderRelation,
  type RunEvent,
  runProject,
  type RunResults,
  sqlLiteral,
  type TestResult,
} from "../../lib/models/mod.ts";
import type { Dialect, Relation, Warehouse } from "../../lib/warehouse/mod.ts";
import { FIXTURE_DIR, GOOD_EVENTS, seedRaw, tempWarehouse, writeProject } from "./_fixture.ts";

type Row = [string | null, string, string, number];

const GOOD_THINGS: Row[] = [["T1", "a", "O1", 1], ["T2", "b", "O2", 2]];
// One planted failure per test kind (see the comments for what each row breaks).
const BAD_THINGS: Row[] = [
  ["T1", "a", "O1", 1],
  ["T1", "b", "O2", 2], // unique: T1 twice
  [null, "a", "O1", 3], // not_null
  ["T3", "zzz", "O1", 4], // accepted_values
  ["T4", "b", "O9", 5], // relationships: no owner O9
  ["T5", "a", "O1", -1], // custom: negative weight
  ["T6", "b", "O2", 5000], // singular: heavier than 1000
];

async function seedThings(warehouse: Warehouse, rows: Row[]): Promise<void> {
  const values = rows.map(([id, kind, owner, weight]) =>
    `(${id === null ? "null" : `'${id}'`}, '${kind}', '${owner}', ${weight})`
  );
  await warehouse.execute(
    `create or replace table raw.things as select * from (values ${
      values.join(", ")
    }) as t(thing_id, kind, owner_id, weight);
     create or replace table raw.owners as select * from (values ('O1'), ('O2')) as t(owner_id);`,
  );
}

/** A project on raw.things with one test of every kind, all at `severity`. */
function thingsProject(severity: "warn" | "error"): Record<string, string> {
  return {
    "sources.yml":
      "sources:\n  - name: raw\n    tables:\n      - name: things\n      - name: owners\n",
    "staging/stg_owners.sql": "select * from {{ source('raw', 'owners') }}",
    "staging/stg_things.sql": "select * from {{ source('raw', 'things') }}",
    "marts/fct_things.sql": "select thing_id, weight from {{ ref('stg_things') }}",
    "marts/mart_weights.sql": "select sum(weight) as total_weight from {{ ref('fct_things') }}",
    "tests/no_heavy_things.sql": `{{ config(severity='${severity}') }}\n` +
      "select * from {{ ref('stg_things') }} where weight > 1000",
    "schema.yml": `
models:
  - name: stg_owners
    grain: one row per owner
    columns:
      - name: owner_id
        tests: [unique, not_null]
  - name: stg_things
    grain: one row per thing
    columns:
      - name: thing_id
        tests:
          - unique: { severity: ${severity} }
          - not_null: { severity: ${severity} }
      - name: kind
        tests:
          - accepted_values: { values: [a, b], severity: ${severity} }
      - name: owner_id
        tests:
          - relationships: { to: "ref('stg_owners')", field: owner_id, severity: ${severity} }
    tests:
      - name: no_negative_weight
        severity: ${severity}
        sql: "select * from {{ this }} where weight < 0"
      - unique_combination: { columns: [kind, owner_id], severity: ${severity} }
  - name: fct_things
    grain: one row per thing
  - name: mart_weights
    grain: one row
`,
  };
}

async function withSetup<T>(
  files: Record<string, string> | null,
  fn: (env: { warehouse: Warehouse; dir: string; project: string; target: string }) => Promise<T>,
): Promise<T> {
  const wh = await tempWarehouse();
  const project = files ? await writeProject(files) : FIXTURE_DIR;
  try {
    return await fn({
      warehouse: wh.warehouse,
      dir: wh.dir,
      project,
      target: join(wh.dir, "target"),
    });
  } finally {
    await wh.close();
    if (files) await Deno.remove(project, { recursive: true });
  }
}

function byName(results: RunResults): Map<string, TestResult> {
  return new Map(results.tests.map((test) => [test.name, test]));
}

Deno.test("runProject() builds the fixture in DAG order and passes every test on good data", async (t) => {
  await withSetup(null, async ({ warehouse, project, target }) => {
    await seedRaw(warehouse);
    const events: RunEvent[] = [];
    const results = await runProject(warehouse, {
      modelsDir: project,
      targetDir: target,
      runId: "run-1",
      onEvent: (event) => events.push(event),
    });
    await t.step("every model succeeds, in build order, with row counts for tables", () => {
      assert.deepEqual(results.errors, []);
      assert.equal(results.success, true);
      assert.deepEqual(
        results.models.map((m) => [m.name, m.status, m.materialized, m.rows]),
        [
          ["stg_events", "success", "view", null],
          ["stg_users", "success", "table", 2],
          ["dim_users", "success", "table", 2],
          ["fct_events", "success", "table", 4],
          ["mart_daily_activity", "success", "table", 3],
        ],
      );
    });
    await t.step("every test passes", () => {
      assert.equal(results.tests.length, 19);
      assert.deepEqual(results.tests.filter((test) => test.status !== "pass"), []);
      assert.deepEqual(results.summary.tests, { pass: 19, fail: 0, warn: 0, error: 0, skipped: 0 });
    });
    await t.step("the staging models clean the mess", async () => {
      const rows = await warehouse.query<
        { event_id: string; user_id: string; event_name: string; event_at: Date }
      >(
        "select event_id, user_id, event_name, event_at from marts.fct_events order by event_id",
      );
      assert.deepEqual(
        rows.map((r) => [r.event_id, r.user_id, r.event_name, r.event_at.toISOString()]),
        [
          ["E1", "U000001", "session_start", "2026-03-01T10:00:00.000Z"],
          ["E2", "U000001", "search", "2026-03-01T10:05:00.000Z"],
          ["E3", "U000002", "publish_listing", "2026-03-01T10:00:00.000Z"],
          ["E5", "U000002", "search", "2026-03-02T08:30:00.000Z"],
        ],
      );
      assert.equal(GOOD_EVENTS.length, 5); // E1 was delivered twice
    });
    await t.step(
      "tests of a model run right after it, multi-model tests after their last model",
      () => {
        const order = events.flatMap((e) =>
          e.type === "model_done"
            ? [`model:${e.result.name}`]
            : e.type === "test_done"
            ? [`test:${e.result.name}`]
            : []
        );
        const at = (item: string) => order.indexOf(item);
        assert.ok(at("test:unique_stg_events_event_id") < at("model:stg_users"));
        assert.ok(
          at("test:relationships_stg_events_user_id__stg_users_user_id") > at("model:stg_users"),
        );
        assert.ok(
          at("test:relationships_stg_events_user_id__stg_users_user_id") < at("model:dim_users"),
        );
        assert.ok(at("test:assert_no_negative_weights") > at("model:fct_events"));
      },
    );
    await t.step("run_results.json has the documented shape", async () => {
      const written = JSON.parse(await Deno.readTextFile(join(target, "run_results.json")));
      assert.equal(written.runId, "run-1");
      assert.equal(written.success, true);
      assert.equal(written.dialect, "duckdb");
      assert.ok(written.models.length > 0 && written.tests.length > 0, "models and tests ran");
      for (const model of written.models) {
        assert.deepEqual(Object.keys(model).sort(), [
          "materialized",
          "message",
          "name",
          "relation",
          "rows",
          "schema",
          "seconds",
          "status",
        ]);
        assert.equal(typeof model.seconds, "number");
      }
      for (const test of written.tests) {
        assert.deepEqual(Object.keys(test).sort(), [
          "column",
          "failures",
          "message",
          "model",
          "name",
          "sample",
          "seconds",
          "severity",
          "sql",
          "status",
          "type",
        ]);
      }
      const unique = written.tests.find((test: TestResult) =>
        test.name === "unique_stg_events_event_id"
      );
      assert.deepEqual(
        [
          unique.model,
          unique.column,
          unique.type,
          unique.severity,
          unique.status,
          unique.failures,
          unique.sample,
        ],
        ["stg_events", "event_id", "unique", "error", "pass", 0, []],
      );
      assert.match(unique.sql, /from staging\.stg_events/);
    });
    await t.step("compiled SQL of the run is written next to the results", async () => {
      const sql = await Deno.readTextFile(join(target, "compiled", "duckdb", "fct_events.sql"));
      assert.match(sql, /from staging\.stg_events/);
    });
    await t.step("test outcomes are appended to audit.data_test_results on every run", async () => {
      await runProject(warehouse, { modelsDir: project, targetDir: null, runId: "run-2" });
      const rows = await warehouse.query<{ run_id: string; n: number; passed: number }>(
        "select run_id, count(*) as n, count(*) filter (where status = 'pass') as passed " +
          "from audit.data_test_results group by run_id order by run_id",
      );
      assert.deepEqual(rows, [{ run_id: "run-1", n: 19, passed: 19 }, {
        run_id: "run-2",
        n: 19,
        passed: 19,
      }]);
      const columns = (await warehouse.describe({ schema: "audit", name: "data_test_results" }))
        .map((c) => c.name);
      assert.deepEqual(columns, [
        "run_id",
        "run_at",
        "test",
        "model",
        "severity",
        "status",
        "failures",
        "sample",
      ]);
    });
  });
});

Deno.test("each test kind fails on planted bad data and passes on good data", async (t) => {
  await withSetup(thingsProject("warn"), async ({ warehouse, project }) => {
    await seedThings(warehouse, BAD_THINGS);
    const bad = byName(await runProject(warehouse, { modelsDir: project, targetDir: null }));
    const expected: Array<[string, number, Record<string, unknown> | undefined]> = [
      ["unique_stg_things_thing_id", 1, { unique_field: "T1", n_records: 2 }],
      ["not_null_stg_things_thing_id", 1, undefined],
      ["accepted_values_stg_things_kind", 1, { value_field: "zzz", n_records: 1 }],
      ["relationships_stg_things_owner_id__stg_owners_owner_id", 1, undefined],
      ["no_negative_weight", 1, undefined],
      ["unique_combination_stg_things__kind__owner_id", 2, undefined],
      ["no_heavy_things", 1, undefined],
    ];
    for (const [name, failures, firstRow] of expected) {
      await t.step(`${name} warns with ${failures} failing row(s)`, () => {
        const result = bad.get(name)!;
        assert.equal(result.status, "warn");
        assert.equal(result.failures, failures);
        assert.equal(result.sample.length, failures);
        if (firstRow) assert.deepEqual(result.sample[0], firstRow);
      });
    }
    await t.step("the failing rows are the planted ones", () => {
      assert.equal(
        bad.get("relationships_stg_things_owner_id__stg_owners_owner_id")!.sample[0]!.owner_id,
        "O9",
      );
      assert.equal(bad.get("no_negative_weight")!.sample[0]!.thing_id, "T5");
      assert.equal(bad.get("no_heavy_things")!.sample[0]!.thing_id, "T6");
      assert.equal(bad.get("not_null_stg_things_thing_id")!.sample[0]!.weight, 3);
    });
    await seedThings(warehouse, GOOD_THINGS);
    const good = await runProject(warehouse, { modelsDir: project, targetDir: null });
    await t.step("all pass on good data", () => {
      assert.equal(good.tests.length, expected.length + 2);
      assert.deepEqual(
        good.tests.filter((test) => test.status !== "pass").map((test) => test.name),
        [],
      );
      assert.equal(good.success, true);
    });
  });
});

Deno.test("a failing warn test does not stop the run; a failing error test skips downstream", async (t) => {
  await t.step("warn: everything is built and the run succeeds", async () => {
    await withSetup(thingsProject("warn"), async ({ warehouse, project }) => {
      await seedThings(warehouse, BAD_THINGS);
      const results = await runProject(warehouse, { modelsDir: project, targetDir: null });
      assert.equal(results.success, true);
      assert.deepEqual(results.models.map((m) => m.status), [
        "success",
        "success",
        "success",
        "success",
      ]);
      assert.equal(results.summary.tests.warn, 7);
    });
  });
  await t.step("error: downstream models are skipped naming the model and the test", async () => {
    await withSetup(thingsProject("error"), async ({ warehouse, project, target }) => {
      await seedThings(warehouse, BAD_THINGS);
      const results = await runProject(warehouse, { modelsDir: project, targetDir: target });
      assert.equal(results.success, false);
      const models = new Map(results.models.map((m) => [m.name, m]));
      assert.equal(models.get("stg_things")!.status, "success");
      assert.equal(models.get("stg_owners")!.status, "success");
      assert.equal(models.get("fct_things")!.status, "skipped");
      assert.match(models.get("fct_things")!.message!, /^upstream "stg_things" failed test "/);
      assert.equal(models.get("mart_weights")!.status, "skipped");
      assert.equal(models.get("mart_weights")!.message, models.get("fct_things")!.message);
      assert.equal(await warehouse.exists({ schema: "marts", name: "fct_things" }), false);
      const first = results.errors[0]!;
      assert.match(
        first,
        /^Test "unique_stg_things_thing_id" on stg_things failed with 1 failing row, e\.g\. /,
      );
      assert.match(first, /"unique_field":"T1"/);
      assert.equal(byName(results).get("unique_stg_things_thing_id")!.status, "fail");
      const written = JSON.parse(await Deno.readTextFile(join(target, "run_results.json")));
      assert.equal(written.success, false);
      assert.equal(written.summary.models.skipped, 2);
    });
  });
  await t.step("a test whose query errors is an error and skips downstream", async () => {
    const files = thingsProject("warn");
    files["schema.yml"] = files["schema.yml"]!.replace(
      "where weight < 0",
      "where no_such_column < 0",
    );
    await withSetup(files, async ({ warehouse, project }) => {
      await seedThings(warehouse, GOOD_THINGS);
      const results = await runProject(warehouse, { modelsDir: project, targetDir: null });
      const test = byName(results).get("no_negative_weight")!;
      assert.equal(test.status, "error");
      assert.match(test.message!, /no_such_column/);
      assert.equal(results.success, false);
      assert.equal(results.models.find((m) => m.name === "fct_things")!.status, "skipped");
    });
  });
});

Deno.test("a failing model leaves the previous table and view in place and skips downstream", async (t) => {
  const files = thingsProject("warn");
  files["staging/stg_things.sql"] = "{{ config(materialized='table') }}\n" +
    files["staging/stg_things.sql"];
  await withSetup(files, async ({ warehouse, project }) => {
    await seedThings(warehouse, GOOD_THINGS);
    const first = await runProject(warehouse, { modelsDir: project, targetDir: null });
    assert.equal(first.success, true);

    await t.step("a table whose build fails at run time keeps its old rows", async () => {
      // Fails while rows are produced (not when binding): the half-built table must not win.
      await Deno.writeTextFile(
        join(project, "staging", "stg_things.sql"),
        "{{ config(materialized='table') }}\nselect thing_id, kind, owner_id, cast(kind as integer) as weight\n" +
          "from {{ source('raw', 'things') }}",
      );
      const results = await runProject(warehouse, { modelsDir: project, targetDir: null });
      const models = new Map(results.models.map((m) => [m.name, m]));
      assert.equal(models.get("stg_things")!.status, "error");
      assert.match(
        models.get("stg_things")!.message!,
        /^Cannot build model "stg_things" \(.*stg_things\.sql\): /,
      );
      assert.equal(models.get("fct_things")!.status, "skipped");
      assert.equal(models.get("fct_things")!.message, 'upstream "stg_things" failed');
      assert.equal(models.get("mart_weights")!.message, 'upstream "stg_things" failed');
      assert.equal(models.get("stg_owners")!.status, "success");
      const rows = await warehouse.query("select * from staging.stg_things order by thing_id");
      assert.deepEqual(rows, [
        { thing_id: "T1", kind: "a", owner_id: "O1", weight: 1 },
        { thing_id: "T2", kind: "b", owner_id: "O2", weight: 2 },
      ]);
      assert.deepEqual(await warehouse.query("select total_weight from marts.mart_weights"), [{
        total_weight: 3,
      }]);
      const stgThingsTests = results.tests.filter((test) => test.model === "stg_things");
      assert.ok(stgThingsTests.length > 0, "stg_things has tests to skip");
      assert.equal(stgThingsTests.every((test) => test.status === "skipped"), true);
    });

    await t.step("a view that no longer binds keeps the old view", async () => {
      await Deno.writeTextFile(
        join(project, "staging", "stg_owners.sql"),
        "select no_such_column from {{ source('raw', 'owners') }}",
      );
      const results = await runProject(warehouse, {
        modelsDir: project,
        targetDir: null,
        select: "stg_owners",
      });
      assert.equal(results.models[0]!.status, "error");
      assert.deepEqual(
        await warehouse.query("select owner_id from staging.stg_owners order by 1"),
        [
          { owner_id: "O1" },
          { owner_id: "O2" },
        ],
      );
    });
  });
});

Deno.test("runProject() builds only the selected models and their tests", async () => {
  await withSetup(null, async ({ warehouse, project }) => {
    await seedRaw(warehouse);
    const results = await runProject(warehouse, {
      modelsDir: project,
      targetDir: null,
      select: "+dim_users",
    });
    assert.deepEqual(results.selected, ["stg_users", "dim_users"]);
    assert.deepEqual(results.models.map((m) => m.name), ["stg_users", "dim_users"]);
    assert.deepEqual([...new Set(results.tests.map((test) => test.model))], [
      "stg_users",
      "dim_users",
    ]);
    assert.equal(await warehouse.exists({ schema: "staging", name: "stg_events" }), false);
    await assert.rejects(
      () => runProject(warehouse, { modelsDir: project, targetDir: null, select: "dim_user" }),
      /unknown model "dim_user"/,
    );
  });
});

Deno.test("runProject() in test mode checks existing tables without building", async () => {
  await withSetup(null, async ({ warehouse, project }) => {
    await seedRaw(warehouse);
    await runProject(warehouse, { modelsDir: project, targetDir: null });
    // stg_events is a view: new raw data with an unknown event name shows through it.
    await seedRaw(warehouse, [...GOOD_EVENTS, {
      event_id: "E9",
      user_id: "U000001",
      event: "teleport",
      ts: 1,
    }]);
    const results = await runProject(warehouse, {
      modelsDir: project,
      targetDir: null,
      mode: "test",
      select: "stg_events",
    });
    assert.deepEqual(results.models, []);
    const accepted = byName(results).get("accepted_values_stg_events_event_name")!;
    assert.equal(accepted.status, "fail");
    assert.deepEqual(accepted.sample, [{ value_field: "teleport", n_records: 1 }]);
    assert.equal(byName(results).get("no_events_before_2020")!.status, "fail");
    assert.equal(results.success, false);
  });
});

/** A warehouse that records what it is sent and answers every query with no rows failing. */
function recordingWarehouse(dialect: Dialect, naming: RelationNaming) {
  const statements: string[] = [];
  const built: { relation: Relation; sql: string }[] = [];
  const warehouse: Warehouse = {
    dialect,
    description: `recording:${dialect}`,
    naming,
    relation: (relation) => renderRelation(relation, dialect, naming),
    literal: (value) => sqlLiteral(value, dialect),
    execute: (sql) => {
      statements.push(sql);
      return Promise.resolve();
    },
    query: <T>() => Promise.resolve([{ failures: 0 }] as T[]),
    queryFrame: () => Promise.reject(new Error("not used")),
    exists: () => Promise.resolve(true),
    listRelations: () => Promise.resolve([]),
    describe: () => Promise.resolve([]),
    materialize: (relation, sql) => {
      built.push({ relation, sql });
      return Promise.resolve(0);
    },
    loadFile: () => Promise.reject(new Error("not used")),
    loadFiles: () => Promise.reject(new Error("not used")),
    close: () => Promise.resolve(),
  };
  return { warehouse, statements, built };
}

Deno.test("runProject() names relations as the warehouse does unless the options say otherwise", async (t) => {
  const naming = { bigqueryProject: "acme-prod", datasetPrefix: "tl" };
  await t.step("the warehouse's naming by default", async () => {
    const { warehouse, statements, built } = recordingWarehouse("bigquery", naming);
    const results = await runProject(warehouse, { modelsDir: FIXTURE_DIR, targetDir: null });
    assert.equal(results.success, true, results.errors.join("\n"));
    assert.ok(statements.includes("create schema if not exists `acme-prod.tl_staging`"));
    assert.ok(statements.includes("create schema if not exists `acme-prod.tl_audit`"));
    assert.ok(
      statements.some((sql) =>
        sql.startsWith("insert into `acme-prod.tl_audit.data_test_results`")
      ),
    );
    const stgEvents = built.find((b) => b.relation.name === "stg_events")!;
    assert.match(stgEvents.sql, /`acme-prod\.tl_raw\.events`/);
    assert.equal(results.models[0]?.relation.startsWith("`acme-prod.tl_"), true);
  });
  await t.step("a setting in the options wins over the warehouse's", async () => {
    const { warehouse, statements, built } = recordingWarehouse("bigquery", naming);
    await runProject(warehouse, { modelsDir: FIXTURE_DIR, targetDir: null, datasetPrefix: "x" });
    assert.ok(statements.includes("create schema if not exists `acme-prod.x_staging`"));
    const stgEvents = built.find((b) => b.relation.name === "stg_events")!;
    assert.match(stgEvents.sql, /`acme-prod\.x_raw\.events`/);
  });
  await t.step("DuckDB: plain schema names", async () => {
    const { warehouse, statements, built } = recordingWarehouse("duckdb", {});
    await runProject(warehouse, { modelsDir: FIXTURE_DIR, targetDir: null });
    assert.ok(statements.includes("create schema if not exists staging"));
    assert.match(built.find((b) => b.relation.name === "stg_events")!.sql, /from raw\.events\b/);
  });
});
