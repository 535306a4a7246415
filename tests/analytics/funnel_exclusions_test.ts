import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { funnel, type FunnelExclusion, type FunnelOptions } from "../../lib/analytics/funnel.ts";
import { col, events, type Row, us } from "./_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const MIN = 60_000_000;
const H = 60 * MIN;

function users(rows: Row[], options: FunnelOptions, props: string[] = []): number[] {
  return col<number>(funnel(events(rows, props), options), "users");
}

const X12: FunnelExclusion = { event: "X", fromStep: 1, toStep: 2 };

Deno.test("funnel() exclusions: an exclusion strictly between the steps disqualifies the attempt", async (t) => {
  const rows: Row[] = [
    // A, X, B: disqualified, and with no other attempt the user is not in the funnel at all
    ["between", "A", t0],
    ["between", "X", t0 + MIN],
    ["between", "B", t0 + 2 * MIN],
    // A, B, X: after the toStep event, no effect
    ["after", "A", t0],
    ["after", "B", t0 + MIN],
    ["after", "X", t0 + 2 * MIN],
    // X, A, B: before the fromStep event, no effect
    ["before", "X", t0],
    ["before", "A", t0 + MIN],
    ["before", "B", t0 + 2 * MIN],
  ];
  await t.step("without exclusions", () => {
    assert.deepEqual(users(rows, { steps: ["A", "B"] }), [3, 3]);
  });
  await t.step("with X between steps 1 and 2", () => {
    assert.deepEqual(users(rows, { steps: ["A", "B"], exclusions: [X12] }), [2, 2]);
  });
  await t.step("strict order: the same rule", () => {
    // strict already breaks on X between A and B; the others are unaffected
    const out = users(rows, { steps: ["A", "B"], order: "strict", exclusions: [X12] });
    assert.deepEqual(out, [2, 2]);
  });
});

Deno.test("funnel() exclusions: ties with the fromStep or toStep event do not disqualify", () => {
  const rows: Row[] = [
    ["tieFrom", "A", t0],
    ["tieFrom", "X", t0],
    ["tieFrom", "B", t0 + MIN],
    ["tieTo", "A", t0],
    ["tieTo", "X", t0 + MIN],
    ["tieTo", "B", t0 + MIN],
    ["inside", "A", t0],
    ["inside", "X", t0 + 1],
    ["inside", "B", t0 + 2],
  ];
  assert.deepEqual(users(rows, { steps: ["A", "B"], exclusions: [X12] }), [2, 2]);
  assert.deepEqual(
    users(rows, { steps: ["A", "B"], order: "strict", exclusions: [X12] }),
    // strict: a non-step event sorts after the steps at one instant, so tieTo's X comes after
    // B and tieTo converts; tieFrom's X comes between A and B, which breaks its strict chain
    // (at step 1, not disqualified: the tie); inside is disqualified
    [2, 1],
  );
});

Deno.test("funnel() exclusions: when toStep is not reached, the window after fromStep counts", async (t) => {
  const window = { value: 1, unit: "hour" as const };
  const rows: Row[] = [
    ["inWindow", "A", t0],
    ["inWindow", "X", t0 + 59 * MIN],
    ["atEnd", "A", t0],
    ["atEnd", "X", t0 + H],
    ["later", "A", t0],
    ["later", "X", t0 + H + 1],
    // B too late to convert (outside the window): X inside the window still disqualifies
    ["lateB", "A", t0],
    ["lateB", "X", t0 + MIN],
    ["lateB", "B", t0 + 2 * H],
  ];
  await t.step("strictly before fromStep time + window disqualifies", () => {
    assert.deepEqual(users(rows, { steps: ["A", "B"], window, exclusions: [X12] }), [2, 0]);
  });
  await t.step("no window: any later exclusion disqualifies", () => {
    assert.deepEqual(users(rows, { steps: ["A", "B"], window: null, exclusions: [X12] }), []);
  });
});

Deno.test("funnel() exclusions: users are counted by their best attempt that is not disqualified", async (t) => {
  await t.step("a disqualified attempt reaching step 2, a clean one reaching step 2 later", () => {
    const rows: Row[] = [
      ["u", "A", t0, { tier: "Basic" }],
      ["u", "X", t0 + MIN, { tier: "Basic" }],
      ["u", "B", t0 + 2 * MIN, { tier: "Basic" }],
      ["u", "A", t0 + 20 * 24 * H, { tier: "Pro" }],
      ["u", "B", t0 + 20 * 24 * H + 5 * MIN, { tier: "Pro" }],
    ];
    const out = funnel(events(rows, ["tier"]), {
      steps: ["A", "B"],
      breakdown: "tier",
      exclusions: [X12],
    });
    assert.deepEqual(col(out, "tier"), ["Pro", "Pro"]);
    assert.deepEqual(col(out, "users"), [1, 1]);
    assert.deepEqual(col(out, "median_time_to_convert_s"), [null, 300]);
  });
  await t.step(
    "a disqualified attempt reaching step 3 loses to a clean one reaching step 1",
    () => {
      const rows: Row[] = [
        ["u", "A", t0],
        ["u", "X", t0 + MIN],
        ["u", "B", t0 + 2 * MIN],
        ["u", "C", t0 + 3 * MIN],
        ["u", "A", t0 + 20 * 24 * H],
      ];
      assert.deepEqual(users(rows, { steps: ["A", "B", "C"], exclusions: [X12] }), [1, 0, 0]);
    },
  );
});

Deno.test("funnel() exclusions from a later step, with a filter, and several at once", async (t) => {
  const rows: Row[] = [
    // X before B: outside the 2 → 3 range
    ["early", "A", t0, { platform: "web" }],
    ["early", "X", t0 + MIN, { platform: "web" }],
    ["early", "B", t0 + 2 * MIN, { platform: "web" }],
    ["early", "C", t0 + 3 * MIN, { platform: "web" }],
    // X between B and C
    ["mid", "A", t0, { platform: "web" }],
    ["mid", "B", t0 + MIN, { platform: "web" }],
    ["mid", "X", t0 + 2 * MIN, { platform: "ios" }],
    ["mid", "C", t0 + 3 * MIN, { platform: "web" }],
  ];
  const steps = ["A", "B", "C"];
  await t.step("2 → 3", () => {
    const out = users(rows, { steps, exclusions: [{ event: "X", fromStep: 2, toStep: 3 }] }, [
      "platform",
    ]);
    assert.deepEqual(out, [1, 1, 1]);
  });
  await t.step("a filter on the exclusion event", () => {
    const onWeb = pl.col("platform").eq(pl.lit("web"));
    const out = users(rows, {
      steps,
      exclusions: [{ event: "X", filter: onWeb, fromStep: 2, toStep: 3 }],
    }, ["platform"]);
    assert.deepEqual(out, [2, 2, 2]);
  });
  await t.step("several exclusions: any one disqualifies", () => {
    const out = users(rows, {
      steps,
      exclusions: [{ event: "X", fromStep: 2, toStep: 3 }, { event: "X", fromStep: 1, toStep: 2 }],
    }, ["platform"]);
    assert.deepEqual(out, []);
  });
});

Deno.test("funnel() exclusions: empty input and bad options", () => {
  const out = funnel(events([]), { steps: ["A", "B"], exclusions: [X12] });
  assert.equal(out.height, 0);
  const frame = events([["u", "A", t0]]);
  assert.throws(
    () => funnel(frame, { steps: ["A", "B"], order: "unordered", exclusions: [X12] }),
    /"exclusions".*"unordered"/,
  );
  assert.throws(
    () =>
      funnel(frame, { steps: ["A", "B"], exclusions: [{ event: "X", fromStep: 2, toStep: 2 }] }),
    /"exclusions\[0\]": toStep \(2\) must be after fromStep \(2\)/,
  );
  assert.throws(
    () =>
      funnel(frame, { steps: ["A", "B"], exclusions: [{ event: "X", fromStep: 1, toStep: 3 }] }),
    /"exclusions\[0\]": fromStep and toStep must be steps 1..2/,
  );
  assert.throws(
    () => funnel(frame, { steps: ["A"], exclusions: [{ event: "", fromStep: 1, toStep: 2 }] }),
    /"exclusions\[0\]": no event name/,
  );
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

function randomRows(seed: number): Row[] {
  const rnd = lcg(seed);
  const names = ["A", "B", "C", "X", "Y"];
  return Array.from({ length: 500 }, () => [
    `u${Math.floor(rnd() * 40)}`,
    names[Math.floor(rnd() * names.length)]!,
    t0 + Math.floor(rnd() * 360) * MIN,
  ]);
}

interface Ev {
  event: string;
  ts: number;
  idx: number;
}

/** Reached step of the best attempt that no exclusion disqualifies, per user. */
function reference(
  rows: Row[],
  steps: string[],
  windowUs: number,
  order: "ordered" | "strict",
  exclusions: { event: string; fromStep: number; toStep: number }[],
): number[] {
  const byUser = new Map<string, Ev[]>();
  rows.forEach(([u, event, ts], idx) => {
    const list = byUser.get(u) ?? [];
    list.push({ event, ts: ts as number, idx });
    byUser.set(u, list);
  });
  const n = steps.length;
  const rank = (e: Ev) => {
    const i = steps.indexOf(e.event);
    return i < 0 ? n + 1 : i + 1;
  };
  const best: number[] = [];
  for (const all of byUser.values()) {
    const evs = all.sort((a, b) => a.ts - b.ts || rank(a) - rank(b) || a.idx - b.idx);
    const seqEvs = order === "strict" ? evs : evs.filter((e) => steps.includes(e.event));
    let top = 0;
    seqEvs.forEach((start, i) => {
      if (start.event !== steps[0]) return;
      // the attempt's events: the earliest ones (ordered) or the next rows (strict)
      const chain = [start];
      let pos = i;
      for (let j = 1; j < n; j++) {
        let next = -1;
        if (order === "strict") {
          if (seqEvs[pos + 1]?.event === steps[j]) next = pos + 1;
        } else {
          next = seqEvs.findIndex((e, q) => q > pos && e.event === steps[j]);
        }
        if (next < 0 || seqEvs[next]!.ts > start.ts + windowUs) break;
        chain.push(seqEvs[next]!);
        pos = next;
      }
      const reached = chain.length;
      const excluded = exclusions.some((x) => {
        if (reached < x.fromStep) return false;
        const lo = chain[x.fromStep - 1]!.ts;
        const hi = reached >= x.toStep ? chain[x.toStep - 1]!.ts : lo + windowUs;
        return evs.some((e) => e.event === x.event && e.ts > lo && e.ts < hi);
      });
      if (!excluded) top = Math.max(top, reached);
    });
    best.push(top);
  }
  const counts = steps.map((_, k) => best.filter((r) => r > k).length);
  return counts[0] === 0 ? [] : counts;
}

Deno.test("funnel() exclusions match a direct computation on random data", async (t) => {
  const cases: [string[], { event: string; fromStep: number; toStep: number }[]][] = [
    [["A", "B", "C"], [{ event: "X", fromStep: 1, toStep: 3 }]],
    [["A", "B", "C"], [{ event: "X", fromStep: 2, toStep: 3 }, {
      event: "Y",
      fromStep: 1,
      toStep: 2,
    }]],
    [["A", "B", "A", "C"], [{ event: "X", fromStep: 1, toStep: 2 }]],
    [["B", "B"], [{ event: "A", fromStep: 1, toStep: 2 }]],
    // an exclusion event that is also a step
    [["A", "B", "C"], [{ event: "C", fromStep: 1, toStep: 2 }]],
  ];
  for (const seed of [1, 2, 3]) {
    const rows = randomRows(seed);
    const frame = events(rows);
    for (const [steps, exclusions] of cases) {
      for (const order of ["ordered", "strict"] as const) {
        const name = exclusions.map((x) => `${x.event}:${x.fromStep}-${x.toStep}`).join(",");
        await t.step(`seed ${seed}, ${steps.join("→")}, ${order}, ${name}`, () => {
          const out = funnel(frame, {
            steps,
            order,
            window: { value: 30, unit: "minute" },
            exclusions,
          });
          assert.deepEqual(
            col(out, "users"),
            reference(rows, steps, 30 * MIN, order, exclusions),
          );
        });
      }
    }
  }
});

Deno.test("funnel() exclusions give identical results on the streaming and in-memory engines", () => {
  const frame = events(randomRows(5));
  for (const order of ["ordered", "strict"] as const) {
    const options: FunnelOptions = {
      steps: ["A", "B", "C"],
      order,
      window: { value: 1, unit: "hour" },
      exclusions: [{ event: "X", fromStep: 1, toStep: 3 }],
    };
    const a = funnel(frame, { ...options, engine: "streaming" });
    const b = funnel(frame, { ...options, engine: "in-memory" });
    assert.deepEqual(a.toRecords(), b.toRecords());
    assert.ok(a.height > 0);
  }
});
