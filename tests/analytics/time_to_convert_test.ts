import assert from "node:assert/strict";
import { funnel } from "../../lib/analytics/funnel.ts";
import { timeToConvert } from "../../lib/analytics/time_to_convert.ts";
import { col, events, round, type Row, us } from "./_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const S = 1_000_000;

const rows: Row[] = [
  ["u1", "A", t0],
  ["u1", "B", t0 + 60 * S],
  ["u1", "C", t0 + 180 * S],
  ["u2", "A", t0],
  ["u2", "B", t0 + 30 * S],
  ["u2", "C", t0 + 40 * S],
  ["u3", "A", t0],
  ["u3", "B", t0 + 10 * S],
];
const steps = ["A", "B", "C"];

Deno.test("timeToConvert() equal-width bins from the shortest to the longest time", () => {
  // step 1 → 3: u1 180 s, u2 40 s; two bins of 70 s
  const out = timeToConvert(events(rows), { steps, bins: 2 });
  assert.deepEqual(col(out, "bin"), [1, 2]);
  assert.deepEqual(col(out, "bin_start_s"), [40, 110]);
  assert.deepEqual(col(out, "bin_end_s"), [110, 180]);
  assert.deepEqual(col(out, "users"), [1, 1]);
  assert.deepEqual(col(out, "share_pct"), [50, 50]);
  assert.deepEqual(out.columns, ["bin", "bin_start_s", "bin_end_s", "users", "share_pct"]);
});

Deno.test("timeToConvert() explicit edges: [start, end), the last bin closed, outside left out", async (t) => {
  await t.step("open-ended last bin", () => {
    const out = timeToConvert(events(rows), {
      steps,
      toStep: 2,
      bins: [0, 30, 60, Infinity],
    });
    // u3 10 s, u2 30 s (on an edge: the upper bin), u1 60 s
    assert.deepEqual(col(out, "users"), [1, 1, 1]);
  });
  await t.step("a time on the last edge is in the last bin", () => {
    const out = timeToConvert(events(rows), { steps, toStep: 2, bins: [0, 60] });
    assert.deepEqual(col(out, "users"), [3]);
  });
  await t.step("times outside the edges count in no bin, shares stay of all converters", () => {
    const out = timeToConvert(events(rows), { steps, toStep: 2, bins: [15, 45] });
    assert.deepEqual(col(out, "users"), [1]);
    assert.deepEqual(round(col(out, "share_pct")), [33.33]);
  });
});

Deno.test("timeToConvert() between later steps, and its median is funnel()'s", () => {
  const out = timeToConvert(events(rows), { steps, fromStep: 2, toStep: 3, bins: [0, 100, 200] });
  // u1 120 s, u2 10 s
  assert.deepEqual(col(out, "users"), [1, 1]);
  const f = funnel(events(rows), { steps });
  assert.deepEqual(col(f, "median_time_to_convert_s"), [null, 30, 65]);
});

Deno.test("timeToConvert() all times equal: one bin of width 0", () => {
  const same: Row[] = [["a", "A", t0], ["a", "B", t0 + 5 * S], ["b", "A", t0], [
    "b",
    "B",
    t0 + 5 * S,
  ]];
  const out = timeToConvert(events(same), { steps: ["A", "B"], bins: 4 });
  assert.deepEqual(col(out, "bin_start_s"), [5]);
  assert.deepEqual(col(out, "bin_end_s"), [5]);
  assert.deepEqual(col(out, "users"), [2]);
});

Deno.test("timeToConvert() breakdown shares the bins; windowFunnel timing works", async (t) => {
  const tiered: Row[] = rows.map((
    [u, e, ts],
  ) => [u, e, ts, { tier: u === "u1" ? "Pro" : "Basic" }]);
  await t.step("breakdown", () => {
    const out = timeToConvert(events(tiered, ["tier"]), { steps, breakdown: "tier", bins: 2 });
    assert.deepEqual(col(out, "tier"), ["Basic", "Basic", "Pro", "Pro"]);
    assert.deepEqual(col(out, "users"), [1, 0, 0, 1]);
    assert.deepEqual(col(out, "share_pct"), [100, 0, 0, 100]);
  });
  await t.step("ClickHouse default: one A serves A → A, time 0", () => {
    const out = timeToConvert(events([["u", "A", t0]]), {
      steps: ["A", "A"],
      windowFunnel: [],
      bins: [0, 1],
    });
    assert.deepEqual(col(out, "users"), [1]);
  });
});

Deno.test("timeToConvert() empty input and bad options", () => {
  const empty = timeToConvert(events([]), { steps: ["A", "B"] });
  assert.equal(empty.height, 0);
  assert.equal(empty.columns.length, 5);
  const noConverter = timeToConvert(events([["u", "A", t0]]), { steps: ["A", "B"] });
  assert.equal(noConverter.height, 0);
  const frame = events(rows);
  assert.throws(() => timeToConvert(frame, { steps, order: "unordered" }), /"order"/);
  assert.throws(() => timeToConvert(frame, { steps, fromStep: 3, toStep: 2 }), /"fromStep"/);
  assert.throws(() => timeToConvert(frame, { steps, bins: 0 }), /"bins"/);
  assert.throws(() => timeToConvert(frame, { steps, bins: [10, 5] }), /"bins"/);
});

// ---------------------------------------------------------------------------------------------
// Randomised cross-check against a direct per-user computation.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Seconds from step 1 to the last step on each converted user's counted attempt. */
function referenceTimes(data: Row[], list: string[], windowUs: number): number[] {
  const byUser = new Map<string, { event: string; ts: number; idx: number }[]>();
  data.forEach(([u, event, ts], idx) => {
    const l = byUser.get(u) ?? [];
    l.push({ event, ts: ts as number, idx });
    byUser.set(u, l);
  });
  const rank = (e: string) => list.indexOf(e);
  const out: number[] = [];
  for (const all of byUser.values()) {
    const evs = all.filter((e) => list.includes(e.event))
      .sort((a, b) => a.ts - b.ts || rank(a.event) - rank(b.event) || a.idx - b.idx);
    for (const [i, start] of evs.entries()) {
      if (start.event !== list[0]) continue;
      let pos = i;
      let ok = true;
      for (let j = 1; j < list.length && ok; j++) {
        const next = evs.findIndex((e, q) => q > pos && e.event === list[j]);
        ok = next >= 0 && evs[next]!.ts <= start.ts + windowUs;
        pos = next;
      }
      // the earliest attempt that converts is the counted one
      if (ok) {
        out.push((evs[pos]!.ts - start.ts) / S);
        break;
      }
    }
  }
  return out;
}

Deno.test("timeToConvert() matches a direct computation on random data", async (t) => {
  const edges = [0, 300, 900, 1800, 3600];
  for (const seed of [4, 5, 6]) {
    const rnd = lcg(seed);
    const data: Row[] = Array.from({ length: 500 }, () => [
      `u${Math.floor(rnd() * 40)}`,
      ["A", "B", "C"][Math.floor(rnd() * 3)]!,
      t0 + Math.floor(rnd() * 600) * 60 * S,
    ]);
    for (const list of [["A", "B"], ["A", "B", "C"], ["C", "C"]]) {
      await t.step(`seed ${seed}, ${list.join("→")}`, () => {
        const out = timeToConvert(events(data), {
          steps: list,
          window: { value: 1, unit: "hour" },
          bins: edges,
        });
        const times = referenceTimes(data, list, 3_600 * S);
        const expected = edges.slice(0, -1).map((lo, i) =>
          times.filter((d) =>
            d >= lo && (i === edges.length - 2 ? d <= edges[i + 1]! : d < edges[i + 1]!)
          )
            .length
        );
        assert.deepEqual(col(out, "users"), times.length === 0 ? [] : expected);
        assert.ok(times.length > 0, "the case has converters");
      });
    }
  }
});
