/**
 * JupyterLab UI test: a real JupyterLab from .venv (with the plotly package's renderer),
 * notebook 04 on a small workspace in headless Chromium, and what an analyst does to it:
 * Run All, a second kernel reading the same warehouse meanwhile, a cell appended after the
 * last one, save, reload, re-run one chart cell, an executed copy opened untrusted, and a
 * Run All that hits a failing cell. Charts must be drawn by the Plotly renderer from
 * `application/vnd.plotly.v1+json` every time. Skips loudly without Chromium (fails under
 * CI=true), via tests/_browser.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { browserTest, waitForExpression } from "../_browser.ts";
import {
  describeFailure,
  ensureJupyterEnv,
  type JupyterEnv,
  PROJECT_ROOT,
  runNotebooks,
} from "../../lib/jupyter/mod.ts";
import { ensureWorkspace, notebookWorkspace } from "../../lib/pipeline/mod.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const SMALL = { users: 1500, days: 28 };

// Everything below runs in the page, on the notebook in the main area.
const NOTEBOOK = `(window.jupyterapp && window.jupyterapp.shell.currentWidget)`;

const KERNEL_IDLE = `(() => {
  const widget = ${NOTEBOOK};
  const kernel = widget && widget.sessionContext && widget.sessionContext.session &&
    widget.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle" && !!widget.content &&
    widget.content.widgets.length > 0;
})()`;

/** Code cells that have run (an execution count) or are still queued/running ("*"). */
const RUN_STATE = `(() => {
  const cells = ${NOTEBOOK}.content.widgets.filter((c) => c.model.type === "code");
  return {
    total: cells.length,
    done: cells.filter((c) => c.model.executionCount !== null && !c.node.querySelector(
      ".jp-InputArea-prompt")?.textContent.includes("*")).length,
  };
})()`;

/**
 * Chart outputs of the notebook and how each is drawn. The Plotly renderer
 * (`.jp-RenderedPlotly`, from the plotly package) draws the figure JSON as an SVG chart; after
 * drawing it stores a PNG snapshot in the output, so a saved notebook reopens showing that
 * snapshot and draws the interactive chart from the JSON again on hover. The text/html
 * fallback would draw into lib/html's `div.tl-chart` instead.
 */
const CHART_OUTPUTS = `[...${NOTEBOOK}.node.querySelectorAll(".jp-OutputArea-output")]
  .filter((o) => o.matches(".jp-RenderedPlotly") || o.querySelector(".jp-RenderedPlotly, .tl-chart"))`;
const CHARTS = `${CHART_OUTPUTS}.map((o) => {
  const shown = (el) => !!el && getComputedStyle(el).display !== "none";
  const svg = o.querySelector(".plot-container svg.main-svg");
  const img = o.querySelector("img.plot-img");
  return {
    renderer: o.matches(".jp-RenderedPlotly") ? "plotly" : "html",
    drawn: svg && shown(o.querySelector(".plot-container")) ? "svg"
      : img && shown(img) && img.naturalWidth > 0 ? "png" : "",
  };
})`;

/** Error outputs, cell by cell: [cell index, text]. */
const ERRORS = `${NOTEBOOK}.content.widgets.flatMap((cell, i) =>
  [...cell.node.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")]
    .map((o) => [i, o.textContent.slice(0, 400)]))`;

// What each output area shows, for failure messages.
const OUTPUT_SUMMARY = `${NOTEBOOK} ? ${NOTEBOOK}.content.widgets.map((cell, i) =>
  i + ": " + [...cell.node.querySelectorAll(".jp-OutputArea-output")]
    .map((o) => (o.getAttribute("data-mime-type") || "?") + " " + o.textContent.slice(0, 120))
    .join(" | ")) : "no notebook"`;

async function summary(page: Page, charts: unknown): Promise<string> {
  const outputs = await page.evaluate(OUTPUT_SUMMARY).catch((e) => String(e));
  return `charts ${JSON.stringify(charts)}\noutputs:\n${[outputs].flat().join("\n")}`;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function notebookJson(cells: string[]): string {
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
    cells: cells.map((source, i) => ({
      id: `c${i}`,
      cell_type: "code",
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
  });
}

/** How many figures a notebook shows: its code cells that call showFigure(. */
async function figureCells(path: string): Promise<number> {
  const nb = JSON.parse(await Deno.readTextFile(path)) as {
    cells: { cell_type: string; source: string | string[] }[];
  };
  return nb.cells.filter((c) =>
    c.cell_type === "code" && [c.source].flat().join("").includes("showFigure(")
  ).length;
}

interface Lab {
  base: string;
  token: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function startLab(env: JupyterEnv, extraEnv: Record<string, string>): Promise<Lab> {
  const port = freePort();
  const token = crypto.randomUUID().replaceAll("-", "");
  // A fresh workspace, so JupyterLab does not reopen tabs from earlier runs.
  const workspaces = await Deno.makeTempDir({ prefix: "tl-jlab-workspaces-" });
  const server = new Deno.Command(env.jupyter, {
    args: [
      "lab",
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--port=${port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.root_dir=${PROJECT_ROOT}`,
      `--IdentityProvider.token=${token}`,
      "--LabApp.expose_app_in_browser=True",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      "--LabApp.news_url=None",
      `--LabApp.workspaces_dir=${workspaces}`,
      ...(Deno.uid() === 0 ? ["--ServerApp.allow_root=True"] : []),
    ],
    cwd: PROJECT_ROOT,
    // Kernels inherit the server's environment: the notebook parameters go there.
    env: { ...env.env, ...extraEnv },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const logDone = (async () => {
    for await (const text of server.stderr.pipeThrough(new TextDecoderStream())) log += text;
  })();
  const base = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    try {
      server.kill("SIGTERM");
    } catch {
      // already exited
    }
    const stopped = await Promise.race([
      server.status.then(() => true),
      new Promise<false>((done) => setTimeout(() => done(false), 10_000)),
    ]);
    if (!stopped) {
      try {
        server.kill("SIGKILL");
      } catch {
        // already exited
      }
      await server.status;
    }
    await logDone.catch(() => {});
    await Deno.remove(workspaces, { recursive: true }).catch(() => {});
  };
  try {
    await waitForServer(`${base}api/status?token=${token}`, 60_000, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, token, log: () => log, stop };
}

/** Opens a notebook (path relative to the root) in the main area and waits for its kernel. */
async function openNotebook(page: Page, path: string): Promise<void> {
  await page.evaluate(
    `window.jupyterapp.commands.execute("docmanager:open", { path: ${JSON.stringify(path)} })
      .then(() => true)`,
  );
  await waitForExpression(
    page,
    `!!${NOTEBOOK} && ${NOTEBOOK}.context && ${NOTEBOOK}.context.path === ${JSON.stringify(path)}`,
    60_000,
  );
  await waitForExpression(page, KERNEL_IDLE, 120_000);
}

/** Every code cell has run (or the run stopped) and the kernel is idle again. */
async function waitForRun(page: Page, timeout: number): Promise<void> {
  await waitForExpression(
    page,
    `(() => { const s = ${RUN_STATE}; return s.done === s.total; })() && ${KERNEL_IDLE}`,
    timeout,
  );
}

/** Scrolls every chart into view (JupyterLab skips rendering off-screen cells), then counts. */
async function drawnCharts(
  page: Page,
  expected: number,
  timeout = 60_000,
  how: "svg" | "any" = "any",
) {
  const deadline = Date.now() + timeout;
  let charts: { renderer: string; drawn: string }[] = [];
  while (Date.now() < deadline) {
    await page.evaluate(`${CHART_OUTPUTS}.forEach((o) => o.scrollIntoView())`);
    charts = await page.evaluate(CHARTS) as typeof charts;
    const done = charts.every((c) => how === "any" ? c.drawn : c.drawn === how);
    if (charts.length >= expected && done) return charts;
    await new Promise((done) => setTimeout(done, 250));
  }
  return charts;
}

browserTest(
  "JupyterLab: charts survive save, reload and re-run, executed copies draw untrusted, two " +
    "kernels read at once, a cell after 04's last works, Run All stops at a failure",
  async (browser, t) => {
    const env = await ensureJupyterEnv();
    const tmp = await Deno.makeTempDir({ prefix: "tl-jlab-" });
    const dataDir = join(tmp, "data");
    const notebookEnv = {
      TERRALOOP_N_USERS: String(SMALL.users),
      TERRALOOP_DAYS: String(SMALL.days),
      TERRALOOP_NOTEBOOK_DATA_DIR: dataDir,
    };
    // Copies one folder below the root, like notebooks/, so "../lib/..." still resolves and
    // JupyterLab's autosave can never write outputs into a committed notebook.
    const id = crypto.randomUUID().slice(0, 8);
    const rel = (name: string) => `target/_jlab_${id}_${name}`;
    const abs = (name: string) => join(PROJECT_ROOT, rel(name));
    await Deno.mkdir(join(PROJECT_ROOT, "target"), { recursive: true });
    const copies = ["04.ipynb", "04_run.ipynb", "failing.ipynb"];
    await Deno.copyFile(join(PROJECT_ROOT, "notebooks", "04_analysis.ipynb"), abs("04.ipynb"));
    await Deno.copyFile(join(PROJECT_ROOT, "notebooks", "04_analysis.ipynb"), abs("04_run.ipynb"));
    await Deno.writeTextFile(
      abs("failing.ipynb"),
      notebookJson([
        `import { guard } from "../lib/notebook/mod.ts";`,
        `guard();\nconst answer = 42;`,
        `guard();\nthrow new TypeError("planted failure " + answer);`,
        `guard();\nconst later = answer + 1;`,
        `guard();\nconsole.log(later * 2);`,
      ]),
    );
    const expected = await figureCells(abs("04.ipynb"));
    assert.ok(expected >= 6, `notebook 04 shows only ${expected} figures`);
    // The workspace is built here, so the kernels below only read it.
    await ensureWorkspace(notebookWorkspace(SMALL, { baseDir: dataDir }));

    const lab = await startLab(env, notebookEnv);
    let page: Page | undefined;
    try {
      const view = await browser.openUrl(`${lab.base}lab?token=${lab.token}`, {
        allowPrefixes: [lab.base],
        waitUntil: "domcontentloaded",
      });
      page = view.page;
      await waitForExpression(
        page,
        "!!window.jupyterapp && window.jupyterapp.started !== false",
        60_000,
      );
      await page.evaluate("window.jupyterapp.restored");

      await t.step("Run All draws every chart of 04 with the Plotly renderer", async () => {
        await openNotebook(page!, rel("04.ipynb"));
        // Not awaited in the page: the command settles only when every cell is done.
        await page!.evaluate(`void window.jupyterapp.commands.execute("notebook:run-all-cells")`);
        await waitForRun(page!, 240_000);
        assert.deepEqual(await page!.evaluate(ERRORS), []);
        const charts = await drawnCharts(page!, expected, 60_000, "svg");
        assert.equal(charts.length, expected, await summary(page!, charts));
        assert.ok(
          charts.every((c) => c.drawn === "svg" && c.renderer === "plotly"),
          JSON.stringify(charts),
        );
      });

      await t.step("a second kernel reads the same warehouse meanwhile", async () => {
        // Lab's kernel holds the workspace's DuckDB file open (read-only) right now.
        const [result] = await runNotebooks([abs("04_run.ipynb")], {
          jupyterEnv: env,
          outputDir: abs("exec"),
          html: false,
          timeoutSeconds: 240,
          env: notebookEnv,
        });
        assert.equal(result?.ok, true, result ? describeFailure(result) : "no result");
        const cells = JSON.parse(await Deno.readTextFile(result!.executed!)).cells as {
          source: string | string[];
          outputs?: { data?: Record<string, unknown> }[];
        }[];
        const setup = cells.find((c) =>
          [c.source].flat().join("").includes("openNotebookWarehouse(")
        );
        const text = [setup?.outputs?.[0]?.data?.["text/markdown"]].flat().join("");
        assert.match(text, /All \d+ files are loaded .*nothing to load/);
        assert.match(text, /Reused the \d+ models/);
      });

      await t.step("a cell appended after the last one queries the open warehouse", async () => {
        await page!.evaluate(`(async () => {
          const content = ${NOTEBOOK}.content;
          content.activeCellIndex = content.widgets.length - 1;
          await window.jupyterapp.commands.execute("notebook:insert-cell-below");
          content.activeCell.model.sharedModel.setSource(
            'const [tail] = await wh.query("select count(*) as n from " + ' +
            'wh.relation({ schema: "marts", name: "fct_events" }));\\n"appended: " + Number(tail.n);',
          );
          await window.jupyterapp.commands.execute("notebook:run-cell");
        })()`);
        await waitForRun(page!, 60_000);
        const last = await page!.evaluate(
          `${NOTEBOOK}.content.widgets.at(-1).node.querySelector(".jp-OutputArea").textContent`,
        );
        assert.match(String(last), /appended: \d+/);
        assert.deepEqual(await page!.evaluate(ERRORS), []);
      });

      await t.step("save, reload: every chart is drawn again from the saved notebook", async () => {
        await page!.evaluate(`window.jupyterapp.commands.execute("docmanager:save")`);
        await waitForExpression(page!, `!${NOTEBOOK}.context.model.dirty`, 30_000);
        const saved = JSON.parse(await Deno.readTextFile(abs("04.ipynb"))) as {
          cells: { outputs?: { data?: Record<string, unknown> }[] }[];
        };
        const plotly = saved.cells.flatMap((c) => c.outputs ?? []).filter((o) =>
          o.data?.[PLOTLY_MIME]
        );
        assert.equal(plotly.length, expected);
        await page!.reload({ waitUntil: "domcontentloaded" });
        await waitForExpression(page!, "!!window.jupyterapp", 60_000);
        await page!.evaluate("window.jupyterapp.restored");
        await openNotebook(page!, rel("04.ipynb"));
        const charts = await drawnCharts(page!, expected);
        assert.equal(charts.length, expected, await summary(page!, charts));
        assert.ok(charts.every((c) => c.drawn && c.renderer === "plotly"), JSON.stringify(charts));
        // The renderer shows its saved snapshot first; a hover draws the chart from its JSON.
        await page!.evaluate(`${CHART_OUTPUTS}.forEach((o) =>
          o.querySelector("img.plot-img")?.dispatchEvent(new MouseEvent("mouseenter")))`);
        const live = await drawnCharts(page!, expected, 60_000, "svg");
        assert.ok(live.every((c) => c.drawn === "svg"), JSON.stringify(live));
      });

      await t.step("re-running one chart cell leaves every chart drawn", async () => {
        const counts = await page!.evaluate(`(async () => {
          const content = ${NOTEBOOK}.content;
          content.activeCellIndex = content.widgets.findIndex((c) =>
            c.model.sharedModel.getSource().includes("funnelChart("));
          const before = content.activeCell.model.executionCount;
          await window.jupyterapp.commands.execute("notebook:run-cell");
          return [before, content.activeCell.model.executionCount];
        })()`) as [number, number];
        assert.ok(counts[1] > counts[0], `the chart cell did not run again: ${counts}`);
        await waitForRun(page!, 60_000);
        const charts = await drawnCharts(page!, expected);
        // The funnel chart (the first) was drawn anew from its JSON.
        assert.equal(charts[0]?.drawn, "svg", JSON.stringify(charts));
        assert.equal(charts.length, expected, await summary(page!, charts));
        assert.ok(charts.every((c) => c.drawn && c.renderer === "plotly"), JSON.stringify(charts));
        assert.deepEqual(await page!.evaluate(ERRORS), []);
      });

      await t.step(
        "an executed copy from `deno task notebooks` opens untrusted and draws",
        async () => {
          const executed = `${rel("exec")}/_jlab_${id}_04_run.ipynb`;
          await openNotebook(page!, executed);
          const untrusted = await page!.evaluate(
            `${NOTEBOOK}.content.widgets.filter((c) => c.model.type === "code" && !c.model.trusted).length`,
          );
          assert.ok(Number(untrusted) > 0, "the executed copy opened trusted");
          const charts = await drawnCharts(page!, expected, 60_000, "svg");
          assert.equal(charts.length, expected, await summary(page!, charts));
          assert.ok(
            charts.every((c) => c.drawn === "svg" && c.renderer === "plotly"),
            JSON.stringify(charts),
          );
        },
      );

      await t.step(
        "Run All stops at a failing cell: later cells name the first failure",
        async () => {
          await openNotebook(page!, rel("failing.ipynb"));
          await page!.evaluate(`void window.jupyterapp.commands.execute("notebook:run-all-cells")`);
          await waitForRun(page!, 60_000);
          const errors = await page!.evaluate(ERRORS) as [number, string][];
          assert.deepEqual(errors.map(([cell]) => cell), [2, 3, 4], JSON.stringify(errors));
          assert.match(errors[0]![1], /TypeError: planted failure 42/);
          for (const [, text] of errors.slice(1)) {
            assert.match(
              text,
              /SkippedCell: Not run: an earlier cell failed first with TypeError: planted failure 42/,
            );
          }
        },
      );
    } catch (error) {
      const outputs = await page?.evaluate(OUTPUT_SUMMARY).catch((e) => String(e));
      throw new Error(
        `${(error as Error).message}\n--- notebook outputs ---\n` +
          `${JSON.stringify(outputs, null, 1)}\n--- jupyter lab log (tail) ---\n${
            lab.log().slice(-3000)
          }`,
      );
    } finally {
      await page?.close().catch(() => {});
      await lab.stop();
      for (const name of copies) await Deno.remove(abs(name)).catch(() => {});
      await Deno.remove(abs("exec"), { recursive: true }).catch(() => {});
      const checkpoints = join(PROJECT_ROOT, "target", ".ipynb_checkpoints");
      for (const name of copies) {
        await Deno.remove(
          join(checkpoints, `_jlab_${id}_${name.replace(".ipynb", "-checkpoint.ipynb")}`),
        )
          .catch(() => {});
      }
      await Deno.remove(checkpoints).catch(() => {}); // only succeeds when empty
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
);

async function waitForServer(url: string, timeout: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`JupyterLab did not answer ${url} within ${timeout} ms:\n${log().slice(-2000)}`);
}
