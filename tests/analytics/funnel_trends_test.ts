import assert from "node:assert/strict";
import pl, { type DataFrame } from "nodejs-polars";
import { funnelTrends, type FunnelTrendsOptions } from "../../lib/analytics/funnel_trends.ts";
import { col, events, round, type Row, us } from "./_events.ts";

const H = 3_600_000_000;
const D = 24 * H;

/** Rows as `period|entered|converted|complete`. */
function table(frame: DataFrame): string[] {
  const f = frame.withColumns(pl.col("period_start").cast(pl.Utf8));
  const p = col<string>(f, "period_start");
  const e = col<number>(f, "users_entered");
  const c = col<number>(f, "users_converted");
  const done = col<boolean>(f, "is_complete");
  return p.map((v, i) => `${v}|${e[i]}|${c[i]}|${done[i] ? "c" : "i"}`);
}

const rows: Row[] = [
  // converts the same day
  ["u1", "A", "2026-03-02T09:00:00Z"],
  ["u1", "B", "2026-03-02T10:00:00Z"],
  // converts the next day: counted in the day it entered
  ["u2", "A", "2026-03-02T23:00:00Z"],
  ["u2", "B", "2026-03-03T22:59:00Z"],
  // enters twice: 2 March without converting, 3 March converting
  ["u3", "A", "2026-03-02T08:00:00Z"],
  ["u3", "A", "2026-03-03T08:00:00Z"],
  ["u3", "B", "2026-03-03T09:00:00Z"],
  // two attempts the same day, neither converts: entered once
  ["u4", "A", "2026-03-03T10:00:00Z"],
  ["u4", "A", "2026-03-03T11:00:00Z"],
  // converts exactly one window later: the window end is inclusive
  ["u5", "A", "2026-03-04T01:00:00Z"],
  ["u5", "B", "2026-03-05T01:00:00Z"],
];
const daily: FunnelTrendsOptions = { steps: ["A", "B"], window: { value: 1, unit: "day" } };

Deno.test("funnelTrends() counts each user once per entry day, by the best attempt started in it", () => {
  const out = funnelTrends(events(rows), daily);
  // judged at the latest ts (5 March 01:00): 4 March entries may still convert until 6 March
  assert.deepEqual(table(out), ["2026-03-02|3|2|c", "2026-03-03|2|1|c", "2026-03-04|1|1|i"]);
  assert.deepEqual(round(col(out, "conversion_pct")), [66.67, 50, 100]);
  // 2 of 3: Wilson 95% = 20.77%–93.85%
  assert.deepEqual(round(col(out, "conversion_ci_low")), [20.77, 9.45, 20.65]);
  assert.deepEqual(out.columns, [
    "period_start",
    "users_entered",
    "users_converted",
    "conversion_pct",
    "conversion_ci_low",
    "conversion_ci_high",
    "is_complete",
  ]);
});

Deno.test("funnelTrends() weekly and monthly entry periods", async (t) => {
  await t.step("week of Monday 2 March: u3 once, by its converting attempt", () => {
    assert.deepEqual(table(funnelTrends(events(rows), { ...daily, interval: "week" })), [
      "2026-03-02|5|4|i",
    ]);
  });
  await t.step("month", () => {
    assert.deepEqual(table(funnelTrends(events(rows), { ...daily, interval: "month" })), [
      "2026-03-01|5|4|i",
    ]);
  });
});

Deno.test("funnelTrends() completeness is judged at `to`, window included", async (t) => {
  await t.step("4 March is complete once 5 March has fully elapsed", () => {
    // an entry at 4 March 23:59:59.999999 may convert until 5 March 23:59:59.999999
    const before = funnelTrends(events(rows), {
      ...daily,
      to: new Date("2026-03-05T23:59:59.999Z"),
    });
    assert.deepEqual(col(before, "is_complete"), [true, true, false]);
    const out = funnelTrends(events(rows), { ...daily, to: new Date("2026-03-06T00:00:00Z") });
    assert.deepEqual(col(out, "is_complete"), [true, true, true]);
  });
  await t.step("no window: never complete", () => {
    const out = funnelTrends(events(rows), { ...daily, window: null });
    assert.deepEqual(col(out, "is_complete"), [false, false, false]);
  });
});

Deno.test("funnelTrends() toStep, breakdown, exclusions and time zone", async (t) => {
  await t.step("toStep 2 of 3", () => {
    const out = funnelTrends(events(rows), { ...daily, steps: ["A", "B", "C"], toStep: 2 });
    assert.deepEqual(col(out, "users_converted"), [2, 1, 1]);
    const toC = funnelTrends(events(rows), { ...daily, steps: ["A", "B", "C"] });
    assert.deepEqual(col(toC, "users_converted"), [0, 0, 0]);
  });
  await t.step("breakdown from the step-1 event of the attempt that counts", () => {
    const tiered: Row[] = [
      ["u", "A", "2026-03-02T08:00:00Z", { tier: "Basic" }],
      ["u", "A", "2026-03-02T09:00:00Z", { tier: "Pro" }],
      ["u", "B", "2026-03-02T09:30:00Z", { tier: "Pro" }],
      ["v", "A", "2026-03-02T09:00:00Z", { tier: "Basic" }],
    ];
    const out = funnelTrends(events(tiered, ["tier"]), { ...daily, breakdown: "tier" });
    // u's attempts both reach B; the earliest (Basic) counts
    assert.deepEqual(col(out, "tier"), ["Basic"]);
    assert.deepEqual(col(out, "users_entered"), [2]);
    assert.deepEqual(col(out, "users_converted"), [1]);
  });
  await t.step("an excluded attempt does not enter", () => {
    const withX: Row[] = [...rows, ["u1", "X", "2026-03-02T09:30:00Z"]];
    const out = funnelTrends(events(withX), {
      ...daily,
      exclusions: [{ event: "X", fromStep: 1, toStep: 2 }],
    });
    assert.deepEqual(table(out).slice(0, 1), ["2026-03-02|2|1|c"]);
  });
  await t.step("Europe/Berlin days: 23:00 UTC on 2 March is 3 March", () => {
    const out = funnelTrends(events(rows), { ...daily, timezone: "Europe/Berlin" });
    assert.deepEqual(table(out).map((r) => r.split("|").slice(0, 3).join("|")), [
      "2026-03-02|2|1",
      "2026-03-03|3|2",
      "2026-03-04|1|1",
    ]);
  });
});

Deno.test("funnelTrends() empty input and bad options", () => {
  const out = funnelTrends(events([]), daily);
  assert.equal(out.height, 0);
  assert.equal(out.columns.length, 7);
  const frame = events(rows);
  assert.throws(() => funnelTrends(frame, { ...daily, toStep: 1 }), /"toStep"/);
  assert.throws(
    () => funnelTrends(frame, { ...daily, interval: "year" as "day" }),
    /"interval"/,
  );
  assert.throws(() => funnelTrends(frame, { ...daily, windowFunnel: [] }), /"windowFunnel"/);
});

// ---------------------------------------------------------------------------------------------
// Randomised cross-check against a direct per-user computation of the definition.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Per entry day (UTC) and breakdown: users whose furthest attempt (the earliest among equals)
 * started that day, and of those the ones that reached the last step. The breakdown is the
 * attempt's first event's `tier` ("" when the rows have none).
 */
function reference(data: Row[], steps: string[], windowUs: number): string[] {
  const byUser = new Map<string, { event: string; ts: number; idx: number; tier: string }[]>();
  data.forEach(([u, event, ts, props], idx) => {
    const list = byUser.get(u) ?? [];
    list.push({ event, ts: ts as number, idx, tier: String(props?.tier ?? "") });
    byUser.set(u, list);
  });
  const rank = (e: string) => steps.indexOf(e);
  const cells = new Map<string, { entered: number; converted: number }>();
  for (const all of byUser.values()) {
    const evs = all.filter((e) => steps.includes(e.event))
      .sort((a, b) => a.ts - b.ts || rank(a.event) - rank(b.event) || a.idx - b.idx);
    const best = new Map<number, { reached: number; tier: string }>();
    evs.forEach((start, i) => {
      if (start.event !== steps[0]) return;
      let pos = i;
      let reached = 1;
      for (let j = 1; j < steps.length; j++) {
        const next = evs.findIndex((e, q) => q > pos && e.event === steps[j]);
        if (next < 0 || evs[next]!.ts > start.ts + windowUs) break;
        reached++;
        pos = next;
      }
      const day = Math.floor(start.ts / D);
      if (reached > (best.get(day)?.reached ?? 0)) best.set(day, { reached, tier: start.tier });
    });
    for (const [day, { reached, tier }] of best) {
      const key = `${tier}|${new Date(day * D / 1000).toISOString().slice(0, 10)}`;
      const cell = cells.get(key) ?? { entered: 0, converted: 0 };
      cell.entered++;
      if (reached >= steps.length) cell.converted++;
      cells.set(key, cell);
    }
  }
  return [...cells.entries()].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([key, c]) =>
    `${key}|${c.entered}|${c.converted}`
  );
}

Deno.test("funnelTrends() matches a direct computation on random data", async (t) => {
  for (const seed of [1, 2, 3]) {
    const rnd = lcg(seed);
    const start = us("2026-03-02T00:00:00Z");
    const data: Row[] = Array.from({ length: 600 }, () => [
      `u${Math.floor(rnd() * 50)}`,
      ["A", "B", "C", "X"][Math.floor(rnd() * 4)]!,
      start + Math.floor(rnd() * 6 * 24 * 4) * (H / 4),
    ]);
    for (const steps of [["A", "B"], ["A", "B", "C"], ["B", "A", "B"]]) {
      await t.step(`seed ${seed}, ${steps.join("→")}`, () => {
        const out = funnelTrends(events(data), { steps, window: { value: 10, unit: "hour" } });
        const got = table(out).map((r) => `|${r.split("|").slice(0, 3).join("|")}`);
        assert.deepEqual(got, reference(data, steps, 10 * H));
      });
    }
    // a breakdown that changes from event to event: the furthest attempt's first event decides
    const tiered: Row[] = data.map(([u, e, ts]) => [u, e, ts, { tier: rnd() < 0.5 ? "P" : "Q" }]);
    await t.step(`seed ${seed}, A→B→C by a per-event breakdown`, () => {
      const out = funnelTrends(events(tiered, ["tier"]), {
        steps: ["A", "B", "C"],
        window: { value: 10, unit: "hour" },
        breakdown: "tier",
      });
      const tiers = col<string>(out, "tier");
      const got = table(out).map((r, i) => `${tiers[i]}|${r.split("|").slice(0, 3).join("|")}`)
        .sort();
      assert.deepEqual(got, reference(tiered, ["A", "B", "C"], 10 * H));
    });
  }
});
