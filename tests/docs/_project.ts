/** A tiny model project for docs tests: hostile descriptions, one gap of each kind. */
import { dirname, join } from "node:path";
import type { Warehouse } from "../../lib/warehouse/mod.ts";

/** Markup planted in descriptions; it must show as text and never run. */
export const PLANTED_SCRIPT = `<script>alert("planted")</script>`;
/** A second payload that runs without a script element if it is not escaped. */
export const PLANTED_IMG = `<img src=x onerror="alert('img')">`;

/** Project files: `raw.things` → `stg_things` (view) → `mart_kinds` (table). */
export const PROJECT_FILES: Record<string, string> = {
  "sources.yml": `
sources:
  - name: raw
    description: Loaded files.
    tables:
      - name: things
        description: ${JSON.stringify(`Things as delivered ${PLANTED_IMG}`)}
`,
  "staging/stg_things.sql": "select thing_id, kind, weight_kg from {{ source('raw', 'things') }}",
  "marts/mart_kinds.sql": `{{ config(materialized='table') }}
select kind, count(*) as n_things, sum(weight_kg) as weight_kg from {{ ref('stg_things') }} group by kind`,
  "staging/schema.yml": `
models:
  - name: stg_things
    description: ${JSON.stringify(`Things, one per id. ${PLANTED_SCRIPT}`)}
    grain: one row per thing
    columns:
      - name: thing_id
        description: "Thing id, \`T\` + digits."
        data_type: varchar
        tests: [unique, not_null]
      - name: kind
        description: ${JSON.stringify(`Kind: a or b ${PLANTED_IMG}`)}
        data_type: varchar
        tests:
          - accepted_values: { values: [a, b] }
      - name: weight_kg
        description: Weight in kilograms.
        data_type: double
`,
  "marts/schema.yml": `
models:
  - name: mart_kinds
    description: Things per kind.
    grain: one row per kind
    unique_key: kind
    columns:
      - name: kind
        description: The kind.
        data_type: varchar
        tests: [unique]
      - name: n_things
        data_type: bigint
      - name: ghost
        description: Described but never produced.
        data_type: varchar
`,
};

/** Write {@linkcode PROJECT_FILES} (plus `extra`) into a fresh temp dir; returns the dir. */
export async function writeDocsProject(extra: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tl-docs-project-" });
  for (const [path, content] of Object.entries({ ...PROJECT_FILES, ...extra })) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), content);
  }
  return dir;
}

/** Create `raw.things` with three things (two of kind a). */
export async function seedThings(warehouse: Warehouse): Promise<void> {
  await warehouse.execute(`
    create schema if not exists raw;
    create or replace table raw.things as select * from (values
      ('T1', 'a', 1.5), ('T2', 'a', 2.0), ('T3', 'b', 4.25)
    ) as t(thing_id, kind, weight_kg);
  `);
}
