import assert from "node:assert/strict";
import pl, { type DataFrame } from "nodejs-polars";
import { mergePaths, paths, type PathsOptions } from "../../lib/analytics/paths.ts";
import { col, events, round, type Row, us } from "./_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const MIN = 60_000_000;

/** Edges as `step|source|target|users|node_users` strings. */
function edges(frame: DataFrame): string[] {
  const step = col<number>(frame, "step");
  const source = col<string | null>(frame, "source");
  const target = col<string | null>(frame, "target");
  const users = col<number>(frame, "users");
  const node = col<number>(frame, "node_users");
  return step.map((s, i) => `${s}|${source[i] ?? "·"}|${target[i] ?? "·"}|${users[i]}|${node[i]}`);
}

const basic: Row[] = [
  ["a", "S", t0],
  ["a", "search", t0 + MIN],
  ["a", "view", t0 + 2 * MIN],
  ["a", "list", t0 + 3 * MIN],
  ["b", "S", t0],
  ["b", "search", t0 + MIN],
  ["b", "search", t0 + 2 * MIN],
  ["c", "S", t0],
  ["c", "view", t0 + MIN],
  // d never does S
  ["d", "view", t0],
];

Deno.test("paths() after a start event: edges between positions, drop-offs, shares", () => {
  const out = paths(events(basic), { start: "S", steps: 2 });
  assert.deepEqual(edges(out), [
    "0|S|search|2|3",
    "0|S|view|1|3",
    "1|search|search|1|2",
    "1|search|view|1|2",
    // c's journey ends after view: a drop-off
    "1|view|·|1|1",
  ]);
  assert.deepEqual(round(col(out, "share_pct")), [66.67, 33.33, 50, 50, 100]);
  assert.deepEqual(out.columns, ["step", "source", "target", "users", "node_users", "share_pct"]);
});

Deno.test("paths() collapseRepeats merges consecutive repeats", () => {
  const out = paths(events(basic), { start: "S", steps: 2, collapseRepeats: true });
  // b: S, search (the repeat merged), then nothing
  assert.deepEqual(edges(out), [
    "0|S|search|2|3",
    "0|S|view|1|3",
    "1|search|view|1|2",
    "1|search|·|1|2",
    "1|view|·|1|1",
  ]);
});

Deno.test("paths() collapseRepeats merges before the anchor is chosen", async (t) => {
  // S (Basic), S (Pro), A: merged into the first S, whose row is Basic
  const rows: Row[] = [
    ["u", "S", t0, { tier: "Basic" }],
    ["u", "S", t0 + MIN, { tier: "Pro" }],
    ["u", "A", t0 + 2 * MIN, { tier: "Pro" }],
  ];
  const pro = { event: "S", filter: pl.col("tier").eq(pl.lit("Pro")) };
  await t.step("an anchor filter sees the merged run's first row", () => {
    assert.deepEqual(edges(paths(events(rows, ["tier"]), { start: pro, steps: 1 })), [
      "0|S|A|1|1",
    ]);
    const merged = paths(events(rows, ["tier"]), { start: pro, steps: 1, collapseRepeats: true });
    assert.equal(merged.height, 0);
  });
  await t.step("the breakdown is the merged run's first row's", () => {
    const out = paths(events(rows, ["tier"]), {
      start: "S",
      steps: 1,
      collapseRepeats: true,
      breakdown: "tier",
    });
    assert.deepEqual(col(out, "tier"), ["Basic"]);
    assert.deepEqual(edges(out), ["0|S|A|1|1"]);
  });
  await t.step("before an end, the run's first row is the anchor", () => {
    const before = paths(events(rows, ["tier"]), { end: "A", steps: 2, collapseRepeats: true });
    assert.deepEqual(edges(before), ["-2|·|S|1|1", "-1|S|A|1|1"]);
  });
});

Deno.test("paths() before an end event: previous events, journeys beginning early", () => {
  const out = paths(events(basic), { end: "view", steps: 2 });
  // a: S, search, [view]; c: S, [view]; d: [view] (nothing before). Shares are of the node
  // nearer the anchor: view at 0 (3 users), S (c) and search (a) at −1.
  assert.deepEqual(edges(out), [
    "-2|S|search|1|1",
    "-2|·|S|1|1",
    "-1|S|view|1|3",
    "-1|search|view|1|3",
    "-1|·|view|1|3",
  ]);
});

Deno.test("paths() sessions: by column, by inactivity; users counted once per edge", async (t) => {
  const rows: Row[] = [
    // two sessions of u, both S → view: one user on the edge
    ["u", "S", t0, { session_id: "s1" }],
    ["u", "view", t0 + MIN, { session_id: "s1" }],
    ["u", "S", t0 + 60 * MIN, { session_id: "s2" }],
    ["u", "view", t0 + 61 * MIN, { session_id: "s2" }],
    // v: S → search in s3, S → view in s4: shares from S add up to more than 100%
    ["v", "S", t0, { session_id: "s3" }],
    ["v", "search", t0 + MIN, { session_id: "s3" }],
    ["v", "S", t0 + 60 * MIN, { session_id: "s4" }],
    ["v", "view", t0 + 90 * MIN, { session_id: "s4" }],
  ];
  const frame = events(rows, ["session_id"]);
  await t.step("by column", () => {
    const out = paths(frame, { start: "S", steps: 1, session: { column: "session_id" } });
    assert.deepEqual(edges(out), ["0|S|view|2|2", "0|S|search|1|2"]);
  });
  await t.step("no session: the first S in the user's history only", () => {
    const out = paths(frame, { start: "S", steps: 1 });
    assert.deepEqual(edges(out), ["0|S|search|1|2", "0|S|view|1|2"]);
  });
  await t.step("by inactivity: exactly 30 minutes later is the same session", () => {
    const out = paths(frame, {
      start: "S",
      steps: 1,
      session: { inactivity: { value: 30, unit: "minute" } },
    });
    assert.deepEqual(edges(out), ["0|S|view|2|2", "0|S|search|1|2"]);
    const shorter = paths(frame, {
      start: "S",
      steps: 1,
      session: { inactivity: { value: 29, unit: "minute" } },
    });
    // v's second session: S, then view 30 minutes later is a new session: a drop-off
    assert.deepEqual(edges(shorter), ["0|S|search|1|2", "0|S|view|1|2", "0|S|·|1|2"]);
  });
});

Deno.test("paths() window: only events within it after the anchor, end inclusive", () => {
  const rows: Row[] = [
    ["edge", "S", t0],
    ["edge", "view", t0 + 10 * MIN],
    ["late", "S", t0],
    ["late", "view", t0 + 10 * MIN + 1],
  ];
  const out = paths(events(rows), {
    start: "S",
    steps: 1,
    window: { value: 10, unit: "minute" },
  });
  assert.deepEqual(edges(out), ["0|S|view|1|2", "0|S|·|1|2"]);
});

Deno.test("paths() the anchor's first occurrence per session; ties in input order", () => {
  const rows: Row[] = [
    ["u", "view", t0],
    ["u", "S", t0 + MIN],
    ["u", "search", t0 + 2 * MIN],
    ["u", "S", t0 + 3 * MIN],
    // tie: listed B then A at the same instant
    ["v", "S", t0],
    ["v", "B", t0 + MIN],
    ["v", "A", t0 + MIN],
  ];
  const out = paths(events(rows), { start: "S", steps: 2 });
  assert.deepEqual(edges(out), [
    "0|S|B|1|2",
    "0|S|search|1|2",
    "1|B|A|1|1",
    "1|search|S|1|1",
  ]);
});

Deno.test("paths() breakdown from the anchor event, minEdgeUsers, anchor filter", async (t) => {
  const rows: Row[] = [
    ["a", "S", t0, { tier: "Basic" }],
    ["a", "search", t0 + MIN, { tier: null }],
    ["b", "S", t0, { tier: "Basic" }],
    ["b", "search", t0 + MIN, { tier: "Pro" }],
    ["c", "S", t0, { tier: "Basic" }],
    ["c", "view", t0 + MIN, { tier: "Basic" }],
    ["p", "S", t0, { tier: "Pro" }],
    ["p", "list", t0 + MIN, { tier: "Pro" }],
  ];
  const frame = events(rows, ["tier"]);
  await t.step("breakdown", () => {
    const out = paths(frame, { start: "S", steps: 1, breakdown: "tier" });
    assert.deepEqual(col(out, "tier"), ["Basic", "Basic", "Pro"]);
    assert.deepEqual(edges(out), ["0|S|search|2|3", "0|S|view|1|3", "0|S|list|1|1"]);
    assert.deepEqual(out.columns[0], "tier");
  });
  await t.step("a null breakdown at the anchor stays null (not the previous journey's)", () => {
    const withNull: Row[] = [
      ["a", "S", t0, { tier: "Pro" }],
      ["a", "x", t0 + MIN, { tier: "Pro" }],
      ["b", "S", t0, { tier: null }],
      ["b", "y", t0 + MIN, { tier: "Pro" }],
    ];
    const out = paths(events(withNull, ["tier"]), { start: "S", steps: 1, breakdown: "tier" });
    assert.deepEqual(col(out, "tier"), ["Pro", null]);
    assert.deepEqual(col(out, "target"), ["x", "y"]);
  });
  await t.step("a breakdown that is not text keeps its values and type", () => {
    const levels = frame.withColumns(
      pl.when(pl.col("tier").eq(pl.lit("Pro"))).then(pl.lit(2)).otherwise(pl.lit(1))
        .cast(pl.Int16).alias("level"),
    );
    const out = paths(levels, { start: "S", steps: 1, breakdown: "level" });
    assert.ok(out.getColumn("level").dtype.equals(pl.Int16));
    assert.deepEqual(col(out, "level"), [1, 1, 2]);
    assert.deepEqual(edges(out), ["0|S|search|2|3", "0|S|view|1|3", "0|S|list|1|1"]);
  });
  await t.step("minEdgeUsers drops thin edges, keeps node counts", () => {
    const out = paths(frame, { start: "S", steps: 1, breakdown: "tier", minEdgeUsers: 2 });
    assert.deepEqual(edges(out), ["0|S|search|2|3"]);
  });
  await t.step("an anchor with a filter", () => {
    const out = paths(frame, {
      start: { event: "S", filter: pl.col("tier").eq(pl.lit("Pro")) },
      steps: 1,
    });
    assert.deepEqual(edges(out), ["0|S|list|1|1"]);
  });
});

Deno.test("paths() empty input and bad options", () => {
  const out = paths(events([]), { start: "S" });
  assert.equal(out.height, 0);
  assert.equal(out.columns.length, 6);
  const frame = events(basic);
  assert.throws(() => paths(frame, {}), /exactly one of "start" and "end"/);
  assert.throws(() => paths(frame, { start: "S", end: "view" }), /exactly one/);
  assert.throws(() => paths(frame, { start: "S", steps: 0 }), /"steps"/);
  assert.throws(() => paths(frame, { start: "S", minEdgeUsers: 0 }), /"minEdgeUsers"/);
  assert.throws(() => paths(frame, { start: "" }), /"start": no event name/);
  assert.throws(
    () => paths(frame, { start: "S", session: { column: "session_id" } }),
    /missing column "session_id"/,
  );
  assert.throws(
    () => paths(frame, { start: "S", window: { value: 1, unit: "year" as "day" } }),
    /"window.unit"/,
  );
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

function reference(rows: Row[], options: PathsOptions & { gap: number | null }): string[] {
  const forward = options.start !== undefined;
  const anchor = (forward ? options.start : options.end) as string;
  const steps = options.steps ?? 3;
  const window = options.window ? options.window.value * MIN : Infinity;
  const byUser = new Map<string, { e: string; t: number; i: number; tier: string }[]>();
  rows.forEach(([u, e, t, p], i) => {
    const list = byUser.get(u) ?? [];
    list.push({ e, t: t as number, i, tier: String(p?.tier) });
    byUser.set(u, list);
  });
  const edgeUsers = new Map<string, Set<string>>();
  const nodeUsers = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, u: string) =>
    (m.get(k) ?? m.set(k, new Set()).get(k)!).add(u);
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.t - b.t || a.i - b.i);
    const sessions: (typeof list)[] = [];
    list.forEach((ev, k) => {
      if (k === 0 || (options.gap !== null && ev.t - list[k - 1]!.t > options.gap)) {
        sessions.push([]);
      }
      sessions[sessions.length - 1]!.push(ev);
    });
    for (let s of sessions) {
      if (options.collapseRepeats) s = s.filter((ev, k) => k === 0 || ev.e !== s[k - 1]!.e);
      const a = s.findIndex((ev) => ev.e === anchor);
      if (a < 0) continue;
      const journey: { e: string; p: number }[] = [];
      for (let p = 0; p <= steps; p++) {
        const ev = s[forward ? a + p : a - p];
        if (!ev || Math.abs(ev.t - s[a]!.t) > window) break;
        journey.push({ e: ev.e, p: forward ? p : -p });
      }
      const bd = s[a]!.tier;
      journey.forEach((node, k) => {
        add(nodeUsers, `${bd}|${node.p}|${node.e}`, user);
        if (Math.abs(node.p) >= steps) return;
        const next = journey[k + 1]?.e ?? "·";
        const key = forward
          ? `${bd}|${node.p}|${node.e}|${next}`
          : `${bd}|${node.p - 1}|${next}|${node.e}`;
        add(edgeUsers, key, user);
      });
    }
  }
  return [...edgeUsers.entries()].map(([key, users]) => {
    const [bd, step, source, target] = key.split("|");
    const node = forward ? `${bd}|${step}|${source}` : `${bd}|${Number(step) + 1}|${target}`;
    return `${key}|${users.size}|${nodeUsers.get(node)!.size}`;
  }).sort();
}

Deno.test("paths() matches a direct computation on random data", async (t) => {
  for (const seed of [1, 2, 3]) {
    const rnd = lcg(seed);
    const rows: Row[] = Array.from({ length: 600 }, () => [
      `u${Math.floor(rnd() * 40)}`,
      ["S", "search", "view", "list", "X"][Math.floor(rnd() * 5)]!,
      t0 + Math.floor(rnd() * 600) * MIN,
      { tier: rnd() < 0.5 ? "Basic" : "Pro" },
    ]);
    const frame = events(rows, ["tier"]);
    const cases: [string, PathsOptions & { gap: number | null }][] = [
      ["start, 3 steps, whole history", { start: "S", steps: 3, gap: null }],
      ["start, 30-minute sessions, window 1 h", {
        start: "S",
        steps: 4,
        session: { inactivity: { value: 30, unit: "minute" } },
        window: { value: 60, unit: "minute" },
        gap: 30 * MIN,
      }],
      ["start, collapse repeats, sessions", {
        start: "view",
        steps: 2,
        collapseRepeats: true,
        session: { inactivity: { value: 45, unit: "minute" } },
        gap: 45 * MIN,
      }],
      ["end, 3 steps, sessions", {
        end: "list",
        steps: 3,
        session: { inactivity: { value: 30, unit: "minute" } },
        gap: 30 * MIN,
      }],
      ["end, collapse repeats, sessions, window 40 min", {
        end: "view",
        steps: 3,
        collapseRepeats: true,
        session: { inactivity: { value: 30, unit: "minute" } },
        window: { value: 40, unit: "minute" },
        gap: 30 * MIN,
      }],
      ["end, window 20 min", {
        end: "S",
        steps: 2,
        window: { value: 20, unit: "minute" },
        gap: null,
      }],
    ];
    for (const [name, options] of cases) {
      await t.step(`seed ${seed}, ${name}`, () => {
        const out = paths(frame, { ...options, breakdown: "tier" });
        const got = edges(out).map((e, i) => `${col(out, "tier")[i]}|${e}`).sort();
        assert.deepEqual(got, reference(rows, options));
        assert.ok(got.length > 0);
      });
    }
  }
});

Deno.test("paths() gives identical results on the streaming and in-memory engines", () => {
  const rnd = lcg(8);
  const rows: Row[] = Array.from({ length: 300 }, () => [
    `u${Math.floor(rnd() * 20)}`,
    ["S", "A", "B"][Math.floor(rnd() * 3)]!,
    t0 + Math.floor(rnd() * 300) * MIN,
  ]);
  const options: PathsOptions = { start: "S", steps: 3, collapseRepeats: true };
  const a = paths(events(rows), { ...options, engine: "streaming" });
  const b = paths(events(rows), { ...options, engine: "in-memory" });
  assert.deepEqual(a.toRecords(), b.toRecords());
  assert.ok(a.height > 0);
});

Deno.test("mergePaths() of disjoint user groups equals paths() of everyone", async (t) => {
  const rnd = lcg(21);
  const rows: Row[] = Array.from({ length: 900 }, () => [
    `u${Math.floor(rnd() * 60)}`,
    ["S", "search", "view", "list", "X"][Math.floor(rnd() * 5)]!,
    t0 + Math.floor(rnd() * 900) * MIN,
    { tier: rnd() < 0.5 ? "Basic" : "Pro" },
  ]);
  const frame = events(rows, ["tier"]);
  const cases: [string, PathsOptions][] = [
    ["start, collapse repeats, sessions, breakdown, min 3", {
      start: "S",
      steps: 3,
      collapseRepeats: true,
      session: { inactivity: { value: 30, unit: "minute" } },
      breakdown: "tier",
      minEdgeUsers: 3,
    }],
    ["end, window, no breakdown", { end: "list", steps: 2, window: { value: 1, unit: "hour" } }],
  ];
  for (const [name, options] of cases) {
    for (const groups of [1, 3, 7]) {
      await t.step(`${name}, ${groups} groups`, () => {
        const group = pl.col("user_id").str.slice(1).cast(pl.Int32).modulo(groups);
        const parts = Array.from(
          { length: groups },
          (_, i) => paths(frame.filter(group.eq(i)), { ...options, minEdgeUsers: 1 }),
        );
        const whole = paths(frame, options);
        assert.ok(whole.height > 0);
        assert.deepEqual(mergePaths(parts, options).toRecords(), whole.toRecords());
      });
    }
  }
});
