/**
 * The lineage graph (sources → staging → marts) as Graphviz DOT, laid out and drawn to SVG
 * at build time by Graphviz compiled to WebAssembly (`@viz-js/viz`), so the page needs no
 * script to show it. Every node links to its section of the page.
 *
 * @module
 */
import { instance as vizInstance, type Viz } from "@viz-js/viz";
import type { DocsCatalog } from "./catalog.ts";

/** The page anchor of a model's section: `model-<name>`. */
export function modelAnchor(name: string): string {
  return `model-${_slug(name)}`;
}

/** The page anchor of a source table's section: `source-<source>-<table>`. */
export function sourceAnchor(key: string): string {
  return `source-${_slug(key)}`;
}

/** The SVG element id of a model's or source's node: `node-<anchor>`. */
export function nodeId(anchor: string): string {
  return `node-${anchor}`;
}

/**
 * The lineage of a catalog as DOT: one node per source table and model, clustered by
 * layer (sources, then each schema in build order), an edge from each input to its reader.
 * Node `URL`s point at the page anchors; `class` carries the layer for CSS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectDocs } from "./catalog.ts";
 *
 * const dot = lineageDot(await collectDocs({ modelsDir: "sql" }));
 * assert.ok(dot.startsWith('digraph lineage {\n  graph [rankdir="LR", '));
 * assert.ok(dot.includes('  "stg_events" -> "fct_events";\n'));
 * ```
 */
export function lineageDot(catalog: DocsCatalog): string {
  const lines = [
    "digraph lineage {",
    '  graph [rankdir="LR", bgcolor="transparent", fontname="Helvetica", fontsize="12", ' +
    'nodesep="0.18", ranksep="0.6"];',
    '  node [shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11", ' +
    'height="0.3", margin="0.12,0.04"];',
    '  edge [arrowsize="0.6"];',
  ];
  const sourceNode = (key: string) => `source:${key}`;
  if (catalog.sources.length > 0) {
    lines.push(`  subgraph "cluster_sources" {`);
    lines.push(`    label="sources"; class="tl-cluster";`);
    for (const source of catalog.sources) {
      const anchor = sourceAnchor(source.key);
      lines.push(
        `    ${_dot(sourceNode(source.key))} [label=${_dot(source.key)}, URL=${
          _dot(`#${anchor}`)
        }, id=${_dot(nodeId(anchor))}, class="tl-node tl-layer-source", tooltip=${
          _dot(`source ${source.key}`)
        }];`,
      );
    }
    lines.push("  }");
  }
  const schemas = [...new Set(catalog.models.map((model) => model.schema))];
  for (const schema of schemas) {
    lines.push(`  subgraph ${_dot(`cluster_${schema}`)} {`);
    lines.push(`    label=${_dot(schema)}; class="tl-cluster";`);
    for (const model of catalog.models.filter((m) => m.schema === schema)) {
      const anchor = modelAnchor(model.name);
      lines.push(
        `    ${_dot(model.name)} [URL=${_dot(`#${anchor}`)}, id=${_dot(nodeId(anchor))}, class=${
          _dot(`tl-node tl-layer-${_slug(schema)}`)
        }, tooltip=${_dot(`${schema}.${model.name} (${model.materialized})`)}];`,
      );
    }
    lines.push("  }");
  }
  for (const model of catalog.models) {
    for (const key of model.sources) {
      lines.push(`  ${_dot(sourceNode(key))} -> ${_dot(model.name)};`);
    }
    for (const parent of model.parents) lines.push(`  ${_dot(parent)} -> ${_dot(model.name)};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

let _viz: Promise<Viz> | undefined;

/**
 * Lay out and draw DOT with Graphviz (WebAssembly) and return the `<svg>` element as
 * markup for inlining in HTML: no XML prolog, doctype or comments, no fixed size (the
 * `viewBox` scales it), labelled by the page's `#tl-lineage-title`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const svg = await renderLineageSvg('digraph lineage { "stg_users" -> "dim_users"; }');
 * assert.ok(svg.startsWith("<svg"));
 * assert.ok(svg.includes(">dim_users</text>"));
 * await assert.rejects(renderLineageSvg("digraph {"), /Cannot draw the lineage graph/);
 * ```
 */
export async function renderLineageSvg(dot: string): Promise<string> {
  _viz ??= vizInstance();
  const viz = await _viz;
  const result = viz.render(dot, { format: "svg", engine: "dot" });
  if (result.status !== "success") {
    const errors = result.errors.map((error) => error.message.trim()).join("; ");
    throw new SyntaxError(`Cannot draw the lineage graph: Graphviz says ${errors || "failure"}`);
  }
  const svg = result.output;
  const start = svg.indexOf("<svg");
  if (start < 0) throw new SyntaxError("Cannot draw the lineage graph: Graphviz gave no <svg>");
  return svg.slice(start)
    .replace(/<!--[\s\S]*?-->\n?/g, "")
    .replace(
      /^<svg width="[^"]*" height="[^"]*"/,
      '<svg aria-labelledby="tl-lineage-title" class="tl-lineage-svg"',
    )
    .trim();
}

/** A DOT double-quoted string: backslashes and quotes escaped, line breaks as spaces. */
function _dot(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]+/g, " ")}"`;
}

/** Letters, digits, `_` and `-` only, so an anchor needs no escaping anywhere. */
function _slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "-");
}
