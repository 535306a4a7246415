// The docs page, built from generated data, in headless Chromium from file://: the graph is
// drawn, every model is reachable from it, the search filters, nothing is fetched, nothing
// logs an error, and markup planted in a model description shows as text and never runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeDocs } from "../../lib/docs/mod.ts";
import { loadProject } from "../../lib/models/mod.ts";
import { browserTest, waitForExpression } from "../_browser.ts";
import { PLANTED_IMG, PLANTED_SCRIPT } from "./_project.ts";
import { buildSmallWarehouse, copyDir } from "./_warehouse.ts";

const FCT_DESCRIPTION =
  "description: Clean events joined to the user dimension; orphans kept and flagged.";
const PLANTED = `Clean events. ${PLANTED_SCRIPT}${PLANTED_IMG}`;

// Evaluated in the page (strings: this suite is type-checked without the DOM library).
const VISIBLE_SECTIONS = `[...document.querySelectorAll("main section[data-tl-item]")]
  .filter((s) => !s.hidden).map((s) => s.id)`;
const SECTION_IN_VIEW = (id: string) =>
  `(() => { const r = document.getElementById(${JSON.stringify(id)}).getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight; })()`;

browserTest(
  "the docs page works offline in Chromium: graph, links, search, escaping",
  async (browser, t) => {
    const scratch = await Deno.makeTempDir({ prefix: "tl-docs-browser-" });
    const modelsDir = join(scratch, "sql");
    await copyDir("sql", modelsDir);
    const schema = join(modelsDir, "marts", "schema.yml");
    const yaml = await Deno.readTextFile(schema);
    assert.ok(yaml.includes(FCT_DESCRIPTION), "fct_events description to plant into not found");
    await Deno.writeTextFile(
      schema,
      yaml.replace(FCT_DESCRIPTION, `description: ${JSON.stringify(PLANTED)}`),
    );
    const built = await buildSmallWarehouse("tl-docs-browser-wh-", modelsDir);
    try {
      const project = await loadProject(modelsDir);
      const out = join(scratch, "docs.html");
      const summary = await writeDocs({
        modelsDir,
        warehouseConfig: { kind: "duckdb", path: built.path },
        runResultsPath: built.runResultsPath,
        out,
      });
      assert.equal(summary.builtModels, project.order.length);

      const view = await browser.openFile(out);
      const { page } = view;
      const nodes = project.order.length + project.sources.size;

      await t.step(
        "the lineage graph is drawn: an svg with a node per model and source",
        async () => {
          const drawn = await page.evaluate(`(() => {
        const svg = document.querySelector("svg.tl-lineage-svg");
        const box = svg.getBoundingClientRect();
        return [svg.querySelectorAll("g.node").length, svg.querySelectorAll("g.edge").length,
          box.width, box.height];
      })()`) as number[];
          assert.equal(drawn[0], nodes);
          assert.ok(drawn[1]! >= project.order.length, `only ${drawn[1]} edges`);
          assert.ok(drawn[2]! > 400 && drawn[3]! > 100, `graph box ${drawn[2]}×${drawn[3]}`);
        },
      );

      await t.step("every model is reachable by clicking its node in the graph", async () => {
        for (const name of project.order) {
          await page.evaluate("window.scrollTo(0, 0)");
          await page.locator(`[id="node-model-${name}"] a`).click();
          await waitForExpression(page, `location.hash === "#model-${name}"`, 5_000);
          await waitForExpression(page, SECTION_IN_VIEW(`model-${name}`), 5_000);
          const heading = await page.evaluate(
            `document.querySelector("#model-${name} h2 code").textContent`,
          );
          assert.equal(heading, `${project.models.get(name)!.schema}.${name}`);
        }
      });

      await t.step("the search box filters models and columns", async () => {
        await page.fill("#tl-search", "match_after_non_orphan_pct");
        assert.deepEqual(await page.evaluate(VISIBLE_SECTIONS), ["model-mart_id_sync"]);
        const rows = await page.evaluate(`[...document.querySelectorAll(
        "#model-mart_id_sync tr[data-tl-search]")].filter((r) => !r.hidden).length`);
        assert.equal(rows, 1);
        assert.match(
          await page.textContent("#tl-search-count") ?? "",
          new RegExp(`^1 of ${nodes} match`),
        );
        const dimmed = await page.evaluate(`document.querySelectorAll("svg .tl-dim").length`);
        assert.equal(dimmed, nodes - 1);

        await page.fill("#tl-search", "kg co2e");
        const co2e = await page.evaluate(VISIBLE_SECTIONS) as string[];
        assert.ok(co2e.includes("model-fct_events") && co2e.includes("model-mart_daily_activity"));
        assert.ok(!co2e.includes("model-mart_pipeline_health"), co2e.join(", "));

        await page.fill("#tl-search", "");
        assert.equal((await page.evaluate(VISIBLE_SECTIONS) as string[]).length, nodes);
      });

      await t.step("following a link to a filtered-out model clears the filter", async () => {
        await page.fill("#tl-search", "match_after_non_orphan_pct");
        await page.evaluate("window.scrollTo(0, 0)");
        await page.locator(`[id="node-model-dim_users"] a`).click();
        await waitForExpression(page, `!document.getElementById("model-dim_users").hidden`, 5_000);
        assert.equal(await page.inputValue("#tl-search"), "");
      });

      await t.step("planted markup shows as text and runs nothing", async () => {
        const text = await page.textContent("#model-fct_events .tl-description");
        assert.equal(text, PLANTED);
        assert.equal(
          await page.evaluate(`document.querySelectorAll("main script, main img").length`),
          0,
        );
        assert.deepEqual(view.dialogs, []);
      });

      await t.step("no network request, no console error, no page error", () => {
        assert.deepEqual(view.externalRequests, []);
        assert.deepEqual(view.consoleErrors, []);
        assert.deepEqual(view.pageErrors, []);
      });
    } finally {
      await Deno.remove(built.dir, { recursive: true });
      await Deno.remove(scratch, { recursive: true });
    }
  },
);
