/**
 * What a notebook imports besides the stages: rich displays (tables, Plotly figures, folded
 * SQL), parameters read from the environment, and {@linkcode guard}, the first line of each
 * cell, which stops a Run All at the first failing cell. Jupyter environment tooling (venv, kernelspec,
 * runner, checks) is in `lib/jupyter/`, for the tasks only; the on-demand stages
 * (`notebookWorkspace`, `ensureModels`, …) are in `lib/pipeline/`.
 *
 * In a notebook (kernel cwd is `notebooks/`):
 *
 * ```ts
 * import { guard, notebookParam, showFigure, showFrame } from "../lib/notebook/mod.ts";
 * guard();
 * const nUsers = notebookParam("n_users", 2_000);
 * await showFrame(usersByRegion, { caption: "Users by region" });
 * await showFigure({ data: [{ type: "bar", x: ["NA", "EMEA"], y: [3, 4] }] });
 * ```
 *
 * @module
 */

export * from "./display.ts";
export * from "./params.ts";
export * from "./guard.ts";
