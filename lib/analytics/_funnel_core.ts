/**
 * Private core of the funnel metrics (funnel.ts, funnel_trends.ts, time_to_convert.ts): the
 * option types, step normalisation, the attempts of PostHog's orders (with exclusions) and
 * the per-user pick. ClickHouse's windowFunnel lives in _window_funnel.ts.
 *
 * Every builder works on one global sequence of event rows sorted by (user, time, rank) (see
 * _sequence.ts) and finds the next step of every attempt at once with as-of joins on that
 * sequence, so no per-user loop runs in JavaScript.
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from "nodejs-polars";
import {
  addMonthsMicros,
  collect,
  type Engine,
  firstTrueIndex,
  type FrameLike,
  int,
  MAX_KEY,
  microsUtc,
  requireColumns,
  timeRangeFilter,
  toLazy,
  US_PER,
} from "./_frame.ts";
import { sequence } from "./_sequence.ts";

/** A funnel step: an event name, or an event name with a filter on that event's columns. */
export type FunnelStep = string | {
  /** Event name to match in the `event` column. */
  event: string;
  /** Extra condition on the event's row (e.g. `pl.col("platform").eq(pl.lit("ios"))`); null counts as false. */
  filter?: Expr;
  /** Label in the output. @default the event name */
  label?: string;
};

/** Unit of a conversion window. */
export type WindowUnit = "second" | "minute" | "hour" | "day" | "week" | "month";

/** A conversion window: how long after the step-1 event the last step may happen (inclusive). */
export interface ConversionWindow {
  /** Number of units (a positive integer). */
  value: number;
  /**
   * Unit. `second`, `minute`, `hour`, `day`, `week` are fixed lengths (a day is 24 h: the
   * data is UTC). `month` is a calendar-month offset with the day clamped to the month's
   * length (Jan 31 + 1 month = Feb 28 or 29, time of day kept), as PostHog's calendar
   * intervals.
   */
  unit: WindowUnit;
}

/** How the steps must follow each other (PostHog's funnel orders). */
export type FunnelOrder = "ordered" | "strict" | "unordered";

/**
 * An exclusion step (PostHog's funnel exclusions): an attempt in which this event happens
 * strictly between the events of `fromStep` and `toStep` is disqualified. See
 * {@linkcode FunnelOptions.exclusions}.
 */
export interface FunnelExclusion {
  /** Event name that disqualifies. */
  event: string;
  /** Extra condition on the exclusion event's row; null counts as false. @default none */
  filter?: Expr;
  /** Step (1-based) after whose event the exclusion starts to count. */
  fromStep: number;
  /** Step (1-based, greater than `fromStep`) before whose event it stops counting. */
  toStep: number;
}

/**
 * ClickHouse `windowFunnel` modes, by ClickHouse's names:
 * - `strict_order`: once the chain has started (after the first step-1 event), an event that
 *   matches no step stops the search, and so does a step event whose previous step has not
 *   been reached yet.
 * - `strict_deduplication`: a step event (step 2 or later) whose step was already reached stops
 *   the search.
 * - `strict_increase`: a step only advances from an event with a strictly earlier timestamp
 *   (events at the same instant do not chain).
 * - `strict_once`: one event counts for at most one step, even when consecutive steps are
 *   identical (the same as `stepEvents: "distinct"`).
 */
export type WindowFunnelMode =
  | "strict_order"
  | "strict_deduplication"
  | "strict_increase"
  | "strict_once";

/** The ClickHouse modes, for validation and docs. */
export const WINDOW_FUNNEL_MODES: readonly WindowFunnelMode[] = [
  "strict_order",
  "strict_deduplication",
  "strict_increase",
  "strict_once",
];

/** Options shared by {@linkcode funnel}, `funnelTrends()` and `timeToConvert()`. */
export interface FunnelOptions {
  /** The steps, in order (at least one, at most 62). */
  steps: FunnelStep[];
  /**
   * Conversion window measured from each step-1 event; the end is inclusive. `null` means no
   * limit.
   * @default { value: 14, unit: "day" }
   */
  window?: ConversionWindow | null;
  /**
   * PostHog's orders:
   * - `"ordered"`: each step at or after the previous one; other events may happen between.
   * - `"strict"`: each step must be the user's very next event after the previous step (any
   *   event of the user in between, funnel step or not, breaks the attempt).
   * - `"unordered"`: the steps in any order within the window after the first of them.
   * @default "ordered"
   */
  order?: FunnelOrder;
  /**
   * Whether one event row may satisfy several steps.
   * - `"distinct"`: each step needs its own event row, so a step repeated in the list needs as
   *   many events (PostHog; ClickHouse's `strict_once`).
   * - `"shared"`: an event row satisfies every step it matches, in step order, so one `A`
   *   completes `A → A` and one row can be step 1 and step 3 (ClickHouse `windowFunnel`'s
   *   default). It runs ClickHouse's algorithm (as `windowFunnel: []`) and needs `order`
   *   `"ordered"`.
   * @default "distinct", or "shared" when `windowFunnel` is set without `strict_once`
   */
  stepEvents?: "distinct" | "shared";
  /**
   * Follow ClickHouse's `windowFunnel(window, modes…)` instead of PostHog: the level a user
   * reaches is exactly what ClickHouse returns for the user's events (its greedy search over
   * events sorted by time, then by step number, with the modes listed). `[]` is ClickHouse's
   * default mode. The counted chain (breakdown value and times) is the one that first reached
   * the user's level. Needs `order` `"ordered"`; not combined with `exclusions`.
   * @default null (PostHog's definitions)
   */
  windowFunnel?: readonly WindowFunnelMode[] | null;
  /**
   * Exclusion steps (PostHog): an attempt is disqualified when an event matching an exclusion
   * happens strictly after the attempt's `fromStep` event and strictly before its `toStep`
   * event (ties at either end do not disqualify, as PostHog's `exclusion_time > from_time AND
   * exclusion_time < to_time`); when the attempt never reaches `toStep`, an exclusion strictly
   * after the `fromStep` event and strictly before that event's time plus the window
   * disqualifies it (any later one when the window is `null`). A disqualified attempt counts
   * nowhere, not even at step 1: users are counted by their best attempt that is not
   * disqualified, and a user whose every attempt is disqualified is not in the funnel. The
   * attempt's step events are the earliest ones after its step-1 event, as for counting.
   * Orders `"ordered"` and `"strict"` only.
   * @default []
   */
  exclusions?: readonly FunnelExclusion[];
  /**
   * Column to break down by. Each user is counted once, in the value carried by the step-1
   * event of the attempt that counts for them (the attempt that got furthest; the earliest
   * such attempt on ties). For `"unordered"`, the anchoring event of that attempt.
   * @default null (no breakdown)
   */
  breakdown?: string | null;
  /** Keep only events with `ts >= from`. @default null */
  from?: Date | null;
  /** Keep only events with `ts <= to` (inclusive, millisecond precision of a JS Date). @default null */
  to?: Date | null;
  /** Engine for the final collect. @default "streaming" */
  engine?: Engine;
}

/** A step with its match key (identical definitions share a key). */
export interface NormalStep {
  event: string;
  filter: Expr | null;
  label: string;
  key: string;
}

/** An exclusion with 1-based steps, validated. */
export interface NormalExclusion {
  from: number;
  to: number;
}

/** Everything a funnel builder needs, validated once. */
export interface Prepared {
  /** Rows with `user_id`, `_t` (Int64 µs), `_bd`, `_m1.._mn` and `_x1.._xk` (Booleans). */
  base: LazyDataFrame;
  steps: NormalStep[];
  window: ConversionWindow | null;
  order: FunnelOrder;
  breakdown: string | null;
  exclusions: NormalExclusion[];
  /** ClickHouse modes, or null for PostHog's definitions. */
  modes: ReadonlySet<WindowFunnelMode> | null;
  engine: Engine | undefined;
}

/** One row per user and attempt, before choosing the attempt that counts. */
export interface Attempts {
  /**
   * `_uc`, `_bd`, `_reached` (Int32), `_order` (Int64), `_t1.._tn` (Int64 µs; valid up to
   * `_reached`). Rows are in `_order` order: every builder keeps the sequence's row order
   * (filters and as-of joins), and the pick per user and period relies on it.
   */
  frame: LazyDataFrame;
  hasTimes: boolean;
  /** One row, `_clash`: whether the fast user sort met a hash collision (see _sequence.ts). */
  clash: LazyDataFrame | null;
}

/**
 * One row per user: `_uc`, `_bd`, `_reached`, `_t1.._tn` (null beyond `_reached`; only `_t1`,
 * the anchor's time, when `hasTimes` is false).
 */
export interface PerUser {
  frame: LazyDataFrame;
  hasTimes: boolean;
  clash: LazyDataFrame | null;
}

const ORDER_SPAN = 2 ** 40;
/** Steps are ranked 1..n (and n + 1 for other events) inside a 6-bit field of the sort key. */
export const MAX_STEPS = 62;

/** Validates the options and builds the base rows. `where` names the caller in errors. */
export function prepareFunnel(
  events: FrameLike,
  options: FunnelOptions,
  where: string,
): Prepared {
  const steps = normaliseSteps(options.steps);
  const window = options.window === undefined
    ? { value: 14, unit: "day" as const }
    : options.window;
  if (window) validateWindow(window);
  const order = options.order ?? "ordered";
  if (!["ordered", "strict", "unordered"].includes(order)) {
    throw new RangeError(`Invalid funnel option "order": ${JSON.stringify(order)}`);
  }
  const modes = normaliseModes(options, order);
  const exclusionSpecs = options.exclusions ?? [];
  if (!Array.isArray(exclusionSpecs)) {
    throw new TypeError(`Invalid funnel option "exclusions": expected an array`);
  }
  if (exclusionSpecs.length > 0 && (order === "unordered" || modes !== null)) {
    throw new RangeError(
      `Invalid funnel option "exclusions": supported with order "ordered" or "strict" (PostHog), not ${
        modes !== null ? 'with windowFunnel or stepEvents "shared"' : `order "${order}"`
      }`,
    );
  }
  const exclusions = exclusionSpecs.map((x, i) => normaliseExclusion(x, i, steps.length));
  const breakdown = options.breakdown ?? null;
  const required = ["user_id", "event", "ts"];
  if (breakdown) required.push(breakdown);
  requireColumns(events, required, where);

  const matches = steps.map((s, i) => stepMatch(s.event, s.filter).alias(`_m${i + 1}`));
  const excluded = exclusionSpecs.map((x, i) =>
    stepMatch(x.event, x.filter ?? null).alias(`_x${i + 1}`)
  );
  let base = toLazy(events)
    .withColumns(microsUtc("ts").alias("_t"))
    .select(
      pl.col("user_id"),
      pl.col("_t"),
      (breakdown ? pl.col(breakdown) : pl.lit(null).cast(pl.Utf8)).alias("_bd"),
      ...matches,
      ...excluded,
    )
    .filter(pl.col("user_id").isNotNull().and(pl.col("_t").isNotNull()));
  const range = timeRangeFilter(options.from, options.to);
  if (range) base = base.filter(range);
  return {
    base,
    steps,
    window,
    order,
    breakdown,
    exclusions,
    modes,
    engine: options.engine,
  };
}

function normaliseModes(options: FunnelOptions, order: FunnelOrder): Set<WindowFunnelMode> | null {
  const stepEvents = options.stepEvents;
  if (stepEvents !== undefined && stepEvents !== "distinct" && stepEvents !== "shared") {
    throw new RangeError(`Invalid funnel option "stepEvents": ${JSON.stringify(stepEvents)}`);
  }
  const list = options.windowFunnel ?? null;
  if (list === null && stepEvents !== "shared") return null;
  if (list !== null && !Array.isArray(list)) {
    throw new TypeError(`Invalid funnel option "windowFunnel": expected an array of modes`);
  }
  for (const mode of list ?? []) {
    if (!WINDOW_FUNNEL_MODES.includes(mode)) {
      throw new RangeError(
        `Invalid funnel option "windowFunnel": unknown mode ${JSON.stringify(mode)} (expected ${
          WINDOW_FUNNEL_MODES.join(", ")
        })`,
      );
    }
  }
  if (options.order !== undefined && order !== "ordered") {
    throw new RangeError(
      `Invalid funnel option "order": "${order}" cannot be combined with ${
        list !== null ? "windowFunnel (use its strict_order mode)" : 'stepEvents "shared"'
      }`,
    );
  }
  const modes = new Set(list ?? []);
  if (stepEvents === "shared" && modes.has("strict_once")) {
    throw new RangeError(
      `Invalid funnel option "stepEvents": "shared" contradicts windowFunnel mode strict_once`,
    );
  }
  if (stepEvents === "distinct") modes.add("strict_once");
  return modes;
}

export function normaliseSteps(steps: FunnelStep[] | undefined): NormalStep[] {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    throw new RangeError(
      `Invalid funnel option "steps": expected 1 to ${MAX_STEPS} steps, got ${steps?.length}`,
    );
  }
  return steps.map((s, i) => {
    const step = typeof s === "string" ? { event: s } : s;
    if (typeof step.event !== "string" || step.event.length === 0) {
      throw new TypeError(`Invalid funnel option "steps": step ${i + 1} has no event name`);
    }
    const filter = step.filter ?? null;
    return {
      event: step.event,
      filter,
      label: step.label ?? step.event,
      key: `${step.event}\u0000${filter ? filter.toString() : ""}`,
    };
  });
}

function normaliseExclusion(x: FunnelExclusion, i: number, n: number): NormalExclusion {
  const name = `Invalid funnel option "exclusions[${i}]"`;
  if (!x || typeof x.event !== "string" || x.event.length === 0) {
    throw new TypeError(`${name}: no event name`);
  }
  const { fromStep, toStep } = x;
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 1 || toStep > n) {
    throw new RangeError(
      `${name}: fromStep and toStep must be steps 1..${n}, got ${fromStep} and ${toStep}`,
    );
  }
  if (toStep <= fromStep) {
    throw new RangeError(`${name}: toStep (${toStep}) must be after fromStep (${fromStep})`);
  }
  return { from: fromStep, to: toStep };
}

function validateWindow(window: ConversionWindow): void {
  if (!Number.isInteger(window.value) || window.value <= 0) {
    throw new RangeError(
      `Invalid funnel option "window.value": expected a positive integer, got ${window.value}`,
    );
  }
  if (!["second", "minute", "hour", "day", "week", "month"].includes(window.unit)) {
    throw new RangeError(`Invalid funnel option "window.unit": ${JSON.stringify(window.unit)}`);
  }
}

function stepMatch(event: string, filter: Expr | null): Expr {
  const isEvent = pl.col("event").eq(pl.lit(event)).fillNull(false);
  return filter ? isEvent.and(filter.fillNull(false)) : isEvent;
}

/** The inclusive window end for an attempt starting at `start` (Int64 µs), or MAX for none. */
export function windowEnd(start: Expr, window: ConversionWindow | null): Expr {
  if (!window) return int(MAX_KEY);
  if (window.unit === "month") return addMonthsMicros(start, window.value);
  return start.plus(int(window.value * US_PER[window.unit]));
}

/** True where the row matches any of the columns `_<prefix>1.._<prefix>n`. */
export function anyOf(n: number, prefix = "m"): Expr {
  let any = pl.col(`_${prefix}1`);
  for (let j = 2; j <= n; j++) any = any.or(pl.col(`_${prefix}${j}`));
  return any;
}

/** Reached step count from per-link success flags (a chain stops at its first failure). */
export function reachedFrom(links: Expr[]): Expr {
  let reached: Expr = pl.lit(1).cast(pl.Int32);
  let prefix: Expr | null = null;
  for (const link of links) {
    prefix = prefix ? prefix.and(link) : link;
    reached = reached.plus(prefix.cast(pl.Int32));
  }
  return reached;
}

/** `_t1.._tn` set to null beyond `_reached`, so consumers never read a step not reached. */
export function maskedTimes(n: number): Expr[] {
  const out: Expr[] = [pl.col("_t1")];
  for (let j = 2; j <= n; j++) {
    out.push(
      pl.when(pl.col("_reached").gtEq(j)).then(pl.col(`_t${j}`))
        .otherwise(pl.lit(null).cast(pl.Int64)).alias(`_t${j}`),
    );
  }
  return out;
}

/**
 * Builds the attempts of a PostHog order (exclusions applied: disqualified attempts removed).
 * `exact` selects the exact user sort (see _sequence.ts).
 */
export function funnelAttempts(p: Prepared, exact: boolean): Attempts {
  if (p.order === "unordered") return unorderedAttempts(p, exact);
  return p.order === "ordered" ? orderedAttempts(p, exact) : strictAttempts(p, exact);
}

/**
 * Per-user pick: the attempt that got furthest, the earliest among equals. Times beyond the
 * reached step are null. With `period` (an Int64 column, |value| < 2^25: a day, week or month
 * number), one pick per user and period.
 */
export function pickPerUser(attempts: Attempts, period?: string): PerUser {
  const n = countTimes(attempts.frame);
  if (period) {
    return { ...attempts, frame: pickPerRun(attempts.frame, period, n) };
  }
  // Furthest attempt first, earliest among equals: one Int64 key, unique per attempt, so the
  // rows holding their user's maximum are exactly one per user. (A window max was 4x faster
  // here than a per-user group-by picking columns with filter().first().)
  const key = pl.col("_reached").cast(pl.Int64).mul(int(ORDER_SPAN))
    .plus(int(ORDER_SPAN - 1).minus(pl.col("_order")));
  const frame = attempts.frame
    .withColumns(key.alias("_key"))
    .filter(pl.col("_key").eq(pl.col("_key").max().over("_uc")))
    .select("_uc", "_bd", "_reached", ...maskedTimes(n));
  return { frame, hasTimes: attempts.hasTimes, clash: attempts.clash };
}

/**
 * {@linkcode pickPerUser} per user and period, without hashing 2M small groups: the attempts
 * sorted stably (so still in `_order` within a group: see {@linkcode Attempts}) by user and
 * period packed into one Int64,
 * then per run of one group the first row at the run's highest level, found with running
 * sums and maxima. (The window max over user and period took 0.64 s of CPU at 10M events,
 * this about a sixth of it.)
 */
function pickPerRun(frame: LazyDataFrame, period: string, n: number): LazyDataFrame {
  const group = pl.col("_uc").cast(pl.Int64).mul(int(PERIOD_SPAN))
    .plus(pl.col(period).plus(int(PERIOD_SPAN / 2)));
  const runStart = pl.col("_g").neq(pl.col("_g").shift(1)).fillNull(true);
  const runEnd = pl.col("_g").neq(pl.col("_g").shift(-1)).fillNull(true);
  // Run number · 1024 + level: its running maximum, at a run's last row, is that run's.
  const level = runStart.cast(pl.Int64).cumSum().mul(int(1024))
    .plus(pl.col("_reached").cast(pl.Int64));
  const highest = pl.when(runEnd).then(level.cumMax()).otherwise(pl.lit(null).cast(pl.Int64))
    .backwardFill();
  const isTop = level.eq(highest);
  const tops = isTop.cast(pl.Int64).cumSum();
  const topsBefore = pl.when(runStart).then(tops.minus(isTop.cast(pl.Int64)))
    .otherwise(pl.lit(null).cast(pl.Int64)).forwardFill();
  return frame
    .withColumns(group.alias("_g"))
    .sort("_g", false, false, true)
    .filter(isTop.and(tops.minus(topsBefore).eq(int(1))))
    .select("_uc", period, "_bd", "_reached", ...maskedTimes(n));
}

/** Span of the period numbers {@linkcode pickPerUser} packs beside the user. */
const PERIOD_SPAN = 2 ** 26;

function countTimes(frame: LazyDataFrame): number {
  let n = 0;
  const columns = new Set(frame.columns);
  while (columns.has(`_t${n + 1}`)) n++;
  return n;
}

/**
 * Collects `build(exact)`, whose result carries the `_clash` flag; when the fast user sort
 * met a collision, runs again with the exact sort. Returns the frame without `_clash`.
 */
export function collectWithRetry(
  build: (exact: boolean) => LazyDataFrame,
  engine: Engine | undefined,
): DataFrame {
  let out = collect(build(false), engine);
  if (out.getColumn("_clash").any()) out = collect(build(true), engine);
  return out.drop("_clash");
}

/** Adds the `_clash` column of `clash` (or false) to `rows`. */
export function withClash(rows: LazyDataFrame, clash: LazyDataFrame | null): LazyDataFrame {
  return clash
    ? rows.join(clash, { how: "cross" })
    : rows.withColumns(pl.lit(false).alias("_clash"));
}

/** A one-row frame: whether any row of the sequence has `_clash`, or null when exact. */
export function clashOf(seq: LazyDataFrame, exact: boolean): LazyDataFrame | null {
  return exact ? null : seq.select(pl.col("_clash").any().alias("_clash"));
}

/** The start of each row's (user, time) group, as a sequence number: `_g`. */
function timeGroups(seq: LazyDataFrame): LazyDataFrame {
  const newTime = pl.col("_uc").neq(pl.col("_uc").shift(1))
    .or(pl.col("_t").neq(pl.col("_t").shift(1)))
    .fillNull(true);
  return seq.withColumns(
    pl.when(newTime).then(pl.col("_seq")).otherwise(pl.lit(null).cast(pl.Int64))
      .forwardFill()
      .alias("_g"),
  );
}

/**
 * Drops the attempts that an exclusion disqualifies. For each exclusion, the first exclusion
 * row strictly later in time than the attempt's `fromStep` row is found with a forward as-of
 * join on the sequence, keyed by `key`: a sequence number that is larger exactly for rows in a
 * later instant of the user (see the callers); it disqualifies when it is the same user's and
 * before the attempt's `toStep` event (or the `fromStep` time plus the window when `toStep`
 * was not reached).
 */
function applyExclusions(
  attempts: LazyDataFrame,
  seq: LazyDataFrame,
  key: string,
  p: Prepared,
): LazyDataFrame {
  if (p.exclusions.length === 0) return attempts;
  let a = attempts;
  const flags: Expr[] = [];
  p.exclusions.forEach((x, i) => {
    const k = i + 1;
    const rows = seq.filter(pl.col(`_x${k}`)).select(
      pl.col(key).alias(`_xg${k}`),
      pl.col("_uc").alias(`_xu${k}`),
      pl.col("_t").alias(`_xt${k}`),
    );
    a = a.joinAsof(rows, {
      leftOn: `_s${x.from}`,
      rightOn: `_xg${k}`,
      strategy: "forward",
      allowExactMatches: false,
      checkSortedness: false,
    });
    const upper = pl.when(pl.col("_reached").gtEq(x.to))
      .then(pl.col(`_t${x.to}`))
      .otherwise(windowEnd(pl.col(`_t${x.from}`), p.window));
    flags.push(
      pl.col("_reached").gtEq(x.from)
        .and(pl.col(`_xu${k}`).eq(pl.col("_uc")))
        .and(pl.col(`_xt${k}`).lt(upper))
        .fillNull(false),
    );
  });
  const excluded = flags.reduce((acc, f) => acc.or(f));
  return a.filter(excluded.not());
}

/**
 * Ordered funnel: for each step-1 event, the next step is the first matching event with a
 * larger sequence number, found with one forward as-of join per step on the global sequence
 * (rows sorted by user, time, step position). A lookup that lands in another user's rows
 * means the step was not reached; sequence keys stay sorted so the next join still works.
 */
function orderedAttempts(p: Prepared, exact: boolean): Attempts {
  const n = p.steps.length;
  const firstStep = firstTrueIndex(Array.from({ length: n }, (_, i) => pl.col(`_m${i + 1}`)));
  const k = p.exclusions.length;
  // Exclusion events enter as rows of their own with rank 0, before every step row of their
  // instant, so the first one after a step row (in sequence order) is strictly later in time.
  const rows = k === 0 ? p.base.filter(anyOf(n)).withColumns(firstStep.alias("_r")) : pl.concat([
    p.base.filter(anyOf(n)).withColumns(
      firstStep.alias("_r"),
      ...Array.from({ length: k }, (_, i) => pl.lit(false).alias(`_x${i + 1}`)),
    ),
    p.base.filter(anyOf(k, "x")).withColumns(
      pl.lit(0).cast(pl.Int32).alias("_r"),
      ...Array.from({ length: n }, (_, i) => pl.lit(false).alias(`_m${i + 1}`)),
    ),
  ], { how: "vertical" });
  const seq = sequence(rows, true, exact).cache();
  let a = seq.filter(pl.col("_m1")).select(
    pl.col("_seq").alias("_s1"),
    pl.col("_uc"),
    pl.col("_bd"),
    pl.col("_t").alias("_t1"),
    windowEnd(pl.col("_t"), p.window).alias("_end"),
  );
  const links: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    const next = seq.filter(pl.col(`_m${j}`)).select(
      pl.col("_seq").alias(`_k${j}`),
      pl.col("_uc").alias(`_u${j}`),
      pl.col("_t").alias(`_t${j}`),
    );
    a = a
      .joinAsof(next, {
        leftOn: `_s${j - 1}`,
        rightOn: `_k${j}`,
        strategy: "forward",
        allowExactMatches: false,
        checkSortedness: false,
      })
      .withColumns(pl.col(`_k${j}`).fillNull(int(MAX_KEY)).alias(`_s${j}`));
    links.push(
      pl.col(`_u${j}`).eq(pl.col("_uc")).and(pl.col(`_t${j}`).ltEq(pl.col("_end"))).fillNull(
        false,
      ),
    );
  }
  a = a.withColumns(reachedFrom(links).alias("_reached"), pl.col("_s1").alias("_order"));
  const frame = applyExclusions(a, seq, "_seq", p)
    .select("_uc", "_bd", "_reached", "_order", ...timeNames(n));
  return { frame, hasTimes: true, clash: clashOf(seq, exact) };
}

function timeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `_t${i + 1}`);
}

/**
 * Strict funnel: every event of the user counts as an interruption, so step j of an attempt
 * starting at row i must be row i + j − 1 of the same user. Rows are sorted by (user, ts,
 * position of the first step matched, non-step events last, input order).
 */
function strictAttempts(p: Prepared, exact: boolean): Attempts {
  const n = p.steps.length;
  const firstStep = firstTrueIndex(Array.from({ length: n }, (_, i) => pl.col(`_m${i + 1}`)))
    .fillNull(pl.lit(n + 1).cast(pl.Int32));
  const seq = sequence(p.base.withColumns(firstStep.alias("_r")), true, exact).cache();
  const ahead: Expr[] = [];
  const links: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    const k = j - 1;
    ahead.push(pl.col("_t").shift(-k).alias(`_t${j}`));
    links.push(
      pl.col(`_m${j}`).shift(-k)
        .and(pl.col("_uc").shift(-k).eq(pl.col("_uc")))
        .and(pl.col("_t").shift(-k).ltEq(pl.col("_end")))
        .fillNull(false),
    );
  }
  const positions = Array.from(
    { length: n },
    (_, i) => pl.col("_seq").plus(int(i)).alias(`_s${i + 1}`),
  );
  const a = seq
    .withColumns(windowEnd(pl.col("_t"), p.window).alias("_end"))
    .withColumns(pl.col("_t").alias("_t1"), ...ahead, reachedFrom(links).alias("_reached"))
    .filter(pl.col("_m1"))
    .withColumns(pl.col("_seq").alias("_order"), ...positions);
  // Every event is a row here, so exclusions are keyed by their instant's first row (`_g`).
  const frame = (p.exclusions.length > 0 ? applyExclusions(a, timeGroups(seq), "_g", p) : a)
    .select("_uc", "_bd", "_reached", "_order", ...timeNames(n));
  return { frame, hasTimes: true, clash: clashOf(seq, exact) };
}

/**
 * Unordered funnel: every event matching any step anchors an attempt whose window is
 * `[ts, ts + window]` (both ends inclusive, ties at the start included). For each distinct step
 * definition used c times in the list, the attempt gets min(c, matching events in the window)
 * steps. Counts come from per-definition running totals: the total at the last row of the
 * user with `ts <= end` (a backward as-of join by user) minus the total before the anchor's
 * first tied row. An event matching two different definitions counts for both. `_t1` is the
 * anchor's time; no other step time is known.
 */
function unorderedAttempts(p: Prepared, exact: boolean): Attempts {
  const steps = p.steps;
  const groups = new Map<string, { index: number; count: number }>();
  steps.forEach((s, i) => {
    const g = groups.get(s.key);
    if (g) g.count++;
    else groups.set(s.key, { index: i + 1, count: 1 });
  });
  const defs = [...groups.values()];
  const seq = sequence(p.base.filter(anyOf(steps.length)), false, exact);
  const newTime = pl.col("_uc").neq(pl.col("_uc").shift(1))
    .or(pl.col("_t").neq(pl.col("_t").shift(1)))
    .fillNull(true);
  const lastOfTime = pl.col("_uc").neq(pl.col("_uc").shift(-1))
    .or(pl.col("_t").neq(pl.col("_t").shift(-1)))
    .fillNull(true);
  const running = seq.withColumns(
    ...defs.map((d, i) => pl.col(`_m${d.index}`).cast(pl.Int64).cumSum().alias(`_c${i}`)),
    newTime.alias("_new"),
    lastOfTime.alias("_last"),
  ).cache();
  const anchors = running
    .withColumns(
      ...defs.map((d, i) =>
        pl.when(pl.col("_new"))
          .then(pl.col(`_c${i}`).minus(pl.col(`_m${d.index}`).cast(pl.Int64)))
          .otherwise(pl.lit(null).cast(pl.Int64))
          .forwardFill()
          .alias(`_before${i}`)
      ),
      windowEnd(pl.col("_t"), p.window).alias("_end"),
    )
    .select("_seq", "_uc", "_bd", "_t", "_end", ...defs.map((_, i) => `_before${i}`));
  const totals = running.filter(pl.col("_last")).select(
    pl.col("_uc"),
    pl.col("_t").alias("_tr"),
    ...defs.map((_, i) => pl.col(`_c${i}`).alias(`_upto${i}`)),
  );
  let reached: Expr = pl.lit(0).cast(pl.Int64);
  defs.forEach((d, i) => {
    const inWindow = pl.col(`_upto${i}`).minus(pl.col(`_before${i}`));
    reached = reached.plus(
      pl.when(inWindow.gt(d.count)).then(int(d.count)).otherwise(inWindow),
    );
  });
  const frame = anchors
    .joinAsof(totals, {
      leftOn: "_end",
      rightOn: "_tr",
      by: "_uc",
      strategy: "backward",
      checkSortedness: false,
    })
    .select(
      pl.col("_uc"),
      pl.col("_bd"),
      reached.cast(pl.Int32).alias("_reached"),
      pl.col("_seq").alias("_order"),
      pl.col("_t").alias("_t1"),
    );
  return { frame, hasTimes: false, clash: clashOf(running, exact) };
}
