import assert from "node:assert/strict";
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

Deno.test({
  name:
    "runNotebooks() runs notebooks through the real Deno kernel; a failing one names its cell and the rest still run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    // Sets .venv up on a fresh checkout (slow once), otherwise only checks the kernelspec.
    const jupyterEnv = await ensureJupyterEnv();
    const tmp = await Deno.makeTempDir({ prefix: "tl-nbrun-" });
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
      const smoke = join(PROJECT_ROOT, "notebooks", "00_smoke.ipynb");
      const outputDir = join(tmp, "out");
      const seen: string[] = [];
      const results = await runNotebooks([failing, smoke], {
        jupyterEnv,
        outputDir,
        timeoutSeconds: 120,
        // Notebook parameters reach the kernel as TERRALOOP_* variables (notebookParam()).
        env: { TERRALOOP_SMOKE_REGIONS: "2" },
        onResult: (r) => seen.push(r.notebook),
      });
      assert.deepEqual(seen, [failing, smoke]);
      const [bad, good] = results as [NotebookRunResult, NotebookRunResult];

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
      });

      await t.step("the smoke notebook still ran, with no cell errors", () => {
        assert.equal(good.ok, true, good.error ? describeFailure(good) : "");
        assert.equal(good.nCodeCells, 5);
      });

      await t.step(
        "its outputs include a Polars table (sized by the parameter) and a Plotly figure bundle",
        async () => {
          const cells = await readCells(good.executed!);
          const outputs = cells.flatMap((cell) => cell.outputs ?? []);
          assert.equal(outputs.filter((o) => o.output_type === "error").length, 0);
          const code = cells.filter((cell) => cell.cell_type === "code");
          assert.ok(code.length > 0, "the notebook has code cells");
          assert.ok(code.every((cell) => typeof cell.execution_count === "number"));
          const figure = outputs.find((o) => o.data?.["application/vnd.plotly.v1+json"]);
          assert.ok(figure, "no application/vnd.plotly.v1+json output");
          assert.match(htmlOf(figure), /Plotly\.newPlot/);
          const runtime = outputs.find((o) => /plotly\.js v\d/.test(htmlOf(o).slice(0, 300)));
          assert.ok(runtime, "plotly.js runtime was not displayed");
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
        "its HTML export is offline: no script or stylesheet from the network",
        async () => {
          assert.equal(good.html, join(outputDir, "00_smoke.html"));
          assert.deepEqual(good.externalResources, []);
          const html = await Deno.readTextFile(good.html!);
          assert.doesNotMatch(html, /<script[^>]+src=["']?(https?:)?\/\//i);
          assert.doesNotMatch(html, /<link[^>]+href=["']?(https?:)?\/\//i);
          // nbconvert's stock template loads require.js and MathJax from CDNs in <head>.
          assert.doesNotMatch(html.slice(0, html.indexOf("<body")), /require|mathjax|mermaid/i);
          assert.match(html, /Plotly\.newPlot/);
        },
      );
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
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
