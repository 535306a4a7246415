import assert from "node:assert/strict";
import { cspHash } from "../../lib/html/mod.ts";
import {
  buildDocsPage,
  collectDocs,
  type DocsCatalog,
  lineageDot,
  modelAnchor,
  nodeId,
  prose,
  renderLineageSvg,
  sourceAnchor,
} from "../../lib/docs/mod.ts";
import { PLANTED_IMG, PLANTED_SCRIPT, writeDocsProject } from "./_project.ts";

const dir = await writeDocsProject();
const catalog = await collectDocs({
  modelsDir: dir,
  now: () => new Date("2026-03-01T12:00:00Z"),
});
await Deno.remove(dir, { recursive: true });
// A test message is data too (e.g. a database error quoting a value).
catalog.models[0]!.tests[0]!.message = `failed near ${PLANTED_SCRIPT}`;
const svg = await renderLineageSvg(lineageDot(catalog));
const page = buildDocsPage(catalog, { lineageSvg: svg });
// Graphviz writes "-" in attribute values as "&#45;"; the browser reads both the same.
const svgText = svg.replaceAll("&#45;", "-");

/** Names of the attributes of every opening tag in `text`. */
function attributeNames(text: string): string[] {
  return (text.match(/<[a-zA-Z][^>]*>/g) ?? []).flatMap((tag) =>
    [...tag.matchAll(/\s([^\s=>"']+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/g)].map((m) => m[1]!)
  );
}

Deno.test("buildDocsPage(): every model and source has a section, a nav link and a graph node", () => {
  const anchors = [
    ...catalog.sources.map((source) => sourceAnchor(source.key)),
    ...catalog.models.map((model) => modelAnchor(model.name)),
  ];
  assert.deepEqual(anchors, ["source-raw-things", "model-stg_things", "model-mart_kinds"]);
  for (const anchor of anchors) {
    assert.equal(page.split(`<section id="${anchor}"`).length - 1, 1, `section #${anchor}`);
    assert.ok(page.includes(`<li data-tl-nav="${anchor}"><a href="#${anchor}">`), `nav ${anchor}`);
    const node = new RegExp(
      `<g id="${nodeId(anchor)}" class="node tl-node [^"]*">\\s*` +
        `<title>[^<]*</title>\\s*<g id="[^"]*"><a xlink:href="#${anchor}"`,
    );
    assert.match(svgText, node, `graph node for ${anchor}`);
  }
  assert.equal(new Set(svgText.match(/ id="[^"]+"/g)).size, (svgText.match(/ id="/g) ?? []).length);
  assert.equal((svg.match(/class="node /g) ?? []).length, anchors.length);
  assert.equal((svg.match(/class="edge"/g) ?? []).length, 2, "raw.things → stg → mart");
});

Deno.test("buildDocsPage(): every data string is escaped", async (t) => {
  await t.step("planted markup shows as text in descriptions, sources and test messages", () => {
    assert.ok(!page.includes(PLANTED_SCRIPT));
    assert.ok(!page.includes(PLANTED_IMG));
    assert.ok(page.includes("Things, one per id. &lt;script&gt;alert(&quot;planted&quot;)"));
    assert.ok(
      page.includes("Things as delivered &lt;img src=x onerror=&quot;alert(&#39;img&#39;)"),
    );
    assert.ok(page.includes("failed near &lt;script&gt;"));
  });
  await t.step("the one script element is the search script; no tag has an event handler", () => {
    assert.equal((page.match(/<script\b/g) ?? []).length, 1);
    const names = attributeNames(page);
    assert.ok(names.includes("data-tl-search"), "attribute parsing found nothing");
    assert.deepEqual(names.filter((name) => /^on/i.test(name)), []);
  });
  await t.step("no inline style attribute (the CSP would block it)", () => {
    assert.deepEqual(attributeNames(page).filter((name) => name.toLowerCase() === "style"), []);
  });
  await t.step("`code` spans in descriptions become <code>, and only that", () => {
    assert.ok(page.includes("Thing id, <code>T</code> + digits."));
    assert.equal(prose("`a` <b>`c`").value, "<code>a</code> &lt;b&gt;<code>c</code>");
  });
});

Deno.test("buildDocsPage(): a strict CSP allows exactly the inline script and style by hash", () => {
  const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
  assert.ok(csp, "no CSP meta");
  const script = page.match(/<script>([\s\S]*?)<\/script>/)?.[1];
  const style = page.match(/<style>([\s\S]*?)<\/style>/)?.[1];
  assert.ok(script && style);
  assert.deepEqual(csp.split("; "), [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(style)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ]);
  assert.ok(!page.includes("unsafe-inline"));
  assert.ok(!/\b(?:src|href)="(?:https?:)?\/\//.test(page), "no URL to fetch");
});

Deno.test("buildDocsPage(): says what it did not read, and works without a graph", () => {
  assert.match(page, /No warehouse read \(no warehouse given\): column types come from the YAML/);
  assert.match(page, /<span class="tl-origin">\(YAML\)<\/span>/);
  assert.match(page, /unknown \(no warehouse read\)/);
  const bare = buildDocsPage(catalog);
  assert.match(bare, /The lineage graph was not drawn\./);
  assert.ok(!bare.includes("<svg"));
});

Deno.test("lineageDot(): names with quotes, backslashes and markup stay data", async () => {
  const hostile: DocsCatalog = structuredClone(catalog);
  const key = `raw.we"ird\\<script>x</script>`;
  hostile.sources[0]!.key = key;
  hostile.models[0]!.sources = [key];
  const dot = lineageDot(hostile);
  assert.ok(dot.includes(`label="raw.we\\"ird\\\\<script>x</script>"`));
  const drawn = await renderLineageSvg(dot);
  assert.ok(!drawn.includes("<script"), "markup from a name reached the SVG");
  assert.ok(drawn.includes("&lt;script&gt;"));
  assert.match(drawn, /^<svg aria-labelledby="tl-lineage-title" class="tl-lineage-svg"/);
  assert.ok(!/<\?xml|<!DOCTYPE|<!--/.test(drawn));
});
