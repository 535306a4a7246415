/** The run's own audit rows: written at the end, also when a stage throws. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appendRunHistory, runPipeline, runtimeVersions } from "../../lib/pipeline/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

Deno.test("runPipeline() records a run that throws with status error, then rethrows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-history-" });
  const wh = await openDuckDb(":memory:");
  try {
    await assert.rejects(
      () =>
        runPipeline({
          warehouse: wh,
          out: join(dir, "missing"),
          skipGenerate: true,
          runId: "run-that-throws",
          trigger: "schedule",
          versions: { git: "abc123" },
        }),
      /Cannot load dataset ".*missing": directory not found/,
    );
    const rows = await wh.query(
      `select run_id, status, trigger, target, message, versions from audit.pipeline_runs`,
    );
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.deepEqual([row.run_id, row.status, row.trigger, row.target], [
      "run-that-throws",
      "error",
      "schedule",
      "duckdb",
    ]);
    assert.match(String(row.message), /directory not found/);
    assert.deepEqual(JSON.parse(String(row.versions)), { ...runtimeVersions(), git: "abc123" });
    // No model ran: no model rows.
    assert.equal(await wh.exists({ schema: "audit", name: "model_runs" }), false);
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("appendRunHistory() writes one run row and one row per model", async () => {
  const wh = await openDuckDb(":memory:");
  try {
    const at = new Date("2026-04-01T05:00:00Z");
    const model = (name: string, status: "success" | "error", rows: number | null) => ({
      name,
      schema: "staging",
      relation: `staging.${name}`,
      materialized: "table" as const,
      status,
      rows,
      seconds: 1.25,
      message: status === "error" ? "boom" : null,
    });
    for (const runId of ["r1", "r2"]) {
      await appendRunHistory(wh, {
        runId,
        startedAt: at,
        endedAt: new Date(at.getTime() + 90_000),
        status: "failed",
        trigger: "cli",
        parameters: { users: 100 },
        versions: {},
        link: "reports/terraloop-report.html",
        message: "Test x failed",
        models: [model("stg_a", "success", 10), model("stg_b", "error", null)],
      });
    }
    const models = await wh.query(
      `select run_id, model, status, n_rows, seconds, message from audit.model_runs order by run_id, model`,
    );
    assert.deepEqual(models.map((m) => [m.run_id, m.model, m.status, m.n_rows, m.message]), [
      ["r1", "stg_a", "success", 10, null],
      ["r1", "stg_b", "error", null, "boom"],
      ["r2", "stg_a", "success", 10, null],
      ["r2", "stg_b", "error", null, "boom"],
    ]);
    const [run] = await wh.query(
      `select link from audit.pipeline_runs where run_id = 'r1'`,
    );
    assert.equal(run?.link, "reports/terraloop-report.html");
  } finally {
    await wh.close();
  }
});
