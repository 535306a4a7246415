import assert from "node:assert/strict";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import pl, { type DataFrame } from "nodejs-polars";
import { funnel } from "../../lib/analytics/funnel.ts";
import { funnelTrends } from "../../lib/analytics/funnel_trends.ts";
import { paths } from "../../lib/analytics/paths.ts";
import { retention, type RetentionOptions } from "../../lib/analytics/retention.ts";
import { timeToConvert } from "../../lib/analytics/time_to_convert.ts";
import { rollingAverage } from "../../lib/analytics/rolling_average.ts";
import {
  funnelTrendsSql,
  orderedFunnelSql,
  pathsSql,
  retentionSql,
  type RetentionSqlOptions,
  rollingAverageSql,
  type RollingAverageSqlOptions,
  timeToConvertSql,
  windowFunnelSql,
} from "../../bench/sql_reference.ts";
import { col, events, type Row, us } from "./_events.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomRows(seed: number): Row[] {
  const rnd = lcg(seed);
  const t0 = us("2026-03-02T10:00:00Z");
  return Array.from({ length: 500 }, () => [
    `u${Math.floor(rnd() * 50)}`,
    ["A", "B", "C", "X"][Math.floor(rnd() * 4)]!,
    t0 + Math.floor(rnd() * 600) * 60_000_000 + (rnd() < 0.1 ? 1 : 0),
    { tier: rnd() < 0.1 ? null : rnd() < 0.5 ? "Basic" : "Pro" },
  ]);
}

function sqlValue(v: unknown): string {
  return v === null || v === undefined ? "null" : `'${String(v).replaceAll("'", "''")}'`;
}

Deno.test("orderedFunnelSql() on DuckDB gives the same funnel as funnel()", async (t) => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const seed of [5, 6]) {
      const rows = randomRows(seed);
      await connection.run(
        `create or replace table events as select user_id, event, make_timestamp(us) as ts, tier from (values ${
          rows.map(([u, e, ts, p]) =>
            `(${sqlValue(u)}, ${sqlValue(e)}, ${ts}, ${sqlValue(p?.tier)})`
          )
            .join(", ")
        }) as v(user_id, event, us, tier)`,
      );
      const frame = events(rows, ["tier"]);
      for (const steps of [["A", "B", "C"], ["A", "B", "A"], ["C", "C"]]) {
        await t.step(`seed ${seed}, ${steps.join("→")}`, async () => {
          const window = { value: 45, unit: "minute" as const };
          const sql = orderedFunnelSql({ steps, window, breakdown: "tier" });
          const duck = (await connection.runAndReadAll(sql)).getRowObjectsJson();
          const ours = funnel(frame, { steps, window, breakdown: "tier" });
          assert.deepEqual(duck.map((r) => r.tier ?? null), col(ours, "tier"));
          assert.deepEqual(duck.map((r) => Number(r.step)), col(ours, "step"));
          assert.deepEqual(duck.map((r) => Number(r.users)), col(ours, "users"));
          for (const c of ["median_time_to_convert_s", "p90_time_to_convert_s"]) {
            const theirs = duck.map((r) => (r[c] === null ? null : Number(r[c])));
            const mine = col<number | null>(ours, c);
            theirs.forEach((v, i) => {
              if (v === null || mine[i] === null) assert.equal(v, mine[i], c);
              else assert.ok(Math.abs(v - mine[i]!) < 1e-6, `${c}[${i}]: ${v} vs ${mine[i]}`);
            });
          }
        });
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

async function withFunnelEvents(
  seed: number,
  fn: (connection: DuckDBConnection, rows: Row[]) => Promise<void>,
): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const rows = randomRows(seed);
    await connection.run(
      `create table events as select user_id, event, make_timestamp(us) as ts, tier from (values ${
        rows.map(([u, e, ts, p]) => `(${sqlValue(u)}, ${sqlValue(e)}, ${ts}, ${sqlValue(p?.tier)})`)
          .join(", ")
      }) as v(user_id, event, us, tier)`,
    );
    await fn(connection, rows);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function numbers(rows: Record<string, unknown>[], column: string): (number | null)[] {
  return rows.map((r) => (r[column] === null ? null : Number(r[column])));
}

Deno.test("orderedFunnelSql() with exclusions gives funnel()'s numbers", async (t) => {
  await withFunnelEvents(11, async (connection, rows) => {
    const frame = events(rows, ["tier"]);
    const window = { value: 45, unit: "minute" as const };
    const cases = [
      { steps: ["A", "B", "C"], exclusions: [{ event: "X", fromStep: 1, toStep: 3 }] },
      { steps: ["A", "B", "A"], exclusions: [{ event: "C", fromStep: 2, toStep: 3 }] },
    ];
    for (const { steps, exclusions } of cases) {
      await t.step(`${steps.join("→")}, excluding ${exclusions[0]!.event}`, async () => {
        const duck = (await connection.runAndReadAll(
          orderedFunnelSql({ steps, window, breakdown: "tier", exclusions }),
        )).getRowObjectsJson();
        const ours = funnel(frame, { steps, window, breakdown: "tier", exclusions });
        assert.deepEqual(numbers(duck, "users"), col(ours, "users"));
        assert.deepEqual(duck.map((r) => r.tier ?? null), col(ours, "tier"));
        const plain = funnel(frame, { steps, window, breakdown: "tier" });
        assert.notDeepEqual(col(plain, "users"), col(ours, "users"), "the exclusion bites");
      });
    }
  });
});

Deno.test("funnelTrendsSql() and timeToConvertSql() give the Polars numbers", async (t) => {
  await withFunnelEvents(12, async (connection, rows) => {
    const frame = events(rows);
    const steps = ["A", "B", "C"];
    const window = { value: 90, unit: "minute" as const };
    await t.step("trends, hourly data over 10 hours: one day", async () => {
      const duck = (await connection.runAndReadAll(funnelTrendsSql({ steps, window })))
        .getRowObjectsJson();
      const ours = funnelTrends(frame, { steps, window });
      assert.deepEqual(numbers(duck, "users_entered"), col(ours, "users_entered"));
      assert.deepEqual(numbers(duck, "users_converted"), col(ours, "users_converted"));
    });
    await t.step("time to convert, edges", async () => {
      const edges = [0, 600, 1800, 3600, 5400];
      const duck = (await connection.runAndReadAll(timeToConvertSql({ steps, window, edges })))
        .getRowObjectsJson();
      const ours = timeToConvert(frame, { steps, window, bins: edges });
      assert.deepEqual(numbers(duck, "users"), col(ours, "users"));
      assert.ok(col<number>(ours, "users").some((u) => u > 0));
    });
  });
});

Deno.test("windowFunnelSql() gives funnel()'s windowFunnel numbers", async (t) => {
  await withFunnelEvents(13, async (connection, rows) => {
    const frame = events(rows, ["tier"]);
    const window = { value: 30, unit: "minute" as const };
    for (const steps of [["A", "B", "C"], ["A", "A", "B"], ["B", "C", "B"]]) {
      for (const strictIncrease of [false, true]) {
        await t.step(`${steps.join("→")}${strictIncrease ? ", strict_increase" : ""}`, async () => {
          const duck = (await connection.runAndReadAll(
            windowFunnelSql({ steps, window, breakdown: "tier", strictIncrease }),
          )).getRowObjectsJson();
          const ours = funnel(frame, {
            steps,
            window,
            breakdown: "tier",
            windowFunnel: strictIncrease ? ["strict_increase"] : [],
          });
          assert.deepEqual(numbers(duck, "users"), col(ours, "users"));
          assert.deepEqual(duck.map((r) => r.tier ?? null), col(ours, "tier"));
          const med = numbers(duck, "median_time_to_convert_s");
          col<number | null>(ours, "median_time_to_convert_s").forEach((v, i) => {
            assert.ok(v === med[i] || Math.abs(v! - med[i]!) < 1e-6, `median ${i}`);
          });
        });
      }
    }
  });
});

Deno.test("pathsSql() gives paths()'s edges", async (t) => {
  await withFunnelEvents(14, async (connection, rows) => {
    const frame = events(rows, ["tier"]);
    const cases: [string, Parameters<typeof pathsSql>[0]][] = [
      ["after A, whole history", { start: "A", steps: 3, breakdown: "tier" }],
      ["after B, 20-minute sessions, repeats merged", {
        start: "B",
        steps: 4,
        breakdown: "tier",
        sessionGapMicros: 20 * 60_000_000,
        collapseRepeats: true,
      }],
    ];
    for (const [name, options] of cases) {
      await t.step(name, async () => {
        const duck = (await connection.runAndReadAll(pathsSql(options))).getRowObjectsJson();
        const ours = paths(frame, {
          start: options.start,
          steps: options.steps,
          breakdown: "tier",
          collapseRepeats: options.collapseRepeats,
          session: options.sessionGapMicros
            ? { inactivity: { value: options.sessionGapMicros / 1e6, unit: "second" } }
            : null,
        });
        const key = (
          tier: unknown,
          step: unknown,
          s: unknown,
          tg: unknown,
          u: unknown,
          nu: unknown,
        ) => [tier ?? "·", Number(step), s ?? "·", tg ?? "·", Number(u), Number(nu)].join("|");
        const theirs = duck.map((r) =>
          key(r.tier, r.step, r.source, r.target, r.users, r.node_users)
        ).sort();
        const mine = ours.toRecords().map((r) =>
          key(r.tier, r.step, r.source, r.target, r.users, r.node_users)
        ).sort();
        assert.deepEqual(theirs, mine);
        assert.ok(mine.length > 10);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// retentionSql() and rollingAverageSql() against retention() and rollingAverage().

/** One event: user (nullable), event (nullable), µs since the epoch (nullable), region. */
type Event = [string | null, string | null, number | null, string | null];

function randomEvents(seed: number, n: number, days: number): Event[] {
  const rnd = lcg(seed);
  const t0 = us("2026-01-20T00:00:00Z");
  return Array.from({ length: n }, () => [
    rnd() < 0.02 ? null : `u${Math.floor(rnd() * 60)}`,
    rnd() < 0.02 ? null : ["s", "r", "x"][Math.floor(rnd() * 3)]!,
    rnd() < 0.02 ? null : t0 + Math.floor(rnd() * days * 86_400) * 1_000_000 + 7,
    rnd() < 0.05 ? null : ["NA", "EMEA", "APAC"][Math.floor(rnd() * 3)]!,
  ]);
}

function eventFrame(rows: Event[]): DataFrame {
  return pl.DataFrame([
    pl.Series("user_id", rows.map((r) => r[0]), pl.Utf8),
    pl.Series("event", rows.map((r) => r[1]), pl.Utf8),
    pl.Series("ts", rows.map((r) => r[2]), pl.Float64).cast(pl.Int64).cast(
      pl.Datetime("us", "UTC"),
    ),
    pl.Series("region", rows.map((r) => r[3]), pl.Utf8),
  ]);
}

/** The same rows as a DuckDB table with a TIMESTAMP or TIMESTAMPTZ `ts`. */
async function createEvents(
  connection: DuckDBConnection,
  rows: Event[],
  zoned: boolean,
): Promise<void> {
  const ts = zoned ? "make_timestamp(us) at time zone 'UTC'" : "make_timestamp(us)";
  await connection.run(
    `create or replace table events as select user_id, event, ${ts} as ts, region from (values ${
      rows.map(([u, e, t, r]) =>
        `(${sqlValue(u)}, ${sqlValue(e)}, ${t ?? "null"}::bigint, ${sqlValue(r)})`
      ).join(", ")
    }) as v(user_id, event, us, region)`,
  );
}

/** Frame rows as strings, numbers rounded to 9 decimals, for an exact comparison. */
function polarsRows(frame: DataFrame, columns: string[]): string[] {
  const f = frame.select(
    ...columns.map((c) =>
      frame.getColumn(c).dtype.equals(pl.Date) ? pl.col(c).cast(pl.Utf8) : pl.col(c)
    ),
  );
  const values = columns.map((c) => col<unknown>(f, c));
  return values[0]!.map((_, i) => columns.map((_, j) => cell(values[j]![i])).join("|"));
}

function duckRows(rows: Record<string, unknown>[], columns: string[]): string[] {
  return rows.map((r) => columns.map((c) => cell(r[c])).join("|"));
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return String(Math.round(value * 1e9) / 1e9);
  if (typeof value === "boolean") return String(value);
  const text = String(value);
  return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text) ? cell(Number(text)) : text;
}

async function withDuckDb(fn: (connection: DuckDBConnection) => Promise<void>): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    // A non-UTC session zone: the SQL must read the UTC calendar whatever the session says.
    await connection.run("set TimeZone = 'America/New_York'");
    await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

Deno.test("retentionSql() on DuckDB gives the same table as retention()", async (t) => {
  const rows = randomEvents(21, 900, 100);
  const frame = eventFrame(rows);
  const columns = ["cohort", "cohort_size", "period", "users", "retention_pct", "is_complete"];
  const cases: [string, RetentionSqlOptions][] = [
    ["weekly first_time s→r", { targetEvent: "s", returnEvent: "r", intervals: 6 }],
    ["weekly first_time s→s, 12 intervals", { targetEvent: "s", intervals: 12 }],
    ["weekly recurring, sunday weeks", {
      targetEvent: "s",
      returnEvent: ["r", "x"],
      type: "recurring",
      weekStart: "sunday",
      intervals: 5,
    }],
    ["daily, any event", { targetEvent: null, returnEvent: null, period: "day", intervals: 9 }],
    ["monthly first_time", { targetEvent: "s", returnEvent: "r", period: "month", intervals: 4 }],
    ["one interval", { targetEvent: "r", intervals: 1 }],
  ];
  await withDuckDb(async (connection) => {
    for (const zoned of [false, true]) {
      await createEvents(connection, rows, zoned);
      for (const [name, options] of cases) {
        await t.step(`${name}, ${zoned ? "TIMESTAMPTZ" : "TIMESTAMP"}`, async () => {
          const duck = (await connection.runAndReadAll(retentionSql(options)))
            .getRowObjectsJson();
          const ours = retention(frame, options);
          assert.ok(ours.height > 0, "the case has cohorts");
          assert.deepEqual(duckRows(duck, columns), polarsRows(ours, columns));
        });
      }
    }
  });
});

Deno.test("retentionSql() with the new options gives the same table as retention()", async (t) => {
  const rows = randomEvents(23, 1200, 60);
  const frame = eventFrame(rows);
  const columns = [
    "cohort",
    "cohort_size",
    "period",
    "users",
    "retention_pct",
    "is_complete",
  ];
  const cases: [string, RetentionSqlOptions][] = [
    ["any-event returns", { targetEvent: "s", returnEvent: "*", period: "day", intervals: 10 }],
    ["filtered target", {
      targetEvent: { event: "s", properties: { region: "EMEA" } },
      returnEvent: "r",
      intervals: 6,
    }],
    ["minimum occurrences 2", { targetEvent: "s", returnEvent: "*", minimumOccurrences: 2 }],
    ["cumulative", { targetEvent: "s", returnEvent: "r", cumulative: true, intervals: 5 }],
    ["unbounded", { targetEvent: "s", returnEvent: "r", unbounded: true, intervals: 4 }],
    ["unbounded recurring", {
      targetEvent: "s",
      returnEvent: "r",
      unbounded: true,
      type: "recurring",
      period: "day",
      intervals: 6,
    }],
    ["brackets", {
      targetEvent: "s",
      returnEvent: "*",
      period: "day",
      brackets: [0, 1, [2, 7], [8, 30]],
    }],
    ["brackets, cumulative, monthly", {
      targetEvent: "r",
      period: "month",
      brackets: [0, [1, 2]],
      cumulative: true,
    }],
  ];
  await withDuckDb(async (connection) => {
    await createEvents(connection, rows, true);
    for (const [name, options] of cases) {
      await t.step(name, async () => {
        const duck = (await connection.runAndReadAll(retentionSql(options))).getRowObjectsJson();
        const ours = retention(frame, options as RetentionOptions);
        assert.ok(ours.height > 0, "the case has cohorts");
        const cols = options.brackets ? [...columns, "period_end"] : columns;
        assert.deepEqual(duckRows(duck, cols), polarsRows(ours, cols));
      });
    }
  });
});

Deno.test("rollingAverageSql() on DuckDB gives the same series as rollingAverage()", async (t) => {
  const rows = randomEvents(22, 700, 40);
  const frame = eventFrame(rows);
  await withDuckDb(async (connection) => {
    await createEvents(connection, rows, true);
    const cases: [string, RollingAverageSqlOptions][] = [
      ["rows per region (null region is a group), 7 days", { by: "region" }],
      ["rows overall, window 5, minPeriods 3", { window: 5, minPeriods: 3 }],
      ["rows per region and event, window 1", { by: ["region", "event"], window: 1 }],
    ];
    for (const [name, options] of cases) {
      await t.step(name, async () => {
        const columns = ["date", ...[options.by ?? []].flat(), "value", "rolling_mean"];
        const duck = (await connection.runAndReadAll(rollingAverageSql(options)))
          .getRowObjectsJson();
        const ours = rollingAverage(frame, options);
        assert.ok(ours.height >= 40, "the case has a gap-filled calendar");
        assert.deepEqual(duckRows(duck, columns), polarsRows(ours, columns));
      });
    }

    await t.step(
      "distinct non-null users per region and day (bench definition), DATE column",
      async () => {
        // A region whose only event has no user: a series of zeros on both sides.
        const withNullUser = [...rows, [null, "s", us("2026-01-25T12:00:00Z"), "ZZ"] as Event];
        await createEvents(connection, withNullUser, true);
        const dailyActive = eventFrame(withNullUser).lazy()
          .groupBy(["region", pl.col("ts").cast(pl.Date).alias("day")] as unknown as string[])
          .agg(pl.col("user_id").dropNulls().nUnique().alias("dau"));
        const options = { value: "dau", by: "region", ts: "day" };
        const ours = rollingAverage(dailyActive, { ...options, engine: "in-memory" });
        const duck = (await connection.runAndReadAll(rollingAverageSql({
          ...options,
          table: `(select region, make_timestamp(epoch_us(ts))::date as day,
          count(distinct user_id) as dau from events group by all)`,
        }))).getRowObjectsJson();
        const zz = ours.filter(pl.col("region").eq(pl.lit("ZZ")));
        assert.ok(zz.height >= 40 && col<number>(zz, "value").every((v) => v === 0));
        const columns = ["date", "region", "value", "rolling_mean"];
        assert.deepEqual(duckRows(duck, columns), polarsRows(ours, columns));
      },
    );
  });
});

Deno.test("retentionSql() and rollingAverageSql() reject bad options naming the option", () => {
  assert.throws(() => retentionSql({ intervals: 0 }), /"intervals"/);
  assert.throws(() => retentionSql({ period: "year" as "week" }), /"period"/);
  assert.throws(() => retentionSql({ targetEvent: [] }), /empty event list/);
  assert.throws(() => rollingAverageSql({ window: 0 }), /"window"/);
  assert.throws(() => rollingAverageSql({ window: 3, minPeriods: 4 }), /"minPeriods"/);
});
