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
  // complete only once the table's last period (3) has elapsed: until then a return in it
  // still raises periods 1 and 2
  assert.deepEqual(march2, [
    "2026-03-02|0|2|c",
    "2026-03-02|1|1|i",
    "2026-03-02|2|1|i",
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

// ---------------------------------------------------------------------------------------------
// Any-event and filtered targets, minimum occurrences, unbounded retention and brackets.

Deno.test('retention() "*" targets and returns any event', () => {
  const rows: Row[] = [
    ["u", "a", "2026-03-02T09:00:00Z"],
    ["u", "b", "2026-03-09T09:00:00Z"],
    ["v", "c", "2026-03-09T10:00:00Z"],
  ];
  const star = retention(events(rows), { targetEvent: "*", returnEvent: "*", intervals: 2 });
  const nulls = retention(events(rows), { targetEvent: null, intervals: 2 });
  assert.deepEqual(table(star), ["2026-03-02|0|1|c", "2026-03-02|1|1|i", "2026-03-09|0|1|i"]);
  assert.deepEqual(table(star), table(nulls));
  const list = retention(events(rows), { targetEvent: ["a", "*"], returnEvent: "b", intervals: 2 });
  assert.deepEqual(table(list), table(star));
});

Deno.test("retention() filtered targets: the first event matching the filter, in all history", async (t) => {
  const rows: Row[] = [
    // web first, iOS a week later: the iOS cohort is the later week
    ["u", "s", "2026-03-02T09:00:00Z", { platform: "web" }],
    ["u", "s", "2026-03-09T09:00:00Z", { platform: "ios" }],
    ["u", "s", "2026-03-16T09:00:00Z", { platform: "web" }],
    // iOS before `from`: not a first-time cohort member when `from` is set
    ["v", "s", "2026-02-23T09:00:00Z", { platform: "ios" }],
    ["v", "s", "2026-03-09T09:00:00Z", { platform: "ios" }],
    // never on iOS
    ["w", "s", "2026-03-09T09:00:00Z", { platform: null }],
  ];
  const frame = events(rows, ["platform"]);
  const ios = { event: "s", filter: pl.col("platform").eq(pl.lit("ios")) };
  await t.step("{ event, filter }", () => {
    const out = retention(frame, { targetEvent: ios, returnEvent: "s", intervals: 2 });
    assert.deepEqual(table(out), [
      "2026-02-23|0|1|c",
      "2026-02-23|1|0|c",
      "2026-03-09|0|1|c",
      "2026-03-09|1|1|i",
    ]);
  });
  await t.step("{ event, properties } is the same", () => {
    const out = retention(frame, {
      targetEvent: { event: "s", properties: { platform: "ios" } },
      returnEvent: "s",
      intervals: 2,
    });
    assert.deepEqual(
      table(out),
      table(retention(frame, { targetEvent: ios, returnEvent: "s", intervals: 2 })),
    );
  });
  await t.step("a null property value matches a null cell", () => {
    const out = retention(frame, {
      targetEvent: { event: "*", properties: { platform: null } },
      returnEvent: "s",
      intervals: 1,
    });
    assert.deepEqual(table(out), ["2026-03-09|0|1|c"]);
  });
  await t.step("with `from`: v's first iOS event is before it, so v is no new member", () => {
    const out = retention(frame, {
      targetEvent: ios,
      returnEvent: "s",
      intervals: 1,
      from: new Date("2026-03-01T00:00:00Z"),
    });
    assert.deepEqual(table(out), ["2026-03-09|0|1|c"]);
  });
  await t.step("a filtered return event", () => {
    const out = retention(frame, {
      targetEvent: "s",
      returnEvent: { event: "s", properties: { platform: "web" } },
      intervals: 3,
    });
    // u: cohort 2 March, web again on 16 March (period 2); v: cohort 23 Feb, never on web
    assert.deepEqual(table(out).filter((r) => r.startsWith("2026-03-02")), [
      "2026-03-02|0|1|c",
      "2026-03-02|1|0|c",
      "2026-03-02|2|1|i",
    ]);
  });
});

Deno.test("retention() minimumOccurrences counts a return only with m events in the period", () => {
  const rows: Row[] = [
    ["once", "s", "2026-03-02T09:00:00Z"],
    ["once", "s", "2026-03-09T09:00:00Z"],
    ["twice", "s", "2026-03-02T09:00:00Z"],
    ["twice", "s", "2026-03-09T09:00:00Z"],
    ["twice", "s", "2026-03-10T09:00:00Z"],
    ["twice", "s", "2026-03-17T09:00:00Z"],
  ];
  const one = retention(events(rows), { intervals: 3 });
  const two = retention(events(rows), { intervals: 3, minimumOccurrences: 2 });
  assert.deepEqual(col(one, "users"), [2, 2, 1]);
  // period 0 still counts the whole cohort
  assert.deepEqual(col(two, "users"), [2, 1, 0]);
});

Deno.test("retention() unbounded counts a return in k or any later period, past the table", async (t) => {
  const rows: Row[] = [
    // returns only in week 3, beyond a 2-period table
    ["late", "s", "2026-03-02T09:00:00Z"],
    ["late", "s", "2026-03-23T09:00:00Z"],
    // returns in week 1 only
    ["early", "s", "2026-03-02T10:00:00Z"],
    ["early", "s", "2026-03-09T09:00:00Z"],
  ];
  const to = new Date("2026-03-30T00:00:00Z");
  await t.step("plain and cumulative see only the table's periods", () => {
    assert.deepEqual(col(retention(events(rows), { intervals: 2, to }), "users"), [2, 1]);
    assert.deepEqual(
      col(retention(events(rows), { intervals: 2, to, cumulative: true }), "users"),
      [2, 1],
    );
  });
  await t.step("unbounded sees week 3 too; never complete after period 0", () => {
    const out = retention(events(rows), { intervals: 2, to, unbounded: true });
    assert.deepEqual(table(out), ["2026-03-02|0|2|c", "2026-03-02|1|2|i"]);
  });
  await t.step("with enough periods, cumulative equals unbounded", () => {
    const cumulative = retention(events(rows), { intervals: 4, to, cumulative: true });
    const unbounded = retention(events(rows), { intervals: 4, to, unbounded: true });
    assert.deepEqual(col(cumulative, "users"), col(unbounded, "users"));
    assert.deepEqual(col(unbounded, "users"), [2, 2, 1, 1]);
  });
});

Deno.test("retention() brackets: day 0, day 1, days 2–7, days 8–30", async (t) => {
  const day = (d: number, h = 12) => `2026-03-${String(d).padStart(2, "0")}T${h}:00:00Z`;
  const rows: Row[] = [
    ["a", "s", day(1)],
    ["a", "s", day(2)], // day 1
    ["a", "s", day(20)], // day 19
    ["b", "s", day(1)],
    ["b", "s", day(5)], // day 4
    ["b", "s", day(8)], // day 7: the bracket's last day, inclusive
    ["c", "s", day(1)],
    ["c", "s", day(31)], // day 30
  ];
  const brackets = [0, 1, [2, 7], [8, 30]] as const;
  const to = new Date("2026-04-05T00:00:00Z");
  const run = (extra: Partial<RetentionOptions> = {}) =>
    retention(events(rows), { period: "day", brackets, to, ...extra });
  await t.step("each bracket counts members with a return in any of its days", () => {
    const out = run();
    assert.deepEqual(out.columns, [
      "cohort",
      "cohort_size",
      "period",
      "period_end",
      "users",
      "retention_pct",
      "retention_ci_low",
      "retention_ci_high",
      "is_complete",
    ]);
    assert.deepEqual(col(out, "period"), [0, 1, 2, 8]);
    assert.deepEqual(col(out, "period_end"), [0, 1, 7, 30]);
    assert.deepEqual(col(out, "users"), [3, 1, 1, 2]);
    assert.deepEqual(col(out, "is_complete"), [true, true, true, true]);
  });
  await t.step("a return in a gap between brackets counts nowhere", () => {
    const out = run({ brackets: [0, 1, [3, 7]] });
    // b's day-4 and day-7 returns are in [3, 7]; a's day-19 and c's day-30 are past the table
    assert.deepEqual(col(out, "users"), [3, 1, 1]);
  });
  await t.step("cumulative: from the bracket's first day to the last bracket's end", () => {
    assert.deepEqual(col(run({ cumulative: true }), "users"), [3, 3, 3, 2]);
  });
  await t.step("unbounded: from the bracket's first day, past the table", () => {
    const out = run({ brackets: [0, 1, [2, 7]], unbounded: true });
    assert.deepEqual(col(out, "users"), [3, 3, 3]);
  });
  await t.step("a bracket not begun at `to` is left out; one in progress is incomplete", () => {
    const out = run({ to: new Date("2026-03-05T00:00:00Z") });
    // days 0..3 have begun: bracket [2, 7] (from 3 March) is in progress, [8, 30] has not begun
    assert.deepEqual(col(out, "period"), [0, 1, 2]);
    assert.deepEqual(col(out, "is_complete"), [true, true, false]);
  });
});

Deno.test("retention() rejects bad new options naming the option", () => {
  const frame = events(weekly);
  assert.throws(() => retention(frame, { minimumOccurrences: 0 }), /"minimumOccurrences"/);
  assert.throws(
    () => retention(frame, { cumulative: true, unbounded: true }),
    /"cumulative" and "unbounded"/,
  );
  assert.throws(() => retention(frame, { brackets: [] }), /"brackets"/);
  assert.throws(() => retention(frame, { brackets: [0, [1, 3], [3, 5]] }), /bracket 3 starts at 3/);
  assert.throws(() => retention(frame, { brackets: [[0, 7]] }), /holds period 0/);
  assert.throws(() => retention(frame, { brackets: [[4, 2]] }), /bracket 1/);
  assert.throws(
    () => retention(frame, { targetEvent: { event: "s", properties: { platform: "ios" } } }),
    /missing column "platform"/,
  );
  assert.throws(() => retention(frame, { targetEvent: { event: "" } }), /"targetEvent"/);
  assert.throws(() => retention(frame, { returnEvent: [] }), /"returnEvent"/);
});

Deno.test("retention() with brackets on empty input returns the bracket schema", () => {
  const out = retention(events([]), { brackets: [0, [1, 2]], unbounded: true });
  assert.equal(out.height, 0);
  assert.equal(out.columns.length, 9);
});

/** Direct computation of the general definition: counted in column c if a return in S(c). */
function referenceGeneral(
  rows: Row[],
  options: {
    type: "first_time" | "recurring";
    mode: "plain" | "cumulative" | "unbounded";
    columns: [number, number][];
    minimum: number;
    targetPlatform: string | null;
  },
): string[] {
  const day = (us: number) => Math.floor(us / 86_400_000_000);
  const isTarget = (r: Row) =>
    r[1] === "s" && (options.targetPlatform === null || r[3]?.platform === options.targetPlatform);
  const targets = new Map<string, Set<number>>();
  const returns = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const d = day(r[2] as number);
    if (isTarget(r)) (targets.get(r[0]) ?? targets.set(r[0], new Set()).get(r[0])!).add(d);
    if (r[1] === "r") {
      const m = returns.get(r[0]) ?? returns.set(r[0], new Map()).get(r[0])!;
      m.set(d, (m.get(d) ?? 0) + 1);
    }
  }
  const lastDay = Math.max(...rows.map((r) => day(r[2] as number)));
  const lastEnd = options.columns[options.columns.length - 1]![1];
  const cohorts: [string, number][] = [];
  for (const [user, days] of targets) {
    if (options.type === "first_time") cohorts.push([user, Math.min(...days)]);
    else for (const d of days) cohorts.push([user, d]);
  }
  const table = new Map<number, number[]>();
  for (const [user, cd] of cohorts) {
    const counts = table.get(cd) ??
      table.set(cd, new Array(options.columns.length).fill(0)).get(cd)!;
    const back = returns.get(user) ?? new Map<number, number>();
    const hit = (k: number) => (back.get(cd + k) ?? 0) >= options.minimum;
    options.columns.forEach(([a, b], c) => {
      if (a === 0) {
        counts[c] = counts[c]! + 1;
        return;
      }
      const hi = options.mode === "plain" ? b : options.mode === "cumulative" ? lastEnd : 10_000;
      let retained = false;
      for (let k = a; k <= hi && !retained; k++) retained = hit(k);
      if (retained) counts[c] = counts[c]! + 1;
    });
  }
  return [...table.entries()].sort((x, y) => x[0] - y[0]).flatMap(([cd, counts]) =>
    counts.flatMap((n, c) =>
      cd + options.columns[c]![0] <= lastDay
        ? [`${new Date(cd * 86_400_000).toISOString().slice(0, 10)}|${options.columns[c]![0]}|${n}`]
        : []
    )
  );
}

Deno.test("retention() new options match a direct computation on random data", async (t) => {
  const rnd = lcg(29);
  const start = Date.parse("2026-02-01T00:00:00Z") * 1000;
  const rows: Row[] = Array.from({ length: 900 }, () => [
    `u${Math.floor(rnd() * 70)}`,
    rnd() < 0.35 ? "s" : "r",
    start + Math.floor(rnd() * 40 * 24) * 3_600_000_000,
    { platform: rnd() < 0.5 ? "ios" : "web" },
  ]);
  const frame = events(rows, ["platform"]);
  const bracketSets: [string, [number, number][] | null][] = [
    ["periods", null],
    ["brackets", [[0, 0], [1, 1], [2, 7], [8, 20]]],
    ["gapped brackets", [[0, 0], [2, 3], [9, 12]]],
  ];
  for (const type of ["first_time", "recurring"] as const) {
    for (const mode of ["plain", "cumulative", "unbounded"] as const) {
      for (const [name, columns] of bracketSets) {
        for (const minimum of [1, 2]) {
          for (const targetPlatform of [null, "ios"]) {
            const label = `${type}, ${mode}, ${name}, min ${minimum}, target ${
              targetPlatform ?? "any platform"
            }`;
            await t.step(label, () => {
              const cols: [number, number][] = columns ??
                Array.from({ length: 10 }, (_, k) => [k, k]);
              const out = retention(frame, {
                targetEvent: targetPlatform
                  ? { event: "s", properties: { platform: targetPlatform } }
                  : "s",
                returnEvent: "r",
                period: "day",
                intervals: 10,
                brackets: columns,
                type,
                cumulative: mode === "cumulative",
                unbounded: mode === "unbounded",
                minimumOccurrences: minimum,
              });
              const got = table(out).map((r) => r.split("|").slice(0, 3).join("|"));
              assert.deepEqual(
                got,
                referenceGeneral(rows, { type, mode, columns: cols, minimum, targetPlatform }),
              );
            });
          }
        }
      }
    }
  }
});
