import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CycleError,
  findCycle,
  levelOrder,
  loadProject,
  type Project,
  selectModels,
} from "../../lib/models/mod.ts";
import { FIXTURE_DIR, writeProject } from "./_fixture.ts";

const SOURCES = "sources:\n  - name: raw\n    tables:\n      - name: events\n";

/** YAML giving every named model a grain. */
function grains(...names: string[]): string {
  return "models:\n" + names.map((n) => `  - name: ${n}\n    grain: one row per thing\n`).join("");
}

async function withProject<T>(
  files: Record<string, string>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await writeProject(files);
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadProject() discovers models, schemas, materialisations and dependencies", async (t) => {
  const project = await loadProject(FIXTURE_DIR);
  await t.step("file name is the table, folder is the schema", () => {
    assert.equal(project.models.get("stg_events")!.schema, "staging");
    assert.equal(project.models.get("fct_events")!.schema, "marts");
    assert.deepEqual([...project.models.keys()].sort(), [
      "dim_users",
      "fct_events",
      "mart_daily_activity",
      "stg_events",
      "stg_users",
    ]);
  });
  await t.step("staging defaults to view, marts to table; header and YAML override", () => {
    assert.equal(project.models.get("stg_events")!.materialized, "view");
    assert.equal(project.models.get("stg_users")!.materialized, "table"); // header config()
    assert.equal(project.models.get("dim_users")!.materialized, "table");
  });
  await t.step("refs and sources come from rendering", () => {
    assert.deepEqual(project.models.get("fct_events")!.refs, ["dim_users", "stg_events"]);
    assert.deepEqual(project.models.get("stg_events")!.sources, ["raw.events"]);
  });
  await t.step("build order puts dependencies first, staging before marts", () => {
    assert.deepEqual(project.order, [
      "stg_events",
      "stg_users",
      "dim_users",
      "fct_events",
      "mart_daily_activity",
    ]);
  });
  await t.step("YAML tests of every kind are read with severities", () => {
    const byName = new Map(project.tests.map((test) => [test.name, test]));
    assert.equal(byName.get("unique_stg_events_event_id")!.severity, "error");
    assert.equal(
      byName.get("relationships_stg_events_user_id__stg_users_user_id")!.severity,
      "warn",
    );
    assert.deepEqual(byName.get("relationships_stg_events_user_id__stg_users_user_id")!.dependsOn, [
      "stg_events",
      "stg_users",
    ]);
    assert.equal(byName.get("accepted_values_stg_users_tier")!.severity, "warn"); // config: { severity }
    assert.equal(byName.get("no_events_before_2020")!.type, "custom");
    assert.equal(byName.get("assert_no_negative_weights")!.type, "singular");
    assert.equal(byName.get("assert_no_negative_weights")!.severity, "warn");
    assert.equal(byName.get("assert_no_negative_weights")!.model, "fct_events");
    assert.deepEqual(
      byName.get("unique_combination_mart_daily_activity__activity_date__region")!.columns,
      [
        "activity_date",
        "region",
      ],
    );
  });
  await t.step("grain and description come from YAML", () => {
    assert.equal(project.models.get("stg_events")!.grain, "one row per event");
    assert.match(project.models.get("dim_users")!.description!, /One row per registered user/);
  });
});

Deno.test("loadProject() refuses a cycle, naming the models in it", async () => {
  await withProject({
    "staging/stg_a.sql": "select * from {{ ref('stg_b') }}",
    "staging/stg_b.sql": "select * from {{ ref('stg_a') }}",
    "staging/schema.yml": grains("stg_a", "stg_b"),
  }, async (dir) => {
    await assert.rejects(() => loadProject(dir), (error: Error) => {
      assert.ok(error instanceof CycleError);
      assert.equal(error.message, "Cannot build models: cycle stg_a -> stg_b -> stg_a");
      return true;
    });
  });
});

Deno.test("findCycle() reports longer cycles in data-flow order and levelOrder() sorts a DAG", () => {
  // a reads c, b reads a, c reads b: data flows a -> b -> c -> a.
  const parents = new Map([["a", ["c"]], ["b", ["a"]], ["c", ["b"]], ["d", []]]);
  assert.deepEqual(findCycle(parents), ["a", "b", "c", "a"]);
  assert.throws(() => levelOrder(parents), /cycle a -> b -> c -> a/);
  assert.equal(findCycle(new Map([["a", []], ["b", ["a"]]])), undefined);
  assert.deepEqual(levelOrder(new Map([["z", []], ["m", ["z"]], ["a", ["m"]], ["b", []]])), [
    "b",
    "z",
    "m",
    "a",
  ]);
  assert.deepEqual(findCycle(new Map([["self", ["self"]]])), ["self", "self"]);
});

Deno.test("loadProject() names file and line of an unknown ref, source or macro", async (t) => {
  const model = [
    "with events as (",
    "    select * from {{ source('raw', 'events') }}",
    "),",
    "",
    "users as (",
    "    select * from {{ ref('stg_users') }}",
    ")",
    "",
    "select *",
    "from events",
    "left join users using (user_id)",
    "left join {{ ref('stg_evnts') }} as e using (event_id)",
  ].join("\n");
  await t.step("unknown ref", async () => {
    await withProject({
      "sources.yml": SOURCES,
      "staging/stg_events.sql": "select * from {{ source('raw', 'events') }}",
      "staging/stg_users.sql": "select 1 as user_id",
      "marts/fct_events.sql": model,
      "marts/schema.yml": grains("fct_events", "stg_events", "stg_users"),
    }, async (dir) => {
      await assert.rejects(
        () => loadProject(dir),
        (error: Error) => {
          assert.equal(
            error.message,
            `${
              join(dir, "marts/fct_events.sql")
            }:12: unknown model "stg_evnts" in ref() (did you mean "stg_events"?)`,
          );
          return true;
        },
      );
    });
  });
  await t.step("unknown source", async () => {
    await withProject({
      "sources.yml": SOURCES,
      "staging/stg_users.sql": "select 1 as a\n\nfrom {{ source('raw', 'userz') }}",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(
        () => loadProject(dir),
        new RegExp(`stg_users\\.sql:3: unknown source "raw\\.userz" in source\\(\\)`),
      );
    });
  });
  await t.step("unknown macro", async () => {
    await withProject({
      "staging/stg_users.sql": "select\n    {{ safe_kast('x', 'double') }} as a",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(
        () => loadProject(dir),
        /stg_users\.sql:2: unknown macro or function "safe_kast" \(macros: .*safe_cast/,
      );
    });
  });
  await t.step("bad macro argument", async () => {
    await withProject({
      "staging/stg_users.sql": "select\n\n    {{ safe_cast('x', 'dbl') }} as a",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(() => loadProject(dir), /stg_users\.sql:3: Unknown type "dbl"/);
    });
  });
  await t.step("undefined variable", async () => {
    await withProject({
      "staging/stg_users.sql": "select\n  {{ this.nope }} as a",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(
        () => loadProject(dir),
        /stg_users\.sql:2: undefined value in \{\{ \}\}/,
      );
    });
  });
  await t.step("error on the first line", async () => {
    await withProject({
      "staging/stg_users.sql": "select * from {{ ref('zz') }}",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(
        () => loadProject(dir),
        /stg_users\.sql:1: unknown model "zz" in ref\(\)$/,
      );
    });
  });
  await t.step("template syntax error", async () => {
    await withProject({
      "staging/stg_users.sql": "select\n  {{ ref('x' }}",
      "staging/schema.yml": grains("stg_users"),
    }, async (dir) => {
      await assert.rejects(() => loadProject(dir), /stg_users\.sql:2: /);
    });
  });
});

Deno.test("loadProject() validates YAML: grain required, known models, known test kinds", async (t) => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      "missing grain",
      { "staging/a.sql": "select 1 as id", "staging/schema.yml": "models:\n  - name: a\n" },
      /schema\.yml: model "a" has no grain/,
    ],
    ["model without YAML", { "staging/a.sql": "select 1 as id" }, /a\.sql: model "a" has no grain/],
    [
      "YAML entry without SQL",
      { "staging/a.sql": "select 1", "staging/schema.yml": grains("a", "b") },
      /schema\.yml: model "b" has no SQL file/,
    ],
    [
      "unknown column test",
      {
        "staging/a.sql": "select 1 as id",
        "staging/schema.yml": grains("a") +
          "    columns:\n      - name: id\n        tests: [uniq]\n",
      },
      /column "a\.id": unknown test "uniq"/,
    ],
    [
      "bad severity",
      {
        "staging/a.sql": "select 1 as id",
        "staging/schema.yml": grains("a") +
          "    columns:\n      - name: id\n        tests:\n          - unique: { severity: fatal }\n",
      },
      /severity "fatal" must be error or warn/,
    ],
    [
      "relationships to an unknown model",
      {
        "staging/a.sql": "select 1 as id",
        "staging/schema.yml": grains("a") +
          "    columns:\n      - name: id\n        tests:\n          - relationships: { to: \"ref('nope')\", field: id }\n",
      },
      /unknown model "nope" in relationships "to"/,
    ],
    [
      "unsupported materialisation",
      {
        "staging/a.sql": "{{ config(materialized='ephemeral') }}\nselect 1",
        "staging/schema.yml": grains("a"),
      },
      /a\.sql: materialized "ephemeral" is not supported \(use view, table or incremental\)/,
    ],
    [
      "incremental merge without a unique_key",
      {
        "staging/a.sql": "{{ config(materialized='incremental') }}\nselect 1 as id",
        "staging/schema.yml": grains("a"),
      },
      /a\.sql: incremental model "a": the merge strategy needs a unique_key/,
    ],
    [
      "insert_overwrite without partition_by",
      {
        "staging/a.sql":
          "{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}\nselect 1 as id",
        "staging/schema.yml": grains("a"),
      },
      /a\.sql: incremental model "a": the insert_overwrite strategy needs partition_by/,
    ],
    [
      "unknown incremental strategy",
      {
        "staging/a.sql":
          "{{ config(materialized='incremental', unique_key='id', incremental_strategy='append') }}\nselect 1 as id",
        "staging/schema.yml": grains("a"),
      },
      /unknown incremental strategy "append" \(use merge or insert_overwrite\)/,
    ],
    [
      "negative lookback",
      {
        "staging/a.sql":
          "{{ config(materialized='incremental', unique_key='id', lookback_hours=-1) }}\nselect 1 as id",
        "staging/schema.yml": grains("a"),
      },
      /a\.sql: model "a": lookback_hours must be a number of hours >= 0, got -1/,
    ],
    [
      "full_refresh_if that is not a query",
      {
        "staging/a.sql":
          "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id",
        "staging/schema.yml": grains("a") + "    config: { full_refresh_if: 3 }\n",
      },
      /model "a": full_refresh_if must be a query \(text\), got 3/,
    ],
    [
      "incremental_watermark() outside is_incremental()",
      {
        "staging/a.sql":
          "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id where {{ incremental_watermark('t') }}",
        "staging/schema.yml": grains("a"),
      },
      /a\.sql:2: incremental_watermark\(\) belongs inside \{% if is_incremental\(\) %\}/,
    ],
    [
      "model outside a schema folder",
      { "a.sql": "select 1" },
      /a\.sql: a model must live in a folder named after its schema/,
    ],
    [
      "duplicate model name",
      { "staging/a.sql": "select 1", "marts/a.sql": "select 1", "marts/schema.yml": grains("a") },
      /model "a" is also defined in/,
    ],
    [
      "broken YAML",
      { "staging/a.sql": "select 1", "staging/schema.yml": "models: [\n" },
      /Cannot read ".*schema\.yml": /,
    ],
  ];
  for (const [label, files, expected] of cases) {
    await t.step(label, async () => {
      await withProject(files, async (dir) => {
        await assert.rejects(() => loadProject(dir), expected);
      });
    });
  }
  await t.step("a missing models directory is named", async () => {
    await assert.rejects(
      () => loadProject("/nonexistent/sql"),
      /Cannot read models directory "\/nonexistent\/sql"/,
    );
  });
});

Deno.test("user macros in macros/*.sql are callable from models without shifting line numbers", async () => {
  await withProject({
    "macros/util.sql": "{% macro cents(x) %}({{ x }} / 100.0){% endmacro %}\n",
    "staging/a.sql": "select\n    {{ cents('price') }} as amount,\n    {{ ref('nope') }}",
    "staging/schema.yml": grains("a"),
  }, async (dir) => {
    await assert.rejects(() => loadProject(dir), /a\.sql:3: unknown model "nope"/);
  });
});

Deno.test("selectModels() follows dbt selectors", async (t) => {
  const project: Project = await loadProject(FIXTURE_DIR);
  const cases: Array<[string | undefined, string[]]> = [
    [undefined, project.order],
    ["", project.order],
    ["fct_events", ["fct_events"]],
    ["stg_events+", ["stg_events", "fct_events", "mart_daily_activity"]],
    ["+fct_events", ["stg_events", "stg_users", "dim_users", "fct_events"]],
    ["+dim_users+", ["stg_users", "dim_users", "fct_events", "mart_daily_activity"]],
    ["stg_users, mart_daily_activity", ["stg_users", "mart_daily_activity"]],
    ["dim_users stg_events", ["stg_events", "dim_users"]],
  ];
  for (const [selector, expected] of cases) {
    await t.step(`"${selector}"`, () => {
      assert.deepEqual(selectModels(project, selector), expected);
    });
  }
  await t.step("unknown name is a clear error with a suggestion", () => {
    assert.throws(
      () => selectModels(project, "stg_event+"),
      /Cannot select models: unknown model "stg_event" in "stg_event\+" \(did you mean "stg_events"\?\)/,
    );
  });
});

Deno.test("materialisation precedence: folder default < YAML config < header config()", async () => {
  await withProject({
    "marts/by_default.sql": "select 1 as a",
    "marts/by_yaml.sql": "select 1 as a",
    "marts/by_header.sql": "{{ config(materialized='table') }}\nselect 1 as a",
    "marts/by_header_over_yaml.sql": "{{ config(materialized='table') }}\nselect 1 as a",
    "staging/stg_default.sql": "select 1 as a",
    "other/thing.sql": "select 1 as a",
    "schema.yml": grains("by_default", "by_header", "stg_default", "thing") +
      "  - name: by_yaml\n    grain: one row\n    config: { materialized: view }\n" +
      "  - name: by_header_over_yaml\n    grain: one row\n    config: { materialized: view }\n",
  }, async (dir) => {
    const project = await loadProject(dir);
    const materialized = Object.fromEntries(
      [...project.models.values()].map((m) => [m.name, `${m.schema}:${m.materialized}`]),
    );
    assert.deepEqual(materialized, {
      by_default: "marts:table",
      by_header: "marts:table",
      by_header_over_yaml: "marts:table",
      by_yaml: "marts:view",
      stg_default: "staging:view",
      thing: "other:view",
    });
  });
});
