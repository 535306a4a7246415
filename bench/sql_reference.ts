/**
 * DuckDB SQL that computes the same numbers as the Polars functions of `lib/analytics`, used
 * only by the cross-check tests (`sql_reference_test.ts`) and the analytics benchmark
 * (`bench/analytics_bench.ts`), so it lives with the tests rather than in `lib/`: {@linkcode orderedFunnelSql} (as `funnel()` with
 * `order: "ordered"`), {@linkcode retentionSql} (as `retention()` in UTC) and
 * {@linkcode rollingAverageSql} (as `rollingAverage()`). The test suite runs each on DuckDB
 * and compares the result with the Polars function row for row.
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

/** Options for {@linkcode orderedFunnelSql}. */
export interface OrderedFunnelSqlOptions {
  /** Event names, in order (plain names: no filters). */
  steps: string[];
  /**
   * Table or subquery with `user_id`, `event`, `ts` (TIMESTAMP or TIMESTAMPTZ, read as UTC)
   * and the breakdown column.
   * @default "events"
   */
  table?: string;
  /** Conversion window; `month` is not supported here. @default { value: 14, unit: "day" } */
  window?: ConversionWindow | null;
  /** Breakdown column. @default null */
  breakdown?: string | null;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Builds a DuckDB query for an ordered funnel with {@linkcode funnel}'s semantics: rows
 * numbered by (user, ts, first step matched), one `ASOF LEFT JOIN … AND next.seq > prev.seq`
 * per step, the furthest (then earliest) attempt per user. It returns one row per
 * (breakdown,) step with `step`, `users`, `median_time_to_convert_s`, `p90_time_to_convert_s`
 * (`quantile_cont`, as the Polars side's linear interpolation), ordered by breakdown and step.
 *
 * @example
 * ```ts
 * const sql = orderedFunnelSql({ steps: ["session_start", "start_listing"], table: "marts.fct_events_for_funnel" });
 * ```
 */
export function orderedFunnelSql(options: OrderedFunnelSqlOptions): string {
  const steps = options.steps;
  if (steps.length === 0) throw new RangeError(`Invalid option "steps": expected at least one`);
  const window = options.window === undefined
    ? { value: 14, unit: "day" as const }
    : options.window;
  if (window && window.unit === "month") {
    throw new RangeError(`Invalid option "window.unit": "month" is not supported in SQL here`);
  }
  const table = options.table ?? "events";
  const bd = options.breakdown ? ident(options.breakdown) : "null::varchar";
  const n = steps.length;
  const distinct = [...new Set(steps)];
  const rank = distinct.map((s) => `when ${literal(s)} then ${steps.indexOf(s) + 1}`).join(" ");
  const end = window && window.unit !== "month"
    ? `t + ${window.value * US_PER[window.unit]}`
    : "9223372036854775807";
  const ctes: string[] = [
    `base as (
  select user_id, ${bd} as bd, epoch_us(ts) as t, event,
    case event ${rank} end as r
  from ${table}
  where user_id is not null and ts is not null and event in (${distinct.map(literal).join(", ")})
)`,
    `seqd as (select *, row_number() over (order by user_id, t, r) as seq from base)`,
    `a1 as (select seq as s1, user_id, bd, t as t1, ${end} as tend from seqd where event = ${
      literal(steps[0]!)
    })`,
  ];
  for (let j = 2; j <= n; j++) {
    ctes.push(`a${j} as (
  select a.*, b.seq as s${j}, b.t as t${j}
  from a${j - 1} as a
  asof left join (select seq, user_id, t from seqd where event = ${literal(steps[j - 1]!)}) as b
    on a.user_id = b.user_id and b.seq > a.s${j - 1}
)`);
  }
  const reachedCases: string[] = [];
  for (let k = n; k >= 2; k--) {
    const conds = Array.from({ length: k - 1 }, (_, i) => `t${i + 2} is not null`);
    conds.push(`t${k} <= tend`);
    reachedCases.push(`when ${conds.join(" and ")} then ${k}`);
  }
  const reached = n > 1 ? `case ${reachedCases.join(" ")} else 1 end` : "1";
  ctes.push(`attempts as (select *, ${reached} as reached from a${n})`);
  const picks = Array.from({ length: n - 1 }, (_, i) => {
    const k = i + 2;
    return `arg_min_null(case when reached >= ${k} then (t${k} - t${
      k - 1
    }) / 1e6 end, (-reached, s1)) as dt${k}`;
  });
  ctes.push(`per_user as (
  select user_id, max(reached) as reached, arg_min_null(bd, (-reached, s1)) as bd${
    picks.map((p) => `,\n    ${p}`).join("")
  }
  from attempts group by user_id
)`);
  const perStep = Array.from({ length: n }, (_, i) => {
    const k = i + 1;
    const times = k > 1
      ? `median(dt${k}) as median_time_to_convert_s, quantile_cont(dt${k}, 0.9) as p90_time_to_convert_s`
      : "null::double as median_time_to_convert_s, null::double as p90_time_to_convert_s";
    return `select bd, ${k} as step, count(*) filter (where reached >= ${k}) as users, ${times}
  from per_user group by bd`;
  });
  const select = options.breakdown ? `bd as ${ident(options.breakdown)}, ` : "";
  return `with ${ctes.join(",\n")},
steps as (
${perStep.join("\n  union all\n")}
)
select ${select}step, users, median_time_to_convert_s, p90_time_to_convert_s
from steps
order by bd nulls last, step`;
}

/** Options for {@linkcode retentionSql}. */
export interface RetentionSqlOptions {
  /**
   * Table or subquery with `user_id`, `event` and `ts` (TIMESTAMP read as UTC, or
   * TIMESTAMPTZ).
   * @default "events"
   */
  table?: string;
  /** Event(s) that put a user in a cohort; null means any event. @default null */
  targetEvent?: string | string[] | null;
  /** Event(s) that count as a return; null means any event. @default the target event(s) */
  returnEvent?: string | string[] | null;
  /** Calendar period (UTC calendar). @default "week" */
  period?: RetentionPeriod;
  /** Number of periods per cohort, period 0 included. @default 8 */
  intervals?: number;
  /** `"first_time"` or `"recurring"` cohorts, as in `retention()`. @default "first_time" */
  type?: "first_time" | "recurring";
  /** First day of a week period. @default "monday" */
  weekStart?: "monday" | "sunday";
}

function eventList(events: string | string[] | null): string[] | null {
  if (events === null) return null;
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) {
    throw new RangeError(`Invalid retentionSql option: an empty event list matches nothing`);
  }
  return list;
}

function eventCondition(list: string[] | null): string {
  return list === null ? "true" : `coalesce(event in (${list.map(literal).join(", ")}), false)`;
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
 * in the UTC calendar (no `timezone`, `from`, `to` or `cumulative` here): period 0 counts the
 * whole cohort; for k ≥ 1 a member counts if they did a return event in period `cohort + k`;
 * a period is complete when it starts before the period of the latest `ts` in the table.
 * Events with a null `user_id` or `ts` are ignored.
 *
 * It returns one row per cohort and period 0..intervals−1 (zeros filled): `cohort` (DATE,
 * first day of the period), `cohort_size`, `period`, `users`, `retention_pct` (0–100) and
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
  const table = options.table ?? "events";
  const targetEvents = eventList(options.targetEvent ?? null);
  const returnEvents = options.returnEvent === undefined
    ? targetEvents
    : eventList(options.returnEvent ?? null);
  const target = eventCondition(targetEvents);
  const returning = eventCondition(returnEvents);
  // A plain `event in (…)` on the scan lets DuckDB filter while reading.
  const needed = targetEvents && returnEvents
    ? ` and event in (${[...new Set([...targetEvents, ...returnEvents])].map(literal).join(", ")})`
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
  // Only target and return events need a period; completeness needs the latest ts of all.
  return `with keyed as (
    select user_id, ${target} as is_target, ${returning} as is_return, ${start(utcClock("ts"))} as p
    from ${table}
    where user_id is not null and ts is not null${needed}
),
cohorts as (
    ${cohorts}
),
return_periods as (
    select distinct user_id, p as rp from keyed where is_return
),
hits as (
    select cp, ${between} as k, count(*) as n
    from cohorts
    inner join return_periods using (user_id)
    where rp > cp and ${between} between 1 and ${intervals - 1}
    group by all
),
cohort_sizes as (
    select cp, count(*) as cohort_size from cohorts group by cp
),
last_period as (
    select ${start("make_timestamp(max(epoch_us(ts)))")} as tp
    from ${table}
    where user_id is not null
),
grid as (
    select cohort_sizes.cp, cohort_sizes.cohort_size, periods.k::integer as k
    from cohort_sizes
    cross join range(0, ${intervals}) as periods(k)
),
final as (
    select
        grid.cp as cohort,
        grid.cohort_size,
        grid.k as period,
        case when grid.k = 0 then grid.cohort_size else coalesce(hits.n, 0) end as users,
        100.0 * users / grid.cohort_size as retention_pct,
        ${nth("grid.cp", "grid.k")} < last_period.tp as is_complete
    from grid
    left join hits on grid.cp = hits.cp and grid.k = hits.k
    cross join last_period
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
