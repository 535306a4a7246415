/**
 * What a notebook imports besides the stages: rich displays (tables and Plotly figures) and
 * parameters read from the environment. Jupyter environment tooling (venv, kernelspec,
 * runner, checks) is in `lib/jupyter/`, for the tasks only; the on-demand stages
 * (`notebookWorkspace`, `ensureModels`, …) are in `lib/pipeline/`.
 *
 * In a notebook (kernel cwd is `notebooks/`):
 *
 * ```ts
 * import { notebookParam, showFigure, showFrame } from "../lib/notebook/mod.ts";
 * const nUsers = notebookParam("n_users", 2_000);
 * await showFrame(usersByRegion, { caption: "Users by region" });
 * await showFigure({ data: [{ type: "bar", x: ["NA", "EMEA"], y: [3, 4] }] });
 * ```
 *
 * @module
 */

export * from "./display.ts";
export * from "./params.ts";
