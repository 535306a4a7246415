import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkNotebooks,
  extractNotebookCode,
  findUnstrippedCells,
  formatDiagnostic,
  formatNotebookFile,
  type NotebookJson,
  PROJECT_ROOT,
  stripNotebook,
  stripNotebookFile,
} from "../../lib/jupyter/mod.ts";

function notebook(cells: NotebookJson["cells"]): NotebookJson {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

const code = (source: string | string[], extra: Partial<NotebookJson["cells"][number]> = {}) => ({
  cell_type: "code" as const,
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
  ...extra,
});
const markdown = (source: string) => ({ cell_type: "markdown" as const, source, metadata: {} });

Deno.test("extractNotebookCode() joins code cells in order and maps lines back to cells", () => {
  const nb = notebook([
    markdown("# Title"),
    code(["const a = 1;\n", "const b = a + 1;"]),
    markdown("text"),
    code("await Promise.resolve(b);"),
  ]);
  const { code: text, lineMap } = extractNotebookCode(nb);
  const lines = text.split("\n");
  const at = (needle: string) => lineMap[lines.findIndex((l) => l === needle)];
  assert.deepEqual(at("const a = 1;"), { cellIndex: 1, line: 1 });
  assert.deepEqual(at("const b = a + 1;"), { cellIndex: 1, line: 2 });
  assert.deepEqual(at("await Promise.resolve(b);"), { cellIndex: 3, line: 1 });
  assert.ok(!text.includes("# Title"));
  // A trailing export makes it a module, so top-level await type-checks.
  assert.equal(lines.at(-2), "export {};");
});

Deno.test("extractNotebookCode() rewrites relative imports for the module's folder", () => {
  const nb = notebook([
    code(
      'import { a } from "../lib/x/mod.ts";\nimport pl from "nodejs-polars";\nconst m = await import("./local.ts");',
    ),
  ]);
  const { code: text } = extractNotebookCode(nb, {
    notebookDir: "/p/notebooks",
    moduleDir: "/p/target/nbcheck",
  });
  assert.match(text, /from "\.\.\/\.\.\/lib\/x\/mod\.ts"/);
  assert.match(text, /from "nodejs-polars"/);
  assert.match(text, /import\("\.\.\/\.\.\/notebooks\/local\.ts"\)/);
});

Deno.test("findUnstrippedCells() and stripNotebook() find and remove outputs and counts", () => {
  const nb = notebook([
    code("1", { outputs: [{ output_type: "execute_result" }], execution_count: 1 }),
    markdown("m"),
    code("2"),
    code("3", { execution_count: 3 }),
  ]);
  assert.deepEqual(findUnstrippedCells(nb), [0, 3]);
  const stripped = stripNotebook(nb);
  assert.deepEqual(findUnstrippedCells(stripped), []);
  assert.equal(stripped.cells[0]!.source, "1");
  assert.deepEqual(findUnstrippedCells(nb), [0, 3], "the input is not modified");
});

Deno.test("checkNotebooks() reports type errors, lint problems and outputs with their cell", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "tl-nbcheck-" });
  try {
    const path = join(tmp, "bad.ipynb");
    const nb = notebook([
      markdown("#   Bad   heading\n* not as deno fmt writes it"),
      code(
        `import pl from "nodejs-polars";\nimport { frameShape } from "${
          join(PROJECT_ROOT, "lib/notebook/mod.ts")
        }";`,
      ),
      code("const frame = pl.DataFrame({ a: [1, 2] });\nconst rows: string = frame.height;"),
      // Kernel-only API: typed by Deno, so no special handling is needed.
      code('await Deno.jupyter.display({ "text/plain": "hi" }, { raw: true });'),
      code("let shape = frameShape(frame);\nawait Promise.resolve([shape, rows]);", {
        outputs: [{ output_type: "stream", name: "stdout", text: "x" }],
        execution_count: 4,
      }),
    ]);
    await Deno.writeTextFile(path, JSON.stringify(nb));
    const problems = await checkNotebooks([path], { workDir: join(tmp, "work") });
    const lines = problems.map(formatDiagnostic);

    const typeError = problems.find((p) => p.kind === "check");
    assert.ok(typeError, `no type error reported: ${lines.join("\n")}`);
    assert.equal(typeError.code, "TS2322");
    assert.equal(typeError.cellIndex, 2);
    assert.equal(typeError.line, 2);
    assert.match(
      formatDiagnostic(typeError),
      /bad\.ipynb cell 3, line 2:7: TS2322: Type 'number' is not assignable to type 'string'/,
    );

    const lint = problems.find((p) => p.kind === "lint");
    assert.equal(lint?.code, "prefer-const");
    assert.equal(lint?.cellIndex, 4);
    assert.equal(lint?.line, 1);

    const outputs = problems.find((p) => p.kind === "outputs");
    assert.equal(outputs?.cellIndex, 4);
    assert.match(outputs!.message, /cell 5 carry outputs/);
    const format = problems.find((p) => p.kind === "format");
    assert.match(format?.message ?? "", /deno fmt/, "an unformatted notebook is reported");
    assert.equal(problems.length, 4, lines.join("\n"));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});

Deno.test("checkNotebooks() passes the committed start-here notebook", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "tl-nbcheck-" });
  try {
    const problems = await checkNotebooks(
      [join(PROJECT_ROOT, "notebooks", "00_start_here.ipynb")],
      {
        workDir: join(tmp, "work"),
      },
    );
    assert.deepEqual(problems.map(formatDiagnostic), []);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});

Deno.test("formatNotebookFile() and stripNotebookFile() write what deno fmt writes", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "tl-nbfmt-" });
  try {
    const path = join(tmp, "x.ipynb");
    // Code and markdown not as deno fmt writes them (notebooks/ is outside deno fmt's reach).
    const messy = notebook([markdown("#   Messy   heading"), code("const a   =  1")]);
    await Deno.writeTextFile(path, JSON.stringify(messy));
    const check = () => checkNotebooks([path], { workDir: join(tmp, "work"), lint: false });
    assert.deepEqual((await check()).map((p) => p.kind), ["format"]);
    assert.match((await check())[0]!.message, /cli\/check_notebooks\.ts --fmt/);
    assert.equal(await formatNotebookFile(path), true);
    assert.equal(await formatNotebookFile(path), false);
    assert.deepEqual((await check()).map(formatDiagnostic), []);

    const withOutputs = notebook([
      code("1", { outputs: [{ output_type: "stream" }], execution_count: 3 }),
    ]);
    await Deno.writeTextFile(path, JSON.stringify(withOutputs));
    assert.equal(await stripNotebookFile(path), true);
    assert.deepEqual((await check()).map(formatDiagnostic), []);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
