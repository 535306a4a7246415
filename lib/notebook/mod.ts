/**
 * What a notebook imports besides the stages: rich displays (tables, Plotly figures, Markdown,
 * folded SQL), parameters read from the environment, and {@linkcode guard}, the first line of
 * each cell, which stops a Run All at the first failing cell. Jupyter environment tooling
 * (venv, kernelspec, runner, checks) is in `lib/jupyter/`, for the tasks only; the on-demand
 * stages (`notebookWorkspace`, `openNotebookWarehouse`, …) are in `lib/pipeline/`.
 *
 * In a notebook (kernel cwd is `notebooks/`), each cell starts with `guard();`:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { guard, type MimeBundle, notebookParam, showFigure, showFrame } from "./mod.ts";
 *
 * // In a notebook, `display` is left out: it defaults to Deno.jupyter.display.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 *
 * guard(); // throws when a cell queued before this one failed (Run All)
 * const nUsers = notebookParam("n_users", 2_000); // TERRALOOP_N_USERS, else 2,000
 * const usersByRegion = pl.DataFrame({ region: ["NA", "EMEA"], n_users: [3, 4] });
 * await showFrame(usersByRegion, { caption: "Users by region", display });
 * const fig = { data: [{ type: "bar", x: ["NA", "EMEA"], y: [3, 4] }], layout: {} };
 * await showFigure(fig, { display });
 * assert.equal(typeof nUsers, "number");
 * assert.equal(shown.length, 2); // the table, the figure (no plotly.js: JupyterLab has it)
 * ```
 *
 * @module
 */

export * from "./display.ts";
export * from "./params.ts";
export * from "./guard.ts";
