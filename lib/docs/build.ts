/**
 * The docs page: one self-contained, offline HTML file built from a {@linkcode DocsCatalog}
 * and the lineage SVG, with no I/O. Every string from the project or the warehouse is
 * escaped; the only script is the search box, allowed by its hash in a strict CSP.
 *
 * @module
 */
import { formatNumber } from "../format/mod.ts";
import {
  escapeHtml,
  hashedContentSecurityPolicy,
  html,
  PAGE_CSS,
  raw,
  type RawHtml,
} from "../html/mod.ts";
import type { ColumnDoc, DocsCatalog, ModelDoc, SourceDoc, TestDoc } from "./catalog.ts";
import { modelAnchor, sourceAnchor } from "./lineage.ts";

/** Options for {@linkcode buildDocsPage}. */
export interface BuildDocsPageOptions {
  /**
   * The lineage graph as inline `<svg>` markup (from `renderLineageSvg`); trusted.
   * @default {no graph; the page says so}
   */
  lineageSvg?: string;
}

/** The search script: filters models, sources and column rows; dims graph nodes. */
export const DOCS_SEARCH_SCRIPT = `(() => {
  const input = document.getElementById("tl-search");
  const count = document.getElementById("tl-search-count");
  const sections = Array.from(document.querySelectorAll("section[data-tl-item]"));
  const navItems = new Map();
  for (const li of document.querySelectorAll("li[data-tl-nav]")) {
    navItems.set(li.getAttribute("data-tl-nav"), li);
  }
  const textOf = (el) => (el.getAttribute("data-tl-search") || "").toLowerCase();
  function apply() {
    const terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    const matches = (text) => terms.every((term) => text.includes(term));
    let shown = 0;
    for (const section of sections) {
      const own = terms.length === 0 || matches(textOf(section));
      let rows = 0;
      for (const row of section.querySelectorAll("tr[data-tl-search]")) {
        const hit = own || matches(textOf(row));
        row.hidden = !hit;
        if (hit) rows += 1;
      }
      const visible = own || rows > 0;
      section.hidden = !visible;
      if (visible) shown += 1;
      const li = navItems.get(section.id);
      if (li) li.hidden = !visible;
      const node = document.getElementById("node-" + section.id);
      if (node) node.classList.toggle("tl-dim", !visible);
    }
    for (const group of document.querySelectorAll("[data-tl-group]")) {
      group.hidden = !group.querySelector("li[data-tl-nav]:not([hidden])");
    }
    count.textContent = terms.length === 0
      ? sections.length + " models and sources"
      : shown + " of " + sections.length + " match";
  }
  function reveal() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (target && target.closest("[hidden]")) {
      input.value = "";
      apply();
      target.scrollIntoView();
    }
  }
  input.addEventListener("input", apply);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      input.value = "";
      apply();
    }
  });
  window.addEventListener("hashchange", reveal);
  apply();
})();
`;

/** Docs page CSS, added after the report's page CSS. */
export const DOCS_CSS = `
body { max-width: 100rem; }
.tl-docs { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 2rem; align-items: start; }
.tl-docs-nav { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 1rem 0; font-size: 0.92rem; }
.tl-docs-nav h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--tl-muted); border: 0; margin: 1.2em 0 0.3em; }
.tl-docs-nav ul { list-style: none; margin: 0; padding: 0; }
.tl-docs-nav li { margin: 0.1rem 0; overflow-wrap: anywhere; }
.tl-docs-nav label { font-weight: 600; display: block; margin-bottom: 0.3rem; }
#tl-search { width: 100%; font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--tl-border); border-radius: 6px; background: var(--tl-bg); color: var(--tl-fg); }
#tl-search-count { margin: 0.3rem 0 0; }
.tl-docs main > section { scroll-margin-top: 1rem; }
.tl-docs main > section:target { outline: 2px solid var(--tl-accent); outline-offset: 6px; border-radius: 4px; }
.tl-note { border-left: 3px solid var(--tl-border); padding-left: 0.75rem; }
.tl-problems { border-left: 3px solid #d55e00; padding-left: 0.75rem; }
.tl-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0 1rem; }
.tl-facts dt { color: var(--tl-muted); }
.tl-facts dd { margin: 0; }
.tl-badge { display: inline-block; font-size: 0.78rem; padding: 0 0.45em; border-radius: 999px; border: 1px solid var(--tl-border); color: var(--tl-muted); vertical-align: middle; font-weight: 500; }
.tl-status-pass { color: #009e73; border-color: #009e73; }
.tl-status-warn { color: #b07d00; border-color: #e69f00; }
.tl-status-fail, .tl-status-error { color: #d55e00; border-color: #d55e00; }
.tl-undocumented { color: #d55e00; font-style: italic; }
.tl-origin { color: var(--tl-muted); font-size: 0.8em; }
.tl-sql { background: var(--tl-code); padding: 0.75rem; border-radius: 6px; overflow-x: auto; font-size: 0.85rem; line-height: 1.4; }
details { margin: 0.4rem 0; }
summary { cursor: pointer; }
.tl-lineage { margin: 0.5rem 0 1.5rem; overflow-x: auto; border: 1px solid var(--tl-border); border-radius: 6px; padding: 0.5rem; }
.tl-lineage-svg { display: block; width: 100%; height: auto; min-width: 56rem; }
.tl-lineage-svg .cluster polygon { fill: none; stroke: var(--tl-border); }
.tl-lineage-svg .cluster text { fill: var(--tl-muted); }
.tl-lineage-svg .edge path { stroke: var(--tl-muted); }
.tl-lineage-svg .edge polygon { fill: var(--tl-muted); stroke: var(--tl-muted); }
.tl-lineage-svg .node path, .tl-lineage-svg .node polygon { stroke: var(--tl-border); }
.tl-lineage-svg .node text { fill: #1f2328; }
.tl-lineage-svg .tl-layer-source path { fill: #e8e8e8; }
.tl-lineage-svg .tl-layer-staging path { fill: #cfe6f5; }
.tl-lineage-svg .tl-layer-marts path { fill: #fde2c4; }
.tl-lineage-svg .node a:hover path, .tl-lineage-svg .node a:focus path { stroke: var(--tl-accent); stroke-width: 2; }
.tl-lineage-svg .tl-dim { opacity: 0.2; }
@media (max-width: 60rem) { .tl-docs { grid-template-columns: 1fr; } .tl-docs-nav { position: static; max-height: none; } }
@media print { .tl-docs { display: block; } .tl-docs-nav { display: none; } details > * { display: block; } }
`;

/**
 * Build the docs page. Pure: the same catalog and SVG give the same page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectDocs } from "./catalog.ts";
 * import { lineageDot, renderLineageSvg } from "./lineage.ts";
 *
 * const catalog = await collectDocs({ modelsDir: "sql" }); // no warehouse: types from the YAML
 * const svg = await renderLineageSvg(lineageDot(catalog));
 * const page = buildDocsPage(catalog, { lineageSvg: svg }); // write it to reports/docs.html
 * assert.ok(page.startsWith("<!DOCTYPE html>"));
 * assert.ok(page.includes('id="model-fct_events"'));
 * ```
 */
export function buildDocsPage(catalog: DocsCatalog, options: BuildDocsPageOptions = {}): string {
  const css = PAGE_CSS + DOCS_CSS;
  const script = DOCS_SEARCH_SCRIPT;
  const nColumns = catalog.models.reduce((sum, model) => sum + model.columns.length, 0);
  const nTests = catalog.models.reduce((sum, model) => sum + model.tests.length, 0);
  const problems = catalog.problems.filter((problem) => problem.kind !== "not_built");
  const schemas = [...new Set(catalog.models.map((model) => model.schema))];
  const body = html`
    <header>
      <h1>${catalog.title}</h1>
      <p class="tl-muted">Generated ${catalog.generatedAt} from <code>${catalog
        .modelsDir}</code>: ${formatNumber(catalog.models.length)} models, ${formatNumber(
          catalog.sources.length,
        )} source tables, ${formatNumber(nColumns)} columns, ${formatNumber(nTests)} data tests.</p>
      <p class="tl-note" id="tl-warehouse-note">${catalog.warehouseNote}</p>
      <p class="tl-note" id="tl-run-results-note">${catalog.runResultsNote}</p>
      ${problems.length > 0 &&
        html`
          <div class="tl-problems" id="tl-problems">
            <p><strong>${formatNumber(problems.length)} gap${problems.length === 1
              ? ""
              : "s"} in the data dictionary:</strong></p>
            <ul>${problems.map((problem) => html`<li>${problem.message}</li>`)}</ul>
          </div>
        `}
    </header>
    <div class="tl-docs">
      <nav class="tl-docs-nav" aria-label="Models and sources">
        <label for="tl-search">Search models and columns</label>
        <input id="tl-search" type="search" placeholder="name, column or word" autocomplete="off" spellcheck="false">
        <p id="tl-search-count" class="tl-muted" aria-live="polite"></p>
        <p><a href="#lineage">Lineage graph</a></p>
        ${catalog.sources.length > 0 &&
          html`
            <div data-tl-group>
              <h2>sources</h2>
              <ul>${catalog.sources.map((source) =>
                html`<li data-tl-nav="${sourceAnchor(source.key)}"><a href="#${
                  sourceAnchor(source.key)
                }">${source.key}</a></li>`
              )}</ul>
            </div>
          `}
        ${schemas.map((schema) =>
          html`
            <div data-tl-group>
              <h2>${schema}</h2>
              <ul>${catalog.models.filter((model) => model.schema === schema).map((model) =>
                html`<li data-tl-nav="${modelAnchor(model.name)}"><a href="#${
                  modelAnchor(model.name)
                }">${model.name}</a></li>`
              )}</ul>
            </div>
          `
        )}
      </nav>
      <main>
        <section id="lineage">
          <h2 id="tl-lineage-title">Lineage: sources → ${schemas.join(" → ")}</h2>
          <p class="tl-muted">Laid out by Graphviz. Each box links to its section; arrows point from what a model reads to the model.</p>
          ${options.lineageSvg
            ? html`<figure class="tl-lineage">${raw(options.lineageSvg)}</figure>`
            : html`<p class="tl-note">The lineage graph was not drawn.</p>`}
        </section>
        ${catalog.sources.map((source) => _sourceSection(source))}
        ${catalog.models.map((model) => _modelSection(model, catalog.hasWarehouse))}
      </main>
    </div>
  `;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${
      hashedContentSecurityPolicy({ scripts: [script], styles: [css] })
    }">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    html`<title>${catalog.title}</title>`.value,
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    body.value,
    `<script>${script}</script>`,
    "</body>",
    "</html>",
  ].join("\n") + "\n";
}

/**
 * Description text as HTML: escaped, then `` `code` `` spans (as in the YAML) shown as code.
 * The backtick pass runs on escaped text, so it cannot produce any other markup.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(prose("`user_id` <b>").value, "<code>user_id</code> &lt;b&gt;");
 * ```
 */
export function prose(text: string): RawHtml {
  return raw(escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>"));
}

function _sourceSection(source: SourceDoc): RawHtml {
  const anchor = sourceAnchor(source.key);
  return html`
    <section id="${anchor}" class="tl-source" data-tl-item="source" data-tl-search="${[
      source.key,
      source.relation,
      source.description ?? "",
      "source",
    ].join(" ")}">
      <h2><code>${source.relation}</code> <span class="tl-badge">source</span></h2>
      ${source.description ? html`<p>${prose(source.description)}</p>` : ""}
      <dl class="tl-facts">
        <dt>Rows</dt><dd>${source.rowCount === null
          ? "unknown"
          : formatNumber(source.rowCount)}</dd>
        <dt>Read by</dt><dd>${_links(source.children)}</dd>
      </dl>
    </section>
  `;
}

function _modelSection(model: ModelDoc, hasWarehouse: boolean): RawHtml {
  const anchor = modelAnchor(model.name);
  const rows = model.rowCount !== null
    ? formatNumber(model.rowCount)
    : !hasWarehouse
    ? "unknown (no warehouse read)"
    : model.built === false
    ? "not built in the warehouse"
    : "unknown";
  const search = [
    model.name,
    `${model.schema}.${model.name}`,
    model.description ?? "",
    model.grain ?? "",
    model.materialized,
  ].join(" ");
  return html`
    <section id="${anchor}" class="tl-model" data-tl-item="model" data-tl-search="${search}">
      <h2><code>${model.schema}.${model.name}</code> <span class="tl-badge">${model
        .materialized}</span></h2>
      ${model.description
        ? html`<p class="tl-description">${prose(model.description)}</p>`
        : html`<p class="tl-undocumented">No description.</p>`}
      <dl class="tl-facts">
        <dt>Grain</dt><dd>${model.grain ?? "not stated"}</dd>
        <dt>Materialisation</dt><dd>${model.materialized}</dd>
        <dt>Rows</dt><dd class="tl-rows">${rows}</dd>
        ${model.uniqueKey.length > 0 && html`
          <dt>Key</dt>
          <dd><code>${model.uniqueKey.join(", ")}</code></dd>
        `}
        <dt>Reads</dt><dd>${_links([
          ...model.sources.map((key) => `source:${key}`),
          ...model.parents,
        ])}</dd>
        <dt>Read by</dt><dd>${_links(model.children)}</dd>
        <dt>Files</dt><dd><code>${model.path}</code>${model.yamlPath &&
          html`, <code>${model.yamlPath}</code>`}</dd>
      </dl>
      <h3>Columns (${formatNumber(model.columns.length)})</h3>
      <div class="tl-table-wrap"><table class="tl-table tl-columns">
        <thead><tr><th scope="col">column</th><th scope="col">type</th><th scope="col">description</th><th scope="col">tests</th></tr></thead>
        <tbody>${model.columns.map((column) => _columnRow(column))}</tbody>
      </table></div>
      <h3>Data tests (${formatNumber(model.tests.length)})</h3>
      ${model.tests.length === 0 ? html`<p class="tl-muted">No data tests.</p>` : html`
        <div class="tl-table-wrap">
          <table class="tl-table tl-tests">
            <thead>
              <tr>
                <th scope="col">test</th>
                <th scope="col">column</th>
                <th scope="col">severity</th>
                <th scope="col">latest status</th>
                <th scope="col" class="num">failing rows</th>
              </tr>
            </thead>
            <tbody>${model.tests.map((test) => _testRow(test))}</tbody>
          </table>
        </div>
      `}
      <h3>Compiled SQL</h3>
      <details><summary>DuckDB</summary><pre class="tl-sql"><code>${model.sql
        .duckdb}</code></pre></details>
      <details><summary>BigQuery</summary><pre class="tl-sql"><code>${model.sql
        .bigquery}</code></pre></details>
    </section>
  `;
}

function _columnRow(column: ColumnDoc): RawHtml {
  const search = [column.name, column.type ?? "", column.description ?? "", ...column.tests]
    .join(" ");
  return html`
    <tr data-tl-search="${search}">
      <td><code>${column.name}</code></td>
      <td>${column.type ??
        html`<span class="tl-muted">unknown</span>`}${column.typeFrom === "yaml" && html`
        <span class="tl-origin">(YAML)</span>
      `}</td>
      <td>${column.description === null
        ? html`<span class="tl-undocumented">undocumented</span>`
        : prose(column.description)}${column.inWarehouse === false &&
        html`
          <span class="tl-badge tl-status-fail">not in the warehouse</span>
        `}</td>
      <td>${column.tests.join(", ")}</td>
    </tr>
  `;
}

function _testRow(test: TestDoc): RawHtml {
  const status = test.status === "not run" ? "not-run" : test.status;
  return html`
    <tr>
      <td><details><summary><code>${test.name}</code></summary><pre class="tl-sql"><code>${test
        .sql}</code></pre></details>${test.message &&
        html`<div class="tl-muted">${test.message}</div>`}</td>
      <td>${test.column ?? ""}</td>
      <td>${test.severity}</td>
      <td><span class="tl-badge tl-status-${status}">${test.status}</span></td>
      <td class="num">${test.failures === null ? "" : formatNumber(test.failures)}</td>
    </tr>
  `;
}

function _links(names: readonly string[]): RawHtml {
  if (names.length === 0) return html`<span class="tl-muted">nothing</span>`;
  return html`${
    names.map((name, i) => {
      const isSource = name.startsWith("source:");
      const label = isSource ? name.slice("source:".length) : name;
      const anchor = isSource ? sourceAnchor(label) : modelAnchor(name);
      return html`${i > 0 ? ", " : ""}<a href="#${anchor}">${label}</a>`;
    })
  }`;
}
