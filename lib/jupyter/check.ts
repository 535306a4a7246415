/**
 * Static checks for notebooks: `deno check` and `deno lint` do not read `.ipynb`, so each
 * notebook's code cells are extracted, in order, into one TypeScript module under
 * `target/nbcheck/`, checked with the project's import map and compiler options, and every
 * diagnostic is mapped back to its notebook, cell and line. Also finds (and strips) outputs
 * and execution counts, which must not be committed.
 *
 * @module
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import { PROJECT_ROOT } from "./env.ts";

/** The parts of an .ipynb file this module reads and writes. */
export interface NotebookJson {
  cells: NotebookCell[];
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
}

/** One notebook cell. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  id?: string;
}

/** Where a line of the extracted module came from. */
export interface CellLine {
  /** 0-based position of the cell among all cells. */
  cellIndex: number;
  /** 1-based line within the cell. */
  line: number;
}

/** A notebook turned into one TypeScript module. */
export interface ExtractedNotebook {
  /** Module text: code cells in order, each after a `// %% cell N` marker. */
  code: string;
  /** `lineMap[i]` is the origin of module line `i + 1`, or null for generated lines. */
  lineMap: (CellLine | null)[];
}

/** One problem found in a notebook. */
export interface NotebookDiagnostic {
  /** Notebook path as given. */
  notebook: string;
  /** 0-based cell position, or null when the problem is not inside a cell. */
  cellIndex: number | null;
  /** 1-based line within the cell (or null). */
  line: number | null;
  /** 1-based column (or null). */
  column: number | null;
  /**
   * `check` (type error), `lint` (lint rule), `outputs` (unstripped outputs) or `format`
   * (not as `deno fmt` writes it).
   */
  kind: "check" | "lint" | "outputs" | "format";
  /** TS error code or lint rule name, e.g. `TS2322`, `prefer-const`. */
  code: string;
  /** The message, ANSI colours removed. */
  message: string;
}

/** Options for {@linkcode checkNotebooks}. */
export interface CheckNotebooksOptions {
  /**
   * Project root whose deno.json (imports, compilerOptions) applies.
   * @default {PROJECT_ROOT}
   */
  root?: string;
  /**
   * Where extracted modules go; must be inside `root`.
   * @default {"<root>/target/nbcheck"}
   */
  workDir?: string;
  /**
   * Run `deno lint` (recommended rules, `no-console` allowed: notebooks print).
   * @default {true}
   */
  lint?: boolean;
  /**
   * Report code cells that carry outputs or execution counts.
   * @default {true}
   */
  requireStripped?: boolean;
  /**
   * Report notebooks whose bytes differ from what `deno fmt` writes.
   * @default {true}
   */
  format?: boolean;
}

/**
 * Reads and parses an .ipynb file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir(); // e.g. readNotebook("notebooks/04_analysis.ipynb")
 * await Deno.writeTextFile(`${dir}/demo.ipynb`, JSON.stringify({ cells: [], nbformat: 4 }));
 * assert.deepEqual((await readNotebook(`${dir}/demo.ipynb`)).cells, []);
 * await Deno.writeTextFile(`${dir}/broken.ipynb`, "{}");
 * await assert.rejects(readNotebook(`${dir}/broken.ipynb`), /broken.ipynb": no "cells" array/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readNotebook(path: string): Promise<NotebookJson> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`Cannot read notebook "${path}": ${(error as Error).message}`);
  }
  let nb: NotebookJson;
  try {
    nb = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read notebook "${path}": not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(nb?.cells)) {
    throw new TypeError(`Cannot read notebook "${path}": no "cells" array`);
  }
  return nb;
}

/** A cell's source as one string (nbformat allows a list of lines). */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * Concatenates a notebook's code cells into one module, keeping a line map. Relative import
 * specifiers are rewritten from `notebookDir` to `moduleDir` so they keep pointing at the
 * same files; a trailing `export {}` makes the file a module so top-level `await` checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const nb: NotebookJson = {
 *   cells: [
 *     { cell_type: "markdown", source: "# Funnel" },
 *     {
 *       cell_type: "code",
 *       source: ['import { funnel } from "../lib/analytics/mod.ts";\n', "1 + 1"],
 *     },
 *   ],
 * };
 * const dirs = { notebookDir: "notebooks", moduleDir: "target/nbcheck" };
 * const { code, lineMap } = extractNotebookCode(nb, dirs);
 * assert.equal(
 *   code,
 *   '// %% cell 2\nimport { funnel } from "../../lib/analytics/mod.ts";\n1 + 1\n\nexport {};\n',
 * );
 * assert.deepEqual(lineMap[2], { cellIndex: 1, line: 2 }); // module line 3 is cell 2, line 2
 * ```
 */
export function extractNotebookCode(
  nb: NotebookJson,
  dirs: { notebookDir: string; moduleDir: string } = { notebookDir: ".", moduleDir: "." },
): ExtractedNotebook {
  const out: string[] = [];
  const lineMap: (CellLine | null)[] = [];
  nb.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== "code") return;
    out.push(`// %% cell ${cellIndex + 1}`);
    lineMap.push(null);
    const source = _rewriteRelativeImports(cellSource(cell), dirs.notebookDir, dirs.moduleDir);
    source.split("\n").forEach((text, i) => {
      out.push(text);
      lineMap.push({ cellIndex, line: i + 1 });
    });
    // A cell may end mid-statement only if the next cell finishes it, which Jupyter would
    // reject too; a blank line keeps the cells apart.
    out.push("");
    lineMap.push(null);
  });
  out.push("export {};");
  lineMap.push(null);
  return { code: out.join("\n") + "\n", lineMap };
}

/**
 * Lists code cells that carry outputs or an execution count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const nb: NotebookJson = {
 *   cells: [
 *     { cell_type: "code", source: "1", outputs: [], execution_count: null },
 *     { cell_type: "code", source: "2", outputs: [], execution_count: 7 },
 *   ],
 * };
 * assert.deepEqual(findUnstrippedCells(nb), [1]); // 0-based cell positions
 * ```
 */
export function findUnstrippedCells(nb: NotebookJson): number[] {
  const found: number[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    if ((cell.outputs?.length ?? 0) > 0 || (cell.execution_count ?? null) !== null) found.push(i);
  });
  return found;
}

/**
 * Returns a copy with every code cell's outputs emptied and execution count nulled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const nb: NotebookJson = {
 *   cells: [
 *     { cell_type: "code", source: "2", outputs: [{ output_type: "stream" }], execution_count: 7 },
 *   ],
 * };
 * const clean = stripNotebook(nb);
 * assert.deepEqual(findUnstrippedCells(clean), []);
 * assert.equal(nb.cells[0]?.execution_count, 7); // the input is not changed
 * ```
 */
export function stripNotebook(nb: NotebookJson): NotebookJson {
  return {
    ...nb,
    cells: nb.cells.map((cell) =>
      cell.cell_type === "code" ? { ...cell, outputs: [], execution_count: null } : cell
    ),
  };
}

/**
 * Rewrites a notebook as `deno fmt` formats it (which the `check` task enforces). deno.json
 * excludes notebooks/ from `deno fmt` (see {@linkcode checkNotebooks}), so `deno fmt
 * notebooks/` finds no files; this formats through stdin instead. Returns whether the file
 * changed.
 *
 * @example
 * ```ts
 * await formatNotebookFile("notebooks/04_analysis.ipynb");
 * ```
 */
export async function formatNotebookFile(path: string): Promise<boolean> {
  const before = await Deno.readFile(path);
  const after = await _formatted(path, before);
  if (_sameBytes(before, after)) return false;
  await Deno.writeFile(path, after);
  return true;
}

/**
 * Strips outputs in place on disk (then formats as `deno fmt` does, which the `check` task
 * enforces for .ipynb). Returns whether the file changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const path = `${await Deno.makeTempDir()}/demo.ipynb`; // e.g. "notebooks/01_generate.ipynb"
 * const cell = { cell_type: "code", source: "1", metadata: {}, outputs: [], execution_count: 3 };
 * await Deno.writeTextFile(path, JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4 }));
 * assert.equal(await stripNotebookFile(path), true);
 * assert.equal(await stripNotebookFile(path), false); // already stripped
 * await Deno.remove(path);
 * ```
 */
export async function stripNotebookFile(path: string): Promise<boolean> {
  const before = await Deno.readTextFile(path);
  const nb = await readNotebook(path);
  if (findUnstrippedCells(nb).length === 0) return false;
  await Deno.writeTextFile(path, JSON.stringify(stripNotebook(nb), null, 1) + "\n");
  await formatNotebookFile(path);
  return (await Deno.readTextFile(path)) !== before;
}

/**
 * Type-checks and lints notebooks and reports unstripped outputs; every diagnostic names its
 * notebook and cell. An empty array means all clean.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // A project root of its own (its deno.json applies); runs `deno check` and `deno lint`.
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/deno.json`, "{}");
 * const cell = { cell_type: "code", source: 'const n: number = "one";', outputs: [] };
 * await Deno.writeTextFile(`${root}/demo.ipynb`, JSON.stringify({ cells: [cell] }));
 * const problems = await checkNotebooks([`${root}/demo.ipynb`], { root, format: false });
 * assert.deepEqual(problems.map((p) => [p.kind, p.cellIndex, p.code]), [
 *   ["check", 0, "TS2322"],
 *   ["lint", 0, "no-unused-vars"],
 * ]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function checkNotebooks(
  notebooks: string[],
  options: CheckNotebooksOptions = {},
): Promise<NotebookDiagnostic[]> {
  const root = resolve(options.root ?? PROJECT_ROOT);
  const workDir = resolve(options.workDir ?? join(root, "target", "nbcheck"));
  await Deno.mkdir(workDir, { recursive: true });
  const configPath = join(workDir, "deno.json");
  await Deno.writeTextFile(configPath, await _checkConfig(root));

  const diagnostics: NotebookDiagnostic[] = [];
  const modules = new Map<string, { notebook: string; lineMap: (CellLine | null)[] }>();
  const used = new Set<string>();
  for (const notebook of notebooks) {
    const nb = await readNotebook(notebook);
    const unstripped = options.requireStripped === false ? [] : findUnstrippedCells(nb);
    if (unstripped.length) {
      diagnostics.push({
        notebook,
        cellIndex: unstripped[0]!,
        line: null,
        column: null,
        kind: "outputs",
        code: "unstripped-output",
        message: `${unstripped.length === 1 ? "cell" : "cells"} ` +
          `${unstripped.map((i) => i + 1).join(", ")} carry outputs or execution counts; ` +
          "notebooks are committed stripped: run `deno run -A cli/check_notebooks.ts --strip`",
      });
    }
    if (options.format !== false && !(await _isFormatted(notebook))) {
      diagnostics.push({
        notebook,
        cellIndex: null,
        line: null,
        column: null,
        kind: "format",
        code: "not-formatted",
        message: "not as `deno fmt` writes it: run `deno run -A cli/check_notebooks.ts --fmt`",
      });
    }
    let name = basename(notebook).replace(/\.ipynb$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
    while (used.has(name)) name += "_";
    used.add(name);
    const modulePath = join(workDir, `${name}.ts`);
    const extracted = extractNotebookCode(nb, {
      notebookDir: dirname(resolve(notebook)),
      moduleDir: workDir,
    });
    await Deno.writeTextFile(modulePath, extracted.code);
    modules.set(modulePath, { notebook, lineMap: extracted.lineMap });
  }
  if (modules.size === 0) return diagnostics;

  diagnostics.push(...await _denoCheck(root, configPath, modules));
  if (options.lint !== false) {
    for (const [modulePath, info] of modules) {
      diagnostics.push(...await _denoLint(root, modulePath, info));
    }
  }
  return diagnostics;
}

/**
 * One line per diagnostic: `notebooks/x.ipynb cell 3, line 2:5: TS2322: message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const problem: NotebookDiagnostic = {
 *   notebook: "notebooks/04_analysis.ipynb",
 *   cellIndex: 2,
 *   line: 1,
 *   column: 7,
 *   kind: "check",
 *   code: "TS2322",
 *   message: "Type 'string' is not assignable to type 'number'.",
 * };
 * assert.equal(
 *   formatDiagnostic(problem),
 *   "notebooks/04_analysis.ipynb cell 3, line 1:7: TS2322: " +
 *     "Type 'string' is not assignable to type 'number'.",
 * );
 * ```
 */
export function formatDiagnostic(d: NotebookDiagnostic): string {
  let where = d.notebook;
  if (d.cellIndex !== null) where += ` cell ${d.cellIndex + 1}`;
  if (d.line !== null) where += `, line ${d.line}${d.column !== null ? `:${d.column}` : ""}`;
  return `${where}: ${d.code}: ${d.message}`;
}

// `deno fmt --check` on .ipynb files answers from its incremental cache: on a fresh cache
// (a new clone, CI) Deno 2.9.6 reports notebooks that `deno fmt` leaves byte-identical as
// "not formatted", with an empty diff. deno.json therefore excludes notebooks/ from fmt and
// this compares the bytes with what `deno fmt` writes for them, read from stdin (no cache).
async function _isFormatted(notebook: string): Promise<boolean> {
  const original = await Deno.readFile(notebook);
  return _sameBytes(original, await _formatted(notebook, original));
}

function _sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function _formatted(notebook: string, original: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ipynb", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(original);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(
      `Cannot format notebook "${notebook}": ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
  return stdout;
}

async function _checkConfig(root: string): Promise<string> {
  // The project's deno.json excludes target/, so checking a file there needs its own config
  // with the same imports and compiler options. Packages come from Deno's npm cache.
  const project = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  return JSON.stringify(
    {
      imports: project.imports ?? {},
      compilerOptions: project.compilerOptions ?? {},
      nodeModulesDir: "none",
      lock: false,
    },
    null,
    2,
  ) + "\n";
}

async function _denoCheck(
  root: string,
  configPath: string,
  modules: Map<string, { notebook: string; lineMap: (CellLine | null)[] }>,
): Promise<NotebookDiagnostic[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", configPath, ...modules.keys()],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (output.success) return [];
  const text = _stripAnsi(
    new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr),
  );
  const diagnostics: NotebookDiagnostic[] = [];
  // Each diagnostic starts with "TSxxxx [ERROR]: message" and ends with "at <file>:L:C".
  const blocks = text.split(/\n(?=TS\d+ \[)/);
  for (const block of blocks) {
    const head = block.match(/^(?:[\s\S]*?\n)?(TS\d+) \[\w+\]: ([^\n]*)/);
    if (!head) continue;
    const at = block.match(/at (file:\/\/\S+?):(\d+):(\d+)/);
    const code = head[1]!;
    const message = head[2]!;
    const file = at ? decodeURIComponent(new URL(at[1]!).pathname) : null;
    const info = file ? modules.get(file) : undefined;
    if (info && at) {
      const origin = info.lineMap[Number(at[2]) - 1] ?? null;
      diagnostics.push({
        notebook: info.notebook,
        cellIndex: origin?.cellIndex ?? null,
        line: origin?.line ?? null,
        column: origin ? Number(at[3]) : null,
        kind: "check",
        code,
        message,
      });
    } else {
      // An error in an imported lib/ file: report it against every notebook being checked
      // would be noisy; attribute it to the first and keep the real location in the text.
      const first = modules.values().next().value!;
      diagnostics.push({
        notebook: first.notebook,
        cellIndex: null,
        line: null,
        column: null,
        kind: "check",
        code,
        message: file ? `${message} (in ${relative(root, file)}:${at![2]}:${at![3]})` : message,
      });
    }
  }
  if (diagnostics.length === 0) {
    const first = modules.values().next().value!;
    diagnostics.push({
      notebook: first.notebook,
      cellIndex: null,
      line: null,
      column: null,
      kind: "check",
      code: "deno-check",
      message: text.trim().split("\n").slice(-10).join("\n"),
    });
  }
  return diagnostics;
}

async function _denoLint(
  root: string,
  modulePath: string,
  info: { notebook: string; lineMap: (CellLine | null)[] },
): Promise<NotebookDiagnostic[]> {
  // target/ is excluded by deno.json and .gitignore, so the module goes in through stdin.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["lint", "-", "--ext=ts", "--json", "--rules-exclude=no-console"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(await Deno.readTextFile(modulePath)));
  await writer.close();
  const output = await child.output();
  const text = new TextDecoder().decode(output.stdout);
  let report: {
    diagnostics: {
      range: { start: { line: number; col: number } };
      message: string;
      code: string;
      hint: string | null;
    }[];
    errors: { message: string }[];
  };
  try {
    report = JSON.parse(text);
  } catch {
    return [{
      notebook: info.notebook,
      cellIndex: null,
      line: null,
      column: null,
      kind: "lint",
      code: "deno-lint",
      message: _stripAnsi(new TextDecoder().decode(output.stderr)).trim() || "deno lint failed",
    }];
  }
  const diagnostics: NotebookDiagnostic[] = report.diagnostics.map((d) => {
    const origin = info.lineMap[d.range.start.line - 1] ?? null;
    return {
      notebook: info.notebook,
      cellIndex: origin?.cellIndex ?? null,
      line: origin?.line ?? null,
      column: origin ? d.range.start.col + 1 : null,
      kind: "lint" as const,
      code: d.code,
      message: d.hint ? `${d.message} (${d.hint})` : d.message,
    };
  });
  for (const error of report.errors) {
    diagnostics.push({
      notebook: info.notebook,
      cellIndex: null,
      line: null,
      column: null,
      kind: "lint",
      code: "deno-lint",
      message: error.message,
    });
  }
  return diagnostics;
}

function _rewriteRelativeImports(source: string, fromDir: string, toDir: string): string {
  if (resolve(fromDir) === resolve(toDir)) return source;
  return source.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"'\n]*)\2/g,
    (_match, prefix: string, quote: string, specifier: string) => {
      let rewritten = relative(toDir, resolve(fromDir, specifier));
      if (!rewritten.startsWith(".")) rewritten = `./${rewritten}`;
      return `${prefix}${quote}${rewritten}${quote}`;
    },
  );
}

function _stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}
