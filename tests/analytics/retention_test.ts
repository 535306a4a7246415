import assert from "node:assert/strict";
import pl, { type DataFrame } from "nodejs-polars";
import { retention, type RetentionOptions } from "../../lib/analytics/retention.ts";
import { col, events, type Row } from "./_events.ts";

/** Rows as `cohort|period|users|complete` strings for compact assertions. */
function table(frame: DataFrame): string[] {
  const f = frame.withColumns(pl.col("cohort").cast(pl.Utf8));
  const cohorts = col<string>(f, "cohort");
  const periods = col<number>(f, "period");
  const users = col<number>(f, "users");
  const complete = col<boolean>(f, "is_complete");
  return cohorts.map((c, i) => `${c}|${periods[i]}|${users[i]}|${complete[i] ? "c" : "i"}`);
}

// 2026-03-02 is a Monday.
const weekly: Row[] = [
  ["a", "session_start", "2026-03-02T09:00:00Z"],
  ["a", "publish", "2026-03-10T09:00:00Z"],
  ["a", "publish", "2026-03-24T09:00:00Z"],
  ["b", "session_start", "2026-03-04T09:00:00Z"],
  ["b", "publish", "2026-03-05T09:00:00Z"],
  ["c", "session_start", "2026-03-09T09:00:00Z"],
  ["c", "publish", "2026-03-16T09:00:00Z"],
  ["d", "session_start", "2026-02-24T09:00:00Z"],
  ["d", "session_start", "2026-03-03T09:00:00Z"],
  ["d", "publish", "2026-03-03T10:00:00Z"],
];
const weeklyOptions: RetentionOptions = {
  targetEvent: "session_start",
  returnEvent: "publish",
  period: "week",
  intervals: 4,
};

Deno.test("retention() first_time weekly cohorts, period 0 = cohort size, judged at max ts", () => {
  const out = retention(events(weekly), weeklyOptions);
  assert.deepEqual(table(out), [
    "2026-02-23|0|1|c",
    "2026-02-23|1|1|c",
    "2026-02-23|2|0|c",
    "2026-02-23|3|0|c",
    "2026-03-02|0|2|c",
    "2026-03-02|1|1|c",
    "2026-03-02|2|0|c",
    "2026-03-02|3|1|i",
    "2026-03-09|0|1|c",
    "2026-03-09|1|1|c",
    "2026-03-09|2|0|i",
  ]);
  assert.deepEqual(col(out, "cohort_size").slice(4, 8), [2, 2, 2, 2]);
  assert.deepEqual(col(out, "retention_pct").slice(4, 8), [100, 50, 0, 50]);
  assert.deepEqual(out.columns, [
    "cohort",
    "cohort_size",
    "period",
    "users",
    "retention_pct",
    "retention_ci_low",
    "retention_ci_high",
    "is_complete",
  ]);
  assert.equal(String(out.schema.cohort), String(pl.Date));
});

Deno.test("retention() cumulative counts a return in k or any later period", () => {
  const out = retention(events(weekly), { ...weeklyOptions, cumulative: true });
  const march2 = table(out).filter((r) => r.startsWith("2026-03-02"));
  assert.deepEqual(march2, [
    "2026-03-02|0|2|c",
    "2026-03-02|1|1|c",
    "2026-03-02|2|1|c",
    "2026-03-02|3|1|i",
  ]);
});

Deno.test("retention() recurring puts a user in every cohort where they did the target", () => {
  const out = retention(events(weekly), { ...weeklyOptions, type: "recurring" });
  const rows = table(out);
  assert.deepEqual(rows.filter((r) => r.startsWith("2026-03-02")), [
    "2026-03-02|0|3|c",
    "2026-03-02|1|1|c",
    "2026-03-02|2|0|c",
    "2026-03-02|3|1|i",
  ]);
  assert.deepEqual(rows.filter((r) => r.startsWith("2026-02-23")), [
    "2026-02-23|0|1|c",
    "2026-02-23|1|1|c",
    "2026-02-23|2|0|c",
    "2026-02-23|3|0|c",
  ]);
});

Deno.test("retention() week start sunday vs monday", async (t) => {
  const rows: Row[] = [
    ["u", "s", "2026-03-08T12:00:00Z"], // a Sunday
    ["u", "s", "2026-03-09T12:00:00Z"], // the Monday after
  ];
  await t.step("monday weeks: Sunday belongs to the week of Mon 2 March", () => {
    const out = retention(events(rows), { period: "week", intervals: 2 });
    assert.deepEqual(table(out), ["2026-03-02|0|1|c", "2026-03-02|1|1|i"]);
  });
  await t.step("sunday weeks: Sunday 8 March starts its own week, Monday is in it", () => {
    const out = retention(events(rows), { period: "week", intervals: 2, weekStart: "sunday" });
    assert.deepEqual(table(out), ["2026-03-08|0|1|i"]);
  });
});

Deno.test("retention() time zones: 23:30 UTC is the next day in Europe/Berlin", async (t) => {
  const rows: Row[] = [
    ["u", "s", "2026-03-01T23:30:00Z"],
    ["u", "s", "2026-03-02T12:00:00Z"],
  ];
  await t.step("UTC days", () => {
    const out = retention(events(rows), { period: "day", intervals: 2 });
    assert.deepEqual(table(out), ["2026-03-01|0|1|c", "2026-03-01|1|1|i"]);
  });
  await t.step("Berlin days", () => {
    const out = retention(events(rows), {
      period: "day",
      intervals: 2,
      timezone: "Europe/Berlin",
    });
    assert.deepEqual(table(out), ["2026-03-02|0|1|i"]);
  });
  await t.step("Berlin months: 31 Jan 23:30 UTC is February", () => {
    const out = retention(events([["u", "s", "2026-01-31T23:30:00Z"]]), {
      period: "month",
      intervals: 1,
      timezone: "Europe/Berlin",
    });
    assert.deepEqual(table(out), ["2026-02-01|0|1|i"]);
  });
});

Deno.test("retention() monthly periods and an explicit `to` for completeness", () => {
  const rows: Row[] = [
    ["u", "s", "2026-01-15T00:00:00Z"],
    ["u", "s", "2026-03-31T23:59:59Z"],
    ["v", "s", "2026-02-01T00:00:00Z"],
    ["v", "s", "2026-03-01T00:00:00Z"],
  ];
  const out = retention(events(rows), {
    period: "month",
    intervals: 3,
    to: new Date("2026-04-01T00:00:00Z"),
  });
  assert.deepEqual(table(out), [
    "2026-01-01|0|1|c",
    "2026-01-01|1|0|c",
    "2026-01-01|2|1|c",
    "2026-02-01|0|1|c",
    "2026-02-01|1|1|c",
  ]);
});

Deno.test("retention() `to` cuts events and a period ending after `to` is incomplete", () => {
  const rows: Row[] = [
    ["u", "s", "2026-03-02T00:00:00Z"],
    ["u", "s", "2026-03-03T00:00:00Z"],
    ["u", "s", "2026-03-04T00:00:00Z"],
  ];
  const out = retention(events(rows), {
    period: "day",
    intervals: 3,
    to: new Date("2026-03-03T23:59:59.999Z"),
  });
  assert.deepEqual(table(out), ["2026-03-02|0|1|c", "2026-03-02|1|1|i"]);
});

Deno.test("retention() leaves out periods that had not begun at `to`", async (t) => {
  // Day periods; the cohort day is 2 March. Period 2 (4 March) starts at midnight.
  const rows: Row[] = [
    ["u", "s", "2026-03-02T10:00:00Z"],
    ["u", "s", "2026-03-03T10:00:00Z"],
    ["v", "s", "2026-03-03T12:00:00Z"],
  ];
  const run = (to: string) =>
    table(retention(events(rows), { period: "day", intervals: 4, to: new Date(to) }));
  await t.step("a period starting exactly at `to` has not begun: no row", () => {
    assert.deepEqual(run("2026-03-04T00:00:00Z"), [
      "2026-03-02|0|1|c",
      "2026-03-02|1|1|c",
      "2026-03-03|0|1|c",
    ]);
  });
  await t.step("1 ms after its start it has begun: a row, incomplete, zero so far", () => {
    assert.deepEqual(run("2026-03-04T00:00:00.001Z"), [
      "2026-03-02|0|1|c",
      "2026-03-02|1|1|c",
      "2026-03-02|2|0|i",
      "2026-03-03|0|1|c",
      "2026-03-03|1|0|i",
    ]);
  });
  await t.step("an event exactly at `to` counts, but its period has not begun", () => {
    const atTo: Row[] = [...rows, ["w", "s", "2026-03-04T00:00:00Z"]];
    const out = retention(events(atTo), {
      period: "day",
      intervals: 4,
      to: new Date("2026-03-04T00:00:00Z"),
    });
    assert.deepEqual(table(out), run("2026-03-04T00:00:00Z"));
  });
  await t.step("no row has zero users because its period lies after `to`", () => {
    const out = retention(events(weekly), { ...weeklyOptions, to: new Date("2026-03-16") });
    assert.ok(
      table(out).every((r) => {
        const [cohort, period] = r.split("|");
        return Date.parse(`${cohort}T00:00:00Z`) + Number(period) * 7 * 86_400_000 <
          Date.parse("2026-03-16T00:00:00Z");
      }),
    );
    assert.equal(out.height, 3 + 2 + 1);
  });
});

Deno.test("retention() first_time ignores users whose first target is before `from`", () => {
  const rows: Row[] = [
    ["old", "s", "2026-02-20T00:00:00Z"],
    ["old", "s", "2026-03-05T00:00:00Z"],
    ["new", "s", "2026-03-05T00:00:00Z"],
  ];
  const from = new Date("2026-03-01T00:00:00Z");
  const first = retention(events(rows), { period: "week", intervals: 1, from });
  assert.deepEqual(table(first), ["2026-03-02|0|1|i"]);
  const recurring = retention(events(rows), {
    period: "week",
    intervals: 1,
    from,
    type: "recurring",
  });
  assert.deepEqual(table(recurring), ["2026-03-02|0|2|i"]);
});

Deno.test("retention() empty input returns an empty frame with the output schema", async (t) => {
  for (const engine of ["streaming", "in-memory"] as const) {
    for (const cumulative of [false, true]) {
      await t.step(`${engine}, cumulative ${cumulative}`, () => {
        const out = retention(events([]), { engine, cumulative, type: "recurring" });
        assert.equal(out.height, 0);
        assert.equal(out.columns.length, 8);
      });
    }
  }
});

Deno.test("retention() gives identical results on the streaming and in-memory engines", async (t) => {
  for (const cumulative of [false, true]) {
    for (const type of ["first_time", "recurring"] as const) {
      await t.step(`${type}, cumulative ${cumulative}`, () => {
        const options = { ...weeklyOptions, cumulative, type, timezone: "America/New_York" };
        const a = retention(events(weekly), { ...options, engine: "streaming" });
        const b = retention(events(weekly), { ...options, engine: "in-memory" });
        assert.deepEqual(table(a), table(b));
        assert.ok(a.height > 0);
      });
    }
  }
});

Deno.test("retention() rejects bad options with a message naming the option", () => {
  const frame = events(weekly);
  assert.throws(() => retention(frame, { intervals: 0 }), /"intervals"/);
  assert.throws(
    () => retention(frame, { period: "year" as RetentionOptions["period"] }),
    /"period"/,
  );
  assert.throws(
    () => retention(frame, { weekStart: "friday" as RetentionOptions["weekStart"] }),
    /"weekStart"/,
  );
});

// ---------------------------------------------------------------------------------------------
// Randomised cross-check against a direct JS computation of the definition.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Days since the epoch of the calendar date of `ms` in `timeZone`. */
function localDay(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(ms));
  return Date.parse(`${parts}T00:00:00Z`) / 86_400_000;
}

function referenceRetention(
  rows: Row[],
  options: { type: "first_time" | "recurring"; cumulative: boolean; timeZone: string },
  intervals: number,
): string[] {
  const week = (ms: number) => {
    const d = localDay(ms, options.timeZone);
    return d - (((d + 3) % 7) + 7) % 7;
  };
  const targets = new Map<string, Set<number>>();
  const returns = new Map<string, Set<number>>();
  const first = new Map<string, number>();
  for (const [user, event, ts] of rows) {
    const ms = (ts as number) / 1000;
    const w = week(ms);
    if (event === "s") {
      (targets.get(user) ?? targets.set(user, new Set()).get(user)!).add(w);
      first.set(user, Math.min(first.get(user) ?? Infinity, w));
    }
    if (event === "r") (returns.get(user) ?? returns.set(user, new Set()).get(user)!).add(w);
  }
  const cohorts: [string, number][] = [];
  for (const [user, weeks] of targets) {
    if (options.type === "first_time") cohorts.push([user, first.get(user)!]);
    else for (const w of weeks) cohorts.push([user, w]);
  }
  const lastWeek = Math.max(...rows.map(([, , ts]) => week((ts as number) / 1000)));
  const table = new Map<number, number[]>();
  for (const [user, cw] of cohorts) {
    const counts = table.get(cw) ?? table.set(cw, new Array(intervals).fill(0)).get(cw)!;
    counts[0] = counts[0]! + 1;
    const back = returns.get(user) ?? new Set<number>();
    const hit = (k: number) => back.has(cw + 7 * k);
    for (let k = 1; k < intervals; k++) {
      const retained = options.cumulative
        ? Array.from({ length: intervals - k }, (_, j) => k + j).some(hit)
        : hit(k);
      if (retained) counts[k] = counts[k]! + 1;
    }
  }
  return [...table.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([cw, counts]) =>
      counts
        .map((n, k) => `${new Date(cw * 86_400_000).toISOString().slice(0, 10)}|${k}|${n}`)
        .filter((_, k) => cw + 7 * k <= lastWeek)
    );
}

Deno.test("retention() matches a direct computation on random data", async (t) => {
  const rnd = lcg(11);
  const start = Date.parse("2026-02-01T00:00:00Z") * 1000;
  const rows: Row[] = Array.from({ length: 600 }, () => [
    `u${Math.floor(rnd() * 60)}`,
    rnd() < 0.4 ? "s" : "r",
    start + Math.floor(rnd() * 70 * 24) * 3_600_000_000,
  ]);
  const frame = events(rows);
  for (const type of ["first_time", "recurring"] as const) {
    for (const cumulative of [false, true]) {
      for (const timeZone of ["UTC", "Asia/Kolkata"]) {
        await t.step(`${type}, cumulative ${cumulative}, ${timeZone}`, () => {
          const out = retention(frame, {
            targetEvent: "s",
            returnEvent: "r",
            period: "week",
            intervals: 5,
            type,
            cumulative,
            timezone: timeZone,
          });
          const got = table(out).map((r) => r.split("|").slice(0, 3).join("|"));
          assert.deepEqual(got, referenceRetention(rows, { type, cumulative, timeZone }, 5));
        });
      }
    }
  }
});
