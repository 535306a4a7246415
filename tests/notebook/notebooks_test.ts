/**
 * The analyst notebooks 00–04, executed through the real Deno kernel at a small scale in a
 * temporary workspace, then their HTML exports opened in headless Chromium. One
 * `runNotebooks` call (one kernel start per notebook) serves every step; the browser steps
 * live here rather than in a separate file because `deno test --parallel` would run a
 * second file in another process, executing the notebooks twice.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { browserAvailable, waitForCharts, withBrowser } from "../_browser.ts";
import { MESS_KINDS } from "../../lib/generate/mod.ts";
import {
  describeFailure,
  ensureJupyterEnv,
  type NotebookRunResult,
  PROJECT_ROOT,
  runNotebooks,
  stripAnsi,
} from "../../lib/jupyter/mod.ts";
import { notebookWorkspace } from "../../lib/pipeline/mod.ts";
import { isCi } from "../_env.ts";

const PLOTLY = "application/vnd.plotly.v1+json";

type Output = {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
};
type Cell = { cell_type: string; source: string | string[]; outputs?: Output[] } & {
  execution_count?: number | null;
};
type Figure = { data: { type?: string; name?: string }[]; layout: { title?: { text?: string } } };

function text(output: Output, mime: string): string {
  const value = output.data?.[mime];
  return Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "";
}

async function executedCells(result: NotebookRunResult): Promise<Cell[]> {
  return JSON.parse(await Deno.readTextFile(result.executed!)).cells;
}

function outputsOf(cells: Cell[]): Output[] {
  return cells.flatMap((cell) => cell.outputs ?? []);
}

/** Outputs of the first code cell whose source contains `marker`. */
function outputsOfCell(cells: Cell[], marker: string): Output[] {
  const cell = cells.find((c) =>
    c.cell_type === "code" && [c.source].flat().join("").includes(marker)
  );
  assert.ok(cell, `no cell contains ${JSON.stringify(marker)}`);
  return cell.outputs ?? [];
}

function tableWithCaption(outputs: Output[], caption: string): string {
  const html = outputs.map((o) => text(o, "text/html")).find((h) =>
    h.includes("<table") && h.includes(caption)
  );
  assert.ok(html, `no table captioned ${JSON.stringify(caption)}`);
  return html;
}

function markdown(outputs: Output[]): string[] {
  return outputs.map((o) => stripAnsi(text(o, "text/markdown"))).filter(Boolean);
}

function figures(outputs: Output[]): Figure[] {
  return outputs.filter((o) => o.data?.[PLOTLY]).map((o) => o.data![PLOTLY] as Figure);
}

const NOTEBOOKS = ["04_analysis", "00_start_here", "01_generate", "02_load", "03_transform"];
const SMALL = { users: 1500, days: 28 };

Deno.test({
  name: "the analyst notebooks run top to bottom in the Deno kernel, 04 by itself on a fresh " +
    "workspace, and their HTML exports draw every chart offline",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const jupyterEnv = await ensureJupyterEnv();
    const tmp = await Deno.makeTempDir({ prefix: "tl-nb-analyst-" });
    const dataDir = join(tmp, "data");
    try {
      // 04 goes first, on an empty workspace: it must generate, load and build by itself.
      // 00–03 then find that workspace and reuse it, reading it read-only.
      const results = await runNotebooks(
        NOTEBOOKS.map((name) => join(PROJECT_ROOT, "notebooks", `${name}.ipynb`)),
        {
          jupyterEnv,
          outputDir: join(tmp, "out"),
          timeoutSeconds: 240,
          env: {
            TERRALOOP_N_USERS: String(SMALL.users),
            TERRALOOP_DAYS: String(SMALL.days),
            TERRALOOP_NOTEBOOK_DATA_DIR: dataDir,
          },
        },
      );
      const byName = new Map(
        results.map((r) => [r.notebook.replace(/^.*\/(\w+)\.ipynb$/, "$1"), r]),
      );
      const cellsOf = async (name: string) => await executedCells(byName.get(name)!);

      await t.step("every notebook ran every code cell without an error", async () => {
        assert.deepEqual([...byName.keys()], NOTEBOOKS);
        for (const result of results) {
          assert.equal(result.ok, true, describeFailure(result));
          const cells = await executedCells(result);
          const code = cells.filter((c) => c.cell_type === "code");
          assert.equal(code.length, result.nCodeCells);
          assert.ok(code.length > 0, `${result.notebook} has code cells`);
          assert.ok(code.every((c) => typeof c.execution_count === "number"), result.notebook);
          assert.deepEqual(outputsOf(cells).filter((o) => o.output_type === "error"), []);
          // Every code cell after the import and parameters cells shows something.
          const silent = code.slice(2).filter((c) => (c.outputs ?? []).length === 0);
          assert.deepEqual(silent.map((c) => [c.source].flat().join("").slice(0, 60)), []);
        }
      });

      await t.step("the workspace went to the test's folder, keyed by the parameters", async () => {
        const ws = notebookWorkspace(SMALL, { baseDir: dataDir });
        assert.equal(ws.dir, join(dataDir, "u1500-d28-s42-2026-01-01"));
        for (const path of [ws.truthPath, ws.duckdbPath, join(ws.targetDir, "run_results.json")]) {
          assert.ok((await Deno.stat(path)).isFile, path);
        }
        const truth = JSON.parse(await Deno.readTextFile(ws.truthPath));
        assert.deepEqual([truth.parameters.users, truth.parameters.days], [1500, 28]);
      });

      await t.step("04 alone built the models it needed on the fresh workspace", async () => {
        const cells = await cellsOf("04_analysis");
        const [stages] = markdown(outputsOfCell(cells, "openNotebookWarehouse("));
        assert.match(stages ?? "", /^- Generated [\d,]+ events of 1,500 users/m);
        assert.match(stages ?? "", /^- Loaded \d+ of \d+ files/m);
        assert.match(stages ?? "", /^- Built \d+ models .* because no previous build was found/m);
        assert.match(stages ?? "", /^- Reading duckdb:.* read-only\.$/m);
      });

      await t.step("the others reused that workspace, checked read-only", async () => {
        for (
          const [name, marker] of [
            ["00_start_here", "openNotebookWarehouse("],
            ["02_load", "ensureWorkspace("],
            ["03_transform", "ensureWorkspace("],
          ] as const
        ) {
          const [stages] = markdown(outputsOfCell(await cellsOf(name), marker));
          assert.match(
            stages ?? "",
            /^- All \d+ files are loaded in duckdb:.*nothing to load\.$/m,
            name,
          );
          assert.doesNotMatch(stages ?? "", /^- (Built|Loaded|Generated) /m, name);
        }
      });

      await t.step("every notebook lists its parameters first, and guards every cell", async () => {
        for (const name of NOTEBOOKS) {
          const cells = await cellsOf(name);
          assert.equal(cells[0]!.cell_type, "markdown", name);
          assert.match(
            [cells[0]!.source].flat().join(""),
            /\*\*Parameters\*\*[\s\S]*\| `dataDir` +\|/,
            name,
          );
          const code = cells.filter((c) => c.cell_type === "code");
          const unguarded = code.slice(1).filter((c) =>
            ![c.source].flat().join("").startsWith("guard();")
          );
          assert.deepEqual(unguarded.map((c) => [c.source].flat().join("").slice(0, 40)), [], name);
        }
      });

      await t.step("executed copies stay small: figures carry no plotly.js", async () => {
        for (const result of results) {
          const size = (await Deno.stat(result.executed!)).size;
          assert.ok(size < 1_000_000, `${result.executed} is ${size} bytes`);
          const text = await Deno.readTextFile(result.executed!);
          assert.doesNotMatch(text, /plotly\.js v\d/, result.notebook);
        }
      });

      await t.step(
        "00 shows the marts from the data dictionary and runs its five recipes",
        async () => {
          const outputs = outputsOf(await cellsOf("00_start_here"));
          const marts = tableWithCaption(outputs, "The marts: one row per mart");
          for (
            const mart of ["dim_users", "fct_events", "mart_daily_activity", "mart_user_funnel"]
          ) {
            assert.ok(marts.includes(`>${mart}<`), mart);
          }
          assert.match(marts, />one row per event</);
          assert.match(tableWithCaption(outputs, "fct_events: one row per event"), /<details>/);
          assert.match(
            tableWithCaption(outputs, "Clean events per day and name"),
            />session_start</,
          );
          assert.match(
            tableWithCaption(outputs, "Basic users: session → listing within 2 days"),
            /%</,
          );
          assert.match(tableWithCaption(outputs, "Weekly retention of EMEA users"), />EMEA|%</);
          assert.equal(figures(outputs).length, 1);
          const sentences = markdown(outputs).join("\n");
          assert.match(
            sentences,
            /\*\*By hand:\*\* \d+\.\d% of [\d,]+ Basic users started a listing/,
          );
          assert.match(sentences, /\*\*From lib\/insights:\*\* /);
          assert.match(sentences, /\*\*Retention \(recipe 3\):\*\* Pooled over cohorts/);
        },
      );

      await t.step("01 shows the planted effects, the realised values and the mess", async () => {
        const outputs = outputsOf(await cellsOf("01_generate"));
        const mess = tableWithCaption(outputs, "Injected mess per kind");
        for (const kind of MESS_KINDS) assert.ok(mess.includes(`>${kind}<`), kind);
        assert.match(tableWithCaption(outputs, "Effect 1"), />Basic<.*>Pro<.*>Enterprise</s);
        assert.match(tableWithCaption(outputs, "Effect 4 · realised"), />Industrial</);
        const lines = tableWithCaption(outputs, "Raw event lines showing each kind of mess");
        assert.match(lines, /id_case_whitespace/);
        assert.match(lines, /events-2026-01-\d\d\.ndjson/);
      });

      await t.step("02 shows the raw tables, the manifest and the rejected lines", async () => {
        const cells = await cellsOf("02_load");
        const outputs = outputsOf(cells);
        assert.match(
          tableWithCaption(outputs, "Raw tables and their rows"),
          /raw\.events_rejected/,
        );
        const manifest = tableWithCaption(outputs, "The load manifest: one row");
        assert.match(manifest, /sha256/);
        // Hashes are cut, so the table fits the page.
        assert.match(manifest, />[0-9a-f]{11}…</);
        assert.match(tableWithCaption(outputs, "raw.events_rejected:"), /invalid JSON/);
        const accounting = outputs.find((o) => text(o, "text/plain").startsWith("Accounting"));
        const rows = text(accounting!, "text/plain").split("\n").slice(2, -1);
        assert.equal(rows.length, 3);
        assert.ok(rows.every((row) => row.endsWith("\ttrue")), rows.join("\n"));
        const again = tableWithCaption(outputs, "Checking the same files again");
        assert.match(again, /new_or_changed_files.*>0<\/td><td[^>]*>0<\/td><\/tr>/s);
      });

      await t.step("03 shows the DAG, the data tests, compiled SQL and the ID sync", async () => {
        const cells = await cellsOf("03_transform");
        const outputs = outputsOf(cells);
        assert.match(tableWithCaption(outputs, "The DAG in build order"), /marts\.fct_events/);
        const every = tableWithCaption(outputs, "Every data test");
        assert.match(every, /^<div class="terraloop-frame">.*<details><summary>/s);
        assert.match(every, /relationships/);
        assert.match(tableWithCaption(outputs, "Data tests that did not pass"), />warn</);
        // Compiled SQL: folded, once per dialect.
        const sql = outputs.map((o) => text(o, "text/html")).filter((h) =>
          h.startsWith("<details><summary") && h.includes(" compiled for ")
        );
        assert.equal(sql.length, 2, sql.map((h) => h.slice(0, 200)).join("\n"));
        assert.match(
          sql[0]!,
          /^<details><summary[^>]*>base_events compiled for DuckDB \(staging\.base_events\) \(\d+ lines\)/,
        );
        assert.match(sql[0]!, /\bselect\b/);
        assert.match(sql[1]!, /compiled for BigQuery \(`terraloop_staging\.base_events`\)/);
        assert.match(sql[1]!, /from `terraloop_raw\.events`/);
        assert.equal(markdown(outputs).filter((m) => m.includes("```sql")).length, 0);
        const sentence = markdown(outputs).find((m) => m.includes("ID synchronisation"));
        assert.match(sentence ?? "", /Before standardisation, \d+\.\d% of [\d,]+ clean event rows/);
        assert.equal(figures(outputs).length, 2);
      });

      await t.step("04 charts each analysis and states its finding from the numbers", async () => {
        const outputs = outputsOf(await cellsOf("04_analysis"));
        const charts = figures(outputs);
        const titles = charts.map((f) => f.layout.title?.text?.replace(/<[^>]+>.*$/s, ""));
        assert.deepEqual(titles.slice(0, 6), [
          "Funnel by tier",
          "Weekly retention of first-time cohorts",
          "Daily active users by region",
          "Listing density by region",
          "Eco impact per published listing by region",
          "Category affinity by tier",
        ]);
        // the paths Sankey, titled from the numbers, for the tier that activates least
        assert.equal(titles.length, 7);
        assert.match(titles[6] ?? "", /^After session_start, Basic users most often go on to \w+/);
        assert.equal(charts[6]!.data[0]?.type, "sankey");
        const funnelChart = charts[0]!;
        assert.deepEqual(funnelChart.data.map((trace) => [trace.type, trace.name]), [
          ["bar", "Basic"],
          ["bar", "Pro"],
          ["bar", "Enterprise"],
        ]);
        const sentences = markdown(outputs).join("\n");
        // The planted effects, recovered at this small scale too, in the report's sentences.
        assert.match(
          sentences,
          /\*\*Activation\.\*\* Basic users start a listing after a session (far )?less often/,
        );
        assert.match(
          sentences,
          /\*\*Retention\.\*\* Pooled over cohorts whose week is complete, \d/,
        );
        assert.match(sentences, /\*\*Activity\.\*\* In the 7 days to 2026-01-28, \w+ had/);
        assert.match(sentences, /\*\*Regions\.\*\* EMEA has the highest listing density/);
        assert.match(sentences, /NA listings avoid the most CO₂e/);
        assert.match(sentences, /\*\*Pro sellers\.\*\* Pro users over-index on \w+/);
        assert.match(
          sentences,
          /\*\*Paths\.\*\* After session_start, Basic users most often go on to \w+ \(\d/,
        );
        assert.match(sentences, /start_listing comes next for [\d.]+% of Basic users \(95% CI/);
        // The last cell restates the three headline answers.
        const cells = await cellsOf("04_analysis");
        const last = cells.at(-1)!;
        assert.match([last.source].flat().join(""), /findings/);
        const findings = markdown(last.outputs ?? []).join("\n");
        assert.match(
          findings,
          /^1\. \*\*Basic users start a listing after a session .*\.\*\* Basic users/m,
        );
        assert.match(findings, /^2\. \*\*EMEA lists the most per user.*\*\* EMEA has the highest/m);
        assert.match(findings, /^3\. \*\*Pro users over-index on .*\*\* Pro users over-index/m);
      });

      await t.step("the HTML exports reference nothing on the network", () => {
        for (const result of results) {
          assert.ok(result.html, result.notebook);
          assert.deepEqual(result.externalResources, [], result.notebook);
        }
      });

      await t.step("the HTML exports run only their own scripts (hash-only script-src)", () => {
        assert.ok(results.length > 0);
        for (const result of results) {
          const exported = Deno.readTextFileSync(result.html!);
          const policy = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(exported);
          assert.ok(policy, `${result.notebook}: no CSP`);
          assert.match(policy[1]!, /script-src 'sha256-[^;]*;/, result.notebook);
          assert.doesNotMatch(policy[1]!.split(";")[1]!, /unsafe-inline/, result.notebook);
        }
      });

      const available = browserAvailable();
      const ci = isCi();
      if (!available && !ci) {
        console.warn(
          "\n%c!!! SKIPPING the notebooks' browser step: no Chromium found (install chromium " +
            "or set CHROMIUM_PATH). Set CI=true to make this a failure. !!!\n",
          "color: yellow; font-weight: bold",
        );
      }
      await t.step({
        name: "each HTML export draws all its charts in Chromium, offline and without errors",
        ignore: !available && !ci,
        fn: async () => {
          if (!available) throw new Error("CI=true: browser tests must run, but no Chromium found");
          await withBrowser(async (browser) => {
            for (const result of results) {
              const expected = figures(outputsOf(await executedCells(result))).length;
              assert.ok(expected > 0, `${result.notebook} has no figure`);
              const view = await browser.openFile(result.html!);
              await waitForCharts(view.page, expected, 60_000);
              const drawn = await view.page.evaluate(
                `[...document.querySelectorAll(".js-plotly-plot")]
                   .filter((el) => el.querySelector("svg.main-svg")).length`,
              );
              assert.equal(drawn, expected, result.notebook);
              assert.deepEqual(view.consoleErrors, [], result.notebook);
              assert.deepEqual(view.pageErrors, [], result.notebook);
              assert.deepEqual(view.externalRequests, [], result.notebook);
              await view.page.close();
            }
          });
        },
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
