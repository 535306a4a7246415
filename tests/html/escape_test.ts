import assert from "node:assert/strict";
import { escapeHtml, html, raw, RawHtml } from "../../lib/html/mod.ts";

Deno.test("escapeHtml() makes markup and attribute breakouts inert", async (t) => {
  const cases: [unknown, string][] = [
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ['" onmouseover="x', "&quot; onmouseover=&quot;x"],
    ["it's & co", "it&#39;s &amp; co"],
    [null, ""],
    [undefined, ""],
    [42, "42"],
  ];
  for (const [input, expected] of cases) {
    await t.step(String(input), () => assert.equal(escapeHtml(input), expected));
  }
});

Deno.test("html`` escapes interpolations but keeps raw() and nested html``", () => {
  const evil = "<img src=x onerror=alert(1)>";
  const inner = html`<b>${evil}</b>`;
  const out = html`<p title="${evil}">${evil}${inner}${raw("<hr>")}</p>`;
  assert.ok(out instanceof RawHtml);
  assert.equal(
    out.value,
    '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;' +
      "<b>&lt;img src=x onerror=alert(1)&gt;</b><hr></p>",
  );
});

Deno.test("html`` joins arrays and drops null, undefined and false", () => {
  const items = ["a<", "b"].map((x) => html`<li>${x}</li>`);
  const out = html`<ul>${items}${null}${undefined}${false}${0}</ul>`;
  assert.equal(String(out), "<ul><li>a&lt;</li><li>b</li>0</ul>");
});
