/**
 * DuckDB SQL that computes the same numbers as the Polars functions of `lib/analytics`, used
 * only by the cross-check tests (`sql_reference_test.ts`) and the analytics benchmark
 * (`bench/analytics_bench.ts`), so it lives with the tests rather than in `lib/`:
 * {@linkcode orderedFunnelSql} (as `funnel()` with `order: "ordered"`, exclusions included),
 * {@linkcode funnelTrendsSql}, {@linkcode timeToConvertSql}, {@linkcode windowFunnelSql}
 * (ClickHouse's default and `strict_increase`), {@linkcode retentionSql} (as `retention()` in
 * UTC), {@linkcode pathsSql} and {@linkcode rollingAverageSql}. The test suite runs each on
 * DuckDB and compares the result with the Polars function row for row.
 *
 * @module
 */
import type { ConversionWindow, RetentionPeriod } from "../lib/analytics/mod.ts";

/** Microseconds per fixed-length window unit (as `lib/analytics` counts them). */
const US_PER = {
  second: 1_000_000,
  minute: 60_000_000,
  hour: 3_600_000_000,
  day: 86_400_000_000,
  week: 604_800_000_000,
} as const;

/** An exclusion step for {@linkcode orderedFunnelSql} (1-based steps, as `funnel()`). */
export interface ExclusionSql {
  /** Event name that disqualifies. */
  event: string;
  /** Step after whose event it counts. */
  fromStep: number;
  /** Step before whose event it stops counting. */
  toStep: number;
}

/** Options for {@linkcode orderedFunnelSql} and the other funnel queries. */
export interface OrderedFunnelSqlOptions {
  /** Event names, in order (plain names: no filters). */
  steps: string[];
  /**
   * A table (not a subquery: its `rowid` orders events at one instant) with `user_id`,
   * `event`, `ts` (TIMESTAMP or TIMESTAMPTZ, read as UTC) and the breakdown column.
   * @default "events"
   */
  table?: string;
  /** Conversion window; `month` is not supported here. @default { value: 14, unit: "day" } */
  window?: ConversionWindow | null;
  /** Breakdown column. @default null */
  breakdown?: string | null;
  /** Exclusion steps, as `funnel()`'s `exclusions` (without filters). @default [] */
  exclusions?: ExclusionSql[];
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const MAX_BIGINT = "9223372036854775807";

function windowMicros(window: ConversionWindow | null | undefined): number | null {
  const w = window === undefined ? { value: 14, unit: "day" as const } : window;
  if (w === null) return null;
  if (w.unit === "month") {
    throw new RangeError(`Invalid option "window.unit": "month" is not supported in SQL here`);
  }
  return w.value * US_PER[w.unit];
}

/** `t + window` in µs, or the largest BIGINT without a window. */
function plusWindow(t: string, us: number | null): string {
  return us === null ? MAX_BIGINT : `${t} + ${us}`;
}

/**
 * The attempts of an ordered funnel, as CTEs ending in `attempts` (`user_id`, `bd`, `k1`,
 * `t1..tn`, `reached`), exclusions applied. Each event gets one HUGEINT sort key, (µs × 64 +
 * the position of the first step it matches) × 2³² + rowid, so that the next step of every
 * attempt is one `ASOF LEFT JOIN … ON user_id = … AND next.k > previous.k` per step: no
 * global `row_number()` over all rows (the earlier formulation, 40% slower at 10M events).
 */
function attemptCtes(options: OrderedFunnelSqlOptions): string[] {
  const steps = options.steps;
  if (steps.length === 0) throw new RangeError(`Invalid option "steps": expected at least one`);
  const w = windowMicros(options.window);
  const table = options.table ?? "events";
  const bd = options.breakdown ? ident(options.breakdown) : "null::varchar";
  const n = steps.length;
  const exclusions = options.exclusions ?? [];
  const distinct = [...new Set(steps)];
  const events = [...new Set([...steps, ...exclusions.map((x) => x.event)])];
  const rank = distinct.map((s) => `when ${literal(s)} then ${steps.indexOf(s) + 1}`).join(" ");
  const ctes: string[] = [
    `keyed as (
  select user_id, ${bd} as bd, epoch_us(ts) as t, event,
    ((epoch_us(ts) * 64 + case event ${rank} else ${n + 1} end)::hugeint << 32) + rowid as k
  from ${table}
  where user_id is not null and ts is not null and event in (${events.map(literal).join(", ")})
)`,
    `a1 as (select user_id, bd, k as k1, t as t1, ${
      plusWindow("t", w)
    } as tend from keyed where event = ${literal(steps[0]!)})`,
  ];
  for (let j = 2; j <= n; j++) {
    ctes.push(`a${j} as (
  select a.*, b.k as k${j}, b.t as t${j}
  from a${j - 1} as a
  asof left join (select user_id, k, t from keyed where event = ${literal(steps[j - 1]!)}) as b
    on a.user_id = b.user_id and b.k > a.k${j - 1}
)`);
  }
  const reachedCases: string[] = [];
  for (let k = n; k >= 2; k--) {
    const conds = Array.from({ length: k - 1 }, (_, i) => `t${i + 2} is not null`);
    conds.push(`t${k} <= tend`);
    reachedCases.push(`when ${conds.join(" and ")} then ${k}`);
  }
  const reached = n > 1 ? `case ${reachedCases.join(" ")} else 1 end` : "1";
  ctes.push(`chains as (select *, ${reached} as reached from a${n})`);
  let last = "chains";
  const flags: string[] = [];
  exclusions.forEach((x, i) => {
    if (x.fromStep < 1 || x.toStep > n || x.toStep <= x.fromStep) {
      throw new RangeError(`Invalid option "exclusions[${i}]": steps out of range`);
    }
    ctes.push(`x${i} as (
  select a.*, x.t as xt${i}
  from ${last} as a
  asof left join (select user_id, t from keyed where event = ${literal(x.event)}) as x
    on a.user_id = x.user_id and x.t > a.t${x.fromStep}
)`);
    last = `x${i}`;
    const upper = `case when reached >= ${x.toStep} then t${x.toStep} else ${
      w === null ? MAX_BIGINT : `t${x.fromStep} + ${w}`
    } end`;
    flags.push(`(reached >= ${x.fromStep} and xt${i} is not null and xt${i} < ${upper})`);
  });
  ctes.push(
    `attempts as (select * from ${last}${
      flags.length > 0 ? ` where not (${flags.join(" or ")})` : ""
    })`,
  );
  return ctes;
}

/** One row per (breakdown,) step from a `per_user` CTE (`bd`, `reached`, `dt2..dtn`). */
function stepRows(ctes: string[], n: number, breakdown: string | null | undefined): string {
  const perStep = Array.from({ length: n }, (_, i) => {
    const k = i + 1;
    const times = k > 1
      ? `median(dt${k}) as median_time_to_convert_s, quantile_cont(dt${k}, 0.9) as p90_time_to_convert_s`
      : "null::double as median_time_to_convert_s, null::double as p90_time_to_convert_s";
    return `select bd, ${k} as step, count(*) filter (where reached >= ${k}) as users, ${times}
  from per_user group by bd`;
  });
  const select = breakdown ? `bd as ${ident(breakdown)}, ` : "";
  return `with ${ctes.join(",\n")},
steps as (
${perStep.join("\n  union all\n")}
)
select ${select}step, users, median_time_to_convert_s, p90_time_to_convert_s
from steps
order by bd nulls last, step`;
}

/**
 * Builds a DuckDB query for an ordered funnel with {@linkcode funnel}'s semantics (PostHog's,
 * `order: "ordered"`, exclusions included): per step-1 event, the earliest later events of
 * the next steps (one ASOF join each, see the key above), the furthest (then earliest)
 * attempt per user. It returns one row per (breakdown,) step with `step`, `users`,
 * `median_time_to_convert_s`, `p90_time_to_convert_s` (`quantile_cont`, as the Polars side's
 * linear interpolation), ordered by breakdown and step.
 *
 * @example
 * ```ts
 * const sql = orderedFunnelSql({ steps: ["session_start", "start_listing"], table: "events" });
 * ```
 */
export function orderedFunnelSql(options: OrderedFunnelSqlOptions): string {
  const n = options.steps.length;
  const ctes = attemptCtes(options);
  ctes.push(perUserCte(n));
  return stepRows(ctes, n, options.breakdown);
}

function perUserCte(n: number): string {
  const picks = Array.from({ length: n - 1 }, (_, i) => {
    const k = i + 2;
    return `arg_min_null(case when reached >= ${k} then (t${k} - t${
      k - 1
    }) / 1e6 end, (-reached, k1)) as dt${k}`;
  });
  return `per_user as (
  select user_id, max(reached) as reached, arg_min_null(bd, (-reached, k1)) as bd${
    picks.map((p) => `,\n    ${p}`).join("")
  }
  from attempts group by user_id
)`;
}

/** Options for {@linkcode funnelTrendsSql}. */
export interface FunnelTrendsSqlOptions extends OrderedFunnelSqlOptions {
  /** Entry period (UTC calendar, Monday weeks). @default "day" */
  interval?: "day" | "week";
}

/**
 * Builds a DuckDB query for {@linkcode funnelTrends}'s counts (ordered funnel to the last
 * step, UTC): per user and entry day (or week) the best attempt starting in it, then per
 * period `users_entered` and `users_converted`, as `period_start` (DATE), ordered by period.
 *
 * @example
 * ```ts
 * const sql = funnelTrendsSql({ steps: ["session_start", "publish_listing"], interval: "week" });
 * ```
 */
export function funnelTrendsSql(options: FunnelTrendsSqlOptions): string {
  const n = options.steps.length;
  const day = "(t1 // 86400000000)";
  const period = options.interval === "week" ? `${day} - ((${day} + 3) % 7)` : day;
  const ctes = attemptCtes(options);
  ctes.push(`per_period as (
  select user_id, ${period} as p, max(reached) as reached from attempts group by all
)`);
  return `with ${ctes.join(",\n")}
select date '1970-01-01' + p::integer as period_start, count(*) as users_entered,
  count(*) filter (where reached >= ${n}) as users_converted
from per_period
group by p
order by p`;
}

/** Options for {@linkcode timeToConvertSql}. */
export interface TimeToConvertSqlOptions extends OrderedFunnelSqlOptions {
  /** Bin edges in seconds, ascending; the last bin includes its upper edge. */
  edges: number[];
}

/**
 * Builds a DuckDB query for {@linkcode timeToConvert}'s histogram with explicit edges
 * (ordered funnel, from step 1 to the last): the counted attempt per user as in
 * {@linkcode orderedFunnelSql}, its time in seconds, and `users` per `bin` (1-based, every
 * bin listed), ordered by bin.
 *
 * @example
 * ```ts
 * const sql = timeToConvertSql({ steps: ["session_start", "start_listing"], edges: [0, 3600, 86400] });
 * ```
 */
export function timeToConvertSql(options: TimeToConvertSqlOptions): string {
  const n = options.steps.length;
  const edges = options.edges;
  if (edges.length < 2) throw new RangeError(`Invalid option "edges": at least two`);
  const ctes = attemptCtes(options);
  ctes.push(`per_user as (
  select user_id, max(reached) as reached,
    arg_min_null((t${n} - t1) / 1e6, (-reached, k1)) as d
  from attempts group by user_id
)`);
  const count = edges.length - 1;
  const index = edges.map((e) => `(d >= ${e})::integer`).join(" + ");
  const last = edges[count]!;
  return `with ${ctes.join(",\n")},
binned as (
  select case when d = ${last} then ${count} else ${index} end as bin
  from per_user where reached >= ${n}
)
select bins.bin, count(binned.bin) as users
from range(1, ${count + 1}) as bins(bin)
left join binned on binned.bin = bins.bin
group by bins.bin
order by bins.bin`;
}

/** Options for {@linkcode windowFunnelSql}. */
export interface WindowFunnelSqlOptions {
  /** Event names, in order. */
  steps: string[];
  /** A table (its `rowid` orders rows at one instant). @default "events" */
  table?: string;
  /** Conversion window. @default { value: 14, unit: "day" } */
  window?: ConversionWindow | null;
  /** Breakdown column. @default null */
  breakdown?: string | null;
  /** ClickHouse's `strict_increase` (the only mode here besides the default). @default false */
  strictIncrease?: boolean;
}

/**
 * Builds a DuckDB query for {@linkcode funnel} with `windowFunnel: []` (ClickHouse's default
 * mode; with `strictIncrease`, `["strict_increase"]`): every event becomes one entry per step
 * it matches, keyed (µs × 64 + step) × 2³² + rowid; level j is reached at a step-j entry whose
 * latest earlier level-(j − 1) entry of the same user (an ASOF join) is within the window of
 * its chain's first event. The counted chain is the first to reach the user's level. Same
 * output as {@linkcode orderedFunnelSql}.
 *
 * @example
 * ```ts
 * const sql = windowFunnelSql({ steps: ["session_start", "session_start"] });
 * ```
 */
export function windowFunnelSql(options: WindowFunnelSqlOptions): string {
  const steps = options.steps;
  const n = steps.length;
  if (n === 0) throw new RangeError(`Invalid option "steps": expected at least one`);
  const w = windowMicros(options.window);
  const table = options.table ?? "events";
  const bd = options.breakdown ? ident(options.breakdown) : "null::varchar";
  const conds = steps.map((s, i) => `(${literal(s)}, ${i + 1})`).join(", ");
  const times = (j: number) => Array.from({ length: j }, (_, i) => `t${i + 1}`);
  const ctes: string[] = [
    `entries as (
  select e.user_id, ${bd} as bd, epoch_us(e.ts) as t, s.c,
    ((epoch_us(e.ts) * 64 + s.c)::hugeint << 32) + e.rowid as k
  from ${table} as e
  join (values ${conds}) as s(ev, c) on e.event = s.ev
  where e.user_id is not null and e.ts is not null
)`,
    `s1 as (select user_id, k, bd, t as t1, ${
      plusWindow("t", w)
    } as tend from entries where c = 1)`,
  ];
  for (let j = 2; j <= n; j++) {
    const increase = options.strictIncrease ? ` and p.t${j - 1} < g.t` : "";
    ctes.push(`s${j} as (
  select g.user_id, g.k, p.bd, ${times(j - 1).map((c) => `p.${c}`).join(", ")}, g.t as t${j}, p.tend
  from (select user_id, k, t from entries where c = ${j}) as g
  asof join s${j - 1} as p on g.user_id = p.user_id and g.k > p.k
  where g.t <= p.tend${increase}
)`);
  }
  const levels = Array.from({ length: n }, (_, i) => {
    const j = i + 1;
    const cols = Array.from(
      { length: n },
      (_, c) => (c < j ? `t${c + 1}` : `null::bigint as t${c + 1}`),
    );
    return `select user_id, ${j} as lvl, k, bd, ${cols.join(", ")} from s${j}`;
  });
  ctes.push(`levels as (\n${levels.join("\n  union all\n")}\n)`);
  const picks = Array.from({ length: n - 1 }, (_, i) => {
    const k = i + 2;
    return `arg_min_null(case when lvl >= ${k} then (t${k} - t${
      k - 1
    }) / 1e6 end, (-lvl, k)) as dt${k}`;
  });
  ctes.push(`per_user as (
  select user_id, max(lvl) as reached, arg_min_null(bd, (-lvl, k)) as bd${
    picks.map((p) => `,\n    ${p}`).join("")
  }
  from levels group by user_id
)`);
  return stepRows(ctes, n, options.breakdown);
}

/** Options for {@linkcode pathsSql}. */
export interface PathsSqlOptions {
  /** The anchor event (paths after it). */
  start: string;
  /** Events followed after the anchor. @default 3 */
  steps?: number;
  /** A table (its `rowid` orders events at one instant). @default "events" */
  table?: string;
  /** A new session after more than this many µs of inactivity; null: the whole history. @default null */
  sessionGapMicros?: number | null;
  /** Merge consecutive repeats of one event within a session. @default false */
  collapseRepeats?: boolean;
  /** Breakdown column (taken from the anchor event). @default null */
  breakdown?: string | null;
}

/**
 * Builds a DuckDB query for {@linkcode paths} after a `start` event: events ordered by (ts,
 * rowid) per user, sessions by inactivity, the first anchor per session, positions as row
 * numbers within the session, edges to the next row (null: the session ends first), users
 * counted distinct per edge and per source node. Returns (breakdown,) `step`, `source`,
 * `target`, `users`, `node_users`, ordered like `paths()`.
 *
 * @example
 * ```ts
 * const sql = pathsSql({ start: "session_start", steps: 3, sessionGapMicros: 30 * 60e6 });
 * ```
 */
export function pathsSql(options: PathsSqlOptions): string {
  const steps = options.steps ?? 3;
  const table = options.table ?? "events";
  const bd = options.breakdown ? ident(options.breakdown) : "null::varchar";
  const gap = options.sessionGapMicros ?? null;
  const newSession = gap === null
    ? "0"
    : `case when t - lag(t) over by_user > ${gap} then 1 else 0 end`;
  const collapse = options.collapseRepeats ? "where not repeated" : "";
  const select = options.breakdown ? `edge_counts.jbd as ${ident(options.breakdown)}, ` : "";
  return `with ordered as (
  select user_id, event, epoch_us(ts) as t, rowid as rid, ${bd} as bd
  from ${table}
  where user_id is not null and ts is not null and event is not null
),
flagged as (
  select *, ${newSession} as new_s from ordered window by_user as (partition by user_id order by t, rid)
),
sessions as (
  select *, sum(new_s) over (partition by user_id order by t, rid rows unbounded preceding) as s
  from flagged
),
marked as (
  select *, coalesce(event = lag(event) over (partition by user_id, s order by t, rid), false)
    as repeated
  from sessions
),
kept as (select * from marked ${collapse}),
numbered as (
  select *, row_number() over (partition by user_id, s order by t, rid) as rn from kept
),
anchors as (
  select user_id, s, min(rn) as arn, arg_min_null(bd, rn) as jbd
  from numbered where event = ${literal(options.start)} group by all
),
journeys as (
  select numbered.user_id, numbered.s, numbered.rn - anchors.arn as p, numbered.event,
    anchors.jbd
  from numbered join anchors using (user_id, s)
  where numbered.rn - anchors.arn between 0 and ${steps}
),
linked as (
  select *, lead(event) over (partition by user_id, s order by p) as nxt from journeys
),
nodes as (
  select jbd, p, event, count(distinct user_id) as node_users from journeys group by all
),
edge_counts as (
  select jbd, p, event, nxt, count(distinct user_id) as users
  from linked where p < ${steps} group by all
)
select ${select}edge_counts.p as step, edge_counts.event as source, edge_counts.nxt as target,
  edge_counts.users, nodes.node_users
from edge_counts
join nodes on nodes.jbd is not distinct from edge_counts.jbd and nodes.p = edge_counts.p
  and nodes.event = edge_counts.event
order by edge_counts.jbd nulls last, step, users desc, source, target nulls last`;
}

/** Which events count, for {@linkcode retentionSql}: as `retention()`'s, without `filter`. */
export type RetentionEventSql =
  | string
  | string[]
  | null
  | { event: string; properties?: Record<string, string | number | boolean | null> };

/** Options for {@linkcode retentionSql}. */
export interface RetentionSqlOptions {
  /**
   * Table or subquery with `user_id`, `event` and `ts` (TIMESTAMP read as UTC, or
   * TIMESTAMPTZ), plus the columns named by `properties`.
   * @default "events"
   */
  table?: string;
  /** Event(s) that put a user in a cohort; null or `"*"` means any event. @default null */
  targetEvent?: RetentionEventSql;
  /** Event(s) that count as a return. @default the target event(s) */
  returnEvent?: RetentionEventSql;
  /** Calendar period (UTC calendar). @default "week" */
  period?: RetentionPeriod;
  /** Number of periods per cohort, period 0 included. @default 8 */
  intervals?: number;
  /** `"first_time"` or `"recurring"` cohorts, as in `retention()`. @default "first_time" */
  type?: "first_time" | "recurring";
  /** First day of a week period. @default "monday" */
  weekStart?: "monday" | "sunday";
  /** At least this many return events in a period. @default 1 */
  minimumOccurrences?: number;
  /** As `retention()`'s `cumulative`. @default false */
  cumulative?: boolean;
  /** As `retention()`'s `unbounded`. @default false */
  unbounded?: boolean;
  /** As `retention()`'s `brackets` (`period_end` is then returned). @default null */
  brackets?: (number | [number, number])[] | null;
}

function eventCondition(spec: RetentionEventSql | undefined, name: string): string {
  if (spec === null || spec === undefined || spec === "*") return "true";
  if (typeof spec === "string") return `coalesce(event = ${literal(spec)}, false)`;
  if (Array.isArray(spec)) {
    if (spec.length === 0) {
      throw new RangeError(
        `Invalid retentionSql option "${name}": an empty event list matches nothing`,
      );
    }
    if (spec.includes("*")) return "true";
    return `coalesce(event in (${spec.map(literal).join(", ")}), false)`;
  }
  const parts = [spec.event === "*" ? "true" : `coalesce(event = ${literal(spec.event)}, false)`];
  for (const [column, value] of Object.entries(spec.properties ?? {})) {
    parts.push(
      value === null
        ? `${ident(column)} is null`
        : `coalesce(${ident(column)} = ${
          typeof value === "string" ? literal(value) : String(value)
        }, false)`,
    );
  }
  return parts.join(" and ");
}

/** Event names that can match, or null when any event can. */
function eventNames(spec: RetentionEventSql | undefined): string[] | null {
  if (spec === null || spec === undefined || spec === "*") return null;
  if (typeof spec === "string") return [spec];
  if (Array.isArray(spec)) return spec.includes("*") ? null : spec;
  return spec.event === "*" ? null : [spec.event];
}

/**
 * UTC wall clock (naive TIMESTAMP) of a TIMESTAMP or TIMESTAMPTZ column, whatever the session
 * time zone. On 10M rows `make_timestamp(epoch_us(ts))::date` took about a quarter of the time
 * of `ts::date` on a TIMESTAMPTZ column (which goes through ICU), so it is also the fast way.
 */
function utcClock(column: string): string {
  return `make_timestamp(epoch_us(${column}))`;
}

/**
 * Builds a DuckDB query for a cohort retention table with {@linkcode retention}'s semantics
 * in the UTC calendar (no `timezone`, `from`, `to` or `filter` here): period 0 counts the
 * whole cohort; for k ≥ 1 a member counts in a column if they did at least
 * `minimumOccurrences` return events in one period of the column's set (the period; a
 * bracket's periods; from it to the table's last with `cumulative`; from it on with
 * `unbounded`). The table is judged at the latest `ts`: columns whose first period starts
 * after the period holding it are left out, a column is complete when its last period (the
 * table's last with `cumulative`; never with `unbounded`, except period 0) starts before it.
 * Events with a null `user_id` or `ts` are ignored.
 *
 * It returns one row per cohort and column (zeros filled): `cohort` (DATE, first day of the
 * period), `cohort_size`, `period`, `period_end`, `users`, `retention_pct` (0–100) and
 * `is_complete`, ordered by cohort and period.
 *
 * @example
 * ```ts
 * const sql = retentionSql({ targetEvent: "session_start", period: "week", intervals: 12 });
 * ```
 */
export function retentionSql(options: RetentionSqlOptions = {}): string {
  const period = options.period ?? "week";
  if (!["day", "week", "month"].includes(period)) {
    throw new RangeError(`Invalid retentionSql option "period": ${JSON.stringify(period)}`);
  }
  const intervals = options.intervals ?? 8;
  if (!Number.isInteger(intervals) || intervals < 1) {
    throw new RangeError(
      `Invalid retentionSql option "intervals": expected a positive integer, got ${intervals}`,
    );
  }
  const type = options.type ?? "first_time";
  if (type !== "first_time" && type !== "recurring") {
    throw new RangeError(`Invalid retentionSql option "type": ${JSON.stringify(type)}`);
  }
  const weekStart = options.weekStart ?? "monday";
  if (weekStart !== "monday" && weekStart !== "sunday") {
    throw new RangeError(`Invalid retentionSql option "weekStart": ${JSON.stringify(weekStart)}`);
  }
  const minimum = options.minimumOccurrences ?? 1;
  const mode = options.unbounded ? "unbounded" : options.cumulative ? "cumulative" : "plain";
  const columns = options.brackets
    ? options.brackets.map((b) => (typeof b === "number" ? [b, b] : b))
    : Array.from({ length: intervals }, (_, k) => [k, k]);
  const lastEnd = columns[columns.length - 1]![1];
  const table = options.table ?? "events";
  const target = eventCondition(options.targetEvent, "targetEvent");
  const returning = options.returnEvent === undefined
    ? target
    : eventCondition(options.returnEvent, "returnEvent");
  const targetNames = eventNames(options.targetEvent);
  const returnNames = options.returnEvent === undefined
    ? targetNames
    : eventNames(options.returnEvent);
  // A plain `event in (…)` on the scan lets DuckDB filter while reading.
  const needed = targetNames && returnNames
    ? ` and event in (${[...new Set([...targetNames, ...returnNames])].map(literal).join(", ")})`
    : "";
  // First day of the period holding the naive UTC timestamp `t`, as a DATE.
  const start = (t: string) =>
    period === "day"
      ? `${t}::date`
      : period === "month"
      ? `date_trunc('month', ${t})::date`
      : weekStart === "monday"
      ? `date_trunc('week', ${t})::date`
      : `(date_trunc('week', ${t} + interval 1 day) - interval 1 day)::date`;
  // Periods from cohort start `cp` to period start `rp` (both DATE), and the start of period k.
  const between = period === "month"
    ? "date_diff('month', cp, rp)"
    : period === "week"
    ? "(rp - cp) // 7"
    : "rp - cp";
  const nth = (cp: string, k: string) =>
    period === "month"
      ? `date_add(${cp}, to_months(${k}))::date`
      : period === "week"
      ? `${cp} + 7 * ${k}`
      : `${cp} + ${k}`;
  const cohorts = type === "first_time"
    ? `select user_id, min(p) as cp from keyed where is_target group by user_id`
    : `select distinct user_id, p as cp from keyed where is_target`;
  const returnPeriods = minimum === 1
    ? `select distinct user_id, p as rp from keyed where is_return`
    : `select user_id, p as rp from keyed where is_return group by all having count(*) >= ${minimum}`;
  const values = columns.map(([a, b], i) => `(${i}, ${a}, ${b})`).join(", ");
  let counts: string;
  if (mode === "plain") {
    counts = `counts as (
    select cp, ci, count(distinct user_id) as n
    from hits join cols on hits.k between cols.a and cols.b
    where cols.a > 0
    group by all
)`;
  } else {
    const furthest = mode === "unbounded"
      ? `select cohorts.user_id, cp, ${
        between.replace("rp", "max_rp")
      } as mk from cohorts join (select user_id, max(rp) as max_rp from return_periods group by user_id) using (user_id)`
      : `select user_id, cp, max(k) as mk from hits where k <= ${lastEnd} group by all`;
    counts = `furthest as (
    ${furthest}
),
counts as (
    select cp, ci, count(*) as n from (
        select furthest.cp, max(cols.ci) as ci, furthest.user_id
        from furthest join cols on cols.a <= furthest.mk
        where furthest.mk >= 1
        group by all
    ) group by all
)`;
  }
  const users = mode === "plain"
    ? "coalesce(counts.n, 0)"
    : "sum(coalesce(counts.n, 0)) over (partition by grid.cp order by grid.ci desc rows unbounded preceding)";
  const lastPeriod = mode === "cumulative" ? String(lastEnd) : "grid.b";
  const complete = mode === "unbounded"
    ? `grid.a = 0 and ${nth("grid.cp", "0")} < last_period.tp`
    : `${nth("grid.cp", `case when grid.a = 0 then 0 else ${lastPeriod} end`)} < last_period.tp`;
  const endColumn = options.brackets ? "        grid.b as period_end,\n" : "";
  return `with keyed as (
    select user_id, ${target} as is_target, ${returning} as is_return, ${start(utcClock("ts"))} as p
    from ${table}
    where user_id is not null and ts is not null${needed}
),
cohorts as (
    ${cohorts}
),
return_periods as (
    ${returnPeriods}
),
hits as (
    select cohorts.user_id, cp, ${between} as k
    from cohorts
    inner join return_periods using (user_id)
    where rp > cp
),
cols as (
    select * from (values ${values}) as c(ci, a, b)
),
${counts},
cohort_sizes as (
    select cp, count(*) as cohort_size from cohorts group by cp
),
last_period as (
    select ${start("make_timestamp(max(epoch_us(ts)))")} as tp
    from ${table}
    where user_id is not null
),
grid as (
    select cohort_sizes.cp, cohort_sizes.cohort_size, cols.ci, cols.a, cols.b
    from cohort_sizes
    cross join cols
),
summed as (
    select grid.*, ${users} as n
    from grid
    left join counts on grid.cp = counts.cp and grid.ci = counts.ci
),
final as (
    select
        grid.cp as cohort,
        grid.cohort_size,
        grid.a as period,
${endColumn}        case when grid.a = 0 then grid.cohort_size else grid.n end as users,
        100.0 * users / grid.cohort_size as retention_pct,
        ${complete} as is_complete
    from summed as grid
    cross join last_period
    where ${nth("grid.cp", "grid.a")} <= last_period.tp
)
select * from final
order by cohort, period`;
}

/** Options for {@linkcode rollingAverageSql}. */
export interface RollingAverageSqlOptions {
  /** Table or subquery with the day column, the group columns and the value column. @default "events" */
  table?: string;
  /** Column to sum per day; when undefined, rows are counted. @default undefined */
  value?: string;
  /** Group column(s); each group gets its own gap-filled series. @default [] */
  by?: string | string[];
  /** Trailing window length in days. @default 7 */
  window?: number;
  /** Smallest number of days in the window for a mean to be given. @default 1 */
  minPeriods?: number;
  /** DATE, TIMESTAMP (read as UTC) or TIMESTAMPTZ column giving the UTC day of each row. @default "ts" */
  ts?: string;
}

/**
 * Builds a DuckDB query for a gap-filled daily series per group and its trailing rolling mean,
 * with {@linkcode rollingAverage}'s semantics (no `from`/`to` here): every group gets one row
 * per day from the first to the last day in the whole table, empty days are 0 and count in
 * the mean, a null group key is its own group and a null value counts as 0.
 *
 * It returns `date` (DATE), the group columns, `value` (DOUBLE) and `rolling_mean` (DOUBLE,
 * null while fewer than `minPeriods` days are in the window), ordered by group then date.
 *
 * @example
 * ```ts
 * const sql = rollingAverageSql({ table: "marts.mart_daily_region", value: "n_active_users", by: "region", ts: "activity_date" });
 * ```
 */
export function rollingAverageSql(options: RollingAverageSqlOptions = {}): string {
  const by = options.by === undefined ? [] : Array.isArray(options.by) ? options.by : [options.by];
  const window = options.window ?? 7;
  const minPeriods = options.minPeriods ?? 1;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(
      `Invalid rollingAverageSql option "window": expected a positive integer, got ${window}`,
    );
  }
  if (!Number.isInteger(minPeriods) || minPeriods < 1 || minPeriods > window) {
    throw new RangeError(
      `Invalid rollingAverageSql option "minPeriods": expected an integer in 1..${window}, got ${minPeriods}`,
    );
  }
  const table = options.table ?? "events";
  const ts = ident(options.ts ?? "ts");
  const groups = by.map(ident);
  const value = options.value ? `coalesce(${ident(options.value)}::double, 0)` : "1.0";
  const groupList = groups.map((g) => `${g}, `).join("");
  const gridGroups = groups.map((g) => `groups.${g}, `).join("");
  const joinOn = [
    ...groups.map((g) => `grid.${g} is not distinct from daily.${g}`),
    "grid.d = daily.d",
  ].join(" and ");
  const partition = groups.length > 0 ? `partition by ${groups.join(", ")} ` : "";
  const order = [...groups.map((g) => `${g} nulls first`), "date"].join(", ");
  return `with source_rows as (
    select ${groupList}${utcClock(ts)}::date as d, ${value} as v
    from ${table}
    where ${ts} is not null
),
daily as (
    select ${groupList}d, sum(v) as v from source_rows group by all
),
calendar as (
    select unnest(generate_series(min(d), max(d), interval 1 day))::date as d from source_rows
),
${
    groups.length > 0
      ? `groups as (
    select distinct ${groups.join(", ")} from source_rows
),
grid as (
    select ${gridGroups}calendar.d from groups cross join calendar
),`
      : `grid as (
    select d from calendar
),`
  }
series as (
    select grid.*, coalesce(daily.v, 0)::double as value
    from grid
    left join daily on ${joinOn}
),
final as (
    select
        d as date,
        ${groupList}value,
        case when count(*) over trailing_days >= ${minPeriods} then avg(value) over trailing_days end
            as rolling_mean
    from series
    window trailing_days as (${partition}order by d rows between ${
    window - 1
  } preceding and current row)
)
select * from final
order by ${order}`;
}
