// The real models in sql/: every key tested, compiled SQL pinned for both dialects.
import assert from "node:assert/strict";
import { loadProject, untestedKeys } from "../../lib/models/mod.ts";
import { assertGoldenCompiled } from "./golden.ts";

Deno.test("every model in sql/ states its grain and tests its key", async () => {
  const project = await loadProject("sql");
  assert.ok(project.models.size >= 12, "sql/ should hold the staging and mart models");
  assert.deepEqual(untestedKeys(project).map((k) => k.message), []);
});

Deno.test("compiled SQL of sql/ matches the golden files for DuckDB and BigQuery", async () => {
  await assertGoldenCompiled("sql", "tests/testdata/sql_golden");
});
