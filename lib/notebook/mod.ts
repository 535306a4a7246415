/**
 * What a notebook imports besides the stages: rich displays (tables and Plotly figures) and
 * parameters read from the environment. Jupyter environment tooling (venv, kernelspec,
 * runner, checks) is in `lib/jupyter/`, for the tasks only; the on-demand stages
 * (`notebookWorkspace`, `ensureModels`, …) are in `lib/pipeline/`.
 *
 * In a notebook (kernel cwd is `notebooks/`):
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { type MimeBundle, notebookParam, showFigure, showFrame } from "./mod.ts";
 *
 * // In a notebook, `display` is left out: it defaults to Deno.jupyter.display.
 * const shown: MimeBundle[] = [];
 * const display = (bundle: MimeBundle) => Promise.resolve(void shown.push(bundle));
 *
 * const nUsers = notebookParam("n_users", 2_000); // TERRALOOP_N_USERS, else 2,000
 * const usersByRegion = pl.DataFrame({ region: ["NA", "EMEA"], n_users: [3, 4] });
 * await showFrame(usersByRegion, { caption: "Users by region", display });
 * const fig = { data: [{ type: "bar", x: ["NA", "EMEA"], y: [3, 4] }], layout: {} };
 * await showFigure(fig, { display });
 * assert.equal(typeof nUsers, "number");
 * assert.equal(shown.length, 3); // the table, plotly.js (once), the figure
 * ```
 *
 * @module
 */

export * from "./display.ts";
export * from "./params.ts";
