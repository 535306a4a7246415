import assert from "node:assert/strict";
import {
  cspHash,
  figureToHtml,
  html,
  inlineCode,
  page,
  plotlySource,
  raw,
  scriptStyles,
  TABLE_SORT_SCRIPT,
  tableHtml,
  withHashedCsp,
} from "../../lib/html/mod.ts";

function cspOf(doc: string): string {
  const metas = [...doc.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/g)];
  assert.equal(metas.length, 1, "one CSP meta");
  return metas[0]![1]!;
}

function directive(csp: string, name: string): string[] {
  const found = csp.split("; ").find((d) => d.startsWith(`${name} `));
  assert.ok(found, `no ${name} in ${csp}`);
  return found.split(" ").slice(1);
}

const fig = { data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} };

Deno.test("page() builds a document with a strict CSP and escaped title", () => {
  const doc = page({ title: "<script>alert(1)</script>", body: "<p>hi</p>" });
  assert.ok(doc.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.ok(doc.includes("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
  const csp = cspOf(doc);
  for (const d of ["default-src 'none'", "script-src 'none'", "img-src data:"]) {
    assert.ok(csp.includes(d), d);
  }
  assert.ok(!csp.includes("unsafe-inline"), csp);
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

Deno.test("page() CSP lists its own scripts and styles by hash, not planted ones", () => {
  const planted = "<script>alert(1)</script>";
  const fragment = figureToHtml(fig, { id: "c" });
  const figureScript = inlineCode(fragment.value).scripts[0]!;
  const doc = page({
    title: "t",
    body: html`${fragment}${tableHtml([{ a: 1 }])}${raw(planted)}<style>p{}</style>`,
    head: html`<style>.x{}</style>`,
  });
  const csp = cspOf(doc);
  assert.ok(!csp.includes("unsafe-inline"), csp);
  const scripts = directive(csp, "script-src");
  assert.ok(scripts.includes(cspHash(figureScript)), "figure script");
  assert.ok(scripts.includes(cspHash(TABLE_SORT_SCRIPT)), "sort script");
  assert.ok(!scripts.includes(cspHash("alert(1)")), "planted script allowed");
  assert.equal(scripts.length, 3, "plotly.js, sort, one chart");
  const styles = directive(csp, "style-src");
  assert.ok(styles.includes(cspHash(".x{}")), "head style");
  assert.ok(!styles.includes(cspHash("p{}")), "body style allowed");
  for (const text of scriptStyles(plotlySource())) assert.ok(styles.includes(cspHash(text)));
});

Deno.test("scriptStyles() finds the styles plotly.js creates: an empty one and MapLibre's", () => {
  const styles = scriptStyles(plotlySource());
  assert.ok(styles.includes(""));
  assert.ok(styles.some((s) => s.startsWith(".maplibregl-map{")), "no MapLibre CSS");
  assert.deepEqual(scriptStyles("var s = 1;"), []);
});

Deno.test("cspHash() normalises CRLF and CR as the HTML parser does", () => {
  assert.equal(cspHash("a\r\nb\rc"), cspHash("a\nb\nc"));
  // sha256("") in base64, as browsers report it.
  assert.equal(cspHash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
});

Deno.test("inlineCode() reads inline scripts and styles, skipping src scripts", () => {
  const code = inlineCode(
    '<SCRIPT type="module">a()</SCRIPT ><script src="x.js"></script><style media="print">p{}</style>',
  );
  assert.deepEqual(code, { scripts: ["a()"], styles: ["p{}"] });
});

Deno.test("withHashedCsp() replaces any CSP with hashes of everything inline, after charset", () => {
  const doc = withHashedCsp(
    '<html><head><meta charset="utf-8"><meta http-equiv="content-security-policy" ' +
      `content="script-src 'unsafe-inline'"><style>b{}</style></head>` +
      "<body><script>go()</script></body></html>",
  );
  const csp = cspOf(doc);
  assert.ok(!csp.includes("unsafe-inline"));
  assert.deepEqual(directive(csp, "script-src"), [cspHash("go()")]);
  assert.deepEqual(directive(csp, "style-src"), [cspHash("b{}")]);
  assert.ok(doc.indexOf("charset") < doc.indexOf("Content-Security-Policy"));
  assert.ok(doc.indexOf("Content-Security-Policy") < doc.indexOf("<style>"));
  assert.throws(() => withHashedCsp("<p>no head</p>"), /Cannot add a Content-Security-Policy/);
});

Deno.test("withHashedCsp({ inlineStyles }) allows style attributes but keeps scripts hash-only", () => {
  const doc = '<html><head><meta charset="utf-8"><style>p{}</style></head>' +
    '<body><p style="color:red">x</p><script>1</script></body></html>';
  const policy = /content="([^"]*)"/.exec(withHashedCsp(doc, { inlineStyles: true }))![1]!;
  assert.match(policy, /script-src 'sha256-[^' ]+'; style-src 'unsafe-inline';/);
  const strict = /content="([^"]*)"/.exec(withHashedCsp(doc))![1]!;
  assert.doesNotMatch(strict, /unsafe-inline/);
});
