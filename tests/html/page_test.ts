import assert from "node:assert/strict";
import {
  CONTENT_SECURITY_POLICY,
  figureToHtml,
  html,
  page,
  tableHtml,
} from "../../lib/html/mod.ts";

const fig = { data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} };

Deno.test("page() builds a document with a strict CSP and escaped title", () => {
  const doc = page({ title: "<script>alert(1)</script>", body: "<p>hi</p>" });
  assert.ok(doc.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.ok(doc.includes("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
  assert.ok(doc.includes(`content="${CONTENT_SECURITY_POLICY}"`));
  for (const d of ["default-src 'none'", "script-src 'unsafe-inline'", "img-src data:"]) {
    assert.ok(CONTENT_SECURITY_POLICY.includes(d), d);
  }
  assert.ok(doc.includes("prefers-color-scheme: dark") && doc.includes("@media print"));
});

Deno.test("page() inlines plotly.js once, only when the body has charts", () => {
  const plain = page({ title: "t", body: html`<p>no charts</p>` });
  assert.ok(plain.length < 20_000);
  const body = html`${figureToHtml(fig, { id: "a" })}${figureToHtml(fig, { id: "b" })}`;
  const withCharts = page({ title: "t", body });
  assert.equal(withCharts.match(/plotly\.js v\d/g)?.length, 1);
  assert.ok(withCharts.indexOf("plotly.js v") < withCharts.indexOf('<div id="a"'));
});

Deno.test("page() adds the sort script once, only with sortable tables", () => {
  const two = html`${tableHtml([{ a: 1 }])}${tableHtml([{ b: 2 }])}`;
  assert.equal(page({ title: "t", body: two }).match(/__tlTableSort = true/g)?.length, 1);
  assert.ok(!page({ title: "t", body: "<p></p>" }).includes("__tlTableSort"));
});

Deno.test("page() markup outside the plotly.js bundle holds no URL", () => {
  const doc = page({ title: "t", body: html`${figureToHtml(fig)}${tableHtml([{ a: 1 }])}` });
  // plotly.js itself carries URL strings (map tiles, licences) that nothing fetches: the
  // CSP forbids it and the browser test counts requests. Everything we write has none.
  const start = doc.indexOf("/**\n* plotly.js");
  const end = doc.indexOf("</script>", start);
  assert.ok(start > 0 && end > start);
  const ours = doc.slice(0, start) + doc.slice(end);
  assert.ok(!/https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}/i.test(ours), "a URL in page markup");
  assert.ok(!/<(link|iframe|object|embed|base)\b/i.test(ours));
  assert.ok(!/\burl\(/i.test(ours), "CSS url() in page markup");
});
