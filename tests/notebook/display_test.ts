import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  displayPlotlyRuntime,
  figureBundle,
  frameBundle,
  frameShape,
  type MimeBundle,
  plotlyRuntimeBundle,
  showFigure,
  showFrame,
} from "../../lib/notebook/mod.ts";
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

Deno.test("plotlyRuntimeBundle() inlines plotly.js from node_modules, not a CDN", () => {
  const html = plotlyRuntimeBundle()["text/html"] as string;
  assert.ok(html.startsWith("<script>"));
  assert.ok(html.length > 1_000_000);
  assert.match(html.slice(0, 200), /plotly\.js v\d/);
  assert.doesNotMatch(html.slice(0, 200), /<script[^>]+src=/);
});

Deno.test("showFigure() emits the plotly.js runtime once, then only figures", async () => {
  // The only test here that touches the module-level "runtime displayed" flag.
  const shown: MimeBundle[] = [];
  const display = (bundle: MimeBundle) => {
    shown.push(bundle);
    return Promise.resolve();
  };
  await showFigure(FIGURE, { display, id: "first" });
  await showFigure(FIGURE, { display, id: "second" });
  assert.equal(shown.length, 3);
  assert.match(shown[0]!["text/html"] as string, /plotly\.js v\d/);
  assert.match(shown[1]!["text/html"] as string, /id="first"/);
  assert.match(shown[2]!["text/html"] as string, /id="second"/);
  assert.equal(await displayPlotlyRuntime({ display }), false);
  assert.equal(await displayPlotlyRuntime({ display, force: true }), true);
  assert.equal(shown.length, 4);
});

Deno.test("showFrame() outside the Deno kernel explains where it works", async () => {
  await assert.rejects(
    () => showFrame(pl.DataFrame({ a: [1] })),
    /Cannot display a table: Deno\.jupyter exists only inside the Deno Jupyter kernel/,
  );
});
