import assert from "node:assert/strict";
import { cliEnv } from "../_env.ts";
import { join } from "node:path";
import {
  describeFailure,
  ensureJupyterEnv,
  type NotebookRunResult,
  PROJECT_ROOT,
  runNotebooks,
} from "../../lib/jupyter/mod.ts";

type Output = { output_type: string; data?: Record<string, unknown> };
type Cell = { cell_type: string; outputs?: Output[]; execution_count?: number | null };

function notebookJson(cells: { type: "code" | "markdown"; source: string }[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: "terraloop-deno",
        display_name: "Deno (TerraLoop)",
        language: "typescript",
      },
    },
    cells: cells.map((cell, i) => ({
      id: `c${i}`,
      cell_type: cell.type,
      metadata: {},
      source: cell.source,
      ...(cell.type === "code" ? { outputs: [], execution_count: null } : {}),
    })),
  });
}

async function readCells(path: string): Promise<Cell[]> {
  return JSON.parse(await Deno.readTextFile(path)).cells;
}

function htmlOf(output: Output): string {
  const html = output.data?.["text/html"];
  return Array.isArray(html) ? html.join("") : String(html ?? "");
}

const GOOD_CELLS = [
  `import pl from "nodejs-polars";
import { guard, notebookParam, showFigure, showFrame } from "../../lib/notebook/mod.ts";`,
  `guard();
const nRegions = notebookParam("smoke_regions", 3);`,
  `guard();
const usersByRegion = pl.DataFrame({
  region: ["NA", "EMEA", "APAC", "LATAM"].slice(0, nRegions),
  n_users: [120, 80, 45, 30].slice(0, nRegions),
});
usersByRegion;`,
  `guard();
await showFrame(usersByRegion, { caption: "Users by region" });`,
  `guard();
await showFigure({
  data: [{
    type: "bar",
    x: usersByRegion.getColumn("region").toArray(),
    y: usersByRegion.getColumn("n_users").toArray(),
  }],
  layout: { title: { text: "Users by region" }, height: 320 },
});`,
];

Deno.test({
  name: "runNotebooks() runs notebooks through the real Deno kernel; a failing one stops at " +
    "its cell, names it, and the rest still run; `deno task notebooks` exits 1 on it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    // Sets .venv up on a fresh checkout (slow once), otherwise only checks the kernelspec.
    const jupyterEnv = await ensureJupyterEnv();
    const tmp = await Deno.makeTempDir({ prefix: "tl-nbrun-" });
    // Two folders below the root, so "../../lib/..." resolves and deno.json applies.
    const work = join(PROJECT_ROOT, "target", `_nbrun_${crypto.randomUUID().slice(0, 8)}`);
    await Deno.mkdir(work, { recursive: true });
    try {
      const failing = join(tmp, "99_failing.ipynb");
      await Deno.writeTextFile(
        failing,
        notebookJson([
          { type: "code", source: "const answer = 42;" },
          { type: "markdown", source: "# A heading between code cells" },
          {
            type: "code",
            source: 'if (answer === 42) {\n  throw new RangeError("planted failure");\n}',
          },
          { type: "code", source: '"never reached"' },
        ]),
      );
      const good = join(work, "00_good.ipynb");
      await Deno.writeTextFile(
        good,
        notebookJson(GOOD_CELLS.map((source) => ({ type: "code" as const, source }))),
      );
      const outputDir = join(tmp, "out");
      const seen: string[] = [];
      const results = await runNotebooks([failing, good], {
        jupyterEnv,
        outputDir,
        timeoutSeconds: 120,
        // Notebook parameters reach the kernel as TERRALOOP_* variables (notebookParam()).
        env: { TERRALOOP_SMOKE_REGIONS: "2" },
        onResult: (r) => seen.push(r.notebook),
      });
      assert.deepEqual(seen, [failing, good]);
      const [bad, ok] = results as [NotebookRunResult, NotebookRunResult];

      await t.step("the failing notebook reports notebook, cell and error", async () => {
        assert.equal(bad.ok, false);
        assert.equal(bad.error?.cellIndex, 2);
        assert.equal(bad.error?.sourceFirstLine, "if (answer === 42) {");
        assert.equal(bad.error?.ename, "RangeError");
        assert.equal(bad.error?.evalue, "planted failure");
        const message = describeFailure(bad);
        assert.match(
          message,
          /99_failing\.ipynb failed at cell 3 \("if \(answer === 42\) \{"\): RangeError: planted failure/,
        );
        // Execution stopped at the failing cell; the executed copy shows where.
        const cells = await readCells(bad.executed!);
        assert.equal(cells[2]!.outputs?.[0]?.output_type, "error");
        assert.deepEqual(cells[3]!.outputs, []);
        assert.equal(cells[3]!.execution_count, null);
      });

      await t.step("the other notebook still ran, with no cell errors", () => {
        assert.equal(ok.ok, true, ok.error ? describeFailure(ok) : "");
        assert.equal(ok.nCodeCells, 5);
      });

      await t.step(
        "its outputs: a Polars table sized by the parameter, a figure bundle, no plotly.js",
        async () => {
          const cells = await readCells(ok.executed!);
          const outputs = cells.flatMap((cell) => cell.outputs ?? []);
          assert.equal(outputs.filter((o) => o.output_type === "error").length, 0);
          const code = cells.filter((cell) => cell.cell_type === "code");
          assert.ok(code.length > 0, "the notebook has code cells");
          assert.ok(code.every((cell) => typeof cell.execution_count === "number"));
          const figure = outputs.find((o) => o.data?.["application/vnd.plotly.v1+json"]);
          assert.ok(figure, "no application/vnd.plotly.v1+json output");
          assert.match(htmlOf(figure), /Plotly\.newPlot/);
          // JupyterLab draws the Plotly JSON itself: no output carries plotly.js.
          assert.ok(
            outputs.every((o) => !/plotly\.js v\d/.test(htmlOf(o))),
            "plotly.js in an output",
          );
          const size = (await Deno.stat(ok.executed!)).size;
          assert.ok(size < 100_000, `executed copy is ${size} bytes`);
          const tables = outputs.filter((o) => /<table/.test(htmlOf(o)));
          assert.ok(
            tables.length >= 2,
            `expected the kernel's and showFrame's tables, got ${tables.length}`,
          );
          assert.ok(
            tables.some((o) => htmlOf(o).includes("2 rows × 2 columns")),
            "parameter not applied",
          );
        },
      );

      await t.step(
        "its HTML export is offline, with plotly.js inlined once; none without figures",
        async () => {
          assert.equal(ok.html, join(outputDir, "00_good.html"));
          assert.deepEqual(ok.externalResources, []);
          const html = await Deno.readTextFile(ok.html!);
          assert.doesNotMatch(html, /<script[^>]+src=["']?(https?:)?\/\//i);
          assert.doesNotMatch(html, /<link[^>]+href=["']?(https?:)?\/\//i);
          // nbconvert's stock template loads require.js and MathJax from CDNs in <head>.
          const head = html.slice(0, html.indexOf("<body"));
          assert.doesNotMatch(
            head.replace(/<script>[\s\S]*?<\/script>/g, ""),
            /require|mathjax|mermaid/i,
          );
          assert.equal(html.match(/plotly\.js v\d/g)?.length, 1);
          assert.match(head, /plotly\.js v\d/);
          assert.match(html, /Plotly\.newPlot/);
          const failed = await Deno.readTextFile(bad.html!);
          assert.doesNotMatch(failed, /plotly\.js v\d/);
        },
      );

      await t.step("`deno task notebooks` stops at the failing cell and exits 1", async () => {
        const cliOut = join(tmp, "cli-out");
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "cli/notebooks.ts", failing, "--out", cliOut, "--no-html"],
          cwd: PROJECT_ROOT,
          clearEnv: true,
          env: cliEnv(),
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stdout = new TextDecoder().decode(output.stdout);
        const stderr = new TextDecoder().decode(output.stderr);
        assert.equal(output.code, 1, stdout + stderr);
        assert.match(
          stdout,
          /FAIL .*99_failing\.ipynb failed at cell 3 .*RangeError: planted failure/,
        );
        assert.match(stdout, /0\/1 notebook\(s\) passed/);
        const cells = await readCells(join(cliOut, "99_failing.ipynb"));
        assert.deepEqual(cells[3]!.outputs, [], "a cell after the failure ran");
      });
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("runNotebooks() reports a missing notebook instead of crashing", {
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const jupyterEnv = await ensureJupyterEnv();
  const tmp = await Deno.makeTempDir({ prefix: "tl-nbrun-" });
  try {
    const missing = join(tmp, "nope.ipynb");
    const [result] = await runNotebooks([missing], { jupyterEnv, outputDir: tmp, html: false });
    assert.equal(result?.ok, false);
    assert.equal(result?.error?.cellIndex, null);
    assert.match(
      describeFailure(result!),
      /nope\.ipynb failed before any cell ran: FileNotFoundError/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
