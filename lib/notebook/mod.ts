/**
 * Jupyter infrastructure: the project-local JupyterLab environment and Deno kernelspec,
 * running notebooks through the real Deno kernel, rich displays for notebooks, and static
 * checks for `.ipynb` files.
 *
 * In a notebook (kernel cwd is `notebooks/`):
 *
 * ```ts
 * import { showFigure, showFrame } from "../lib/notebook/mod.ts";
 * await showFrame(usersByRegion, { caption: "Users by region" });
 * await showFigure({ data: [{ type: "bar", x: ["NA", "EMEA"], y: [3, 4] }] });
 * ```
 *
 * From a script or test:
 *
 * ```ts
 * import { ensureJupyterEnv, runNotebooks, checkNotebooks } from "./lib/notebook/mod.ts";
 * const env = await ensureJupyterEnv();
 * const results = await runNotebooks(["notebooks/00_smoke.ipynb"], { jupyterEnv: env });
 * const problems = await checkNotebooks(["notebooks/00_smoke.ipynb"]);
 * ```
 *
 * @module
 */

export * from "./env.ts";
export * from "./run.ts";
export * from "./display.ts";
export * from "./check.ts";
export * from "./params.ts";
export * from "./workspace.ts";
