/**
 * DuckDB SQL that computes the same ordered funnel as {@linkcode funnel}, for benchmarks and
 * cross-checks against the warehouse. The test suite runs it on DuckDB and compares the
 * result with `funnel()` row for row.
 *
 * @module
 */
import { US_PER } from "./_frame.ts";
import type { ConversionWindow } from "./funnel.ts";

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
