import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  funnel,
  funnelFromUsers,
  type FunnelOptions,
  funnelUsers,
} from "../../lib/analytics/funnel.ts";
import { col, events, round, type Row, us } from "./_events.ts";

const T0 = "2026-03-02T10:00:00Z";
const H = 3_600_000_000;
const D = 24 * H;
const t0 = us(T0);

function users(frame: pl.DataFrame): number[] {
  return col<number>(frame, "users");
}

Deno.test("funnel() ordered: counts cumulative distinct users, other events allowed between", async (t) => {
  const rows: Row[] = [
    ["u1", "A", t0],
    ["u1", "X", t0 + 1],
    ["u1", "B", t0 + H],
    ["u1", "C", t0 + 2 * H],
    ["u2", "A", t0],
    ["u2", "C", t0 + H],
    ["u2", "B", t0 + 2 * H],
    ["u3", "B", t0],
    ["u3", "A", t0 + H],
    ["u4", "B", t0],
  ];
  const out = funnel(events(rows), { steps: ["A", "B", "C"] });
  await t.step("users per step", () => assert.deepEqual(users(out), [3, 2, 1]));
  await t.step("conversion of step 1 users", () => {
    assert.deepEqual(round(col(out, "conversion_pct")), [100, 66.67, 33.33]);
    assert.deepEqual(round(col(out, "step_conversion_pct")), [null, 66.67, 50]);
  });
  await t.step("labels and step numbers", () => {
    assert.deepEqual(col(out, "step"), [1, 2, 3]);
    assert.deepEqual(col(out, "label"), ["A", "B", "C"]);
  });
  await t.step("Wilson intervals around the rates", () => {
    // 2 of 3: Wilson 95% = 20.77%–93.85%
    assert.deepEqual(round(col(out, "conversion_ci_low"), 2)[1], 20.77);
    assert.deepEqual(round(col(out, "conversion_ci_high"), 2)[1], 93.85);
    assert.equal(col(out, "step_conversion_ci_low")[0], null);
  });
  await t.step("time to convert from the previous step", () => {
    // u1: B 1 h after A; u2: B 2 h after A. C: only u1, 1 h after B.
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 5400, 3600]);
    assert.deepEqual(col(out, "p90_time_to_convert_s"), [null, 6840, 3600]);
  });
});

Deno.test("funnel() window end is inclusive: exactly at the end converts, 1 µs later does not", async (t) => {
  const cases: { unit: "second" | "minute" | "hour" | "day" | "week"; span: number }[] = [
    { unit: "second", span: 1_000_000 },
    { unit: "minute", span: 60_000_000 },
    { unit: "hour", span: H },
    { unit: "day", span: D },
    { unit: "week", span: 7 * D },
  ];
  for (const { unit, span } of cases) {
    await t.step(`2 ${unit}s`, () => {
      const rows: Row[] = [
        ["edge", "A", t0],
        ["edge", "B", t0 + 2 * span],
        ["late", "A", t0],
        ["late", "B", t0 + 2 * span + 1],
      ];
      const out = funnel(events(rows), { steps: ["A", "B"], window: { value: 2, unit } });
      assert.deepEqual(users(out), [2, 1]);
    });
  }
  await t.step("calendar month clamps Jan 31 + 1 month to Feb 28", () => {
    const rows: Row[] = [
      ["edge", "A", "2026-01-31T10:00:00Z"],
      ["edge", "B", "2026-02-28T10:00:00Z"],
      ["late", "A", "2026-01-31T10:00:00Z"],
      ["late", "B", us("2026-02-28T10:00:00Z", 1)],
      ["mid", "A", "2026-03-15T00:00:00Z"],
      ["mid", "B", "2026-04-15T00:00:00Z"],
    ];
    const out = funnel(events(rows), { steps: ["A", "B"], window: { value: 1, unit: "month" } });
    assert.deepEqual(users(out), [3, 2]);
  });
  await t.step("default window is 14 days", () => {
    const rows: Row[] = [
      ["in", "A", t0],
      ["in", "B", t0 + 14 * D],
      ["out", "A", t0],
      ["out", "B", t0 + 14 * D + 1],
    ];
    assert.deepEqual(users(funnel(events(rows), { steps: ["A", "B"] })), [2, 1]);
  });
  await t.step("null window has no limit", () => {
    const rows: Row[] = [["u", "A", t0], ["u", "B", t0 + 400 * D]];
    assert.deepEqual(users(funnel(events(rows), { steps: ["A", "B"], window: null })), [1, 1]);
  });
});

Deno.test("funnel() the furthest attempt counts and supplies the times", async (t) => {
  await t.step("a later step-1 event starts a new window", () => {
    const rows: Row[] = [
      ["u", "A", t0],
      ["u", "A", t0 + 20 * D],
      ["u", "B", t0 + 21 * D],
      ["u", "C", t0 + 22 * D],
    ];
    const out = funnel(events(rows), { steps: ["A", "B", "C"] });
    assert.deepEqual(users(out), [1, 1, 1]);
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 86400, 86400]);
  });
  await t.step("the earliest of equally far attempts gives the times", () => {
    const rows: Row[] = [
      ["u", "A", t0],
      ["u", "B", t0 + H],
      ["u", "A", t0 + 2 * H],
      ["u", "B", t0 + 2 * H + 600_000_000],
    ];
    const out = funnel(events(rows), { steps: ["A", "B"] });
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 3600]);
  });
  await t.step("a further later attempt beats an earlier shorter one", () => {
    const rows: Row[] = [
      ["u", "A", t0],
      ["u", "B", t0 + H],
      ["u", "A", t0 + 30 * D],
      ["u", "B", t0 + 30 * D + 60_000_000],
      ["u", "C", t0 + 30 * D + 120_000_000],
    ];
    const out = funnel(events(rows), { steps: ["A", "B", "C"] });
    assert.deepEqual(users(out), [1, 1, 1]);
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 60, 60]);
  });
});

Deno.test("funnel() strict, ordered and unordered differ as defined", async (t) => {
  const rows: Row[] = [
    // interrupted: A, X, B
    ["int", "A", t0],
    ["int", "X", t0 + H],
    ["int", "B", t0 + 2 * H],
    // direct: A, B
    ["dir", "A", t0],
    ["dir", "B", t0 + H],
    // reversed: B, A
    ["rev", "B", t0],
    ["rev", "A", t0 + H],
    // repeated start: A, A, B (strict converts from the second A)
    ["rep", "A", t0],
    ["rep", "A", t0 + H],
    ["rep", "B", t0 + 2 * H],
  ];
  const frame = events(rows);
  await t.step("ordered", () => {
    assert.deepEqual(users(funnel(frame, { steps: ["A", "B"] })), [4, 3]);
  });
  await t.step("strict", () => {
    assert.deepEqual(users(funnel(frame, { steps: ["A", "B"], order: "strict" })), [4, 2]);
  });
  await t.step("unordered", () => {
    assert.deepEqual(users(funnel(frame, { steps: ["A", "B"], order: "unordered" })), [4, 4]);
  });
  await t.step("unordered times are null", () => {
    const out = funnel(frame, { steps: ["A", "B"], order: "unordered" });
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, null]);
  });
});

Deno.test("funnel() unordered counts steps within the window after any step event", () => {
  const rows: Row[] = [
    // C then A 20 days later (14-day window): 1 step; A then B then C within a day: 3
    ["far", "C", t0],
    ["far", "A", t0 + 20 * D],
    ["near", "C", t0],
    ["near", "B", t0 + H],
    ["near", "A", t0 + 2 * H],
    // B then C within window, A outside: 2
    ["two", "B", t0],
    ["two", "C", t0 + D],
    ["two", "A", t0 + 16 * D],
  ];
  const out = funnel(events(rows), { steps: ["A", "B", "C"], order: "unordered" });
  assert.deepEqual(users(out), [3, 2, 1]);
});

Deno.test("funnel() a repeated step needs a distinct event for each occurrence", async (t) => {
  const rows: Row[] = [
    ["once", "A", t0],
    ["once", "B", t0 + H],
    ["twice", "A", t0],
    ["twice", "A", t0 + H],
    ["twice", "B", t0 + 2 * H],
    ["tied", "A", t0],
    ["tied", "A", t0],
    ["tied", "B", t0],
  ];
  const frame = events(rows);
  await t.step("ordered", () => {
    assert.deepEqual(users(funnel(frame, { steps: ["A", "A", "B"] })), [3, 2, 2]);
  });
  await t.step("unordered", () => {
    const out = funnel(frame, { steps: ["A", "A", "B"], order: "unordered" });
    assert.deepEqual(users(out), [3, 3, 2]);
  });
  await t.step("strict", () => {
    const out = funnel(frame, { steps: ["A", "A", "B"], order: "strict" });
    assert.deepEqual(users(out), [3, 2, 2]);
  });
});

Deno.test("funnel() equal timestamps convert when the rows are distinct", () => {
  const rows: Row[] = [
    // B listed before A in the input, same instant
    ["tie", "B", t0],
    ["tie", "A", t0],
    // a lone A cannot be both steps of A → A
    ["lone", "A", t0],
  ];
  const frame = events(rows);
  assert.deepEqual(users(funnel(frame, { steps: ["A", "B"] })), [2, 1]);
  assert.deepEqual(users(funnel(frame, { steps: ["A", "B"], order: "strict" })), [2, 1]);
  assert.deepEqual(users(funnel(frame, { steps: ["A", "A"] })), [2, 0]);
  assert.deepEqual(
    col(funnel(frame, { steps: ["A", "B"] }), "median_time_to_convert_s"),
    [null, 0],
  );
});

Deno.test("funnel() breakdown takes the value of the counted attempt's step-1 event", () => {
  const rows: Row[] = [
    // first attempt (Basic) never converts, second (Pro) does: counted once, under Pro
    ["u1", "A", t0, { tier: "Basic" }],
    ["u1", "A", t0 + 30 * D, { tier: "Pro" }],
    ["u1", "B", t0 + 30 * D + H, { tier: "Pro" }],
    ["u2", "A", t0, { tier: "Basic" }],
    ["u3", "A", t0, { tier: "Basic" }],
    ["u3", "B", t0 + H, { tier: null }],
  ];
  const out = funnel(events(rows, ["tier"]), { steps: ["A", "B"], breakdown: "tier" });
  assert.deepEqual(out.columns.slice(0, 3), ["tier", "step", "label"]);
  assert.deepEqual(col(out, "tier"), ["Basic", "Basic", "Pro", "Pro"]);
  assert.deepEqual(users(out), [2, 1, 1, 1]);
  assert.deepEqual(col(out, "conversion_pct"), [100, 50, 100, 100]);
});

Deno.test("funnel() step filters apply to the step's own event", () => {
  const rows: Row[] = [
    ["web", "A", t0, { platform: "web" }],
    ["web", "B", t0 + H, { platform: "web" }],
    ["ios", "A", t0, { platform: "web" }],
    ["ios", "B", t0 + H, { platform: "ios" }],
    ["nul", "A", t0, { platform: "web" }],
    ["nul", "B", t0 + H, { platform: null }],
  ];
  const out = funnel(events(rows, ["platform"]), {
    steps: ["A", { event: "B", filter: pl.col("platform").eq(pl.lit("ios")), label: "B on iOS" }],
  });
  assert.deepEqual(users(out), [3, 1]);
  assert.deepEqual(col(out, "label"), ["A", "B on iOS"]);
});

Deno.test("funnel() from/to keep events in [from, to], to inclusive", () => {
  const rows: Row[] = [
    ["early", "A", "2026-02-28T23:59:59Z"],
    ["early", "B", "2026-03-01T01:00:00Z"],
    ["edge", "A", "2026-03-01T00:00:00Z"],
    ["edge", "B", "2026-03-31T00:00:00Z"],
    ["after", "A", "2026-03-30T00:00:00Z"],
    ["after", "B", "2026-03-31T00:00:00.001Z"],
  ];
  const out = funnel(events(rows), {
    steps: ["A", "B"],
    window: null,
    from: new Date("2026-03-01T00:00:00Z"),
    to: new Date("2026-03-31T00:00:00Z"),
  });
  assert.deepEqual(users(out), [2, 1]);
});

Deno.test("funnel() empty input returns an empty frame with the output schema", async (t) => {
  const empty = events([]);
  const expected = [
    "step",
    "label",
    "users",
    "conversion_pct",
    "conversion_ci_low",
    "conversion_ci_high",
    "step_conversion_pct",
    "step_conversion_ci_low",
    "step_conversion_ci_high",
    "median_time_to_convert_s",
    "p90_time_to_convert_s",
  ];
  for (const order of ["ordered", "strict", "unordered"] as const) {
    await t.step(order, () => {
      const out = funnel(empty, { steps: ["A", "B"], order });
      assert.equal(out.height, 0);
      assert.deepEqual(out.columns, expected);
    });
  }
  await t.step("with breakdown", () => {
    const out = funnel(events([], ["tier"]), { steps: ["A"], breakdown: "tier" });
    assert.equal(out.height, 0);
    assert.deepEqual(out.columns, ["tier", ...expected]);
  });
});

Deno.test("funnel() accepts lazy frames and millisecond, naive timestamps", () => {
  const frame = events([["u", "A", t0], ["u", "B", t0 + H]])
    .withColumns(pl.col("ts").cast(pl.Datetime("ms")));
  assert.deepEqual(users(funnel(frame.lazy(), { steps: ["A", "B"] })), [1, 1]);
});

Deno.test("funnel() rejects bad options with a message naming the option", () => {
  const frame = events([["u", "A", t0]]);
  assert.throws(() => funnel(frame, { steps: [] }), /"steps"/);
  assert.throws(
    () => funnel(frame, { steps: ["A"], window: { value: 0, unit: "day" } }),
    /"window.value"/,
  );
  assert.throws(
    () => funnel(frame, { steps: ["A"], order: "sideways" as FunnelOptions["order"] }),
    /"order"/,
  );
  assert.throws(() => funnel(frame, { steps: ["A"], breakdown: "tier" }), /"tier"/);
});

// ---------------------------------------------------------------------------------------------
// Randomised cross-check against a brute-force reference of the definition.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomRows(seed: number): Row[] {
  const rnd = lcg(seed);
  const names = ["A", "B", "C", "X"];
  const rows: Row[] = [];
  for (let i = 0; i < 400; i++) {
    const user = `u${Math.floor(rnd() * 40)}`;
    const event = names[Math.floor(rnd() * names.length)]!;
    // minute granularity over 6 hours: plenty of ties
    const ts = t0 + Math.floor(rnd() * 360) * 60_000_000;
    rows.push([user, event, ts, { tier: rnd() < 0.5 ? "Basic" : "Pro" }]);
  }
  return rows;
}

interface RefEvent {
  event: string;
  ts: number;
  idx: number;
}

/** Reached step count per user, by exhaustive search over chains (ordered and strict). */
function referenceReached(
  rows: Row[],
  steps: string[],
  windowUs: number,
  order: "ordered" | "strict" | "unordered",
): Map<string, number> {
  const byUser = new Map<string, RefEvent[]>();
  rows.forEach(([u, event, ts], idx) => {
    const list = byUser.get(u) ?? [];
    list.push({ event, ts: ts as number, idx });
    byUser.set(u, list);
  });
  const n = steps.length;
  const rank = (e: RefEvent) => {
    const i = steps.indexOf(e.event);
    return i < 0 ? n + 1 : i + 1;
  };
  const out = new Map<string, number>();
  for (const [user, all] of byUser) {
    const evs = (order === "strict" ? all : all.filter((e) => steps.includes(e.event)))
      .sort((a, b) => a.ts - b.ts || rank(a) - rank(b) || a.idx - b.idx);
    let best = 0;
    if (order === "unordered") {
      for (const anchor of evs) {
        const inWindow = evs.filter((e) => e.ts >= anchor.ts && e.ts <= anchor.ts + windowUs);
        const need = new Map<string, number>();
        for (const s of steps) need.set(s, (need.get(s) ?? 0) + 1);
        let got = 0;
        for (const [s, c] of need) {
          got += Math.min(c, inWindow.filter((e) => e.event === s).length);
        }
        best = Math.max(best, got);
      }
    } else {
      const depth = (pos: number, step: number, end: number): number => {
        // events[pos] matched steps[step - 1]; how many more steps can follow?
        if (step === n) return step;
        let deepest = step;
        const candidates = order === "strict" ? [pos + 1] : evs.map((_, i) => i).slice(pos + 1);
        for (const q of candidates) {
          const e = evs[q];
          if (!e || e.ts > end || e.event !== steps[step]) continue;
          deepest = Math.max(deepest, depth(q, step + 1, end));
        }
        return deepest;
      };
      evs.forEach((e, i) => {
        if (e.event === steps[0]) best = Math.max(best, depth(i, 1, e.ts + windowUs));
      });
    }
    if (best > 0) out.set(user, best);
  }
  return out;
}

function cumulative(reached: Map<string, number>, n: number): number[] {
  return Array.from({ length: n }, (_, k) => [...reached.values()].filter((r) => r > k).length);
}

Deno.test("funnel() matches a brute-force reference on random data", async (t) => {
  const stepLists = [["A", "B", "C"], ["A", "B", "A", "C"], ["B", "B"], ["C", "A", "X"]];
  for (const seed of [1, 2, 3]) {
    const rows = randomRows(seed);
    const frame = events(rows, ["tier"]);
    for (const steps of stepLists) {
      for (const order of ["ordered", "strict", "unordered"] as const) {
        await t.step(`seed ${seed}, ${steps.join("→")}, ${order}`, () => {
          const expected = cumulative(
            referenceReached(rows, steps, 30 * 60_000_000, order),
            steps.length,
          );
          const out = funnel(frame, { steps, order, window: { value: 30, unit: "minute" } });
          assert.deepEqual(users(out), expected[0] === 0 ? [] : expected);
        });
      }
    }
  }
});

Deno.test("funnel() gives identical results on the streaming and in-memory engines", async (t) => {
  const frame = events(randomRows(7), ["tier"]);
  for (const order of ["ordered", "strict", "unordered"] as const) {
    await t.step(order, () => {
      const options: FunnelOptions = {
        steps: ["A", "B", "C"],
        order,
        breakdown: "tier",
        window: { value: 1, unit: "hour" },
      };
      const streaming = funnel(frame, { ...options, engine: "streaming" });
      const inMemory = funnel(frame, { ...options, engine: "in-memory" });
      assert.deepEqual(streaming.toRecords(), inMemory.toRecords());
      assert.ok(streaming.height > 0);
    });
  }
});

Deno.test("funnelFromUsers() of disjoint user groups equals funnel() of everyone", async (t) => {
  const frame = events([...randomRows(4), ...randomRows(5)], ["tier"]);
  const cases: [string, FunnelOptions][] = [
    ["ordered, breakdown", { steps: ["A", "B", "C"], breakdown: "tier" }],
    ["strict, 30 minutes", {
      steps: ["A", "B", "A"],
      order: "strict",
      window: { value: 30, unit: "minute" },
    }],
    ["unordered", { steps: ["C", "A", "X"], order: "unordered" }],
    ["exclusion", { steps: ["A", "B", "C"], exclusions: [{ event: "X", fromStep: 1, toStep: 2 }] }],
    ["windowFunnel strict_order", {
      steps: ["A", "B", "C"],
      windowFunnel: ["strict_order"],
      breakdown: "tier",
    }],
  ];
  for (const [name, options] of cases) {
    for (const groups of [1, 2, 5]) {
      await t.step(`${name}, ${groups} groups`, () => {
        const group = pl.col("user_id").str.slice(1).cast(pl.Int32).modulo(groups);
        const users = pl.concat(
          Array.from({ length: groups }, (_, i) => funnelUsers(frame.filter(group.eq(i)), options)),
        );
        const whole = funnel(frame, options);
        assert.ok(whole.height > 0);
        assert.deepEqual(funnelFromUsers(users, options).toRecords(), whole.toRecords());
      });
    }
  }
});
