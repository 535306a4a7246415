import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { HOVER_TEMPLATE, MUTED_FILL, PALETTE, pathsSankey } from "../../lib/charts/mod.ts";

interface SankeyTrace {
  type: string;
  node: { label: string[]; color: string[] };
  link: { source: number[]; target: number[]; value: number[]; customdata: string[] };
  hovertemplate?: string;
}

function edgesFrame(): pl.DataFrame {
  return pl.DataFrame({
    tier: ["Basic", "Basic", "Basic", "Basic", "Pro"],
    step: [0, 0, 0, 1, 0],
    source: ["session_start", "session_start", "session_start", "search", "session_start"],
    target: ["search", "view_listing", null, "view_listing", "start_listing"],
    users: [60, 30, 10, 45, 20],
    node_users: [100, 100, 100, 60, 20],
    share_pct: [60, 30, 10, 75, 100],
  });
}

Deno.test("pathsSankey() one node per (position, event), links sized by users", () => {
  const fig = pathsSankey(edgesFrame(), { only: { column: "tier", value: "Basic" } });
  const trace = fig.data[0] as unknown as SankeyTrace;
  assert.equal(trace.type, "sankey");
  assert.deepEqual(trace.node.label, [
    "session_start",
    "search · 1",
    "view_listing · 1",
    "(end) · 1",
    "view_listing · 2",
  ]);
  assert.deepEqual(trace.link.source, [0, 0, 0, 1]);
  assert.deepEqual(trace.link.target, [1, 2, 3, 4]);
  assert.deepEqual(trace.link.value, [60, 30, 10, 45]);
});

Deno.test("pathsSankey() colours an event the same at every position; the end node grey", () => {
  const fig = pathsSankey(edgesFrame(), { only: { column: "tier", value: "Basic" } });
  const { color } = (fig.data[0] as unknown as SankeyTrace).node;
  assert.equal(color[0], PALETTE[0]);
  assert.equal(color[2], color[4], "view_listing at positions 1 and 2");
  assert.equal(color[3], MUTED_FILL);
});

Deno.test("pathsSankey() hover gives users, the node's users and the share", () => {
  const fig = pathsSankey(edgesFrame(), { only: { column: "tier", value: "Basic" } });
  const link = (fig.data[0] as unknown as SankeyTrace).link as SankeyTrace["link"] & {
    hovertemplate: string;
  };
  assert.equal(link.hovertemplate, HOVER_TEMPLATE);
  assert.equal(link.customdata[3], "<b>search</b> → <b>view_listing</b><br>45 of 60 users (75.0%)");
  assert.match(link.customdata[2]!, /→ <b>\(end\)<\/b>/);
});

Deno.test("pathsSankey() before an end event: a (start) node, negative positions", () => {
  const fig = pathsSankey([
    {
      step: -1,
      source: "search",
      target: "start_listing",
      users: 5,
      node_users: 8,
      share_pct: 62.5,
    },
    { step: -1, source: null, target: "start_listing", users: 3, node_users: 8, share_pct: 37.5 },
  ]);
  const trace = fig.data[0] as unknown as SankeyTrace;
  assert.deepEqual(trace.node.label, ["search · -1", "start_listing", "(start) · -1"]);
  assert.deepEqual(trace.link.target, [1, 1]);
});

Deno.test("pathsSankey() escapes data strings and names a missing column", () => {
  const fig = pathsSankey([
    { step: 0, source: "<b>x</b>", target: "a&b", users: 1, node_users: 1, share_pct: 100 },
  ], { title: "<script>" });
  const trace = fig.data[0] as unknown as SankeyTrace;
  assert.deepEqual(trace.node.label, ["&lt;b&gt;x&lt;/b&gt;", "a&amp;b · 1"]);
  assert.equal((fig.layout.title as { text: string }).text, "&lt;script&gt;");
  assert.throws(() => pathsSankey([{ step: 0 }]), /paths Sankey: column "source" is missing/);
});
