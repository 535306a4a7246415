import assert from "node:assert/strict";
import { loadProject, untestedKeys } from "../../lib/models/mod.ts";
import { FIXTURE_DIR, writeProject } from "./_fixture.ts";

Deno.test("untestedKeys() is empty when every key has unique and not_null tests", async () => {
  assert.deepEqual(untestedKeys(await loadProject(FIXTURE_DIR)), []);
});

Deno.test("untestedKeys() lists models whose key is missing or untested", async () => {
  const dir = await writeProject({
    "marts/a_ok.sql": "select 1 as a_id",
    "marts/b_no_unique.sql": "select 1 as b_id, 2 as user_id",
    "marts/c_no_key.sql": "select 1 as n",
    "marts/d_composite.sql": "select 1 as day, 2 as region",
    "marts/e_declared.sql": "{{ config(unique_key='e_key') }}\nselect 1 as user_id, 2 as e_key",
    "marts/f_filtered.sql": "select 1 as f_id",
    "marts/schema.yml": `
models:
  - name: a_ok
    grain: one row per a
    columns:
      - name: a_id
        tests: [unique, not_null]
  - name: b_no_unique
    grain: one row per b
    columns:
      - name: b_id
        tests: [not_null]
      - name: user_id
        tests: [unique, not_null]
  - name: c_no_key
    grain: one row
    columns:
      - name: n
  - name: d_composite
    grain: one row per day and region
    unique_key: [day, region]
    columns:
      - name: day
        tests: [not_null]
    tests:
      - unique_combination: { columns: [region, day] }
  - name: e_declared
    grain: one row per e
    columns:
      - name: user_id
        tests: [unique, not_null]
      - name: e_key
        tests: [not_null]
  - name: f_filtered
    grain: one row per f
    columns:
      - name: f_id
        tests:
          - not_null
          - unique: { where: "f_id > 0" }
`,
  });
  try {
    const problems = untestedKeys(await loadProject(dir));
    assert.deepEqual(problems.map((p) => [p.model, p.key, p.missing]), [
      ["b_no_unique", ["b_id"], ["unique"]],
      ["c_no_key", null, ["key"]],
      ["d_composite", ["day", "region"], ["not_null(region)"]],
      ["e_declared", ["e_key"], ["unique"]],
      ["f_filtered", ["f_id"], ["unique"]],
    ]);
    assert.match(
      problems[0]!.message,
      /schema\.yml: key \(b_id\) of model "b_no_unique" lacks unique$/,
    );
    assert.match(
      problems[1]!.message,
      /model "c_no_key" has no key: declare unique_key or a column ending in _id/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
