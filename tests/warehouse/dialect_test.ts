// Names and literals per dialect (lib/warehouse/dialect.ts) and the raw layer's relation names
// (lib/warehouse/raw_tables.ts). Relation rendering is also covered in tests/models/macros_test.ts.
import assert from "node:assert/strict";
import {
  bigQueryDataset,
  rawRelations,
  rawTableName,
  renderRelation,
  renderSchema,
  sqlLiteral,
} from "../../lib/warehouse/mod.ts";

Deno.test("renderSchema() writes a schema (a dataset on BigQuery) as relations are written", async (t) => {
  await t.step("DuckDB: the schema name, quoted only when needed", () => {
    assert.equal(renderSchema("marts", "duckdb"), "marts");
    assert.equal(renderSchema("Order", "duckdb"), '"Order"');
  });
  await t.step("BigQuery: project and dataset in one pair of backticks", () => {
    assert.equal(renderSchema("marts", "bigquery"), "`terraloop_marts`");
    assert.equal(
      renderSchema("audit", "bigquery", { bigqueryProject: "acme-prod", datasetPrefix: "tl" }),
      "`acme-prod.tl_audit`",
    );
    assert.equal(renderSchema("audit", "bigquery", { datasetPrefix: "" }), "`audit`");
  });
  await t.step("a relation is its schema, a dot and its name", () => {
    const naming = { bigqueryProject: "acme-prod", datasetPrefix: "tl" };
    const schema = renderSchema("marts", "bigquery", naming).slice(0, -1);
    assert.equal(
      renderRelation({ schema: "marts", name: "x" }, "bigquery", naming),
      `${schema}.x\``,
    );
    assert.equal(bigQueryDataset("marts", naming), "tl_marts");
  });
});

Deno.test("sqlLiteral() escapes line breaks for BigQuery, where a string cannot hold them", () => {
  assert.equal(sqlLiteral("a\r\nb", "bigquery"), "'a\\r\\nb'");
  assert.equal(sqlLiteral("a\r\nb", "duckdb"), "'a\r\nb'");
  assert.equal(sqlLiteral("it's", "duckdb"), "'it''s'");
  assert.throws(() => sqlLiteral(Number.NaN, "duckdb"), RangeError);
});

Deno.test("rawTableName() and rawRelations() name a raw table and its rejected table", () => {
  assert.equal(rawTableName("events"), "raw.events");
  assert.deepEqual(rawRelations("raw.users"), {
    rows: { schema: "raw", name: "users" },
    rejected: { schema: "raw", name: "users_rejected" },
  });
  assert.equal(
    renderRelation(rawRelations(rawTableName("listings")).rejected, "bigquery"),
    "`terraloop_raw.listings_rejected`",
  );
});
