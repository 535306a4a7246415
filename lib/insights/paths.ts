/**
 * Where users go next: the most frequent events right after (or before) the anchor of
 * `paths()`, per group, in one sentence computed from the edges.
 *
 * @module
 */
import {
  keyColumnOf,
  type MetricInput,
  metricRows,
  type PathEdgeRow,
  PATHS_COLUMNS,
  wilsonInterval,
} from "../analytics/mod.ts";
import { formatCount, formatInterval, formatPercent } from "../format/mod.ts";
import { listPhrase } from "./types.ts";
import type { Insight } from "./types.ts";

/** What {@linkcode pathsInsight} reads. */
export interface PathsInput {
  /** `paths()`'s result (frame or rows), with or without a breakdown column. */
  paths: MetricInput<PathEdgeRow & Record<string, unknown>>;
  /**
   * The breakdown column.
   * @default the first column that is not one of `PATHS_COLUMNS`, if any
   */
  breakdown?: string | null;
  /** Groups to describe, in this order (e.g. `["Basic", "Pro"]`). @default every group, largest first */
  groups?: readonly string[];
  /** How many next events to name per group. @default 3 */
  top?: number;
  /**
   * An event whose share of next steps is compared across the groups, with its 95% Wilson
   * interval (e.g. `"start_listing"`).
   * @default none
   */
  compare?: string | null;
  /** Word for the groups' members. @default "users" */
  noun?: string;
}

/** One group's next events, as quoted. */
export interface PathsGroup {
  /** Breakdown value, or null without a breakdown. */
  name: string | null;
  /** Users at the anchor (the denominator). */
  users: number;
  /** Next events (previous, before an end event), most users first; null is the journey's end. */
  next: { event: string | null; users: number; share_pct: number }[];
}

/** The finding: where each group goes after the anchor. */
export interface PathsInsight extends Insight {
  /** The anchor event (the source of the first edges, or their target before an end). */
  anchor: string | null;
  /** Per group, largest first (or in the order asked). */
  groups: PathsGroup[];
}

/**
 * The events users most often do right after the anchor (position 0 → 1 of `paths()` with a
 * `start`; for an `end`, right before it: position −1 → 0), per breakdown group: each with
 * its share of the group's users at the anchor and the denominator, and the share whose
 * journey ends there. With `compare`, that event's share is set side by side across the
 * groups with 95% Wilson intervals. Nothing is typed in: the events and their order come from
 * the numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathsInsight } from "./paths.ts";
 *
 * const insight = pathsInsight({
 *   paths: [
 *     { tier: "Basic", step: 0, source: "session_start", target: "search", users: 60, node_users: 100, share_pct: 60 },
 *     { tier: "Basic", step: 0, source: "session_start", target: null, users: 40, node_users: 100, share_pct: 40 },
 *   ],
 *   top: 1,
 * });
 * assert.equal(
 *   insight.sentence,
 *   "After session_start, Basic users most often go on to search (60.0% of 100 users); 40.0% end their journey there.",
 * );
 * ```
 */
export function pathsInsight(input: PathsInput): PathsInsight {
  const rows = metricRows<PathEdgeRow & Record<string, unknown>>(input.paths);
  const breakdown = input.breakdown === undefined
    ? keyColumnOf(input.paths, PATHS_COLUMNS)
    : input.breakdown;
  const top = input.top ?? 3;
  if (!Number.isInteger(top) || top < 1) {
    throw new RangeError(`Invalid paths insight option "top": expected a positive integer`);
  }
  const noun = input.noun ?? "users";
  const backward = rows.some((r) => r.step < 0);
  const first = rows.filter((r) => r.step === (backward ? -1 : 0));
  const anchorOf = (r: PathEdgeRow) => (backward ? r.target : r.source);
  const neighbourOf = (r: PathEdgeRow) => (backward ? r.source : r.target);
  const anchor = first.map(anchorOf).find((a) => a !== null) ?? null;
  const groupOf = (r: Record<string, unknown>) =>
    breakdown
      ? (r[breakdown] === null || r[breakdown] === undefined ? null : String(r[breakdown]))
      : null;

  const byGroup = new Map<string | null, PathsGroup>();
  for (const r of first) {
    const name = groupOf(r);
    const group = byGroup.get(name) ?? { name, users: r.node_users, next: [] };
    group.next.push({ event: neighbourOf(r), users: r.users, share_pct: r.share_pct });
    byGroup.set(name, group);
  }
  for (const g of byGroup.values()) {
    g.next.sort((a, b) => b.users - a.users || String(a.event).localeCompare(String(b.event)));
  }
  const groups = input.groups
    ? input.groups.map((name) => byGroup.get(name)).filter((g): g is PathsGroup => !!g)
    : [...byGroup.values()].sort((a, b) => b.users - a.users);

  if (anchor === null || groups.length === 0) {
    return {
      title: "No paths to describe",
      sentence: "No journey reached the anchor event, so there are no paths to describe.",
      anchor,
      groups: [],
    };
  }
  const who = (g: PathsGroup) => (g.name === null ? noun : `${g.name} ${noun}`);
  const verb = backward ? "come from" : "go on to";
  const clauses = groups.map((g, i) => {
    const named = g.next.filter((n) => n.event !== null).slice(0, top);
    const ended = g.next.find((n) => n.event === null);
    const parts = named.map((n, j) =>
      j === 0
        ? `${n.event} (${formatPercent(n.share_pct)} of ${formatCount(g.users)} ${noun})`
        : `${n.event} (${formatPercent(n.share_pct)})`
    );
    let text = named.length === 0
      ? `${who(g)} (${formatCount(g.users)}) all ${backward ? "begin" : "end"} their journey there`
      : `${who(g)} most often ${verb} ${parts[0]}${
        parts.length > 1 ? `, then ${listPhrase(parts.slice(1))}` : ""
      }`;
    if (ended && named.length > 0) {
      text += `; ${formatPercent(ended.share_pct)} ${
        backward ? "begin their journey with it" : "end their journey there"
      }`;
    }
    return i === 0 ? `${backward ? "Before" : "After"} ${anchor}, ${text}` : text;
  });
  let sentence = `${clauses.join(". ")}.`;
  if (input.compare) {
    const shares = groups.map((g) => {
      const hit = g.next.find((n) => n.event === input.compare);
      const users = hit?.users ?? 0;
      const ci = wilsonInterval(users, g.users);
      return `${formatPercent(g.users > 0 ? (users / g.users) * 100 : 0)} of ${who(g)} (95% CI ${
        formatInterval(ci.low * 100, ci.high * 100, { unit: "%" })
      }; ${formatCount(users)} of ${formatCount(g.users)})`;
    });
    sentence += ` ${input.compare} comes ${backward ? "right before" : "next"} for ${
      listPhrase(shares)
    }.`;
  }
  const lead = groups[0]!;
  const leadNext = lead.next.find((n) => n.event !== null);
  return {
    title: leadNext
      ? `${backward ? "Before" : "After"} ${anchor}, ${
        who(lead)
      } most often ${verb} ${leadNext.event}`
      : `${who(lead)} stop at ${anchor}`,
    sentence,
    anchor,
    groups,
  };
}
