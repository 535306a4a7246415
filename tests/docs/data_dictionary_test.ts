// The data dictionary: every column of every model, as built on DuckDB from generated data,
// is described in the models' YAML (with its unit and type), and nothing is described that
// the models do not produce.
import assert from "node:assert/strict";
import { checkDictionary, readDictionaryExtras, sameType } from "../../lib/docs/mod.ts";
import { loadProject, type Project } from "../../lib/models/mod.ts";
import { type ColumnInfo, openDuckDb } from "../../lib/warehouse/mod.ts";
import { buildSmallWarehouse } from "./_warehouse.ts";

const built = await buildSmallWarehouse("tl-dictionary-");
const project = await loadProject("sql");
const extras = await readDictionaryExtras("sql");
const actual = new Map<string, ColumnInfo[]>();
{
  const wh = await openDuckDb(built.path, { threads: 1 });
  try {
    for (const name of project.order) {
      const model = project.models.get(name)!;
      const relation = { schema: model.schema, name };
      if (await wh.exists(relation)) actual.set(name, await wh.describe(relation));
    }
  } finally {
    await wh.close();
  }
}

/** Every documented column of every model, with its YAML description. */
function columns(p: Project): Array<{ id: string; name: string; description: string }> {
  return p.order.flatMap((model) =>
    p.models.get(model)!.columns.map((column) => ({
      id: `${model}.${column.name}`,
      name: column.name,
      description: column.description ?? "",
    }))
  );
}

Deno.test({
  name: "data dictionary: every column of every built model is described in YAML",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    try {
      await t.step("every model of sql/ is built on the generated dataset", () => {
        assert.deepEqual(project.order.filter((name) => !actual.has(name)), []);
        assert.ok(project.order.length >= 12, `only ${project.order.length} models`);
      });

      await t.step(
        "no undocumented column, no described column the model lacks, no wrong data_type",
        () => {
          const problems = checkDictionary(project, extras, actual);
          assert.deepEqual(problems.map((problem) => problem.message), []);
        },
      );

      await t.step("every model has a description and a grain", () => {
        for (const model of project.models.values()) {
          assert.ok(model.description?.trim(), `model "${model.name}" has no description`);
          assert.ok(model.grain?.trim(), `model "${model.name}" has no grain`);
        }
      });

      await t.step("every documented column states its data_type", () => {
        const missing = columns(project)
          .filter(({ id }) => !extras.dataTypes.get(id.split(".")[0]!)?.has(id.split(".")[1]!))
          .map(({ id }) => id);
        assert.deepEqual(missing, []);
      });

      await t.step("units are stated: UTC timestamps, kg, kg CO2e, percent 0–100, counts", () => {
        const unstated: string[] = [];
        for (const { id, name, description } of columns(project)) {
          const model = id.split(".")[0]!;
          const type = extras.dataTypes.get(model)?.get(name) ?? "";
          const needs: Array<[boolean, RegExp, string]> = [
            [sameType(type, "timestamptz"), /\bUTC\b/, "UTC"],
            [sameType(type, "date"), /\bUTC\b/, "UTC"],
            [/_kg$/.test(name), /\bkilograms?\b|\bkg\b/, "kilograms"],
            [/co2e/.test(name), /kg CO2e/, "kg CO2e"],
            [/_pct$/.test(name), /percentage 0–100/, "percentage 0–100"],
            [/^n_/.test(name), /\bcount\b/, "count"],
          ];
          for (const [applies, pattern, unit] of needs) {
            if (applies && !pattern.test(description)) unstated.push(`${id}: ${unit}`);
          }
        }
        assert.deepEqual(unstated, []);
      });

      await t.step("the check names the model and column of each gap", () => {
        const broken = structuredClone(project);
        const fct = broken.models.get("fct_events")!;
        fct.columns = fct.columns
          .filter((column) => column.name !== "is_orphan")
          .concat([{ name: "ghost_column", description: "Not produced by the model." }]);
        const brokenExtras = structuredClone(extras);
        brokenExtras.dataTypes.get("dim_users")!.set("signup_week", "varchar");
        const problems = checkDictionary(broken, brokenExtras, actual);
        assert.deepEqual(
          problems.map(({ kind, model, column }) => `${kind} ${model}.${column}`).sort(),
          [
            "type_mismatch dim_users.signup_week",
            "undocumented_column fct_events.is_orphan",
            "unknown_column fct_events.ghost_column",
          ],
        );
        const messages = problems.map((problem) => problem.message).join("\n");
        assert.match(
          messages,
          /column "fct_events\.is_orphan" \(BOOLEAN\) has no description in sql\/marts\/schema\.yml/,
        );
        assert.match(
          messages,
          /column "fct_events\.ghost_column" is described in sql\/marts\/schema\.yml but the model does not produce it/,
        );
        assert.match(
          messages,
          /column "dim_users\.signup_week" is DATE in the warehouse but data_type "varchar"/,
        );
      });

      await t.step("a model missing from the warehouse is reported, not passed", () => {
        const partial = new Map(actual);
        partial.delete("mart_id_sync");
        const problems = checkDictionary(project, extras, partial);
        assert.deepEqual(problems.map(({ kind, model }) => `${kind} ${model}`), [
          "not_built mart_id_sync",
        ]);
      });
    } finally {
      await Deno.remove(built.dir, { recursive: true });
    }
  },
});

Deno.test("sameType() treats aliases and case as the same type", () => {
  assert.ok(sameType("timestamptz", "TIMESTAMP WITH TIME ZONE"));
  assert.ok(sameType("varchar", "STRING"));
  assert.ok(sameType("int64", "BIGINT"));
  assert.ok(!sameType("double", "BIGINT"));
  assert.ok(!sameType("date", "TIMESTAMP WITH TIME ZONE"));
});
