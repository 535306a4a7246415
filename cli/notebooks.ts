/**
 * `deno task notebooks`: execute every notebooks/*.ipynb top to bottom through the Deno
 * Jupyter kernel and write executed copies and offline HTML exports to reports/notebooks/.
 *
 * @module
 */

import { basename, join, relative, resolve } from "node:path";
import {
  describeFailure,
  ensureJupyterEnv,
  type NotebookRunResult,
  PROJECT_ROOT,
  runNotebooks,
} from "../lib/jupyter/mod.ts";
import { EXIT, parseTaskArgs, runTask, UsageError } from "./_common.ts";

/** Per-cell timeout unless `--timeout` says otherwise, in seconds. */
const DEFAULT_TIMEOUT_SECONDS = 600;

const HELP = `Usage: deno task notebooks [options] [NOTEBOOK.ipynb ...]

Executes every notebooks/*.ipynb (sorted by name), or the notebooks given, top to bottom in the
"Deno (TerraLoop)" Jupyter kernel (jupyter_client + nbconvert from .venv, created on first
use), and writes to the output folder:
  <name>.ipynb   the executed notebook, with outputs (figures as Plotly JSON: JupyterLab
                 draws them with the plotly package's renderer; no plotly.js inside)
  <name>.html    an offline HTML export (plotly.js inlined once, no CDN scripts)

A failing cell stops its notebook: the cells after it are not run, and the failure names the
cell (number and first line) and the error; the other notebooks still run. Exit codes: 0 all
passed; 1 a notebook failed; 2 a wrong flag, --only name or notebook path.

Options:
  --only NAME       run only this notebook (file name with or without .ipynb, or a prefix
                    such as 02); repeatable
  --out DIR         output folder (default: reports/notebooks)
  --timeout SEC     per-cell timeout in seconds (default: ${DEFAULT_TIMEOUT_SECONDS})
  --no-html         skip the HTML export
  --verbose         show Jupyter and kernel logs (stderr)
  -h, --help        show this help

Notebook parameters: every TERRALOOP_* environment variable reaches the kernels; read it in a
parameters cell with notebookParam("n_users", 2000) (reads TERRALOOP_N_USERS). Kernels also get
TERRALOOP_PROJECT_ROOT, TERRALOOP_REPORTS_DIR and TERRALOOP_NOTEBOOK_RUN=1.

Example:
  TERRALOOP_N_USERS=500 deno task notebooks --only 01
`;

async function main(): Promise<number> {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      only: { type: "string", multiple: true },
      out: { type: "string" },
      timeout: { type: "string" },
      "no-html": { type: "boolean" },
      verbose: { type: "boolean" },
    },
    HELP,
    { maxPositionals: Infinity },
  );
  const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new UsageError(
      `Invalid --timeout "${values.timeout}": expected a positive number of seconds`,
    );
  }

  for (const path of positionals) {
    const info = await Deno.stat(path).catch(() => null);
    if (!info?.isFile || !path.endsWith(".ipynb")) {
      throw new UsageError(`Cannot run notebook "${path}": not an .ipynb file`);
    }
  }
  const notebooksDir = join(PROJECT_ROOT, "notebooks");
  const all = positionals.length
    ? positionals.map((path) => resolve(path))
    : await listNotebooks(notebooksDir);
  let selected = all;
  if (values.only?.length) {
    selected = all.filter((path) => values.only!.some((name) => matches(path, name)));
    const unmatched = values.only.filter((name) => !all.some((path) => matches(path, name)));
    if (unmatched.length) {
      throw new UsageError(
        `No notebook matches --only ${unmatched.map((n) => `"${n}"`).join(", ")} in ` +
          `${relative(Deno.cwd(), notebooksDir) || "."}; available: ` +
          (all.map((p) => basename(p)).join(", ") || "none"),
      );
    }
  }
  if (selected.length === 0) throw new Error(`No notebooks found in ${notebooksDir}`);

  const jupyterEnv = await ensureJupyterEnv({ onProgress: (m) => console.error(m) });
  const outputDir = values.out ?? join(PROJECT_ROOT, "reports", "notebooks");
  console.log(`Running ${selected.length} notebook(s) in kernel "${jupyterEnv.kernelName}"`);
  const started = performance.now();
  const shown = (p: string) =>
    relative(PROJECT_ROOT, p).startsWith("..") ? p : relative(PROJECT_ROOT, p);
  const results = await runNotebooks(selected.map(shown), {
    jupyterEnv,
    outputDir,
    timeoutSeconds: timeout,
    html: !values["no-html"],
    onResult: printResult,
    onLog: values.verbose
      ? (text) => Deno.stderr.writeSync(new TextEncoder().encode(text))
      : undefined,
  });
  const failed = results.filter((r) => !r.ok);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${results.length - failed.length}/${results.length} notebook(s) passed in ${seconds} s; ` +
      `outputs in ${relative(Deno.cwd(), outputDir) || "."}`,
  );
  for (const result of failed) console.error(`FAILED ${describeFailure(result)}`);
  return failed.length ? EXIT.failure : EXIT.ok;
}

function printResult(result: NotebookRunResult): void {
  const time = `${result.seconds.toFixed(1)} s`.padStart(8);
  if (result.ok) {
    console.log(`  ok    ${time}  ${result.notebook} (${result.nCodeCells} code cells)`);
  } else {
    console.log(`  FAIL  ${time}  ${describeFailure(result)}`);
    const trace = result.error?.traceback.join("\n").trim();
    if (trace) console.log(trace.split("\n").map((line) => `          ${line}`).join("\n"));
  }
  if (result.externalResources.length) {
    console.log(
      `          warning: HTML references the network: ${result.externalResources.join(", ")}`,
    );
  }
}

async function listNotebooks(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

function matches(path: string, name: string): boolean {
  const stem = basename(path).replace(/\.ipynb$/, "");
  const wanted = basename(name).replace(/\.ipynb$/, "");
  return stem.startsWith(wanted);
}

if (import.meta.main) await runTask(main);
