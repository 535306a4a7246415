// The generated report in headless Chromium: every chart draws, nothing leaves the file,
// and a hostile listing title injected into the warehouse shows as text.
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildReport, collectReportData, REPORT_CHART_IDS } from "../../lib/report/mod.ts";
import { browserTest, screenshot, waitForCharts } from "../_browser.ts";
import { smallWarehouse } from "./_warehouse.ts";

const XSS_SCRIPT = "<script>alert(1)</script>";
const XSS_IMG = "<img src=x onerror=alert(1)>";

// Evaluated in the page (strings: this suite is type-checked without the DOM library).
const CHARTS_DRAWN = `[...document.querySelectorAll("[data-tl-chart]")]
  .map((el) => [el.id, el.querySelectorAll("svg.main-svg").length])`;
const TOP_TITLES = `[...document.querySelectorAll("#table-top-listings tbody tr")]
  .map((tr) => tr.cells[1].textContent)`;

browserTest("the report opens offline in Chromium with every chart drawn", async (browser, t) => {
  const small = await smallWarehouse("tl-report-browser-");
  try {
    // A seller's title is user input: make the most valuable listing a hostile one.
    await small.wh.execute(`
      insert into marts.dim_listings
      select * replace (
        'L9999998' as listing_id,
        '${XSS_SCRIPT}' as title,
        eco_score_kg_co2e + 2 as eco_score_kg_co2e
      ) from marts.dim_listings where is_published order by eco_score_kg_co2e desc limit 1;
      insert into marts.dim_listings
      select * replace (
        'L9999999' as listing_id,
        '${XSS_IMG}' as title,
        eco_score_kg_co2e + 1 as eco_score_kg_co2e
      ) from marts.dim_listings where is_published and listing_id <> 'L9999998'
        order by eco_score_kg_co2e desc limit 1;
    `);
    const data = await collectReportData(small.wh, {
      truthPath: small.truthPath,
      runResultsPath: small.runResultsPath,
    });
    const path = join(small.dir, "terraloop-report.html");
    await Deno.writeTextFile(path, buildReport(data));

    const view = await browser.openFile(path);
    const { page } = view;
    await waitForCharts(page, REPORT_CHART_IDS.length);

    await t.step("each chart container holds a drawn Plotly figure", async () => {
      const drawn = await page.evaluate(CHARTS_DRAWN) as [string, number][];
      assert.deepEqual(drawn.map(([id]) => id), [...REPORT_CHART_IDS]);
      for (const [id, svgs] of drawn) assert.ok(svgs >= 1, `#${id} has no svg.main-svg`);
      assert.equal(
        await page.locator(".js-plotly-plot").count(),
        REPORT_CHART_IDS.length,
        "one Plotly figure per container",
      );
    });

    await t.step("injected listing titles show as text and run nothing", async () => {
      const titles = await page.evaluate(TOP_TITLES) as string[];
      assert.deepEqual(titles.slice(0, 2), [XSS_SCRIPT, XSS_IMG]);
      assert.equal(await page.locator("body img").count(), 0);
      // Only our scripts in the body: one per chart.
      assert.equal(await page.locator("body script").count(), REPORT_CHART_IDS.length);
    });

    await t.step("the headline sentences are on the page", async () => {
      const headlines = await page.locator("#headlines li").allInnerTexts();
      assert.equal(headlines.length, 3);
      assert.match(headlines[0]!, /^Basic users start a listing after a session/);
      assert.match(headlines[1]!, /^EMEA has the highest listing density/);
      assert.match(headlines[2]!, /^Pro users over-index on /);
    });

    await t.step("a screenshot is written to reports/", async () => {
      const shot = await screenshot(page, "reports/terraloop-report.png");
      assert.ok((await Deno.stat(shot)).size > 50_000);
    });

    await t.step("no console errors, page errors, dialogs or network requests", () => {
      assert.deepEqual(view.consoleErrors, []);
      assert.deepEqual(view.pageErrors, []);
      assert.deepEqual(view.dialogs, []);
      assert.deepEqual(view.externalRequests, []);
    });
  } finally {
    await small.wh.close();
    await Deno.remove(small.dir, { recursive: true });
  }
});
