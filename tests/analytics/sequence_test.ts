import assert from "node:assert/strict";
import pl, { type DataFrame } from "nodejs-polars";
import { sequence, userKey } from "../../lib/analytics/_sequence.ts";
import { funnel, type FunnelOrder, type WindowFunnelMode } from "../../lib/analytics/funnel.ts";
import { col, events, type Row, us } from "./_events.ts";

const t0 = us("2026-03-02T10:00:00Z");
const MIN = 60_000_000;

/** Runs `fn` with every user id mapped to the same key (a total hash collision). */
function withCollidingKey<T>(fn: () => T): T {
  const original = userKey.of;
  userKey.of = () => pl.lit(7).cast(pl.UInt64);
  try {
    return fn();
  } finally {
    userKey.of = original;
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function sequenced(rows: Row[], exact: boolean): DataFrame {
  // The streaming engine, as funnel() uses it (its fallback to in-memory would hide a failure).
  return sequence(
    events(rows).lazy().withColumns(pl.col("ts").cast(pl.Int64).alias("_t")),
    false,
    exact,
  ).collectSync({ engine: "streaming" });
}

Deno.test("sequence() flags a new user that does not start a new key", async (t) => {
  // u1 and u2 interleave in time; with one key for both the fast sort mixes their rows.
  const rows: Row[] = [
    ["u1", "A", t0],
    ["u2", "A", t0 + MIN],
    ["u1", "B", t0 + 2 * MIN],
    ["u2", "B", t0 + 3 * MIN],
  ];
  await t.step("the real hash: no clash, each user's rows together in time order", () => {
    const out = sequenced(rows, false);
    assert.deepEqual(col(out, "_clash"), [false, false, false, false]);
    assert.deepEqual(col(out, "_seq"), [0, 1, 2, 3]);
    const byUser = col<string>(out, "user_id");
    assert.ok(byUser[0] === byUser[1] && byUser[2] === byUser[3] && byUser[1] !== byUser[2]);
    assert.deepEqual(col(out, "_uc"), [1, 1, 2, 2]);
  });
  await t.step("a colliding key: rows interleave and the clash is flagged", () => {
    const out = withCollidingKey(() => sequenced(rows, false));
    assert.deepEqual(col(out, "user_id"), ["u1", "u2", "u1", "u2"]);
    assert.deepEqual(col(out, "_clash"), [false, true, true, true]);
  });
  await t.step("a colliding key, exact: users together again and no flag", () => {
    const out = withCollidingKey(() => sequenced(rows, true));
    assert.deepEqual(col(out, "user_id"), ["u1", "u1", "u2", "u2"]);
    assert.deepEqual(col(out, "_uc"), [1, 1, 2, 2]);
    assert.deepEqual(col(out, "_clash"), [false, false, false, false]);
  });
});

Deno.test("funnel() gives the same result when every user id shares one hash", async (t) => {
  const rnd = lcg(9);
  const rows: Row[] = Array.from({ length: 400 }, () => [
    `u${Math.floor(rnd() * 30)}`,
    ["A", "B", "C", "X"][Math.floor(rnd() * 4)]!,
    t0 + Math.floor(rnd() * 300) * MIN,
    { tier: rnd() < 0.5 ? "Basic" : "Pro" },
  ]);
  const frame = events(rows, ["tier"]);
  for (const order of ["ordered", "strict", "unordered"] as FunnelOrder[]) {
    await t.step(order, () => {
      const options = {
        steps: ["A", "B", "C"],
        order,
        window: { value: 45, unit: "minute" as const },
        breakdown: "tier",
      };
      const expected = funnel(frame, options);
      assert.ok(col<number>(expected, "users").some((n, i) => i % 3 === 2 && n > 0));
      const colliding = withCollidingKey(() => funnel(frame, options));
      assert.deepEqual(colliding.toRecords(), expected.toRecords());
    });
  }
  const modeSets: WindowFunnelMode[][] = [
    [],
    ["strict_order"],
    ["strict_once", "strict_order", "strict_deduplication"],
  ];
  for (const windowFunnel of modeSets) {
    await t.step(`windowFunnel [${windowFunnel.join(", ")}]`, () => {
      const options = {
        steps: ["A", "B", "C"],
        window: { value: 45, unit: "minute" as const },
        breakdown: "tier",
        windowFunnel,
      };
      const expected = funnel(frame, options);
      assert.ok(col<number>(expected, "users").some((n, i) => i % 3 === 1 && n > 0));
      const colliding = withCollidingKey(() => funnel(frame, options));
      assert.deepEqual(colliding.toRecords(), expected.toRecords());
    });
  }
});
