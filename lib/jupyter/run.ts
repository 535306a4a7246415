/**
 * Execute notebooks through the real Deno Jupyter kernel (nbclient from the project's .venv)
 * and export them to offline HTML.
 *
 * @module
 */

import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PLOTLY_JS_URL, withHashedCsp, writeTextFileAtomic } from "../html/mod.ts";
import { ensureJupyterEnv, type JupyterEnv } from "./env.ts";

/** Where a notebook stopped. */
export interface NotebookCellError {
  /** 0-based position of the failing cell among all cells; null when no cell ran. */
  cellIndex: number | null;
  /** First non-blank line of the failing cell's source. */
  sourceFirstLine: string;
  /** Error class name reported by the kernel (`Error`, `TypeError`, `DeadKernelError`…). */
  ename: string;
  /** Error message reported by the kernel. */
  evalue: string;
  /** Kernel traceback lines, ANSI colours removed. */
  traceback: string[];
}

/** Outcome of one notebook. */
export interface NotebookRunResult {
  /** Notebook path as given. */
  notebook: string;
  /** True when every code cell ran without error. */
  ok: boolean;
  /** Wall time for this notebook, kernel start and HTML export included. */
  seconds: number;
  /** Path of the executed copy (with outputs), or null if it could not be written. */
  executed: string | null;
  /** Path of the HTML export, or null when disabled or not written. */
  html: string | null;
  /** `<script src>` / `<link href>` tags in the HTML that point at the network (should be none). */
  externalResources: string[];
  /** Number of code cells in the notebook. */
  nCodeCells: number;
  /** The first failing cell, or null when `ok`. */
  error: NotebookCellError | null;
}

/** Options for {@linkcode runNotebooks}. */
export interface RunNotebooksOptions {
  /**
   * Folder for executed copies (`<name>.ipynb`) and HTML exports (`<name>.html`).
   * @default {"<root>/reports/notebooks"}
   */
  outputDir?: string;
  /**
   * Per-cell timeout in seconds.
   * @default {600}
   */
  timeoutSeconds?: number;
  /**
   * Write an HTML export next to each executed copy.
   * @default {true}
   */
  html?: boolean;
  /**
   * Extra environment for the kernels (e.g. `TERRALOOP_*` notebook parameters); the current
   * environment is inherited.
   * @default {{}}
   */
  env?: Record<string, string>;
  /**
   * An environment from {@linkcode ensureJupyterEnv}; set up on demand when omitted.
   * @default {undefined}
   */
  jupyterEnv?: JupyterEnv;
  /**
   * Called as soon as each notebook finishes, in order.
   * @default {() => {}}
   */
  onResult?: (result: NotebookRunResult) => void;
  /**
   * Called with the runner's and kernels' stderr text (Jupyter logs, Deno warnings).
   * @default {() => {}} (discarded)
   */
  onLog?: (text: string) => void;
}

const RUNNER = fileURLToPath(new URL("./_run_notebook.py", import.meta.url));

/**
 * Executes each notebook top to bottom in a fresh `terraloop-deno` kernel whose working
 * directory is the notebook's folder (so the project's deno.json applies). A failing
 * notebook stops at its first failing cell (later cells are not run and keep no outputs);
 * the others still run. HTML exports inline plotly.js once, in the export only, when the
 * notebook has a figure.
 *
 * The kernels get `TERRALOOP_PROJECT_ROOT`, `TERRALOOP_REPORTS_DIR` and `TERRALOOP_NOTEBOOK_RUN=1`
 * on top of the inherited environment and `options.env`.
 *
 * @example
 * ```ts ignore
 * // Needs the project's Jupyter environment (.venv) and starts a Deno kernel per notebook.
 * const results = await runNotebooks(["notebooks/00_start_here.ipynb"]);
 * if (!results.every((r) => r.ok)) Deno.exitCode = 1;
 * ```
 */
export async function runNotebooks(
  notebooks: string[],
  options: RunNotebooksOptions = {},
): Promise<NotebookRunResult[]> {
  const jupyter = options.jupyterEnv ?? await ensureJupyterEnv();
  const outputDir = resolve(options.outputDir ?? join(jupyter.root, "reports", "notebooks"));
  const args = [
    RUNNER,
    "--output-dir",
    outputDir,
    "--kernel",
    jupyter.kernelName,
    "--timeout",
    String(options.timeoutSeconds ?? 600),
    ...(options.html === false ? ["--no-html"] : ["--plotly-js", fileURLToPath(PLOTLY_JS_URL)]),
    "--",
    ...notebooks,
  ];
  const child = new Deno.Command(jupyter.python, {
    args,
    cwd: jupyter.root,
    env: {
      ...jupyter.env,
      TERRALOOP_PROJECT_ROOT: jupyter.root,
      TERRALOOP_REPORTS_DIR: join(jupyter.root, "reports"),
      TERRALOOP_NOTEBOOK_RUN: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const onLog = options.onLog ?? (() => {});
  const stderrDone = _forEachChunk(child.stderr, onLog);
  const results: NotebookRunResult[] = [];
  let unparsed = "";
  await _forEachLine(child.stdout, (line) => {
    if (!line.trim()) return;
    let raw: _RawResult;
    try {
      raw = JSON.parse(line);
    } catch {
      unparsed += line + "\n";
      return;
    }
    const result = _fromRaw(raw);
    results.push(result);
    options.onResult?.(result);
  });
  await stderrDone;
  const status = await child.status;
  // Defence in depth, as for the report: the export's own inline scripts run by their sha256
  // hashes, any other script (a missed escape) is refused by the browser. nbconvert writes
  // style attributes, so styles (which cannot run code) stay allowed inline.
  for (const result of results) {
    if (result.html) {
      const exported = await Deno.readTextFile(result.html);
      await writeTextFileAtomic(result.html, withHashedCsp(exported, { inlineStyles: true }));
    }
  }

  // A runner crash (bad venv, import error) must not look like "no notebooks failed".
  for (const notebook of notebooks.slice(results.length)) {
    const result: NotebookRunResult = {
      notebook,
      ok: false,
      seconds: 0,
      executed: null,
      html: null,
      externalResources: [],
      nCodeCells: 0,
      error: {
        cellIndex: null,
        sourceFirstLine: "",
        ename: "RunnerError",
        evalue: `notebook runner "${basename(RUNNER)}" exited ${status.code} before running it` +
          (unparsed ? `: ${unparsed.trim()}` : ""),
        traceback: [],
      },
    };
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

/**
 * One line describing a failed notebook: which notebook, which cell, which error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const result: NotebookRunResult = {
 *   notebook: "notebooks/02_x.ipynb",
 *   ok: false,
 *   seconds: 3.2,
 *   executed: null,
 *   html: null,
 *   externalResources: [],
 *   nCodeCells: 6,
 *   error: {
 *     cellIndex: 3,
 *     sourceFirstLine: "const df = await load();",
 *     ename: "Error",
 *     evalue: "boom",
 *     traceback: [],
 *   },
 * };
 * assert.equal(
 *   describeFailure(result),
 *   'notebooks/02_x.ipynb failed at cell 4 ("const df = await load();"): Error: boom',
 * );
 * ```
 */
export function describeFailure(result: NotebookRunResult): string {
  const error = result.error;
  if (!error) return `${result.notebook} ran without errors`;
  const where = error.cellIndex === null
    ? "before any cell ran"
    : `at cell ${error.cellIndex + 1}` +
      (error.sourceFirstLine ? ` ("${_truncate(error.sourceFirstLine, 60)}")` : "");
  return `${result.notebook} failed ${where}: ${error.ename}: ${error.evalue}`;
}

/** Removes ANSI colour codes that the Deno kernel puts into tracebacks and text/plain. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

interface _RawResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  executed: string | null;
  html: string | null;
  external_resources?: string[];
  n_code_cells: number;
  error: {
    cell_index: number | null;
    source_first_line: string;
    ename: string;
    evalue: string;
    traceback: string[];
  } | null;
}

function _fromRaw(raw: _RawResult): NotebookRunResult {
  return {
    notebook: raw.notebook,
    ok: raw.ok,
    seconds: raw.seconds,
    executed: raw.executed,
    html: raw.html,
    externalResources: raw.external_resources ?? [],
    nCodeCells: raw.n_code_cells,
    error: raw.error && {
      cellIndex: raw.error.cell_index,
      sourceFirstLine: raw.error.source_first_line,
      ename: stripAnsi(raw.error.ename),
      evalue: stripAnsi(raw.error.evalue),
      traceback: raw.error.traceback.map(stripAnsi),
    },
  };
}

function _truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

async function _forEachChunk(
  stream: ReadableStream<Uint8Array>,
  fn: (text: string) => void,
): Promise<void> {
  for await (const text of stream.pipeThrough(new TextDecoderStream())) fn(text);
}

async function _forEachLine(
  stream: ReadableStream<Uint8Array>,
  fn: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      fn(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
  if (buffer) fn(buffer);
}
