import assert from "node:assert/strict";
import { browserTest, waitForCharts, waitForExpression } from "../_browser.ts";
import { figureToHtml, html, page, raw, tableHtml, withHashedCsp } from "../../lib/html/mod.ts";
import { funnelChart, retentionHeatmap } from "../../lib/charts/mod.ts";
import { demoFunnel, demoRetention, demoTable } from "./_demo.ts";

// Markup planted in the body as if an escape had been missed: each would set a flag on run.
const PLANTED = [
  "<script>window.__tlPlanted = 'script'; document.title = 'pwned';</script>",
  `<button id="planted-button" onclick="window.__tlPlanted = 'handler'">x</button>`,
  `<a id="planted-link" href="javascript:window.__tlPlanted='url'">y</a>`,
  `<p id="planted-style" style="color: rgb(1, 2, 3)">styled</p>`,
  "<style>#planted-style { outline: 7px solid rgb(4, 5, 6); }</style>",
].join("\n");

const PLANTED_FLAG = "window.__tlPlanted === undefined ? 'none' : window.__tlPlanted";
const PLANTED_COLOR = `getComputedStyle(document.getElementById("planted-style")).color`;
const PLANTED_OUTLINE = `getComputedStyle(document.getElementById("planted-style")).outlineWidth`;

function plantedPage(): string {
  const body = html`
    <h1>CSP test</h1>
    ${figureToHtml(funnelChart(demoFunnel(), { by: "tier", title: "Funnel" }), { id: "funnel" })}
    ${figureToHtml(retentionHeatmap(demoRetention(), { title: "Retention" }), { id: "retention" })}
    ${tableHtml(demoTable(), { id: "people" })}
    ${raw(PLANTED)}
  `;
  return page({ title: "CSP test", body });
}

browserTest(
  "page(): the hash CSP runs the page's own scripts and refuses planted ones",
  async (browser, t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-csp-browser-" });
    try {
      const path = `${dir}/planted.html`;
      const doc = plantedPage();
      assert.ok(!doc.includes("unsafe-inline"), "policy has 'unsafe-inline'");
      await Deno.writeTextFile(path, doc);
      const view = await browser.openFile(path);
      const { page: p } = view;

      await t.step("own scripts run: both charts draw, the table sorts", async () => {
        await waitForCharts(p, 2);
        assert.equal(await p.locator("#funnel g.point").count(), 6);
        await p.locator("#people th button", { hasText: "users" }).click();
        assert.equal(
          await p.locator("#people th", { hasText: "users" }).getAttribute("aria-sort"),
          "ascending",
        );
      });

      await t.step("planted script, handler and javascript: URL do nothing", async () => {
        await p.locator("#planted-button").dispatchEvent("click");
        await p.locator("#planted-link").dispatchEvent("click");
        assert.equal(await p.evaluate(PLANTED_FLAG), "none");
        assert.equal(await p.title(), "CSP test");
      });

      await t.step("planted style attribute and <style> do not apply", async () => {
        assert.notEqual(await p.evaluate(PLANTED_COLOR), "rgb(1, 2, 3)");
        assert.notEqual(await p.evaluate(PLANTED_OUTLINE), "7px");
      });

      await t.step("each refusal is reported as a CSP violation, nothing else", async () => {
        await waitForExpression(p, "true", 1_000);
        const csp = view.consoleErrors.filter((m) => /Content Security Policy/i.test(m));
        assert.deepEqual(view.consoleErrors.filter((m) => !csp.includes(m)), []);
        const kinds = ["script-src", "style-src"];
        for (const kind of kinds) {
          assert.ok(csp.some((m) => m.includes(kind)), `no ${kind} violation in ${csp.join("\n")}`);
        }
        assert.ok(csp.length >= 4, `expected ≥ 4 violations, got:\n${csp.join("\n")}`);
        assert.deepEqual(view.pageErrors, []);
        assert.deepEqual(view.externalRequests, []);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

browserTest(
  "withHashedCsp(): a finished document keeps its scripts and charts, refuses handlers",
  async (browser, t) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-csp-export-" });
    try {
      const fig = funnelChart(demoFunnel(), { by: "tier", title: "Funnel" });
      // Shaped like a notebook export: its own scripts and styles, plus a CSP to replace.
      const exported = [
        "<!DOCTYPE html>",
        "<html><head>",
        '<meta charset="utf-8">',
        `<meta http-equiv="Content-Security-Policy" content="script-src 'unsafe-inline'">`,
        "<style>\r\nbody { margin: 2rem; }\r\n</style>",
        "</head><body>",
        "<script>window.__tlOwn = 'ran';</script>",
        figureToHtml(fig, { id: "funnel", includePlotly: true }).value,
        `<button id="planted-button" onclick="window.__tlPlanted = 'handler'">x</button>`,
        "</body></html>",
      ].join("\n");
      const doc = withHashedCsp(exported);
      assert.equal(doc.match(/Content-Security-Policy/g)?.length, 1);
      assert.ok(!doc.includes("unsafe-inline"));
      const path = `${dir}/export.html`;
      await Deno.writeTextFile(path, doc);
      const view = await browser.openFile(path);
      const { page: p } = view;

      await t.step("own scripts and CRLF style run; the chart draws", async () => {
        await waitForCharts(p, 1);
        assert.equal(await p.evaluate("window.__tlOwn"), "ran");
        assert.equal(await p.evaluate("getComputedStyle(document.body).marginTop"), "32px");
      });

      await t.step("an inline handler is refused with a CSP violation", async () => {
        await p.locator("#planted-button").dispatchEvent("click");
        assert.equal(await p.evaluate(PLANTED_FLAG), "none");
        const csp = view.consoleErrors.filter((m) => /Content Security Policy/i.test(m));
        assert.equal(csp.length, 1, csp.join("\n"));
        assert.deepEqual(view.consoleErrors.filter((m) => !csp.includes(m)), []);
        assert.deepEqual(view.pageErrors, []);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
