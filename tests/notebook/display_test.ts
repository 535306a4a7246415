import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  codeBundle,
  figureBundle,
  frameBundle,
  frameFormats,
  frameShape,
  type MimeBundle,
  showFigure,
  showFrame,
} from "../../lib/notebook/mod.ts";
import { formatPValue } from "../../lib/format/mod.ts";
import { PLOTLY_MIME } from "../../lib/html/mod.ts";

const FIGURE = {
  data: [{ type: "bar", x: ["NA", "</script><b>x</b>"], y: [3, 4] }],
  layout: { title: { text: "Users" } },
};

Deno.test("frameShape() counts rows and columns with separators and singulars", async (t) => {
  const cases: [pl.DataFrame, string][] = [
    [pl.DataFrame({ a: [1] }), "1 row × 1 column"],
    [pl.DataFrame({ a: [1, 2], b: ["x", "y"] }), "2 rows × 2 columns"],
    [pl.DataFrame({ a: Array.from({ length: 12_345 }, (_, i) => i) }), "12,345 rows × 1 column"],
  ];
  for (const [frame, expected] of cases) {
    await t.step(expected, () => assert.equal(frameShape(frame), expected));
  }
});

Deno.test("frameBundle() shows the caption, the full shape and only the first rows", () => {
  const frame = pl.DataFrame({
    n: Array.from({ length: 25 }, (_, i) => i * 1000),
    s: Array(25).fill("v"),
  });
  const bundle = frameBundle(frame, { caption: "Users by <region>", maxRows: 5 });
  const html = bundle["text/html"] as string;
  assert.match(html, /<caption>Users by &lt;region&gt;<\/caption>/);
  assert.match(html, /25 rows × 2 columns \(first 5 shown\)/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 5); // header + 5 rows
  assert.match(html, /4,000/);
  assert.doesNotMatch(html, /5,000/);
  const plain = bundle["text/plain"] as string;
  assert.equal(plain.split("\n")[0], "Users by <region>");
  assert.equal(plain.split("\n").at(-1), "25 rows × 2 columns (first 5 shown)");
});

Deno.test("frameBundle() escapes values so data cannot inject markup", () => {
  const frame = pl.DataFrame({ name: ["<script>alert(1)</script>", "a & b"] });
  const html = frameBundle(frame)["text/html"] as string;
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /a &amp; b/);
});

Deno.test("figureBundle() carries Plotly JSON, an escaped HTML fallback and a text summary", () => {
  const bundle = figureBundle(FIGURE, { id: "fig-1" });
  const plotly = bundle[PLOTLY_MIME] as { data: unknown[]; layout: Record<string, unknown> };
  assert.deepEqual(plotly.data, FIGURE.data);
  assert.deepEqual(plotly.layout.title, { text: "Users" });
  const html = bundle["text/html"] as string;
  assert.match(html, /<div id="fig-1"/);
  assert.match(html, /Plotly\.newPlot/);
  // The data label "</script>" must not close the inline script early.
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1);
  assert.match(html, /\\u003c\/script\\u003e/);
  assert.equal(bundle["text/plain"], 'Plotly figure "Users": 1 trace(s) (bar)');
});

Deno.test("figureBundle() gives each figure its own div id by default", () => {
  const a = figureBundle(FIGURE)["text/html"] as string;
  const b = figureBundle(FIGURE)["text/html"] as string;
  const id = (html: string) => html.match(/<div id="([^"]+)"/)?.[1];
  assert.ok(id(a));
  assert.notEqual(id(a), id(b));
});

Deno.test("showFigure() emits only the figure: no output carries plotly.js", async () => {
  const shown: MimeBundle[] = [];
  const display = (bundle: MimeBundle) => {
    shown.push(bundle);
    return Promise.resolve();
  };
  await showFigure(FIGURE, { display, id: "first" });
  await showFigure(FIGURE, { display, id: "second" });
  assert.equal(shown.length, 2);
  assert.match(shown[0]!["text/html"] as string, /id="first"/);
  assert.match(shown[1]!["text/html"] as string, /id="second"/);
  for (const bundle of shown) {
    assert.ok(bundle[PLOTLY_MIME]);
    const size = Object.values(bundle).map((v) => JSON.stringify(v).length)
      .reduce((a, b) => a + b, 0);
    assert.ok(size < 10_000, `a figure bundle of ${size} characters carries more than the figure`);
    assert.doesNotMatch(bundle["text/html"] as string, /plotly\.js v\d/);
  }
});

Deno.test("frameFormats() formats metric columns by name, as the report does", () => {
  const formats = frameFormats([
    "tier",
    "conversion_pct",
    "conversion_ci_low",
    "conversion_ci_high",
    "lift_ci_low",
    "p_value",
    "share",
    "overall_share",
    "mean_ci_low_kg_co2e",
    "weight_kg",
  ]);
  assert.deepEqual(formats, {
    conversion_pct: "pct:1",
    conversion_ci_low: "pct:1",
    conversion_ci_high: "pct:1",
    p_value: formatPValue,
    share: "share:1",
    overall_share: "share:1",
    mean_ci_low_kg_co2e: "fixed:1",
    weight_kg: "fixed:1",
  });
});

Deno.test("frameBundle() shows intervals as percentages and p-values as the report does", () => {
  const frame = pl.DataFrame({
    tier: ["Basic", "Pro"],
    conversion_pct: [12.345, 40],
    conversion_ci_low: [10.01, 35.55],
    conversion_ci_high: [14.9, 44.44],
    p_value: [0.0000001, 0.04213],
  });
  const html = frameBundle(frame)["text/html"] as string;
  for (const text of ["12.3%", "10.0%", "14.9%", "35.6%", "44.4%", "&lt; 0.001", "0.042"]) {
    assert.ok(html.includes(`>${text}</td>`), `${text} not in ${html}`);
  }
  assert.doesNotMatch(html, />0\.00</);
});

Deno.test("frameBundle() aligns text left and numbers right, inline", () => {
  const html = frameBundle(pl.DataFrame({ tier: ["Basic"], users: [1200] }))["text/html"] as string;
  assert.match(html, /<th scope="col" style="text-align:left;overflow-wrap:anywhere">tier<\/th>/);
  assert.match(html, /<th scope="col" class="num" style="text-align:right">users<\/th>/);
  assert.match(html, /<td style="text-align:left;overflow-wrap:anywhere">Basic<\/td>/);
  assert.match(html, /<td class="num" style="text-align:right" data-sort="1200">1,200<\/td>/);
});

Deno.test("frameBundle() cuts long text and hashes, and shows objects as JSON", () => {
  const frame = pl.DataFrame({
    sha256: ["ab".repeat(32)],
    payload: [JSON.stringify({ event: "search", props: { q: "x".repeat(100) } })],
  });
  const html = frameBundle(frame, { maxChars: 30 })["text/html"] as string;
  assert.ok(html.includes(`>${"ab".repeat(6).slice(0, 11)}…</td>`), html);
  // 29 characters and an ellipsis.
  assert.match(html, />\{&quot;event&quot;:&quot;search&quot;,&quot;props&quot;:\{&quot;q…<\/td>/);
  const nested = frameBundle(pl.DataFrame([{ a: 1, params: { users: 5, days: 2 } }]));
  assert.match(nested["text/html"] as string, />\{&quot;users&quot;:5,&quot;days&quot;:2\}</);
});

Deno.test("frameBundle() with collapsed shows caption and shape and folds the table", () => {
  const bundle = frameBundle(pl.DataFrame({ test: ["a", "b", "c"] }), {
    caption: "Every test",
    collapsed: true,
  });
  const html = bundle["text/html"] as string;
  assert.match(html, /<details><summary><strong>Every test<\/strong> · 3 rows × 1 column/);
  assert.match(html, /<\/summary><div class="tl-table-wrap"><table/);
  assert.doesNotMatch(html, /<caption>/);
});

Deno.test("codeBundle() folds long text under a summary with its line count, escaped", () => {
  const bundle = codeBundle("select '<b>'\nfrom t\n", { summary: "model <x>" });
  const html = bundle["text/html"] as string;
  assert.match(html, /^<details><summary[^>]*>model &lt;x&gt; \(2 lines\)<\/summary>/);
  assert.match(html, /<code>select &#39;&lt;b&gt;&#39;\nfrom t\n<\/code>/);
  assert.ok(!html.includes("<details open"));
  assert.match(
    codeBundle("x", { open: true })["text/html"] as string,
    /^<details open>.*\(1 line\)/,
  );
});

Deno.test("showFrame() outside the Deno kernel explains where it works", async () => {
  await assert.rejects(
    () => showFrame(pl.DataFrame({ a: [1] })),
    /Cannot display a table: Deno\.jupyter exists only inside the Deno Jupyter kernel/,
  );
});
