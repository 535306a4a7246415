import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { tableHtml, tableSortScriptTag } from "../../lib/html/mod.ts";

Deno.test("tableHtml() escapes every cell, header and caption", () => {
  const out = String(tableHtml(
    [{ "<th>": "<script>alert(1)</script>", b: "<img src=x onerror=alert(1)>" }],
    { caption: "</caption><script>x()</script>" },
  ));
  assert.ok(!/<script|<img|<th>/i.test(out.replace(/<th scope/g, "")), out);
  assert.ok(out.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(out.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(out.includes("<caption>&lt;/caption&gt;&lt;script&gt;x()&lt;/script&gt;</caption>"));
});

Deno.test("tableHtml() infers formats from names and values", () => {
  const frame = pl.DataFrame({
    tier: ["Basic", "Pro"],
    users: [12000, 340],
    conversion_pct: [12.5, 31.25],
    share: [0.25, 0.5],
    weight_kg: [1.5, 1234.567],
  });
  const out = String(tableHtml(frame));
  for (const text of ["12,000", "12.5%", "31.3%", "25.0%", "1,234.57", "1.50"]) {
    assert.ok(out.includes(`>${text}</td>`), `missing ${text}`);
  }
  // Numeric cells are right-aligned and carry the raw value for sorting.
  assert.ok(out.includes('<td class="num" data-sort="12000">12,000</td>'));
});

Deno.test("tableHtml() follows columns, labels and formats options", () => {
  const out = String(tableHtml([{ a: 1, b: 0.123, c: "x" }], {
    columns: ["b", { key: "a", label: "Alpha" }],
    formats: { b: "share:0" },
  }));
  assert.ok(out.indexOf(">b</button>") < out.indexOf(">Alpha</button>"));
  assert.ok(!out.includes(">c<"), "column c should be left out");
  assert.ok(out.includes(">12%</td>"));
});

Deno.test("tableHtml() shows nulls as a dash that sorts last", () => {
  const out = String(tableHtml([{ n: null, s: null }, { n: 2, s: "x" }]));
  assert.ok(out.includes('<td class="num" data-sort=""><span class="tl-null">—</span></td>'));
  assert.ok(out.includes('<td data-sort=""><span class="tl-null">—</span></td>'));
});

Deno.test("tableHtml() dates sort by time and show as YYYY-MM-DD", () => {
  const out = String(tableHtml([{ day: new Date("2026-03-02T00:00:00Z") }]));
  assert.ok(out.includes(`data-sort="${Date.UTC(2026, 2, 2)}">2026-03-02</td>`));
});

Deno.test("tableHtml() marks sortable tables and can turn sorting off", () => {
  assert.ok(String(tableHtml([{ a: 1 }])).includes("data-tl-sortable"));
  const plain = String(tableHtml([{ a: 1 }], { sortable: false }));
  assert.ok(!plain.includes("data-tl-sortable") && !plain.includes("<button"));
  assert.ok(String(tableSortScriptTag()).startsWith("<script>"));
});

Deno.test("tableHtml() refuses big inputs, unknown columns and unsafe ids", () => {
  const rows = Array.from({ length: 11 }, (_, i) => ({ i }));
  assert.throws(() => tableHtml(rows, { maxRows: 10 }), /11 rows exceed maxRows 10/);
  assert.throws(
    () => tableHtml(pl.DataFrame({ a: [1] }), { columns: ["zz"] }),
    /column "zz" is not in the frame/,
  );
  assert.throws(() => tableHtml(rows, { id: 'x" onclick="y' }), TypeError);
});
