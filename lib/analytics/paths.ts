/**
 * User paths: the most frequent next (or previous) events after (before) an anchor event,
 * per session or window, as edges between positions with user counts and shares (PostHog's
 * and Amplitude's path analysis, drawn as a Sankey diagram).
 *
 * @module
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  collect,
  type Engine,
  type FrameLike,
  int,
  int32,
  microsUtc,
  requireColumns,
  timeRangeFilter,
  toLazy,
  US_PER,
} from "./_frame.ts";
import type { ConversionWindow } from "./_funnel_core.ts";
import { windowEnd } from "./_funnel_core.ts";
import { sequence } from "./_sequence.ts";

/** The anchor of a path: an event name, or an event name with a filter on its row. */
export type PathAnchor = string | {
  /** Event name. */
  event: string;
  /** Extra condition on the event's row; null counts as false. @default none */
  filter?: Expr;
};

/** How events are grouped into sessions for {@linkcode paths}. */
export type PathSession =
  | {
    /** A column whose value identifies the session (e.g. `"session_id"`). */
    column: string;
  }
  | {
    /** A new session starts after this much inactivity (strictly more). */
    inactivity: ConversionWindow;
  };

/** Options for {@linkcode paths}. Exactly one of `start` and `end`. */
export interface PathsOptions {
  /** Follow the events after this one (its first occurrence in each session). */
  start?: PathAnchor;
  /** Follow the events before this one (its first occurrence in each session). */
  end?: PathAnchor;
  /** How many events to follow after (before) the anchor (1–50). @default 3 */
  steps?: number;
  /**
   * What a journey may not cross: a session (by a column, or by inactivity); `null` means
   * the user's whole history is one sequence.
   * @default null
   */
  session?: PathSession | null;
  /**
   * Only events within this long after the anchor (before it, for `end`) count, the end
   * inclusive; `month` is a calendar month.
   * @default null (no limit)
   */
  window?: ConversionWindow | null;
  /**
   * Merge consecutive repeats of one event within a session into one (`view, view, search`
   * becomes `view, search`), before anything else.
   * @default false
   */
  collapseRepeats?: boolean;
  /** Column to break down by; each journey takes the value of its anchor event. @default null */
  breakdown?: string | null;
  /** Leave out edges taken by fewer users than this (node counts are kept). @default 1 */
  minEdgeUsers?: number;
  /** Keep only events with `ts >= from`. @default null */
  from?: Date | null;
  /** Keep only events with `ts <= to` (inclusive). @default null */
  to?: Date | null;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/** Output columns of {@linkcode paths}, after the breakdown column when there is one. */
export const PATHS_COLUMNS = [
  "step",
  "source",
  "target",
  "users",
  "node_users",
  "share_pct",
] as const satisfies readonly (keyof PathEdgeRow)[];

/** One row of {@linkcode paths}: one edge between two positions (of one breakdown value). */
export type PathEdgeRow = {
  /**
   * Position of the edge's source: 0 is the anchor after a `start`, so edges go from `step`
   * to `step + 1`; before an `end`, the anchor is at 0 and earlier events at −1, −2, …
   */
  step: number;
  /** Event at `step`; null before an `end` when the journey begins at `step + 1`. */
  source: string | null;
  /** Event at `step + 1`; null after a `start` when the journey ends at `step` (drop-off). */
  target: string | null;
  /** Distinct users who took this edge (in at least one journey). */
  users: number;
  /**
   * Distinct users at the edge's node on the anchor's side: the source node after a `start`,
   * the target node before an `end`.
   */
  node_users: number;
  /** `users` as % of `node_users` (0–100). */
  share_pct: number;
};

/** Longest path followed. */
const MAX_STEPS = 50;

/**
 * The paths users take after a `start` event (or before an `end` event): in each session,
 * the first occurrence of the anchor begins a journey made of the next `steps` events of the
 * same session (the previous ones, for `end`), within `window` of the anchor when given.
 * Events are ordered by time, then input order. Each journey contributes its edges between
 * consecutive positions; when it stops early (the session or the window ends, or the history
 * does), it contributes a drop-off edge to a null target (for `end`: from a null source).
 *
 * Counts are of distinct users: `users` took the edge in at least one journey, `node_users`
 * were at the node on the anchor's side, and `share_pct` = users ÷ node_users, so after a
 * `start` the shares of a node's outgoing edges (drop-off included) add up to 100% when every
 * user had one journey, and can exceed it when users had several that went different ways.
 * Events with a null `user_id`, `event` or `ts` are ignored.
 *
 * Output ({@linkcode PATHS_COLUMNS}, rows typed {@linkcode PathEdgeRow}): one row per
 * (breakdown value,) edge with at least `minEdgeUsers` users, sorted by breakdown, `step`,
 * users (most first), source and target. Empty input gives an empty frame with this schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { paths } from "./paths.ts";
 *
 * const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 10, m));
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "a", "b", "b", "c"],
 *   event: ["session_start", "search", "view", "session_start", "view", "session_start"],
 *   ts: [at(0), at(1), at(2), at(0), at(1), at(0)],
 * });
 * const out = paths(events, { start: "session_start", steps: 1 });
 * assert.deepEqual(out.getColumn("target").toArray(), ["search", "view", null]);
 * assert.deepEqual(out.getColumn("users").toArray(), [1, 1, 1]);
 * ```
 */
export function paths(events: FrameLike, options: PathsOptions): DataFrame {
  const hasStart = options.start !== undefined && options.start !== null;
  const hasEnd = options.end !== undefined && options.end !== null;
  if (hasStart === hasEnd) {
    throw new RangeError(`Invalid paths option: give exactly one of "start" and "end"`);
  }
  const forward = hasStart;
  const anchor = normaliseAnchor((forward ? options.start : options.end)!, forward);
  const steps = options.steps ?? 3;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new RangeError(
      `Invalid paths option "steps": expected an integer in 1..${MAX_STEPS}, got ${steps}`,
    );
  }
  const minEdgeUsers = options.minEdgeUsers ?? 1;
  if (!Number.isInteger(minEdgeUsers) || minEdgeUsers < 1) {
    throw new RangeError(
      `Invalid paths option "minEdgeUsers": expected a positive integer, got ${minEdgeUsers}`,
    );
  }
  const session = options.session ?? null;
  const window = options.window ?? null;
  if (window) validateWindow(window, "window");
  if (session && "inactivity" in session) validateWindow(session.inactivity, "session.inactivity");
  const breakdown = options.breakdown ?? null;
  const required = ["user_id", "event", "ts"];
  if (breakdown) required.push(breakdown);
  if (session && "column" in session) required.push(session.column);
  requireColumns(events, required, "paths()");

  // Event names (and a String breakdown) travel as categorical codes (UInt32): the sort moves
  // and the edge counts group integers, not strings (at 10M events with 30-minute sessions,
  // the edge counts alone, on collected journey rows, took 1.0 s of CPU instead of 2.1). The codes are global to the process, so every
  // batch of the streaming engine agrees on them, and they cast back to the names; each
  // distinct name stays in the process's categorical registry (event names and breakdown
  // values: a few hundred strings).
  const lazy = toLazy(events);
  const codedBreakdown = breakdown !== null &&
    lazy.select(breakdown).head(0).collectSync().getColumn(breakdown).dtype.equals(pl.String);
  let base = lazy
    .withColumns(microsUtc("ts").alias("_t"))
    .withRowIndex("_i")
    .select(
      pl.col("user_id"),
      code(pl.col("event").cast(pl.Utf8)).alias("_e"),
      pl.col("_t"),
      pl.col("_i"),
      (breakdown ? (codedBreakdown ? code(pl.col(breakdown)) : pl.col(breakdown)) : pl.lit(null))
        .alias("_bd"),
      (session && "column" in session ? pl.col(session.column) : pl.lit(null).cast(pl.Utf8))
        .alias("_sc"),
      anchor.alias("_anchor"),
    )
    .filter(
      pl.col("user_id").isNotNull().and(pl.col("_t").isNotNull()).and(
        pl.col("_e").isNotNull(),
      ),
    );
  const range = timeRangeFilter(options.from, options.to);
  if (range) base = base.filter(range);

  const build = (exact: boolean) => {
    const seq = sequence(base, false, exact, ["_i"])
      .select("_uc", "_t", "_e", "_bd", "_sc", "_anchor", "_clash")
      .cache();
    let newSession = pl.col("_uc").neq(pl.col("_uc").shift(1)).fillNull(true);
    if (session && "column" in session) {
      // consecutive null session values are one session
      const changed = pl.col("_sc").neq(pl.col("_sc").shift(1))
        .fillNull(pl.col("_sc").isNull().neq(pl.col("_sc").shift(1).isNull()));
      newSession = newSession.or(changed);
    } else if (session) {
      newSession = newSession.or(
        pl.col("_t").gt(windowEnd(pl.col("_t").shift(1), session.inactivity)).fillNull(true),
      );
    }
    let rows = seq.withColumns(newSession.cumSum().alias("_sid"));
    if (options.collapseRepeats) {
      // A repeat keeps its place but takes its predecessor's row number and cannot be an
      // anchor; positions() drops it. (Filtering the repeats out first moved every column of
      // every row once more.)
      const repeat = pl.col("_sid").eq(pl.col("_sid").shift(1))
        .and(pl.col("_e").eq(pl.col("_e").shift(1)))
        .fillNull(false);
      rows = rows.withColumns(repeat.not().alias("_keep"))
        .withColumns(
          pl.col("_keep").cast(pl.Int64).cumSum().alias("_r"),
          pl.col("_anchor").and(pl.col("_keep")).alias("_anchor"),
        );
    } else {
      rows = rows.withRowIndex("_r").withColumns(pl.lit(true).alias("_keep"));
    }
    const journeys = positions(rows, forward, steps, window).cache();
    const clash = seq.select(pl.col("_clash").any().alias("_clash"));
    return edgesOf(journeys, forward, steps, minEdgeUsers, exact ? null : clash, codedBreakdown);
  };
  let out = collect(build(false), options.engine);
  if (out.getColumn("_clash").any()) out = collect(build(true), options.engine);
  out = out.drop("_clash");
  return breakdown
    ? out.rename({ _bd: breakdown }).select(breakdown, ...PATHS_COLUMNS)
    : out.select(...PATHS_COLUMNS);
}

/**
 * {@linkcode paths}' rows for all users, from rows computed for disjoint groups of users with
 * the same `options` except `minEdgeUsers: 1` (every edge kept). Counts are of distinct
 * users, and a user is in one group only, so edge and node counts add up; `minEdgeUsers`,
 * `share_pct` and the order are then applied as `paths()` applies them. The result equals
 * `paths()` on all the events at once; it is how a caller bounds memory on more events than
 * one frame should hold (the report reads the users in groups).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 10, m));
 * const events = pl.DataFrame({
 *   user_id: ["a", "a", "b", "b", "c", "c"],
 *   event: ["session_start", "search", "session_start", "search", "session_start", "view"],
 *   ts: [at(0), at(1), at(0), at(1), at(0), at(1)],
 * });
 * const options = { start: "session_start", steps: 1, minEdgeUsers: 2 };
 * const isA = pl.col("user_id").eq(pl.lit("a"));
 * const merged = mergePaths([
 *   paths(events.filter(isA), { ...options, minEdgeUsers: 1 }),
 *   paths(events.filter(isA.not()), { ...options, minEdgeUsers: 1 }),
 * ], options);
 * assert.deepEqual(merged.toRecords(), paths(events, options).toRecords());
 * assert.deepEqual(merged.getColumn("node_users").toArray(), [3]);
 * ```
 */
export function mergePaths(parts: readonly DataFrame[], options: PathsOptions): DataFrame {
  const minEdgeUsers = options.minEdgeUsers ?? 1;
  const forward = options.start !== undefined && options.start !== null;
  const breakdown = options.breakdown ?? null;
  const keys: string[] = breakdown ? [breakdown] : [];
  const node: string = forward ? "source" : "target";
  const nodeKeys: string[] = [...keys, "step", node];
  if (parts.length === 0) throw new RangeError("mergePaths(): no parts given");
  const all = pl.concat(
    parts.map((part, i) => part.lazy().withColumns(pl.lit(i).cast(pl.Int32).alias("_part"))),
    { how: "vertical" },
  );
  // Every edge of a node in one part carries that part's node count: one per part, summed.
  const nodes = all.groupBy(["_part", ...nodeKeys], false)
    .agg(pl.col("node_users").first())
    .groupBy(nodeKeys, false)
    .agg(pl.col("node_users").sum().cast(pl.Int64));
  const out = all.groupBy([...keys, "step", "source", "target"], false)
    .agg(pl.col("users").sum().cast(pl.Int64))
    .filter(pl.col("users").gtEq(minEdgeUsers))
    .join(nodes, { on: nodeKeys, how: "left", nullsEqual: true })
    .withColumns(
      pl.col("step").cast(pl.Int32),
      pl.col("users").cast(pl.Float64).div(pl.col("node_users").cast(pl.Float64)).mul(100)
        .alias("share_pct"),
    )
    .sort(
      [...keys, "step", "users", "source", "target"],
      [...keys.map(() => false), false, true, false, false],
      true,
    )
    .collectSync({ engine: "in-memory" });
  return out.select(...keys, ...PATHS_COLUMNS);
}

function normaliseAnchor(spec: PathAnchor, forward: boolean): Expr {
  const name = forward ? "start" : "end";
  const anchor = typeof spec === "string" ? { event: spec } : spec;
  if (!anchor || typeof anchor.event !== "string" || anchor.event.length === 0) {
    throw new TypeError(`Invalid paths option "${name}": no event name`);
  }
  const isEvent = pl.col("event").eq(pl.lit(anchor.event)).fillNull(false);
  return anchor.filter ? isEvent.and(anchor.filter.fillNull(false)) : isEvent;
}

/** A String column as its categorical code (see `paths()`); `decode` turns it back. */
function code(strings: Expr): Expr {
  return strings.cast(pl.Categorical).toPhysical().cast(pl.UInt32);
}

function decode(codes: Expr): Expr {
  return codes.cast(pl.Categorical).cast(pl.Utf8);
}

function validateWindow(window: ConversionWindow, name: string): void {
  if (!Number.isInteger(window.value) || window.value <= 0) {
    throw new RangeError(
      `Invalid paths option "${name}.value": expected a positive integer, got ${window.value}`,
    );
  }
  if (!(window.unit in US_PER) && window.unit !== "month") {
    throw new RangeError(`Invalid paths option "${name}.unit": ${JSON.stringify(window.unit)}`);
  }
}

/**
 * Each row's position `_p` in its session's journey (0 = the anchor), the journey's
 * breakdown `_jbd` and user `_uc`; rows outside every journey are dropped. Rows are sorted by
 * session and numbered `_r` without gaps, so a position is a difference of row numbers.
 */
function positions(
  rows: LazyDataFrame,
  forward: boolean,
  steps: number,
  window: ConversionWindow | null,
): LazyDataFrame {
  // the first anchor of each session: the running anchor count steps from 0 to 1 there
  const sessionStart = pl.col("_sid").neq(pl.col("_sid").shift(1)).fillNull(true);
  const count = pl.col("_anchor").cast(pl.Int64).cumSum();
  const before = pl.when(sessionStart).then(count.minus(pl.col("_anchor").cast(pl.Int64)))
    .otherwise(pl.lit(null).cast(pl.Int64)).forwardFill();
  const firstAnchor = pl.col("_anchor").and(count.minus(before).eq(int(1)));
  const fill = (e: Expr) => (forward ? e.forwardFill() : e.backwardFill());
  const mark = (c: string) =>
    fill(pl.when(pl.col("_first")).then(pl.col(c)).otherwise(pl.lit(null)));
  let out = rows
    .withColumns(firstAnchor.alias("_first"))
    .withColumns(
      mark("_r").alias("_ar"),
      mark("_sid").alias("_asid"),
      mark("_t").alias("_at"),
      // a fill skips nulls: carry the anchor's null-ness too, or a null breakdown value
      // would take the previous journey's
      mark("_bd").alias("_jbd"),
      fill(pl.when(pl.col("_first")).then(pl.col("_bd").isNull()).otherwise(pl.lit(null)))
        .alias("_jbd_null"),
    )
    .withColumns(
      pl.when(pl.col("_jbd_null")).then(pl.lit(null)).otherwise(pl.col("_jbd")).alias("_jbd"),
    )
    .filter(pl.col("_asid").eq(pl.col("_sid")).fillNull(false).and(pl.col("_keep")))
    // (row numbers are UInt32: subtract as Int64, or positions before the anchor wrap)
    .withColumns(
      pl.col("_r").cast(pl.Int64).minus(pl.col("_ar").cast(pl.Int64)).cast(pl.Int32).alias("_p"),
    )
    .filter(forward ? pl.col("_p").ltEq(int32(steps)) : pl.col("_p").gtEq(int32(-steps)));
  if (window) {
    out = out.filter(
      forward
        ? pl.col("_t").ltEq(windowEnd(pl.col("_at"), window))
        : windowEnd(pl.col("_t"), window).gtEq(pl.col("_at")),
    );
  }
  return out.select("_uc", "_sid", "_r", "_p", "_e", "_jbd");
}

/** Edges between consecutive positions of each journey, counted in distinct users. */
function edgesOf(
  journeys: LazyDataFrame,
  forward: boolean,
  steps: number,
  minEdgeUsers: number,
  clash: LazyDataFrame | null,
  codedBreakdown: boolean,
): LazyDataFrame {
  // The neighbour on the side away from the anchor, when it is the next position of the
  // same journey (journeys are contiguous runs of rows).
  const shift = forward ? -1 : 1;
  const neighbourOk = pl.col("_sid").shift(shift).eq(pl.col("_sid"))
    .and(pl.col("_p").shift(shift).eq(pl.col("_p").plus(int32(forward ? 1 : -1))))
    .fillNull(false);
  const other = pl.when(neighbourOk).then(pl.col("_e").shift(shift))
    .otherwise(pl.lit(null).cast(pl.UInt32));
  // every position short of the last followed has an edge away from the anchor
  const hasEdge = forward ? pl.col("_p").lt(int32(steps)) : pl.col("_p").gt(int32(-steps));
  const withOther = journeys.withColumns(other.alias("_o"));
  const edgeRows = withOther.filter(hasEdge).cache();
  // (only positions with an edge need their node count)
  const nodes = edgeRows.groupBy(["_jbd", "_p", "_e"], false)
    .agg(pl.col("_uc").nUnique().alias("node_users"));
  const edges = edgeRows.groupBy(["_jbd", "_p", "_e", "_o"], false)
    .agg(pl.col("_uc").nUnique().alias("users"))
    .filter(pl.col("users").gtEq(minEdgeUsers))
    .join(nodes, { on: ["_jbd", "_p", "_e"], how: "left", nullsEqual: true });
  const shaped = edges
    .select(
      (codedBreakdown ? decode(pl.col("_jbd")) : pl.col("_jbd")).alias("_bd"),
      (forward ? pl.col("_p") : pl.col("_p").minus(1)).cast(pl.Int32).alias("step"),
      decode(forward ? pl.col("_e") : pl.col("_o")).alias("source"),
      decode(forward ? pl.col("_o") : pl.col("_e")).alias("target"),
      pl.col("users").cast(pl.Int64),
      pl.col("node_users").cast(pl.Int64),
      pl.col("users").cast(pl.Float64).div(pl.col("node_users").cast(pl.Float64)).mul(100)
        .alias("share_pct"),
    );
  const rows = clash
    ? shaped.join(clash, { how: "cross" })
    : shaped.withColumns(pl.lit(false).alias("_clash"));
  return rows
    .sort(
      ["_bd", "step", "users", "source", "target"],
      [false, false, true, false, false],
      true,
    );
}
