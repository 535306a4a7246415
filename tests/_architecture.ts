/**
 * The checks behind `tests/architecture_test.ts`: the layer table of
 * `docs/architecture.md`, an import graph read with `deno info --json`, and pure
 * functions that turn a graph or a source text into a list of violations (an empty
 * list means the rule holds). Kept apart from the test so the checker itself can be
 * tested on synthetic input.
 *
 * @module
 */

import { join, relative, sep as SEPARATOR } from "node:path";
import { cliEnv } from "./_env.ts";

/** One line of the layer table: folders that may import the lines below it. */
export interface Layer {
  /** Folders on this line, relative to the project root (`"lib/report"`, `"cli"`). */
  folders: readonly string[];
  /** What lives there, for the failure message and the docs. */
  role: string;
  /**
   * Folders (any line) that may import this line's folders; when set, no other folder
   * may, even one above it. Tests are not part of the graph and may always import.
   * @default undefined (every folder above may import it)
   */
  importableOnlyFrom?: readonly string[];
}

/**
 * Who may import whom, top to bottom: a file may import files of its own folder and of
 * folders on lines below its own line, never of its own line's other folders or of a
 * line above. The same table is printed in `docs/architecture.md` and
 * `/work/shared/DESIGN.md` ("Layers").
 */
export const LAYERS: readonly Layer[] = [
  {
    folders: ["cli", "bench", "notebooks"],
    role: "entry points: flags, printing, exit codes; benchmarks; narrative plus calls",
  },
  {
    folders: ["lib/pipeline"],
    role: "stages as functions: options in, typed summary out, progress by callback",
  },
  {
    folders: ["lib/report", "lib/docs", "lib/alerts", "lib/notebook"],
    role: "report and docs pages, alerts, notebook display helpers",
  },
  {
    folders: ["lib/observe"],
    role: "data checks and run history (audit tables), read by the report",
  },
  {
    folders: ["lib/jupyter"],
    role: "Jupyter environment tooling (venv, kernelspec, runner, checks)",
    importableOnlyFrom: ["cli"],
  },
  { folders: ["lib/html"], role: "page kit, tables, figure-to-HTML" },
  { folders: ["lib/charts"], role: "pure Plotly figure specs" },
  { folders: ["lib/insights"], role: "sentences computed from metric rows" },
  { folders: ["lib/analytics"], role: "Polars metrics; owns each metric's column names" },
  {
    folders: ["lib/models", "lib/load", "lib/generate"],
    role: "model compiler and runner, loader, generator",
  },
  {
    folders: ["lib/warehouse"],
    role: "the only place that knows drivers, relation names, quoting, dialect",
  },
  { folders: ["lib/format"], role: "numbers, percentages, intervals (a leaf anyone may use)" },
];

/** One import of one file by another, paths relative to the project root with `/`. */
export interface ImportEdge {
  /** The importing file, e.g. `"cli/pipeline.ts"`. */
  from: string;
  /** The imported file, e.g. `"lib/pipeline/mod.ts"`. */
  to: string;
  /** 1-based line of the specifier in `from` (for a notebook: the cell's number). */
  line: number;
  /** Whether the import is type-only (`import type`); it still counts. */
  typeOnly: boolean;
}

/** Files and the relative imports between them. */
export interface ImportGraph {
  /** Every file of the graph, sorted. */
  files: string[];
  /** One edge per (from, to) pair; value imports win over type-only ones. */
  edges: ImportEdge[];
}

/** One broken rule, with the place and a message that says what to do. */
export interface Violation {
  /** `path:line` (line omitted when not known). */
  where: string;
  /** What is wrong and, where it helps, what to do. */
  message: string;
}

/** Formats violations one per line, for an assertion message. */
export function formatViolations(title: string, violations: readonly Violation[]): string {
  const lines = violations.map((v) => `  ${v.where}: ${v.message}`);
  return `${title} (${violations.length}):\n${lines.join("\n")}`;
}

// ---------------------------------------------------------------------------------------
// Import cycles

/**
 * Finds import cycles: one entry per strongly connected component of more than one file
 * (or a file importing itself), as a shortest cycle through the component's first file,
 * e.g. `a.ts → b.ts → a.ts`, plus the other files of the component.
 */
export function findCycles(graph: ImportGraph): Violation[] {
  const next = adjacency(graph);
  const components = stronglyConnected(graph.files, next);
  const violations: Violation[] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const selfLoop = next.get(start)?.some((e) => e.to === start) ?? false;
    if (component.length < 2 && !selfLoop) continue;
    const cycle = shortestCycle(start, next, members);
    const path = cycle.map((e) => `${e.from}:${e.line}${e.typeOnly ? " (type)" : ""}`);
    const others = component.filter((f) => !cycle.some((e) => e.from === f)).sort();
    violations.push({
      where: start,
      message: `import cycle ${path.join(" → ")} → ${start}` +
        (others.length > 0 ? `; the cycle's component also holds ${others.join(", ")}` : ""),
    });
  }
  return violations;
}

/**
 * Finds cycles between folders (each file counted in its layer-table folder, or its
 * parent folder): `lib/charts → lib/html → lib/charts` even where no file cycle exists.
 * Each step names one import that makes it.
 */
export function findFolderCycles(
  graph: ImportGraph,
  layers: readonly Layer[] = LAYERS,
): Violation[] {
  const folder = (file: string) => folderOf(file, layers) ?? parentFolder(file);
  const witness = new Map<string, ImportEdge>();
  for (const edge of graph.edges) {
    const from = folder(edge.from);
    const to = folder(edge.to);
    if (from !== to && !witness.has(`${from}\n${to}`)) witness.set(`${from}\n${to}`, edge);
  }
  const folders: ImportGraph = {
    files: [...new Set(graph.files.map(folder))].sort(),
    edges: [...witness.entries()].map(([key, edge]) => {
      const [from, to] = key.split("\n") as [string, string];
      return { from, to, line: edge.line, typeOnly: edge.typeOnly };
    }),
  };
  return findCycles(folders).map((cycle) => {
    const steps = cycle.message.replace(/^import cycle /, "").split(" → ").map((s) =>
      s.replace(/:\d+( \(type\))?$/, "")
    );
    const because = steps.slice(0, -1).map((from, k) => {
      const edge = witness.get(`${from}\n${steps[k + 1]}`)!;
      return `${edge.from}:${edge.line} imports ${edge.to}`;
    });
    return {
      where: cycle.where,
      message: `folder cycle ${steps.join(" → ")} (${because.join("; ")})`,
    };
  });
}

function adjacency(graph: ImportGraph): Map<string, ImportEdge[]> {
  const next = new Map<string, ImportEdge[]>();
  for (const file of graph.files) next.set(file, []);
  for (const edge of graph.edges) {
    if (!next.has(edge.from)) next.set(edge.from, []);
    if (!next.has(edge.to)) next.set(edge.to, []);
    next.get(edge.from)!.push(edge);
  }
  for (const edges of next.values()) edges.sort((a, b) => a.to.localeCompare(b.to));
  return next;
}

/** Tarjan's algorithm, iterative; components in discovery order. */
function stronglyConnected(files: string[], next: Map<string, ImportEdge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const nodes = [...new Set([...files, ...next.keys()])].sort();
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = next.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!.to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** Breadth-first search from `start` back to `start`, inside `members`. */
function shortestCycle(
  start: string,
  next: Map<string, ImportEdge[]>,
  members: Set<string>,
): ImportEdge[] {
  const via = new Map<string, ImportEdge>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const edge of next.get(node) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; at = via.get(at)!.from) path.unshift(via.get(at)!);
        return path;
      }
      if (!via.has(edge.to)) {
        via.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  throw new Error(`Cannot find a cycle through "${start}": not in a cycle`);
}

// ---------------------------------------------------------------------------------------
// Layers

/** The folder of the layer table that holds `file` (longest match), or undefined. */
export function folderOf(file: string, layers: readonly Layer[] = LAYERS): string | undefined {
  let best: string | undefined;
  for (const layer of layers) {
    for (const folder of layer.folders) {
      if (file.startsWith(`${folder}/`) && (best === undefined || folder.length > best.length)) {
        best = folder;
      }
    }
  }
  return best;
}

function lineOf(folder: string, layers: readonly Layer[]): number {
  return layers.findIndex((layer) => layer.folders.includes(folder));
}

/**
 * Checks every edge against the layer table: a file may import files of its own folder
 * and of folders on lower lines, and a folder with `importableOnlyFrom` only from those
 * folders. A file (importing or imported) in no folder of the table is a violation
 * that asks for the table to be extended.
 */
export function layerViolations(
  graph: ImportGraph,
  layers: readonly Layer[] = LAYERS,
): Violation[] {
  const violations: Violation[] = [];
  const unplaced = new Set<string>();
  for (const file of graph.files) {
    if (folderOf(file, layers) === undefined) unplaced.add(file);
  }
  for (const edge of graph.edges) {
    if (folderOf(edge.to, layers) === undefined) unplaced.add(edge.to);
  }
  for (const file of [...unplaced].sort()) {
    violations.push({
      where: file,
      message: `"${parentFolder(file)}" is in no line of the layer table; add it to the layer ` +
        `table (LAYERS in tests/_architecture.ts and docs/architecture.md)`,
    });
  }
  for (const edge of graph.edges) {
    const from = folderOf(edge.from, layers);
    const to = folderOf(edge.to, layers);
    if (from === undefined || to === undefined) continue;
    const where = `${edge.from}:${edge.line}`;
    const restricted = layers[lineOf(to, layers)]!.importableOnlyFrom;
    if (restricted && from !== to && !restricted.includes(from)) {
      violations.push({
        where,
        message: `imports ${edge.to}: ${to} may be imported only by ${
          restricted.join(", ")
        } (and tests)`,
      });
      continue;
    }
    if (from === to) continue;
    const fromLine = lineOf(from, layers);
    const toLine = lineOf(to, layers);
    if (toLine > fromLine) continue;
    const relation = toLine === fromLine ? "on the same line as" : "above";
    violations.push({
      where,
      message: `imports ${edge.to}: ${to} is ${relation} ${from} in the layer table; ${from} ` +
        `may import only its own folder and ${belowList(fromLine, layers)}`,
    });
  }
  return violations;
}

function parentFolder(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash < 0 ? "." : file.slice(0, slash);
}

function belowList(line: number, layers: readonly Layer[]): string {
  const below = layers.slice(line + 1).flatMap((layer) => layer.folders);
  return below.length === 0 ? "nothing else" : below.join(", ");
}

// ---------------------------------------------------------------------------------------
// Entry points and private helpers

function isPrivate(file: string): boolean {
  return file.slice(file.lastIndexOf("/") + 1).startsWith("_");
}

/**
 * Entry points stay thin and separate: a `cli/` file imports no other `cli/` file except
 * `cli/_*.ts` helpers, and `bench/` imports nothing from `cli/` (both call `lib/`).
 */
export function entryPointViolations(graph: ImportGraph): Violation[] {
  const violations: Violation[] = [];
  for (const edge of graph.edges) {
    const where = `${edge.from}:${edge.line}`;
    if (edge.from.startsWith("cli/") && edge.to.startsWith("cli/") && !isPrivate(edge.to)) {
      violations.push({
        where,
        message: `imports the entry point ${edge.to}; cli/ files import only cli/_*.ts ` +
          `helpers and lib/ (move the shared code to lib/, e.g. lib/pipeline)`,
      });
    }
    if (edge.from.startsWith("bench/") && edge.to.startsWith("cli/")) {
      violations.push({
        where,
        message: `imports ${edge.to}; bench/ must not import cli/ (call lib/ instead)`,
      });
    }
  }
  return violations;
}

/** A `_`-prefixed file is private to its folder (STYLE.md): nobody outside imports it. */
export function privateHelperViolations(graph: ImportGraph): Violation[] {
  return graph.edges
    .filter((e) => isPrivate(e.to) && parentFolder(e.to) !== parentFolder(e.from))
    .map((e) => ({
      where: `${e.from}:${e.line}`,
      message: `imports ${e.to}, private to ${parentFolder(e.to)}/ (a _ file is imported only ` +
        `inside its folder; export what others need from a public file)`,
    }));
}

/** Every file reachable from `roots` through the graph's edges, roots included. */
export function closure(graph: ImportGraph, roots: readonly string[]): Set<string> {
  const next = adjacency(graph);
  const seen = new Set<string>(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const edge of next.get(queue.pop()!) ?? []) {
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------
// Source scanning: string literals apart from comments

/** A string or template literal of a source text. */
export interface Literal {
  /**
   * The literal's text without its quotes, escapes left as written; a template's
   * `${…}` substitutions are replaced by `${…}` (their own literals are listed apart).
   */
  text: string;
  /** 1-based line where the literal starts. */
  line: number;
}

/** A source text split into its literals and its code with comments blanked out. */
export interface ScannedSource {
  /** All string and template literals, in source order. */
  literals: Literal[];
  /** The source with every comment replaced by spaces (line breaks kept). */
  code: string;
}

const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Splits TypeScript (or JavaScript) source into string/template literals and code
 * without comments, so checks look at strings and code, never at prose in comments.
 * A small lexer: it knows comments, the three kinds of quotes, nested `${}` and regular
 * expression literals (told from division by the token before them).
 */
export function scanSource(source: string): ScannedSource {
  const out = source.split("");
  const literals: Literal[] = [];
  const lineStarts = [0];
  for (let k = 0; k < source.length; k++) if (source[k] === "\n") lineStarts.push(k + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  let i = 0;
  // Whether a `/` here starts a regular expression (true after an operator or keyword).
  let regexAllowed = true;

  const quoted = (quote: string) => {
    const start = i++;
    while (i < source.length && source[i] !== quote && source[i] !== "\n") {
      i += source[i] === "\\" ? 2 : 1;
    }
    literals.push({ text: source.slice(start + 1, i), line: lineAt(start) });
    i++;
  };

  const regex = () => {
    i++;
    let inClass = false;
    while (i < source.length && source[i] !== "\n") {
      const c = source[i]!;
      if (c === "\\") i += 2;
      else {
        if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        i++;
      }
    }
    i++;
    while (i < source.length && /[a-z]/i.test(source[i]!)) i++;
  };

  const template = () => {
    const start = i++;
    let text = "";
    while (i < source.length && source[i] !== "`") {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (source[i] === "$" && source[i + 1] === "{") {
        text += "${…}";
        i += 2;
        code(true);
      } else {
        text += source[i++];
      }
    }
    literals.push({ text, line: lineAt(start) });
    i++;
  };

  // Scans code up to the end, or up to the `}` that closes a template substitution.
  const code = (untilBrace: boolean) => {
    let depth = 0;
    regexAllowed = true;
    while (i < source.length) {
      const c = source[i]!;
      const d = source[i + 1];
      if (c === "/" && d === "/") {
        const end = source.indexOf("\n", i);
        const stop = end < 0 ? source.length : end;
        blank(i, stop);
        i = stop;
      } else if (c === "/" && d === "*") {
        const end = source.indexOf("*/", i + 2);
        const stop = end < 0 ? source.length : end + 2;
        blank(i, stop);
        i = stop;
      } else if (c === '"' || c === "'") {
        quoted(c);
        regexAllowed = false;
      } else if (c === "`") {
        template();
        regexAllowed = false;
      } else if (c === "/") {
        if (regexAllowed) {
          regex();
          regexAllowed = false;
        } else {
          i++;
          regexAllowed = true;
        }
      } else if (/[A-Za-z_$]/.test(c)) {
        const start = i;
        while (i < source.length && /[A-Za-z0-9_$]/.test(source[i]!)) i++;
        regexAllowed = REGEX_AFTER_WORDS.has(source.slice(start, i));
      } else if (/[0-9]/.test(c)) {
        while (i < source.length && /[0-9A-Za-z_.]/.test(source[i]!)) i++;
        regexAllowed = false;
      } else if (/\s/.test(c)) {
        i++;
      } else {
        i++;
        if (c === "{") depth++;
        else if (c === "}") {
          if (untilBrace && depth === 0) return;
          depth--;
        }
        regexAllowed = c !== ")" && c !== "]";
      }
    }
  };

  code(false);
  return { literals, code: out.join("") };
}

// ---------------------------------------------------------------------------------------
// Relation names and warehouse kinds

/** Schemas whose relations are asked of the warehouse, never written by hand. */
export const SCHEMAS = ["marts", "raw", "staging"] as const;

const QUOTE = `["\`]?`;
const RELATION = new RegExp(
  `(?<![\\w.'])${QUOTE}(${SCHEMAS.join("|")})${QUOTE}\\.${QUOTE}([A-Za-z_][A-Za-z0-9_]*)`,
  "g",
);
// A relation in SQL position, after one of these keywords; on its own that is also
// prose ("Cannot load x into raw.events"), so a fragment needs a clause keyword too.
const SQL_POSITION = new RegExp(
  `\\b(from|join|into|update|table|view|exists|describe|summarize|truncate|using)\\s+` +
    `${QUOTE}(${SCHEMAS.join("|")})${QUOTE}\\.`,
  "i",
);
const SQL_CLAUSE = /\b(select|where|group\s+by|order\s+by|values|limit|union|having|qualify)\b/i;
const SQL_STATEMENT =
  /^\s*\(?\s*(select|with|insert|create|delete|update|drop|alter|merge|describe|summarize|pragma|copy|show|declare)\b/i;
const SQL_COMMENT_LINES = /^(\s*--[^\n]*\n)+/;
const SQL_COMMENT = /--[^\n]*/g;

/**
 * Whether a literal is SQL (or an SQL fragment) rather than prose: after any leading
 * `--` comment lines it starts like a statement, or it names a relation right after
 * `from`/`join`/`into`/`table`/… and has a clause keyword (`where`, `group by`, …). A
 * bare `"raw.events"` (a label or a key), a caption such as `"marts.mart_id_sync: …"`
 * and a message such as `"Cannot load x into raw.events: …"` are not SQL.
 */
export function isSqlLike(text: string): boolean {
  const body = text.replace(SQL_COMMENT_LINES, "");
  return SQL_STATEMENT.test(body) || (SQL_POSITION.test(body) && SQL_CLAUSE.test(body));
}

/**
 * Relation names written by hand (`marts.fct_events`, `"raw"."events"`) inside SQL-like
 * string or template literals of `source`; comments (TypeScript or `--` SQL), prose
 * strings and SQL string values (`table_name = 'raw.events'`) do not count.
 */
export function relationViolations(file: string, source: string, lineOffset = 0): Violation[] {
  const violations: Violation[] = [];
  for (const literal of scanSource(source).literals) {
    if (!isSqlLike(literal.text)) continue;
    const sql = literal.text.replace(SQL_COMMENT, "");
    const names = [...sql.matchAll(RELATION)].map((m) => `${m[1]}.${m[2]}`);
    for (const name of new Set(names)) {
      violations.push({
        where: `${file}:${literal.line + lineOffset}`,
        message: `SQL names the relation ${name} by hand; ask the warehouse for it ` +
          `(warehouse.relation({ schema: "${name.split(".")[0]}", name: "${
            name.split(".")[1]
          }" }))`,
      });
    }
  }
  return violations;
}

const KIND = `["'\`](duckdb|bigquery)["'\`]`;
const KIND_BRANCHES = [
  new RegExp(`[!=]==?\\s*${KIND}`, "g"),
  new RegExp(`${KIND}\\s*[!=]==?`, "g"),
  new RegExp(`\\bcase\\s+${KIND}\\s*:`, "g"),
  /\binstanceof\s+(DuckDbWarehouse|BigQueryWarehouse)\b/g,
];

/**
 * Code that branches on the warehouse kind or dialect (`config.kind === "duckdb"`,
 * `dialect !== "bigquery"`, `case "duckdb":`, `instanceof BigQueryWarehouse`), outside
 * comments. Only `lib/warehouse/` and `lib/models/` may.
 */
export function kindBranchViolations(file: string, source: string, lineOffset = 0): Violation[] {
  const code = scanSource(source).code;
  const violations: Violation[] = [];
  for (const pattern of KIND_BRANCHES) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split("\n").length + lineOffset;
      violations.push({
        where: `${file}:${line}`,
        message: `branches on the warehouse kind (${match[0].trim()}); only lib/warehouse/ and ` +
          `lib/models/ may: ask the Warehouse (relation(), literal(), dialect macros) instead`,
      });
    }
  }
  return violations.sort((a, b) => a.where.localeCompare(b.where, "en", { numeric: true }));
}

// ---------------------------------------------------------------------------------------
// Notebooks

/** A code cell of a notebook, with the number of the cell (1-based, all cells counted). */
export interface NotebookCell {
  /** 1-based position among all cells. */
  cell: number;
  /** The cell's source text. */
  source: string;
}

/** The code cells of an `.ipynb` document. */
export function notebookCodeCells(ipynb: string): NotebookCell[] {
  const doc = JSON.parse(ipynb) as { cells?: { cell_type: string; source: string | string[] }[] };
  return (doc.cells ?? []).flatMap((cell, k) =>
    cell.cell_type === "code"
      ? [{
        cell: k + 1,
        source: Array.isArray(cell.source) ? cell.source.join("") : cell.source,
      }]
      : []
  );
}

/**
 * Relative module specifiers imported by a source text (static `import`/`export … from`,
 * side-effect `import "…"` and `import("…")` with a literal), found in code, not comments.
 */
export function importSpecifiers(source: string): { specifier: string; line: number }[] {
  const { code } = scanSource(source);
  const found: { specifier: string; line: number }[] = [];
  const pattern =
    /(?:\bfrom\s*|\bimport\s*\(\s*|(?:^|[;\n])\s*import\s+)(["'])(\.{1,2}\/[^"'\n]+)\1/g;
  for (const match of code.matchAll(pattern)) {
    const offset = match.index + match[0].indexOf(match[1]!);
    found.push({ specifier: match[2]!, line: code.slice(0, offset).split("\n").length });
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// Reading the project

/** Source files (`.ts`, `.tsx`, `.js`, `.mjs`, `.mts`) under `dir`, relative to `root`. */
export async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(root, at))];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${at}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && /\.(ts|tsx|js|mjs|mts)$/.test(entry.name)) files.push(path);
    }
  };
  await walk(dir);
  return files;
}

interface DenoInfoModule {
  specifier: string;
  local?: string;
  error?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string; span?: { start: { line: number } } };
    type?: { specifier?: string; span?: { start: { line: number } } };
  }[];
}

/**
 * The import graph of every source file under `dirs`, read with `deno info --json` (Deno's
 * own parser and resolver): local `file:` imports only, `npm:`/`node:` ignored. A file
 * outside `dirs` that is imported is a node too (so `lib/` importing `tests/` shows).
 * Throws if `deno info` fails or reports a module it cannot read.
 */
export async function readImportGraph(root: string, dirs: readonly string[]): Promise<ImportGraph> {
  const files = (await Promise.all(dirs.map((dir) => sourceFiles(root, dir)))).flat();
  // Entry points first: one `deno info` call returns everything a file reaches, so most
  // library files are seen before their turn.
  const order = [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const modules = new Map<string, DenoInfoModule>();
  const rootUrl = new URL(`file://${root.endsWith(SEPARATOR) ? root : root + SEPARATOR}`);
  const toPath = (url: string) => decodeURIComponent(new URL(url).pathname);
  const rel = (url: string) => relative(root, toPath(url)).split(SEPARATOR).join("/");
  for (const file of order) {
    if (modules.has(new URL(file, rootUrl).href)) continue;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", file],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: cliEnv(),
    }).output();
    if (!output.success) {
      throw new Error(
        `Cannot read the imports of "${file}": deno info failed: ` +
          new TextDecoder().decode(output.stderr).trim(),
      );
    }
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: DenoInfoModule[];
    };
    for (const module of info.modules) {
      if (module.specifier.startsWith("file:")) modules.set(module.specifier, module);
    }
  }
  const edges = new Map<string, ImportEdge>();
  const nodes = new Set(files);
  for (const module of modules.values()) {
    if (module.error) {
      throw new Error(`Cannot read the imports of "${rel(module.specifier)}": ${module.error}`);
    }
    const from = rel(module.specifier);
    nodes.add(from);
    for (const dep of module.dependencies ?? []) {
      for (const [use, typeOnly] of [[dep.code, false], [dep.type, true]] as const) {
        if (!use?.specifier?.startsWith("file:")) continue;
        const to = rel(use.specifier);
        const key = `${from}\n${to}`;
        const known = edges.get(key);
        if (known && !known.typeOnly) continue;
        if (known && typeOnly) continue;
        edges.set(key, { from, to, line: (use.span?.start.line ?? -1) + 1, typeOnly });
        nodes.add(to);
      }
    }
  }
  return {
    files: [...nodes].sort(),
    edges: [...edges.values()].sort((a, b) =>
      a.from.localeCompare(b.from) || a.to.localeCompare(b.to)
    ),
  };
}

function rank(file: string): number {
  if (file.startsWith("cli/") || file.startsWith("bench/")) return 0;
  return file.endsWith("/mod.ts") ? 1 : 2;
}
