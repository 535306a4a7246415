/**
 * User paths as a Sankey diagram: one column of nodes per position after (or before) the
 * anchor event, links sized by users.
 *
 * @module
 */
import type { PathEdgeRow } from "../analytics/mod.ts";
import { formatNumber, formatPercent } from "../format/mod.ts";
import { type ChartInput, columnsOf, plotlyText } from "./_frame.ts";
import { baseLayout, HOVER_TEMPLATE, MUTED_FILL, seriesColor } from "./theme.ts";
import type { Figure, Layout } from "./types.ts";

/** Column names read by {@linkcode pathsSankey}; the defaults are `paths()`'s. */
export interface PathsColumns {
  /** Position of the edge's source. @default "step" */
  step: string;
  /** Source event (null: the journey begins here). @default "source" */
  source: string;
  /** Target event (null: the journey ends here). @default "target" */
  target: string;
  /** Users on the edge. @default "users" */
  users: string;
  /** Users at the node on the anchor's side. @default "node_users" */
  nodeUsers: string;
  /** `users` as % of `nodeUsers`. @default "share_pct" */
  share: string;
}

/** Options for {@linkcode pathsSankey}. */
export interface PathsSankeyOptions {
  /** Title stating the finding. @default "User paths" */
  title?: string;
  /** Line under the title. @default "Users moving between events; link width = users" */
  subtitle?: string;
  /**
   * Draw only the rows whose `column` equals `value` (a Sankey shows one group), e.g.
   * `{ column: "tier", value: "Basic" }`.
   * @default every row
   */
  only?: { column: string; value: string } | null;
  /** Label of the node where journeys end (or begin, before an end event). @default "(end)" / "(start)" */
  endLabel?: string;
  /** Column name overrides. @default see {@linkcode PathsColumns} */
  columns?: Partial<PathsColumns>;
  /** Height in pixels. @default 480 */
  height?: number;
}

const DEFAULT_COLUMNS = {
  step: "step",
  source: "source",
  target: "target",
  users: "users",
  nodeUsers: "node_users",
  share: "share_pct",
} as const satisfies PathsColumns & Record<string, keyof PathEdgeRow>;

/**
 * Sankey diagram of `paths()` edges: one node per (position, event), links from position
 * `step` to `step + 1` with width = users; a null target (the journey ends) goes to a grey
 * "(end)" node, a null source (the journey begins, before an end event) comes from a grey
 * "(start)" node. Node labels carry the position ("search · 1"); hover gives users, the node's
 * users and the share. Events keep one colour across positions.
 *
 * Input: one row per edge with the columns in {@linkcode PathsColumns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathsSankey } from "./paths.ts";
 *
 * const fig = pathsSankey([
 *   { step: 0, source: "session_start", target: "search", users: 60, node_users: 100, share_pct: 60 },
 *   { step: 0, source: "session_start", target: null, users: 40, node_users: 100, share_pct: 40 },
 * ]);
 * const trace = fig.data[0]!;
 * assert.deepEqual((trace.node as { label: string[] }).label, ["session_start", "search · 1", "(end) · 1"]);
 * assert.deepEqual((trace.link as { value: number[] }).value, [60, 40]);
 * ```
 */
export function pathsSankey(frame: ChartInput, options: PathsSankeyOptions = {}): Figure {
  const cols = { ...DEFAULT_COLUMNS, ...options.columns };
  const c = columnsOf(frame, "paths Sankey");
  const steps = c.numbers(cols.step);
  const sources = c.values(cols.source);
  const targets = c.values(cols.target);
  const users = c.numbers(cols.users);
  const nodeUsers = c.numbers(cols.nodeUsers);
  const shares = c.numbers(cols.share);
  const keep = options.only
    ? c.labels(options.only.column).map((v) => v === options.only!.value)
    : new Array<boolean>(c.height).fill(true);
  const backward = steps.some((s, i) => keep[i] && s !== null && s < 0);
  const endLabel = options.endLabel ?? (backward ? "(start)" : "(end)");

  const nodeIndex = new Map<string, number>();
  const labels: string[] = [];
  const colors: string[] = [];
  const eventColor = new Map<string, string>();
  const node = (position: number, event: unknown): number => {
    const name = event === null || event === undefined ? null : String(event);
    const key = `${position}\u0000${name ?? ""}\u0000${name === null ? "end" : "event"}`;
    const found = nodeIndex.get(key);
    if (found !== undefined) return found;
    const index = labels.length;
    nodeIndex.set(key, index);
    const shown = plotlyText(name ?? endLabel);
    labels.push(position === 0 ? shown : `${shown} · ${position}`);
    if (name === null) colors.push(MUTED_FILL);
    else {
      if (!eventColor.has(name)) eventColor.set(name, seriesColor(eventColor.size));
      colors.push(eventColor.get(name)!);
    }
    return index;
  };
  const source: number[] = [];
  const target: number[] = [];
  const value: number[] = [];
  const hover: string[] = [];
  // Anchor first, then positions outward, so node order follows the reading order.
  const order = [...Array(c.height).keys()].filter((i) => keep[i] && steps[i] !== null)
    .sort((a, b) => Math.abs(steps[a]!) - Math.abs(steps[b]!));
  for (const i of order) {
    const step = steps[i]!;
    const from = node(step, sources[i]);
    const to = node(step + 1, targets[i]);
    source.push(from);
    target.push(to);
    value.push(users[i] ?? 0);
    const fromName = sources[i] === null ? endLabel : String(sources[i]);
    const toName = targets[i] === null ? endLabel : String(targets[i]);
    hover.push(
      [
        `<b>${plotlyText(fromName)}</b> → <b>${plotlyText(toName)}</b>`,
        `${_count(users[i] ?? null)} of ${_count(nodeUsers[i] ?? null)} users (${
          shares[i] === null ? "n/a" : formatPercent(shares[i]!, 1)
        })`,
      ].join("<br>"),
    );
  }
  const layout: Layout = {
    ...baseLayout({
      title: options.title ?? "User paths",
      subtitle: options.subtitle ?? "Users moving between events; link width = users",
      height: options.height ?? 480,
    }),
  };
  return {
    data: [{
      type: "sankey",
      arrangement: "snap",
      node: {
        label: labels,
        color: colors,
        pad: 14,
        thickness: 16,
        line: { width: 0 },
        hovertemplate: "%{label}: %{value:,} users<extra></extra>",
      },
      link: {
        source,
        target,
        value,
        color: "rgba(128, 128, 128, 0.3)",
        customdata: hover,
        hovertemplate: HOVER_TEMPLATE,
      },
    }],
    layout,
  };
}

function _count(n: number | null): string {
  return n === null ? "n/a" : formatNumber(n);
}
