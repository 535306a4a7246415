// How the BigQuery adapter builds models, against the REST-level fake: partitioning and
// clustering from the model's options, a change of layout or of kind (view <-> table) done by
// building under a temporary name and swapping, with the old relation put back on failure.
// The fake keeps a table catalogue from the DDL it sees and refuses what BigQuery refuses
// (replacing a table with one of another partitioning spec, a view over a table), so these
// tests fail if the adapter sends a statement BigQuery would reject for that reason. Whether
// BigQuery accepts the scripts' syntax is ZetaSQL's part (zetasql_*_test.ts); that the swap
// leaves no gap for concurrent readers is not claimed (BigQuery has no transactional DDL).
import assert from "node:assert/strict";
import { type BigQueryWarehouse, openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { materializeOptionsOf } from "../../lib/warehouse/materialize_options.ts";
import type { MaterializeOptions } from "../../lib/warehouse/types.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";

const PROJECT = "terraloop-test";
const DATASETS = {
  terraloop_raw: "US",
  terraloop_staging: "US",
  terraloop_marts: "US",
  terraloop_audit: "US",
};
const EVENTS_LAYOUT: MaterializeOptions = {
  partitionBy: { field: "event_at", dataType: "timestamp", granularity: "day" },
  clusterBy: ["user_id", "event_name"],
};
const COUNT = { fields: [{ name: "n", type: "INTEGER" }], rows: [["7"]] };

async function withFake(
  options: FakeBigQueryOptions,
  fn: (fake: FakeBigQuery, wh: BigQueryWarehouse) => Promise<void>,
): Promise<void> {
  const fake = startFakeBigQuery({ datasets: DATASETS, onQuery: () => COUNT, ...options });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
      retry: { initialDelayMs: 1 },
    });
    try {
      await fn(fake, wh);
    } finally {
      await wh.close();
    }
    assert.deepEqual(fake.unrouted(), []);
  } finally {
    await fake.close();
  }
}

const fct = { schema: "marts", name: "fct_events" };

Deno.test("materialize() partitions and clusters a new table as its options say", async () => {
  await withFake({}, async (fake, wh) => {
    assert.equal(await wh.materialize(fct, "select 1", "table", EVENTS_LAYOUT), 7);
    assert.equal(
      fake.queries()[0],
      "create or replace table `terraloop-test.terraloop_marts.fct_events`\n" +
        "partition by timestamp_trunc(event_at, day)\n" +
        "cluster by user_id, event_name\n" +
        "as\nselect 1\n;\nselect count(*) as n from `terraloop-test.terraloop_marts.fct_events`;",
    );
    assert.deepEqual(fake.tables.get("terraloop_marts.fct_events"), {
      type: "TABLE",
      timePartitioning: { type: "DAY", field: "event_at" },
      clustering: { fields: ["user_id", "event_name"] },
    });
  });
});

Deno.test("materialize() rebuilds a table of the same layout in place (create or replace)", async () => {
  await withFake({
    tables: {
      "terraloop_marts.fct_events": {
        type: "TABLE",
        timePartitioning: { type: "DAY", field: "event_at" },
        clustering: { fields: ["user_id", "event_name"] },
      },
    },
  }, async (fake, wh) => {
    await wh.materialize(fct, "select 2", "table", EVENTS_LAYOUT);
    assert.equal(fake.queries().length, 1);
    assert.match(fake.queries()[0]!, /^create or replace table `[^`]+fct_events`\npartition by/);
  });
});

Deno.test("materialize() swaps in a table whose partitioning changed instead of failing", async (t) => {
  const unpartitioned = { "terraloop_marts.fct_events": { type: "TABLE" } };
  await t.step(
    "the fake refuses create or replace with another spec, as BigQuery does",
    async () => {
      await withFake({ tables: unpartitioned }, async (_fake, wh) => {
        await assert.rejects(
          wh.run(
            "create or replace table `terraloop-test.terraloop_marts.fct_events`\n" +
              "partition by timestamp_trunc(event_at, day)\nas\nselect 1",
          ),
          /Cannot replace a table with a different partitioning spec/,
        );
      });
    },
  );
  await t.step(
    "the adapter builds under __building, then renames old aside and new in",
    async () => {
      await withFake({ tables: unpartitioned }, async (fake, wh) => {
        assert.equal(await wh.materialize(fct, "select 1", "table", EVENTS_LAYOUT), 7);
        const [build, swap] = fake.queries();
        assert.equal(
          build,
          "create or replace table `terraloop-test.terraloop_marts.fct_events__building`\n" +
            "partition by timestamp_trunc(event_at, day)\ncluster by user_id, event_name\n" +
            "options (expiration_timestamp = timestamp_add(current_timestamp(), interval 1 day))\n" +
            "as\nselect 1\n",
        );
        const lines = swap!.split("\n");
        const at = (text: string) => {
          const i = lines.findIndex((line) => line.includes(text));
          assert.ok(i >= 0, `the swap script has ${text}\n${swap}`);
          return i;
        };
        const clear = at("fct_events__building` set options (expiration_timestamp = null)");
        const aside = at(
          "alter table `terraloop-test.terraloop_marts.fct_events` rename to `fct_events__previous`",
        );
        const inPlace = at(
          "alter table `terraloop-test.terraloop_marts.fct_events__building` rename to `fct_events`",
        );
        const handler = at("exception when error then");
        const back = at(
          "alter table `terraloop-test.terraloop_marts.fct_events__previous` rename to `fct_events`",
        );
        const drop = at("drop table `terraloop-test.terraloop_marts.fct_events__previous`");
        assert.ok(
          clear < aside && aside < inPlace && inPlace < handler && handler < back && back < drop,
        );
        assert.ok(
          swap!.endsWith("select count(*) as n from `terraloop-test.terraloop_marts.fct_events`;"),
        );
        // The catalogue after the swap: the new layout under the name, nothing left behind.
        assert.deepEqual(fake.tables.get("terraloop_marts.fct_events"), {
          type: "TABLE",
          timePartitioning: { type: "DAY", field: "event_at" },
          clustering: { fields: ["user_id", "event_name"] },
        });
        assert.ok(!fake.tables.has("terraloop_marts.fct_events__building"));
        assert.ok(!fake.tables.has("terraloop_marts.fct_events__previous"));
      });
    },
  );
  await t.step("a failed build leaves the old table, under its name, untouched", async () => {
    await withFake({
      tables: unpartitioned,
      onQuery: (sql) => sql.includes("__building") ? { error: "Unrecognized name: x" } : COUNT,
    }, async (fake, wh) => {
      await assert.rejects(
        wh.materialize(fct, "select x", "table", EVENTS_LAYOUT),
        /BigQuery job .* failed: Unrecognized name: x/,
      );
      assert.equal(fake.queries().length, 1, "no swap after a failed build");
      assert.deepEqual(fake.tables.get("terraloop_marts.fct_events"), { type: "TABLE" });
    });
  });
  await t.step("a change of clustering alone is a change of layout too", async () => {
    await withFake({
      tables: {
        "terraloop_marts.fct_events": {
          type: "TABLE",
          timePartitioning: { type: "DAY", field: "event_at" },
          clustering: { fields: ["user_id"] },
        },
      },
    }, async (fake, wh) => {
      await wh.materialize(fct, "select 1", "table", EVENTS_LAYOUT);
      assert.match(fake.queries()[0]!, /fct_events__building/);
    });
  });
});

Deno.test("materialize() view -> table: builds the table first, drops the view, puts it back on failure", async () => {
  const viewSql = "select 1 as n from `terraloop-test.terraloop_staging.x`";
  await withFake({
    tables: { "terraloop_marts.m": { type: "VIEW", view: { query: viewSql } } },
  }, async (fake, wh) => {
    assert.equal(await wh.materialize({ schema: "marts", name: "m" }, "select 1", "table"), 7);
    const [build, swap] = fake.queries();
    assert.match(
      build!,
      /^create or replace table `terraloop-test\.terraloop_marts\.m__building`\n/,
    );
    assert.ok(swap!.indexOf("drop view `terraloop-test.terraloop_marts.m`;") > 0);
    assert.ok(
      swap!.indexOf("alter table `terraloop-test.terraloop_marts.m__building` rename to `m`;") >
        swap!.indexOf("drop view"),
    );
    const handler = swap!.slice(swap!.indexOf("exception when error then"));
    assert.ok(
      handler.includes(
        `create view if not exists \`terraloop-test.terraloop_marts.m\` as\n${viewSql}`,
      ),
      `the handler recreates the old view from its SQL\n${swap}`,
    );
    assert.equal(fake.tables.get("terraloop_marts.m")?.type, "TABLE");
  });
});

Deno.test("materialize() table -> view: dry-runs the view, renames the table aside, restores it on failure", async (t) => {
  const tables = { "terraloop_staging.s": { type: "TABLE" } };
  await t.step("a view that does not compile changes nothing", async () => {
    await withFake({
      tables,
      onQuery: (sql) => sql.includes("broken") ? { error: "Unrecognized name: broken" } : undefined,
    }, async (fake, wh) => {
      await assert.rejects(
        wh.materialize({ schema: "staging", name: "s" }, "select broken", "view"),
        /dry run failed: Unrecognized name: broken/,
      );
      assert.deepEqual(fake.queries(), []);
      assert.equal(fake.tables.get("terraloop_staging.s")?.type, "TABLE");
    });
  });
  await t.step("a good view replaces the table in one script", async () => {
    await withFake({ tables, onQuery: () => undefined }, async (fake, wh) => {
      assert.equal(
        await wh.materialize({ schema: "staging", name: "s" }, "select 1", "view"),
        null,
      );
      assert.deepEqual(fake.dryRuns(), ["select 1"]);
      const script = fake.queries()[0]!;
      const aside = script.indexOf(
        "alter table `terraloop-test.terraloop_staging.s` rename to `s__previous`;",
      );
      const create = script.indexOf(
        "create view `terraloop-test.terraloop_staging.s` as\nselect 1",
      );
      const back = script.indexOf(
        "alter table `terraloop-test.terraloop_staging.s__previous` rename to `s`;",
      );
      assert.ok(aside > 0 && aside < create && create < back, script);
      assert.ok(script.slice(0, back).includes("exception when error then"));
      assert.equal(fake.tables.get("terraloop_staging.s")?.type, "VIEW");
      assert.ok(!fake.tables.has("terraloop_staging.s__previous"));
    });
  });
});

Deno.test("materializeOptionsOf() reads dbt-style partition_by / cluster_by and names bad values", async (t) => {
  await t.step("defaults: timestamp by day", () => {
    assert.deepEqual(materializeOptionsOf({ partition_by: { field: "event_at" } }, "m"), {
      partitionBy: { field: "event_at", dataType: "timestamp", granularity: "day" },
    });
  });
  await t.step("a single cluster column as a string", () => {
    assert.deepEqual(materializeOptionsOf({ cluster_by: "user_id" }, "m"), {
      clusterBy: ["user_id"],
    });
  });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ partition_by: "event_at" }, /model "x": partition_by must be a mapping/],
    [{ partition_by: { field: "a b" } }, /partition_by\.field must be a column name/],
    [
      { partition_by: { field: "d", data_type: "int64" } },
      /data_type must be one of timestamp, date, datetime, got "int64"/,
    ],
    [
      { partition_by: { field: "d", granularity: "week" } },
      /granularity must be one of hour, day, month, year, got "week"/,
    ],
    [{ cluster_by: ["a", "b", "c", "d", "e"] }, /cluster_by must be one to four column names/],
  ];
  for (const [config, expected] of bad) {
    await t.step(JSON.stringify(config), () => {
      assert.throws(() => materializeOptionsOf(config, 'model "x"'), expected);
    });
  }
});
