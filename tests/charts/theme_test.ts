import assert from "node:assert/strict";
import {
  axis,
  baseLayout,
  colorMap,
  OKABE_ITO,
  PALETTE,
  seriesColor,
} from "../../lib/charts/mod.ts";

Deno.test("PALETTE holds only Okabe-Ito colours, without black", () => {
  const okabe = new Set<string>(Object.values(OKABE_ITO));
  for (const c of PALETTE) assert.ok(okabe.has(c), c);
  assert.ok(!PALETTE.includes(OKABE_ITO.black));
  assert.equal(seriesColor(PALETTE.length), PALETTE[0]);
});

Deno.test("colorMap() hands out palette colours in order with overrides", () => {
  const map = colorMap(["a", "b", "c"], { b: "#000001" });
  assert.deepEqual([...map.values()], [PALETTE[0], "#000001", PALETTE[2]]);
});

Deno.test("baseLayout() is transparent, titled and escapes title text", () => {
  const layout = baseLayout({ title: "A < B & C", subtitle: "n = 10" });
  assert.equal(layout.paper_bgcolor, "rgba(0,0,0,0)");
  assert.equal(layout.plot_bgcolor, "rgba(0,0,0,0)");
  const title = layout.title as { text: string; subtitle: { text: string } };
  assert.equal(title.text, "A &lt; B &amp; C");
  assert.equal(title.subtitle.text, "n = 10");
  assert.deepEqual((axis("Users (%)").title as { text: string }).text, "Users (%)");
});
