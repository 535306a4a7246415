/**
 * Jupyter tooling, for the tasks and tests only (notebooks never import it): the
 * project-local JupyterLab environment and Deno kernelspec, running notebooks through the
 * real Deno kernel, and static checks for `.ipynb` files. What notebooks import (display
 * helpers and parameters) is `lib/notebook/`.
 *
 * ```ts ignore
 * // Needs the project's Jupyter environment (.venv, created on first use).
 * import { checkNotebooks, ensureJupyterEnv, runNotebooks } from "./mod.ts";
 * const env = await ensureJupyterEnv();
 * const results = await runNotebooks(["notebooks/00_start_here.ipynb"], { jupyterEnv: env });
 * const problems = await checkNotebooks(["notebooks/00_start_here.ipynb"]);
 * ```
 *
 * @module
 */

export * from "./env.ts";
export * from "./run.ts";
export * from "./check.ts";
