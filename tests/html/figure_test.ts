import assert from "node:assert/strict";
import type { Figure } from "../../lib/charts/mod.ts";
import {
  CHART_MARKER,
  figureMimeBundle,
  figureToHtml,
  plotlyScriptTag,
  plotlySource,
  scriptSafeJson,
} from "../../lib/html/mod.ts";

const hostile: Figure = {
  data: [{
    type: "bar",
    x: ["</script><script>alert(1)</script>", "<!--", "a\u2028b\u2029c", "&amp;"],
    y: [1, 2, 3, 4],
  }],
  layout: { title: { text: 'Title "quoted" </script>' } },
};

function scriptBody(fragment: string): string {
  const start = fragment.indexOf("<script>") + "<script>".length;
  return fragment.slice(start, fragment.lastIndexOf("</script>"));
}

Deno.test("scriptSafeJson() escapes <, >, &, U+2028 and U+2029 and round-trips", () => {
  const value = { s: "</script><!-- & \u2028\u2029" };
  const json = scriptSafeJson(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(json), json);
  assert.deepEqual(JSON.parse(json), value);
});

Deno.test("figureToHtml() cannot be broken out of by </script> in figure data", () => {
  const out = String(figureToHtml(hostile, { id: "c1" }));
  // Exactly one script element, whose body holds no closing tag or comment opener.
  assert.equal(out.match(/<script>/g)?.length, 1);
  assert.equal(out.match(/<\/script>/gi)?.length, 1);
  const body = scriptBody(out);
  assert.ok(!/<\/script|<!--|\u2028|\u2029/i.test(body));
  // The data survives intact once parsed.
  const json = body.slice(body.indexOf('"c1", ') + 6, body.lastIndexOf(");"));
  const parsed = JSON.parse(json) as Figure;
  assert.deepEqual(parsed.data[0]?.x, hostile.data[0]?.x);
});

Deno.test("figureToHtml() writes a labelled, marked container with the given id", () => {
  const out = String(figureToHtml(hostile, { id: "funnel-1" }));
  assert.ok(out.startsWith('<div id="funnel-1" class="tl-chart"'));
  assert.ok(out.includes(CHART_MARKER));
  assert.ok(out.includes('aria-label="Title &quot;quoted&quot; &lt;/script&gt;"'));
  assert.ok(out.includes("Plotly.newPlot"));
  assert.throws(() => figureToHtml(hostile, { id: '"><script>' }), TypeError);
});

Deno.test("figureToHtml() gives distinct default ids and omits plotly.js unless asked", () => {
  const a = String(figureToHtml(hostile));
  const b = String(figureToHtml(hostile));
  const idOf = (s: string) => s.match(/id="([^"]+)"/)?.[1];
  assert.notEqual(idOf(a), idOf(b));
  assert.ok(a.length < 10_000);
  assert.ok(String(figureToHtml(hostile, { includePlotly: true })).length > 1_000_000);
});

Deno.test("figureMimeBundle() carries the Plotly JSON and an HTML fallback", () => {
  const bundle = figureMimeBundle(hostile, { id: "nb" });
  const fig = bundle["application/vnd.plotly.v1+json"];
  assert.deepEqual(fig.data, hostile.data);
  assert.equal(fig.config?.displaylogo, false);
  assert.ok(bundle["text/html"].startsWith('<div id="nb"'));
});

Deno.test("plotlyScriptTag() inlines the local plotly.js once read", () => {
  const source = plotlySource();
  assert.match(source.slice(0, 200), /plotly\.js v\d/);
  const tag = String(plotlyScriptTag());
  assert.ok(tag.startsWith("<script>") && tag.endsWith("</script>"));
  assert.equal(tag.match(/<\/script/gi)?.length, 1);
  assert.equal(plotlySource(), source);
});
