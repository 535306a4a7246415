/**
 * `deno run -A cli/check_notebooks.ts` (last step of `deno task check`): type-check and lint
 * the code cells of notebooks/*.ipynb, and refuse notebooks committed with outputs.
 *
 * @module
 */

import { basename, join, relative } from "node:path";
import {
  checkNotebooks,
  formatDiagnostic,
  formatNotebookFile,
  PROJECT_ROOT,
  stripNotebookFile,
} from "../lib/jupyter/mod.ts";
import { EXIT, parseTaskArgs, runTask } from "./_common.ts";

const HELP = `Usage: deno run -A cli/check_notebooks.ts [options] [NOTEBOOK.ipynb ...]

deno check and deno lint do not read .ipynb files. This extracts each notebook's code cells,
in order, into target/nbcheck/<name>.ts (with the project's imports and compiler options),
runs deno check and deno lint on them, and reports every problem as
"<notebook> cell <n>, line <l>:<c>: ...". It also fails when a notebook carries outputs or
execution counts: notebooks are committed stripped.

Without NOTEBOOK arguments, checks every notebooks/*.ipynb.

Options:
  --strip       remove outputs and execution counts (in place, then deno fmt), then check
  --fmt         format the notebooks in place as deno fmt does, then check (deno.json keeps
                notebooks/ out of deno fmt, so "deno fmt notebooks/" finds no files)
  --no-lint     type-check only
  -h, --help    show this help

Exit codes: 0 no problems; 1 problems found; 2 a wrong flag.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      strip: { type: "boolean" },
      fmt: { type: "boolean" },
      "no-lint": { type: "boolean" },
    },
    HELP,
    { maxPositionals: Infinity },
  );
  const notebooks = positionals.length
    ? positionals
    : await listNotebooks(join(PROJECT_ROOT, "notebooks"));
  if (notebooks.length === 0) {
    console.log("No notebooks to check.");
    return EXIT.ok;
  }
  if (values.strip) {
    for (const notebook of notebooks) {
      if (await stripNotebookFile(notebook)) console.log(`stripped ${display(notebook)}`);
    }
  }
  if (values.fmt) {
    for (const notebook of notebooks) {
      if (await formatNotebookFile(notebook)) console.log(`formatted ${display(notebook)}`);
    }
  }
  const diagnostics = await checkNotebooks(notebooks, { lint: !values["no-lint"] });
  for (const d of diagnostics) {
    console.error(formatDiagnostic({ ...d, notebook: display(d.notebook) }));
  }
  const names = notebooks.map((n) => basename(n)).join(", ");
  if (diagnostics.length) {
    console.error(`${diagnostics.length} problem(s) in notebooks (${names})`);
    return EXIT.failure;
  }
  console.log(`Checked ${notebooks.length} notebook(s): ${names}`);
  return EXIT.ok;
}

function display(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") ? path : rel;
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

if (import.meta.main) await runTask(main);
