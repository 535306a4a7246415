import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  funnel,
  type FunnelOptions,
  funnelUsers,
  type WindowFunnelMode,
} from "../../lib/analytics/funnel.ts";
import { prepareFunnel } from "../../lib/analytics/_funnel_core.ts";
import { scanStrictOnce } from "../../lib/analytics/_strict_once_scan.ts";
import { type ChEvent, clickhouseWindowFunnel } from "./_clickhouse_window_funnel.ts";
import { col, events, type Row, us } from "./_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const S = 1_000_000;
const MIN = 60 * S;

function users(rows: Row[], options: FunnelOptions, props: string[] = []): number[] {
  return col<number>(funnel(events(rows, props), options), "users");
}

Deno.test("funnel() windowFunnel default: one event may satisfy consecutive identical steps", async (t) => {
  const rows: Row[] = [["u", "A", t0], ["v", "A", t0], ["v", "A", t0 + MIN]];
  await t.step("ClickHouse default ([]): one A completes A → A", () => {
    assert.deepEqual(users(rows, { steps: ["A", "A"], windowFunnel: [] }), [2, 2]);
  });
  await t.step('stepEvents "shared" is the same', () => {
    assert.deepEqual(users(rows, { steps: ["A", "A"], stepEvents: "shared" }), [2, 2]);
  });
  await t.step("strict_once: each step needs its own A (u has one)", () => {
    assert.deepEqual(users(rows, { steps: ["A", "A"], windowFunnel: ["strict_once"] }), [2, 1]);
  });
  await t.step('PostHog (no windowFunnel) and stepEvents "distinct" agree with strict_once', () => {
    assert.deepEqual(users(rows, { steps: ["A", "A"] }), [2, 1]);
    assert.deepEqual(
      users(rows, { steps: ["A", "A"], windowFunnel: [], stepEvents: "distinct" }),
      [2, 1],
    );
  });
});

Deno.test("funnel() windowFunnel strict_order stops at an event matching no step", async (t) => {
  const rows: Row[] = [
    // A, X, B: X interrupts
    ["axb", "A", t0],
    ["axb", "X", t0 + MIN],
    ["axb", "B", t0 + 2 * MIN],
    // X before the first A does not count: the chain has not started
    ["xab", "X", t0],
    ["xab", "A", t0 + MIN],
    ["xab", "B", t0 + 2 * MIN],
    // A, C, B (steps A, B, C): C comes before B was reached, which stops at level 1
    ["acb", "A", t0],
    ["acb", "C", t0 + MIN],
    ["acb", "B", t0 + 2 * MIN],
  ];
  await t.step("default", () => {
    assert.deepEqual(users(rows, { steps: ["A", "B", "C"], windowFunnel: [] }), [3, 3, 0]);
  });
  await t.step("strict_order", () => {
    const out = users(rows, { steps: ["A", "B", "C"], windowFunnel: ["strict_order"] });
    assert.deepEqual(out, [3, 1, 0]);
  });
  await t.step("a non-step event at the same instant as a step sorts first and stops", () => {
    // ClickHouse gives a non-matching event cond 0, before the steps' conds at one timestamp.
    const tie: Row[] = [["u", "A", t0], ["u", "B", t0 + MIN], ["u", "X", t0 + MIN]];
    assert.deepEqual(users(tie, { steps: ["A", "B"], windowFunnel: ["strict_order"] }), [1, 0]);
  });
  await t.step("a non-step event at the first step's instant sorts before it: no stop", () => {
    const tie: Row[] = [["u", "A", t0], ["u", "X", t0], ["u", "B", t0 + MIN]];
    assert.deepEqual(users(tie, { steps: ["A", "B"], windowFunnel: ["strict_order"] }), [1, 1]);
  });
});

Deno.test("funnel() windowFunnel strict_deduplication stops at a repeated step", () => {
  // ClickHouse's documented case: A-B-C-B-D with steps A, B, C, D gives 3.
  const rows: Row[] = [
    ["u", "A", t0],
    ["u", "B", t0 + MIN],
    ["u", "C", t0 + 2 * MIN],
    ["u", "B", t0 + 3 * MIN],
    ["u", "D", t0 + 4 * MIN],
  ];
  const steps = ["A", "B", "C", "D"];
  assert.deepEqual(users(rows, { steps, windowFunnel: [] }), [1, 1, 1, 1]);
  assert.deepEqual(
    users(rows, { steps, windowFunnel: ["strict_deduplication"] }),
    [1, 1, 1, 0],
  );
  // a repeated step-1 event never stops the search
  const again: Row[] = [["u", "A", t0], ["u", "A", t0 + MIN], ["u", "B", t0 + 2 * MIN]];
  assert.deepEqual(
    users(again, { steps: ["A", "B"], windowFunnel: ["strict_deduplication"] }),
    [1, 1],
  );
});

Deno.test("funnel() windowFunnel strict_increase: ties do not chain, ClickHouse's greedy kept", async (t) => {
  await t.step("A and B at the same instant", () => {
    const rows: Row[] = [["u", "A", t0], ["u", "B", t0]];
    assert.deepEqual(users(rows, { steps: ["A", "B"], windowFunnel: [] }), [1, 1]);
    assert.deepEqual(users(rows, { steps: ["A", "B"], windowFunnel: ["strict_increase"] }), [
      1,
      0,
    ]);
  });
  await t.step("the latest chain only: A@0, A@5, B@5 gives 1 (not A@0 → B@5)", () => {
    // ClickHouse keeps one chain per level, the one started by the latest A (at 5 min), which
    // cannot advance to B at the same instant; strict_once keeps every chain and finds 2.
    const rows: Row[] = [["u", "A", t0], ["u", "A", t0 + 5 * MIN], ["u", "B", t0 + 5 * MIN]];
    const window = { value: 10, unit: "minute" as const };
    assert.deepEqual(
      users(rows, { steps: ["A", "B"], window, windowFunnel: ["strict_increase"] }),
      [1, 0],
    );
    assert.deepEqual(
      users(rows, { steps: ["A", "B"], window, windowFunnel: ["strict_increase", "strict_once"] }),
      [1, 1],
    );
    assert.equal(
      clickhouseWindowFunnel(
        [{ t: 0, conds: [1] }, { t: 5, conds: [1] }, { t: 5, conds: [2] }],
        2,
        10,
        ["strict_increase"],
      ),
      1,
    );
  });
});

Deno.test("funnel() windowFunnel: events at one instant are taken in step order", () => {
  // B listed before A at the same instant: ClickHouse sorts by (time, step number).
  const rows: Row[] = [["u", "B", t0], ["u", "A", t0]];
  assert.deepEqual(users(rows, { steps: ["A", "B"], windowFunnel: [] }), [1, 1]);
  // strict_once: A → B → A needs two A rows at the instant; with two it converts.
  const aba: Row[] = [["u", "A", t0], ["u", "B", t0], ["u", "A", t0]];
  assert.deepEqual(users(aba, { steps: ["A", "B", "A"], windowFunnel: ["strict_once"] }), [
    1,
    1,
    1,
  ]);
  assert.deepEqual(
    users(aba.slice(0, 2), { steps: ["A", "B", "A"], windowFunnel: ["strict_once"] }),
    [1, 1, 0],
  );
});

Deno.test("funnel() windowFunnel window is inclusive, in seconds", () => {
  const rows: Row[] = [
    ["edge", "A", t0],
    ["edge", "B", t0 + 30 * S],
    ["late", "A", t0],
    ["late", "B", t0 + 30 * S + 1],
  ];
  const window = { value: 30, unit: "second" as const };
  for (const modes of [[], ["strict_once"]] as WindowFunnelMode[][]) {
    assert.deepEqual(users(rows, { steps: ["A", "B"], window, windowFunnel: modes }), [2, 1]);
  }
});

Deno.test("funnel() windowFunnel breakdown and times come from the chain that first reached the level", () => {
  const rows: Row[] = [
    ["u", "A", t0, { tier: "Basic" }],
    ["u", "A", t0 + MIN, { tier: "Pro" }],
    ["u", "B", t0 + 3 * MIN, { tier: "Pro" }],
  ];
  // ClickHouse extends the latest chain: A@1 min (Pro) → B, 2 minutes.
  const out = funnel(events(rows, ["tier"]), {
    steps: ["A", "B"],
    breakdown: "tier",
    windowFunnel: [],
  });
  assert.deepEqual(col(out, "tier"), ["Pro", "Pro"]);
  assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 120]);
  // strict_once keeps every chain: both reach B at the same event; the earliest start counts.
  const once = funnel(events(rows, ["tier"]), {
    steps: ["A", "B"],
    breakdown: "tier",
    windowFunnel: ["strict_once"],
  });
  assert.deepEqual(col(once, "tier"), ["Basic", "Basic"]);
  assert.deepEqual(col(once, "median_time_to_convert_s"), [null, 180]);
});

Deno.test("funnel() windowFunnel on empty input returns the output schema", () => {
  for (const modes of [[], ["strict_once", "strict_order"]] as WindowFunnelMode[][]) {
    const out = funnel(events([]), { steps: ["A", "B"], windowFunnel: modes });
    assert.equal(out.height, 0);
    assert.equal(out.columns.length, 11);
  }
});

Deno.test("funnel() windowFunnel rejects contradictory options naming the option", () => {
  const frame = events([["u", "A", t0]]);
  assert.throws(
    () => funnel(frame, { steps: ["A"], windowFunnel: [], order: "strict" }),
    /"order".*strict_order/,
  );
  assert.throws(
    () => funnel(frame, { steps: ["A"], windowFunnel: ["strict"] as unknown as [] }),
    /"windowFunnel": unknown mode "strict"/,
  );
  assert.throws(
    () => funnel(frame, { steps: ["A"], windowFunnel: ["strict_once"], stepEvents: "shared" }),
    /"stepEvents"/,
  );
  assert.throws(
    () => funnel(frame, { steps: ["A"], stepEvents: "shared", order: "unordered" }),
    /"order"/,
  );
  assert.throws(
    () =>
      funnel(frame, {
        steps: ["A", "B"],
        windowFunnel: [],
        exclusions: [{ event: "X", fromStep: 1, toStep: 2 }],
      }),
    /"exclusions"/,
  );
});

// ---------------------------------------------------------------------------------------------
// Randomised cross-check against the line-by-line port of ClickHouse's function.

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
  return Array.from({ length: 500 }, () => [
    `u${Math.floor(rnd() * 40)}`,
    names[Math.floor(rnd() * names.length)]!,
    // minute granularity over 4 hours: plenty of ties
    t0 + Math.floor(rnd() * 240) * MIN,
  ]);
}

function oracle(rows: Row[], steps: string[], window: number, modes: WindowFunnelMode[]): number[] {
  const byUser = new Map<string, ChEvent[]>();
  for (const [user, event, ts] of rows) {
    const conds = steps.flatMap((s, i) => (s === event ? [i + 1] : []));
    const list = byUser.get(user) ?? [];
    list.push({ t: ts as number, conds });
    byUser.set(user, list);
  }
  const levels = [...byUser.values()].map((list) =>
    clickhouseWindowFunnel(list, steps.length, window, modes)
  );
  const counts = steps.map((_, k) => levels.filter((l) => l > k).length);
  return counts[0] === 0 ? [] : counts;
}

Deno.test("funnel() windowFunnel strict_once with an event matching two step definitions", async (t) => {
  const ios = pl.col("platform").eq(pl.lit("ios"));
  const at = (platform: string, minutes: number, event = "A"): Row => [
    "u",
    event,
    t0 + minutes * MIN,
    { platform },
  ];
  const run = (rows: Row[], steps: FunnelOptions["steps"], modes: WindowFunnelMode[] = []) =>
    funnel(events(rows, ["platform"]), { steps, windowFunnel: ["strict_once", ...modes] });
  await t.step("one iOS A cannot be both A and A-on-iOS", () => {
    const out = run([at("ios", 0)], ["A", { event: "A", filter: ios }]);
    assert.deepEqual(col(out, "users"), [1, 0]);
  });
  await t.step("a web A and an iOS A at one instant: the web one is step 1", () => {
    // entries (t, 1, ios), (t, 1, web), (t, 2, ios): the chain from ios cannot reuse it
    const out = run([at("ios", 0), at("web", 0)], ["A", { event: "A", filter: ios }]);
    assert.deepEqual(col(out, "users"), [1, 1]);
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 0]);
  });
  await t.step("three steps, two events at one instant: level 2", () => {
    const rows = [at("ios", 0), at("web", 0)];
    const out = run(rows, ["A", { event: "A", filter: ios }, "A"]);
    assert.deepEqual(col(out, "users"), [1, 1, 0]);
  });
  await t.step("A-on-iOS, then any A later: the times are the chain's", () => {
    const out = run([at("ios", 0), at("web", 5)], [{ event: "A", filter: ios }, "A"]);
    assert.deepEqual(col(out, "users"), [1, 1]);
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 300]);
  });
  await t.step("strict_order still stops at an event matching no step", () => {
    const rows = [at("ios", 0), at("web", 1, "X"), at("web", 2)];
    assert.deepEqual(col(run(rows, [{ event: "A", filter: ios }, "A"]), "users"), [1, 1]);
    const stopped = run(rows, [{ event: "A", filter: ios }, "A"], ["strict_order"]);
    assert.deepEqual(col(stopped, "users"), [1, 0]);
  });
  await t.step("users without such an event go through the chains, in the same counts", () => {
    const rows: Row[] = [
      ...[at("ios", 0), at("web", 0)],
      ["w", "A", t0, { platform: "web" }],
      ["w", "A", t0 + MIN, { platform: "web" }],
    ];
    const out = run(rows, ["A", { event: "A", filter: ios }]);
    assert.deepEqual(col(out, "users"), [2, 1]);
  });
});

Deno.test("funnel() windowFunnel strict_once matches ClickHouse with overlapping step definitions", async (t) => {
  const ios = pl.col("platform").eq(pl.lit("ios"));
  const stepLists: [string, FunnelOptions["steps"], (e: string, p: string) => number[]][] = [
    [
      "A → A(ios)",
      ["A", { event: "A", filter: ios }],
      (e, p) => e === "A" ? (p === "ios" ? [1, 2] : [1]) : [],
    ],
    [
      "A(ios) → A → B",
      [{ event: "A", filter: ios }, "A", "B"],
      (e, p) => e === "A" ? (p === "ios" ? [1, 2] : [2]) : e === "B" ? [3] : [],
    ],
    [
      "A → A(ios) → A",
      ["A", { event: "A", filter: ios }, "A"],
      (e, p) => e === "A" ? (p === "ios" ? [1, 2, 3] : [1, 3]) : [],
    ],
  ];
  const modeSets: WindowFunnelMode[][] = [
    ["strict_once"],
    ["strict_once", "strict_increase"],
    ["strict_once", "strict_order"],
    ["strict_once", "strict_deduplication"],
    ["strict_once", "strict_order", "strict_deduplication", "strict_increase"],
  ];
  let cases = 0;
  let converting = 0;
  for (const seed of [4, 5, 6]) {
    const rnd = lcg(seed);
    const rows: Row[] = Array.from({ length: 400 }, () => [
      `u${Math.floor(rnd() * 30)}`,
      ["A", "A", "B", "X"][Math.floor(rnd() * 4)]!,
      t0 + Math.floor(rnd() * 120) * MIN,
      { platform: rnd() < 0.5 ? "ios" : "web" },
    ]);
    const frame = events(rows, ["platform"]);
    for (const [name, steps, conds] of stepLists) {
      for (const modes of modeSets) {
        await t.step(`seed ${seed}, ${name}, [${modes.join(", ")}]`, () => {
          const byUser = new Map<string, ChEvent[]>();
          for (const [user, event, ts, props] of rows) {
            const list = byUser.get(user) ?? [];
            list.push({ t: ts as number, conds: conds(event, props!.platform as string) });
            byUser.set(user, list);
          }
          const levels = [...byUser.values()].map((list) =>
            clickhouseWindowFunnel(list, steps.length, 30 * MIN, modes)
          );
          const expected = steps.map((_, k) => levels.filter((l) => l > k).length);
          const window = { value: 30, unit: "minute" as const };
          const out = col<number>(funnel(frame, { steps, window, windowFunnel: modes }), "users");
          assert.deepEqual(out, expected[0] === 0 ? [] : expected);
          if (expected[1]! > 0) converting++;
          cases++;
        });
      }
    }
  }
  // the data exercise the scan: most cases have users past step 1
  assert.ok(converting > cases * 0.8, `${converting} of ${cases}`);
});

Deno.test("strict_once: the per-user scan and the chains count the same chain", async (t) => {
  // Without overlapping definitions both apply: the same level, breakdown and step times.
  const modeSets: WindowFunnelMode[][] = [
    ["strict_once"],
    ["strict_once", "strict_increase"],
    ["strict_once", "strict_order", "strict_deduplication"],
  ];
  for (const seed of [7, 8]) {
    const rows = randomRows(seed).map(([u, e, ts], i): Row => [u, e, ts, {
      tier: i % 3 ? "Basic" : "Pro",
    }]);
    const frame = events(rows, ["tier"]);
    for (const steps of [["A", "B", "C"], ["A", "A", "B"], ["B", "A", "B", "A"]]) {
      for (const modes of modeSets) {
        await t.step(`seed ${seed}, ${steps.join("→")}, [${modes.join(", ")}]`, () => {
          const options: FunnelOptions = {
            steps,
            window: { value: 30, unit: "minute" },
            breakdown: "tier",
            windowFunnel: modes,
          };
          const sorted = (frame: pl.DataFrame) =>
            frame.sort(frame.columns, false, true).toRecords();
          const chains = funnelUsers(frame, options);
          const p = prepareFunnel(frame, options, "test");
          const scanned = scanStrictOnce(p, new Set(modes));
          assert.ok(chains.height > 0);
          assert.deepEqual(sorted(scanned), sorted(chains));
        });
      }
    }
  }
});

Deno.test("funnel() windowFunnel matches ClickHouse's algorithm on random data", async (t) => {
  const stepLists = [["A", "B", "C"], ["A", "B", "A", "C"], ["B", "B"], ["A", "A", "B"], [
    "C",
    "A",
    "X",
  ], ["A"]];
  const modeSets: WindowFunnelMode[][] = [
    [],
    ["strict_order"],
    ["strict_deduplication"],
    ["strict_increase"],
    ["strict_once"],
    ["strict_once", "strict_increase"],
    ["strict_order", "strict_deduplication"],
    ["strict_once", "strict_deduplication", "strict_order"],
    ["strict_order", "strict_deduplication", "strict_increase", "strict_once"],
  ];
  const window = { value: 30, unit: "minute" as const };
  for (const seed of [1, 2, 3]) {
    const rows = randomRows(seed);
    const frame = events(rows);
    for (const steps of stepLists) {
      for (const modes of modeSets) {
        await t.step(`seed ${seed}, ${steps.join("→")}, [${modes.join(", ")}]`, () => {
          const out = col<number>(funnel(frame, { steps, window, windowFunnel: modes }), "users");
          assert.deepEqual(out, oracle(rows, steps, 30 * MIN, modes));
        });
      }
    }
  }
});

Deno.test("funnel() windowFunnel gives identical results on the streaming and in-memory engines", () => {
  const rows = randomRows(9).map(([u, e, ts], i): Row => [u, e, ts, {
    tier: i % 3 ? "Basic" : "Pro",
  }]);
  const frame = events(rows, ["tier"]);
  for (
    const modes of [[], ["strict_once", "strict_order"], [
      "strict_deduplication",
      "strict_increase",
    ]] as WindowFunnelMode[][]
  ) {
    const options: FunnelOptions = {
      steps: ["A", "B", "C"],
      breakdown: "tier",
      window: { value: 1, unit: "hour" },
      windowFunnel: modes,
    };
    const streaming = funnel(frame, { ...options, engine: "streaming" });
    const inMemory = funnel(frame, { ...options, engine: "in-memory" });
    assert.deepEqual(streaming.toRecords(), inMemory.toRecords());
    assert.ok(streaming.height > 0);
  }
});
