/**
 * Guard rails of the architecture (docs/architecture.md): the import graph of lib/, cli/
 * and bench/ has no cycle and follows the layer table; entry points stay apart; relation
 * names and warehouse kinds stay inside lib/warehouse/ and lib/models/. The first tests
 * prove the checker fails on synthetic input, so a pass below means something.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  closure,
  entryPointViolations,
  findCycles,
  findFolderCycles,
  formatViolations,
  type ImportGraph,
  importSpecifiers,
  isSqlLike,
  kindBranchViolations,
  type Layer,
  layerViolations,
  notebookCodeCells,
  privateHelperViolations,
  readImportGraph,
  relationViolations,
  scanSource,
  sourceFiles,
  type Violation,
} from "./_architecture.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const GRAPH_DIRS = ["lib", "cli", "bench"];

function assertNone(title: string, violations: readonly Violation[]): void {
  assert.ok(violations.length === 0, formatViolations(title, violations));
}

function edge(from: string, to: string, line = 1, typeOnly = false) {
  return { from, to, line, typeOnly };
}

// ---------------------------------------------------------------------------------------
// The checker, on synthetic input

const TOY_LAYERS: Layer[] = [
  { folders: ["app"], role: "top" },
  { folders: ["lib/mid", "lib/side"], role: "middle" },
  { folders: ["lib/env"], role: "tooling", importableOnlyFrom: ["app"] },
  { folders: ["lib/leaf"], role: "bottom" },
];

Deno.test("findCycles() reports each cycle with its path and nothing for a DAG", () => {
  const graph: ImportGraph = {
    files: ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts", "f.ts"],
    edges: [
      edge("a.ts", "b.ts", 3),
      edge("b.ts", "c.ts", 4),
      edge("c.ts", "a.ts", 5, true),
      edge("c.ts", "d.ts"),
      edge("e.ts", "e.ts", 9),
      edge("d.ts", "f.ts"),
    ],
  };
  const cycles = findCycles(graph);
  assert.deepEqual(cycles.map((c) => c.message).sort(), [
    "import cycle a.ts:3 → b.ts:4 → c.ts:5 (type) → a.ts",
    "import cycle e.ts:9 → e.ts",
  ]);
  const dag: ImportGraph = { files: graph.files, edges: graph.edges.slice(0, 2) };
  assert.deepEqual(findCycles(dag), []);
});

Deno.test("findCycles() prints a shortest cycle and the rest of a larger component", () => {
  const graph: ImportGraph = {
    files: ["a.ts", "b.ts", "c.ts"],
    edges: [edge("a.ts", "b.ts"), edge("b.ts", "a.ts"), edge("b.ts", "c.ts"), edge("c.ts", "b.ts")],
  };
  const [cycle, ...rest] = findCycles(graph);
  assert.equal(rest.length, 0);
  assert.equal(
    cycle?.message,
    "import cycle a.ts:1 → b.ts:1 → a.ts; the cycle's component also holds c.ts",
  );
});

Deno.test("findFolderCycles() reports a cycle between folders without a file cycle", () => {
  const graph: ImportGraph = {
    files: [],
    edges: [
      edge("lib/charts/a.ts", "lib/html/format.ts", 3),
      edge("lib/html/page.ts", "lib/charts/b.ts", 7),
      edge("lib/html/page.ts", "lib/format/n.ts"),
    ],
  };
  assert.deepEqual(findCycles(graph), []);
  assert.deepEqual(findFolderCycles(graph).map((v) => v.message), [
    "folder cycle lib/charts → lib/html → lib/charts (lib/charts/a.ts:3 imports " +
    "lib/html/format.ts; lib/html/page.ts:7 imports lib/charts/b.ts)",
  ]);
});

Deno.test("layerViolations() rejects upward, sideways, restricted and unplaced imports", async (t) => {
  const check = (from: string, to: string) =>
    layerViolations({ files: [from, to], edges: [edge(from, to, 7)] }, TOY_LAYERS);
  await t.step("downward and same-folder imports pass", () => {
    assert.deepEqual(check("app/main.ts", "lib/leaf/x.ts"), []);
    assert.deepEqual(check("lib/mid/a.ts", "lib/mid/b.ts"), []);
    assert.deepEqual(check("lib/mid/a.ts", "lib/leaf/x.ts"), []);
    assert.deepEqual(check("app/main.ts", "lib/env/venv.ts"), []);
  });
  await t.step("an upward import fails naming both folders", () => {
    const [violation, ...rest] = check("lib/leaf/x.ts", "lib/mid/a.ts");
    assert.equal(rest.length, 0);
    assert.equal(violation?.where, "lib/leaf/x.ts:7");
    assert.match(violation!.message, /lib\/mid is above lib\/leaf/);
    assert.match(violation!.message, /may import only its own folder and nothing else/);
  });
  await t.step("a folder on the same line fails", () => {
    assert.match(check("lib/mid/a.ts", "lib/side/b.ts")[0]!.message, /on the same line as/);
  });
  await t.step("a restricted folder fails from any folder but those allowed", () => {
    const [violation] = check("lib/mid/a.ts", "lib/env/venv.ts");
    assert.match(violation!.message, /lib\/env may be imported only by app/);
  });
  await t.step("a folder missing from the table fails and asks for the table", () => {
    const violations = check("lib/new/a.ts", "lib/leaf/x.ts");
    assert.equal(violations.length, 1);
    assert.match(violations[0]!.message, /"lib\/new" is in no line .*add it to the layer table/);
    assert.match(check("lib/leaf/x.ts", "tests/helper.ts")[0]!.message, /"tests"/);
  });
});

Deno.test("entryPointViolations() and privateHelperViolations() name the import", () => {
  const graph: ImportGraph = {
    files: [],
    edges: [
      edge("cli/pipeline.ts", "cli/load.ts", 12),
      edge("cli/pipeline.ts", "cli/_common.ts"),
      edge("bench/_bench.ts", "cli/_common.ts", 3),
      edge("lib/a/x.ts", "lib/a/_y.ts"),
      edge("lib/b/z.ts", "lib/a/_y.ts", 5),
    ],
  };
  assert.deepEqual(entryPointViolations(graph).map((v) => v.where), [
    "cli/pipeline.ts:12",
    "bench/_bench.ts:3",
  ]);
  assert.deepEqual(privateHelperViolations(graph).map((v) => v.where), [
    "bench/_bench.ts:3",
    "lib/b/z.ts:5",
  ]);
  assert.deepEqual([...closure(graph, ["lib/b/z.ts"])].sort(), ["lib/a/_y.ts", "lib/b/z.ts"]);
});

Deno.test("scanSource() separates literals from comments, regexes and nested templates", () => {
  const source = [
    `// select * from marts.fct_events`,
    `/** Rejected lines go to raw.events_rejected ("quoted" text). */`,
    `const re = /["'\`]/g; const half = total / 2 / 3;`,
    "const sql = `select ${cols.map((c) => `\"${c}\"`).join(', ')} from t`;",
    `const s = 'it\\'s'; // trailing "comment"`,
  ].join("\n");
  const { literals, code } = scanSource(source);
  assert.deepEqual(literals.map((l) => [l.line, l.text]), [
    [4, '"${…}"'],
    [4, ", "],
    [4, "select ${…} from t"],
    [5, "it\\'s"],
  ]);
  assert.ok(!code.includes("marts") && !code.includes("raw.events"), code);
  assert.equal(code.split("\n").length, 5);
});

Deno.test("relationViolations() flags hand-written relations in SQL, not in prose", async (t) => {
  const names = (source: string) =>
    relationViolations("f.ts", source).map((v) => v.message.split(" ")[4]);
  await t.step("SQL statements, fragments and bare names", () => {
    assert.deepEqual(names("q(`select count(*) from marts.fct_events`)"), ["marts.fct_events"]);
    assert.deepEqual(names(`q("describe raw.events")`), ["raw.events"]);
    assert.deepEqual(names("q(`${head} join staging.stg_users using (user_id) where x`)"), [
      "staging.stg_users",
    ]);
    assert.deepEqual(names(`q('select * from "marts"."dim_users"')`), ["marts.dim_users"]);
  });
  await t.step("comments, JSDoc, prose and other schemas pass", () => {
    assert.deepEqual(names(`/** rows land in raw.events_rejected */ const x = 1;`), []);
    assert.deepEqual(names(`// select * from marts.fct_events`), []);
    assert.deepEqual(names(`throw new Error("Cannot load raw.events: bad header");`), []);
    assert.deepEqual(names(`caption("marts.mart_id_sync: user-id match")`), []);
    assert.deepEqual(names("fail(`Cannot load ${file} into raw.events: ${reason}`)"), []);
    assert.deepEqual(names(`if (r.table === "raw.events") n++;`), []);
    assert.deepEqual(names("q(`select * from ${relation}`)"), []);
    assert.deepEqual(names("q(`select * from audit.data_test_results`)"), []);
    assert.deepEqual(names("q(`-- into raw.events\nselect 1 from m where t = 'raw.events'`)"), []);
    assert.deepEqual(names("const key = `raw.${file.kind}:${name}`;"), []);
  });
  assert.equal(isSqlLike("  with a as (select 1) select * from a"), true);
  assert.equal(isSqlLike("-- load\n-- files\ncreate temp table t as select 1"), true);
  assert.equal(isSqlLike("see marts.fct_events for details"), false);
});

Deno.test("kindBranchViolations() flags comparisons with a warehouse kind in code only", () => {
  const source = [
    `if (config.kind === "duckdb") open();`,
    `const label = "bigquery" !== dialect ? a : b;`,
    `switch (kind) { case 'bigquery': break; }`,
    `if (w instanceof DuckDbWarehouse) {}`,
    `// if (config.kind === "duckdb") only in a comment`,
    `const kinds = ["duckdb", "bigquery"]; const name = "duckdb";`,
  ].join("\n");
  assert.deepEqual(kindBranchViolations("f.ts", source).map((v) => v.where), [
    "f.ts:1",
    "f.ts:2",
    "f.ts:3",
    "f.ts:4",
  ]);
});

Deno.test("importSpecifiers() finds relative imports of every form, not in comments", () => {
  const source = [
    `import pl from "nodejs-polars";`,
    `import {`,
    `  a,`,
    `} from "../lib/a/mod.ts";`,
    `export * from "./b.ts";`,
    `import "./side_effect.ts";`,
    `const m = await import("../lib/c/mod.ts");`,
    `// import { x } from "../lib/commented.ts";`,
  ].join("\n");
  assert.deepEqual(importSpecifiers(source), [
    { specifier: "../lib/a/mod.ts", line: 4 },
    { specifier: "./b.ts", line: 5 },
    { specifier: "./side_effect.ts", line: 6 },
    { specifier: "../lib/c/mod.ts", line: 7 },
  ]);
});

// ---------------------------------------------------------------------------------------
// The project

async function notebooks(): Promise<
  { path: string; cells: ReturnType<typeof notebookCodeCells> }[]
> {
  const names = [...Deno.readDirSync(`${ROOT}/notebooks`)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => e.name)
    .sort();
  return await Promise.all(names.map(async (name) => ({
    path: `notebooks/${name}`,
    cells: notebookCodeCells(await Deno.readTextFile(`${ROOT}/notebooks/${name}`)),
  })));
}

/**
 * The graph of lib/, cli/, bench/ plus each notebook's imports; a notebook's edges carry
 * the number of the cell in place of a line.
 */
async function projectGraph(): Promise<ImportGraph> {
  const graph = await readImportGraph(ROOT, GRAPH_DIRS);
  for (const notebook of await notebooks()) {
    graph.files.push(notebook.path);
    for (const cell of notebook.cells) {
      for (const { specifier } of importSpecifiers(cell.source)) {
        const to = new URL(specifier, `file:///${notebook.path}`).pathname.slice(1);
        graph.edges.push({ from: notebook.path, to, line: cell.cell, typeOnly: false });
      }
    }
  }
  graph.files.sort();
  return graph;
}

Deno.test("architecture: the import graph of lib/, cli/, bench/ and notebooks", async (t) => {
  const graph = await projectGraph();

  await t.step("the graph is read (every source file, known edges)", async () => {
    const files = (await Promise.all(GRAPH_DIRS.map((d) => sourceFiles(ROOT, d)))).flat();
    assert.ok(files.length > 50, `only ${files.length} source files found under ${ROOT}`);
    for (const file of files) assert.ok(graph.files.includes(file), `${file} missing`);
    const from = (prefix: string) => graph.edges.filter((e) => e.from.startsWith(prefix));
    assert.ok(from("cli/").length > 5 && from("lib/").length > 50, "too few imports read");
    assert.ok(from("notebooks/").length >= 4, "notebook imports not read");
  });

  await t.step("no import cycle between files", () => {
    assertNone("Import cycles (break each: move the shared part down a level)", findCycles(graph));
  });

  await t.step("no import cycle between folders", () => {
    assertNone(
      "Folder cycles (the lower folder must not import the upper)",
      findFolderCycles(graph),
    );
  });

  await t.step("every import follows the layer table (docs/architecture.md)", () => {
    assertNone("Imports against the layer table", layerViolations(graph));
  });

  await t.step("cli/ imports no other entry point; bench/ imports no cli/", () => {
    assertNone("Entry points importing entry points", entryPointViolations(graph));
  });

  await t.step("_ files are imported only inside their folder", () => {
    assertNone("Private helpers imported from another folder", privateHelperViolations(graph));
  });

  await t.step(
    "what a notebook imports spawns no process (Jupyter tooling stays out)",
    async () => {
      const roots = graph.files.filter((f) => f.startsWith("notebooks/"));
      const violations: Violation[] = [];
      for (const file of closure(graph, roots)) {
        if (!/\.(ts|tsx|js|mjs|mts)$/.test(file)) continue;
        const { code } = scanSource(await Deno.readTextFile(`${ROOT}/${file}`));
        code.split("\n").forEach((text, k) => {
          if (/\bDeno\.(Command|run)\b|\bnode:child_process\b/.test(text)) {
            violations.push({
              where: `${file}:${k + 1}`,
              message: `spawns a process and is reachable from a notebook's imports; Jupyter ` +
                `environment tooling belongs in lib/jupyter (imported by cli/ and tests only)`,
            });
          }
        });
      }
      assertNone("Notebook imports reaching subprocess tooling", violations);
    },
  );
});

/** lib/ outside lib/warehouse/ and lib/models/, and cli/: where SQL may not name tables. */
async function readersOfTheWarehouse(): Promise<string[]> {
  const lib = (await sourceFiles(ROOT, "lib")).filter((f) =>
    !f.startsWith("lib/warehouse/") && !f.startsWith("lib/models/")
  );
  return [...lib, ...await sourceFiles(ROOT, "cli")];
}

Deno.test("architecture: relation names and warehouse kinds stay in the warehouse", async (t) => {
  const files = await readersOfTheWarehouse();
  assert.ok(files.length > 30, `only ${files.length} files to scan`);
  const sources = await Promise.all(
    files.map(async (file) => ({ file, source: await Deno.readTextFile(`${ROOT}/${file}`) })),
  );
  const cells = (await notebooks()).flatMap((nb) =>
    nb.cells.map((c) => ({ file: `${nb.path} (cell ${c.cell})`, source: c.source }))
  );
  assert.ok(cells.length > 10, `only ${cells.length} notebook code cells found`);

  await t.step("no marts./raw./staging. relation in SQL outside lib/warehouse, lib/models", () => {
    const violations = [...sources, ...cells].flatMap((s) => relationViolations(s.file, s.source));
    assertNone("Relation names written by hand", violations);
  });

  await t.step("no branch on the warehouse kind outside lib/warehouse, lib/models", () => {
    const violations = [...sources, ...cells].flatMap((s) =>
      kindBranchViolations(s.file, s.source)
    );
    assertNone("Branches on the warehouse kind", violations);
  });
});
