/**
 * JupyterLab UI test: a real JupyterLab from .venv, the smoke notebook opened in headless
 * Chromium, "Run All", and the Plotly chart drawn inside the notebook's output area.
 * Skips loudly without Chromium (fails under CI=true), via tests/_browser.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { browserTest, waitForExpression } from "../_browser.ts";
import { ensureJupyterEnv, PROJECT_ROOT } from "../../lib/jupyter/mod.ts";

const KERNEL_IDLE = `(() => {
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session &&
    widget.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle" && !!widget.content && widget.content.widgets.length > 0;
})()`;

const CHART_DRAWN = `!!document.querySelector(".jp-Notebook .jp-OutputArea-output svg.main-svg")`;

const TABLE_SHOWN = `[...document.querySelectorAll(".jp-Notebook .jp-OutputArea-output")]
  .some((el) => el.textContent.includes("3 rows × 2 columns"))`;

// What each output area shows, for the failure message.
const OUTPUT_SUMMARY = `[...document.querySelectorAll(".jp-Notebook .jp-Cell")].map((cell, i) =>
  i + ": " + [...cell.querySelectorAll(".jp-OutputArea-output")]
    .map((o) => (o.getAttribute("data-mime-type") || "?") + " " + o.textContent.slice(0, 120))
    .join(" | "))`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

browserTest(
  "JupyterLab runs the smoke notebook in the Deno kernel and draws its Plotly chart",
  async (browser) => {
    const env = await ensureJupyterEnv();
    const port = freePort();
    const token = crypto.randomUUID().replaceAll("-", "");
    // A copy one folder below the root, like notebooks/, so "../lib/..." still resolves and
    // JupyterLab's autosave can never write outputs into the committed notebook.
    const name = `_jlab_test_${token.slice(0, 8)}.ipynb`;
    await Deno.mkdir(join(PROJECT_ROOT, "target"), { recursive: true });
    const copy = join(PROJECT_ROOT, "target", name);
    await Deno.copyFile(join(PROJECT_ROOT, "notebooks", "00_smoke.ipynb"), copy);

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
      env: env.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const logDone = (async () => {
      for await (const text of server.stderr.pipeThrough(new TextDecoderStream())) log += text;
    })();
    const base = `http://127.0.0.1:${port}/`;
    let page: Page | undefined;
    try {
      await waitForServer(`${base}api/status?token=${token}`, 60_000, () => log);
      const view = await browser.openUrl(`${base}lab/tree/target/${name}?token=${token}`, {
        allowPrefixes: [base],
        waitUntil: "domcontentloaded",
      });
      page = view.page;
      await waitForExpression(view.page, "!!window.jupyterapp", 60_000);
      await waitForExpression(view.page, KERNEL_IDLE, 60_000);
      // Not awaited in the page: the command's promise settles only when every cell is done.
      await view.page.evaluate(`void window.jupyterapp.commands.execute("notebook:run-all-cells")`);
      await waitForExpression(view.page, CHART_DRAWN, 60_000);
      assert.ok(await view.page.evaluate(CHART_DRAWN), "no svg.main-svg in the notebook output");
      await waitForExpression(view.page, TABLE_SHOWN, 10_000);
      const errors = await view.page.evaluate(
        `document.querySelectorAll(".jp-Notebook .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], .jp-Notebook .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").length`,
      );
      assert.equal(errors, 0, "a cell printed an error");
      assert.deepEqual(view.externalRequests, []);
    } catch (error) {
      const outputs = await page?.evaluate(OUTPUT_SUMMARY).catch((e) => String(e));
      throw new Error(
        `${(error as Error).message}\n--- notebook outputs ---\n` +
          `${JSON.stringify(outputs, null, 1)}\n--- jupyter lab log (tail) ---\n${
            log.slice(-3000)
          }`,
      );
    } finally {
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
      await Deno.remove(copy).catch(() => {});
      await Deno.remove(workspaces, { recursive: true }).catch(() => {});
      const checkpoints = join(PROJECT_ROOT, "target", ".ipynb_checkpoints");
      await Deno.remove(join(checkpoints, name.replace(".ipynb", "-checkpoint.ipynb")))
        .catch(() => {});
      await Deno.remove(checkpoints).catch(() => {}); // only succeeds when empty
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
