/**
 * The pipeline's stages as library functions: options in, a typed summary out, progress
 * through a callback (nothing here prints). The tasks in `cli/`, the notebooks' on-demand
 * stages and the benchmarks all run the stages through this module.
 *
 * ```ts ignore
 * import { notebookWorkspace, openNotebookWarehouse, runLoadStage, runPipeline } from "./mod.ts";
 *
 * // Everything, as `deno task pipeline` does (here at a small scale):
 * const summary = await runPipeline({ generate: { users: 2000, days: 30 } });
 * summary.models.testsFailed; // 0
 *
 * // One stage on an open warehouse, with progress:
 * const load = await runLoadStage(wh, { dir: "data/raw", onProgress: (p) => tick(p.done) });
 *
 * // A notebook's own workspace, each stage done only when needed, then read-only:
 * const ws = notebookWorkspace({ users: 5000, days: 30 });
 * const { warehouse: wh, messages } = await openNotebookWarehouse(ws);
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
export * from "./report.ts";
export * from "./pipeline.ts";
export * from "./workspace.ts";
