import assert from "node:assert/strict";
import { checkFreshness, formatAge, type FreshnessOptions } from "../../lib/observe/mod.ts";

const NOW = new Date("2026-04-01T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const THRESHOLDS: FreshnessOptions = {
  warnAfter: { count: 12, period: "hour" },
  errorAfter: { count: 1, period: "day" },
  now: NOW,
};

Deno.test("checkFreshness() follows dbt: error past error_after, warn past warn_after, else pass", async (t) => {
  const cases: [number, "pass" | "warn" | "error"][] = [
    [0, "pass"],
    [11.99, "pass"],
    [12, "pass"], // equal to the threshold: not past it
    [12.01, "warn"],
    [24, "warn"],
    [24.01, "error"],
    [24 * 30, "error"],
    [-2, "pass"], // newest value in the future
  ];
  for (const [hours, status] of cases) {
    await t.step(`${hours} h old → ${status}`, () => {
      const r = checkFreshness(hoursAgo(hours), THRESHOLDS);
      assert.equal(r.status, status);
      assert.ok(Math.abs(r.ageSeconds! - hours * 3600) < 1e-6);
      assert.equal(r.warnAfterSeconds, 12 * 3600);
      assert.equal(r.errorAfterSeconds, 86_400);
    });
  }
  await t.step("only warn_after: never error", () => {
    const r = checkFreshness(hoursAgo(1000), {
      warnAfter: { count: 30, period: "minute" },
      now: NOW,
    });
    assert.equal(r.status, "warn");
    assert.equal(
      r.message,
      "newest value 2026-02-18T20:00:00.000Z is 41 d 16 h old, over warn_after 30 min",
    );
  });
  await t.step("only error_after", () => {
    assert.equal(
      checkFreshness(hoursAgo(3), { errorAfter: { count: 2, period: "hour" }, now: NOW }).status,
      "error",
    );
    const pass = checkFreshness(hoursAgo(1), {
      errorAfter: { count: 2, period: "hour" },
      now: NOW,
    });
    assert.equal(pass.status, "pass");
    assert.equal(
      pass.message,
      "newest value 2026-04-01T11:00:00.000Z is 1 h old, within error_after 2 h",
    );
  });
  await t.step("no rows is an error whatever the thresholds", () => {
    const r = checkFreshness(null, THRESHOLDS);
    assert.deepEqual([r.status, r.ageSeconds, r.newest], ["error", null, null]);
    assert.match(r.message, /no rows/);
  });
  await t.step("messages name the age and the threshold crossed", () => {
    assert.equal(
      checkFreshness(hoursAgo(30), THRESHOLDS).message,
      "newest value 2026-03-31T06:00:00.000Z is 1 d 6 h old, over error_after 1 d",
    );
    assert.equal(
      checkFreshness(hoursAgo(13.5), THRESHOLDS).message,
      "newest value 2026-03-31T22:30:00.000Z is 13 h 30 min old, over warn_after 12 h",
    );
  });
});

Deno.test("checkFreshness() rejects thresholds it cannot read", () => {
  assert.throws(() => checkFreshness(NOW, { now: NOW }), /give warnAfter, errorAfter or both/);
  assert.throws(
    () => checkFreshness(NOW, { warnAfter: { count: 0, period: "day" } }),
    /warnAfter.count must be a positive integer, got 0/,
  );
  assert.throws(
    () => checkFreshness(NOW, { errorAfter: { count: 1, period: "week" as "day" } }),
    /errorAfter.period must be one of minute, hour, day, got "week"/,
  );
});

Deno.test("formatAge() keeps the two largest units", () => {
  assert.deepEqual(
    [12, 60, 3_660, 86_400, 90_061, -7_200].map(formatAge),
    ["12 s", "1 min", "1 h 1 min", "1 d", "1 d 1 h", "-2 h"],
  );
});
