/**
 * The pipeline's stages as library functions: options in, a typed summary out, progress
 * through a callback (nothing here prints). The tasks in `cli/`, the notebooks' on-demand
 * stages and the benchmarks all run the stages through this module.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ensureModels,
 *   notebookWorkspace,
 *   openConfiguredWarehouse,
 *   openNotebookWarehouse,
 *   runLoadStage,
 *   runPipeline,
 * } from "./mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * // Everything, as `deno task pipeline` does (into data/, target/ and reports/; here a temp dir)
 * const dir = await Deno.makeTempDir();
 * const summary = await runPipeline({
 *   generate: { users: 200, days: 7 },
 *   warehouseConfig: { kind: "duckdb", path: `${dir}/warehouse.duckdb` },
 *   out: `${dir}/raw`,
 *   targetDir: `${dir}/target`,
 *   reportPath: `${dir}/report.html`,
 * });
 * assert.equal(summary.models.testsFailed, 0);
 *
 * // One stage on an open warehouse, with progress:
 * const wh = await openDuckDb(":memory:");
 * const done: number[] = [];
 * const load = await runLoadStage(wh, { dir: `${dir}/raw`, onProgress: (p) => done.push(p.done) });
 * assert.deepEqual(done, load.files.map((_, i) => i + 1));
 * await wh.close();
 *
 * // A notebook's own workspace, each stage done only when needed, on the configured warehouse
 * // (BigQuery when TERRALOOP_WAREHOUSE=bigquery; with no settings, the workspace's DuckDB file):
 * const ws = notebookWorkspace({ users: 200, days: 7 }, { baseDir: `${dir}/notebooks` });
 * const nb = await openConfiguredWarehouse({ duckdbPath: ws.duckdbPath, env: {} });
 * assert.equal((await ensureModels(ws, nb)).action, "built");
 * assert.equal((await ensureModels(ws, nb)).action, "reused");
 * await nb.close();
 *
 * // What the notebooks do: make the workspace current, then read it read-only (any number of
 * // kernels at once); `source: "pipeline"` reads the tasks' warehouse instead.
 * const opened = await openNotebookWarehouse(ws);
 * assert.match(opened.messages.at(-1) ?? "", /read-only/);
 * await opened.warehouse.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./defaults.ts";
export * from "./memory.ts";
export * from "./types.ts";
export * from "./generate.ts";
export * from "./load.ts";
export * from "./models.ts";
export * from "./checks.ts";
export * from "./report.ts";
export * from "./alerts.ts";
export * from "./history.ts";
export * from "./pipeline.ts";
export * from "./workspace.ts";
export * from "./warehouse.ts";
export * from "./dry_run.ts";
export * from "./labels.ts";
