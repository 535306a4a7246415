import assert from "node:assert/strict";
import { browserTest, screenshot, waitForCharts, waitForExpression } from "../_browser.ts";
import { demoPage, XSS_IMG, XSS_SCRIPT } from "./_demo.ts";

// Evaluated in the page (strings: this suite is type-checked without the DOM library).
const BODY_BG = "getComputedStyle(document.body).backgroundColor";
const FUNNEL_TITLE_FILL = `document.querySelector("#funnel .gtitle").style.fill ||
  getComputedStyle(document.querySelector("#funnel .gtitle")).fill`;
const USERS_COLUMN = `[...document.querySelectorAll("#people tbody tr")]
  .map((tr) => tr.cells[1].textContent)`;

function luminance(css: string): number {
  const [r = 0, g = 0, b = 0] = (css.match(/[\d.]+/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

browserTest(
  "page() renders charts and an inert, sortable table offline in Chromium",
  async (browser, t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-page-browser-" });
    try {
      const path = `${dir}/demo.html`;
      await Deno.writeTextFile(path, demoPage());
      const view = await browser.openFile(path, { colorScheme: "light" });
      const { page } = view;
      await waitForCharts(page, 2);

      await t.step("both charts drew their SVG", async () => {
        for (const id of ["funnel", "retention"]) {
          const n = await page.locator(`#${id}.js-plotly-plot svg.main-svg`).count();
          assert.ok(n >= 1, `chart #${id} has ${n} svg.main-svg`);
        }
        const bars = await page.locator("#funnel g.point").count();
        assert.equal(bars, 6, "two tiers × three steps");
      });

      await t.step("hostile strings show as text and run nothing", async () => {
        const cells = await page.locator("#people tbody").innerText();
        assert.ok(cells.includes(XSS_SCRIPT) && cells.includes(XSS_IMG), cells);
        assert.equal(await page.locator("#people img, body img").count(), 0);
        const heading = await page.locator("h1").innerText();
        assert.ok(heading.includes(XSS_SCRIPT));
        const ticks = await page.locator("#funnel .xtick text").allTextContents();
        assert.ok(ticks.includes(XSS_SCRIPT), `x tick labels: ${ticks.join(" | ")}`);
        // Only our own scripts: two charts (plotly.js and the sort script are in <head>).
        assert.equal(await page.locator("body script").count(), 2);
        assert.equal(await page.title(), `Demo ${XSS_SCRIPT}`);
      });

      await t.step("clicking a header sorts numerically, nulls last", async () => {
        const header = page.locator("#people th button", { hasText: "users" });
        await header.click();
        assert.deepEqual(await page.evaluate(USERS_COLUMN), ["90", "1,200", "15,000", "—"]);
        assert.equal(
          await page.locator("#people th", { hasText: "users" }).getAttribute("aria-sort"),
          "ascending",
        );
        await header.click();
        assert.deepEqual(await page.evaluate(USERS_COLUMN), ["15,000", "1,200", "90", "—"]);
      });

      await t.step("dark colour scheme darkens the page and re-themes the charts", async () => {
        const lightTitle = String(await page.evaluate(FUNNEL_TITLE_FILL));
        assert.ok(luminance(String(await page.evaluate(BODY_BG))) > 0.9);
        await page.emulateMedia({ colorScheme: "dark" });
        await waitForExpression(
          page,
          `(${FUNNEL_TITLE_FILL}) !== ${JSON.stringify(lightTitle)}`,
          10_000,
        );
        assert.ok(luminance(String(await page.evaluate(BODY_BG))) < 0.2, "body is not dark");
        assert.ok(
          luminance(String(await page.evaluate(FUNNEL_TITLE_FILL))) > 0.7,
          "title not light",
        );
        await screenshot(page, `${dir}/demo-dark.png`);
      });

      await t.step("print media forces a white page with dark chart text", async () => {
        await page.emulateMedia({ media: "print", colorScheme: "dark" });
        assert.equal(await page.evaluate(BODY_BG), "rgb(255, 255, 255)");
        await waitForExpression(
          page,
          `(() => { const m = (${FUNNEL_TITLE_FILL}).match(/[\\d.]+/g).map(Number);
          return m[0] + m[1] + m[2] < 200; })()`,
          10_000,
        );
        await page.emulateMedia({ media: "screen", colorScheme: "light" });
      });

      await t.step("a screenshot is written", async () => {
        const shot = await screenshot(page, `${dir}/demo-light.png`);
        assert.ok((await Deno.stat(shot)).size > 10_000);
      });

      await t.step("no console errors, page errors, dialogs or network requests", () => {
        assert.deepEqual(view.consoleErrors, []);
        assert.deepEqual(view.pageErrors, []);
        assert.deepEqual(view.dialogs, []);
        assert.deepEqual(view.externalRequests, []);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
