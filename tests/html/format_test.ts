import assert from "node:assert/strict";
import { formatDate, formatNumber, formatPercent, formatValue } from "../../lib/html/mod.ts";

Deno.test("formatNumber() groups thousands and fixes decimals", async (t) => {
  const cases: [number | bigint, number, string][] = [
    [1234567.891, 2, "1,234,567.89"],
    [12345, 0, "12,345"],
    [-0.001, 2, "0.00"],
    [0.5, 0, "1"],
    [12345678901234567890n, 0, "12,345,678,901,234,567,890"],
    [Number.NaN, 1, "NaN"],
    [Infinity, 1, "∞"],
  ];
  for (const [value, decimals, expected] of cases) {
    await t.step(
      `${value} (${decimals})`,
      () => assert.equal(formatNumber(value, decimals), expected),
    );
  }
});

Deno.test("formatPercent() and formatValue() formats", async (t) => {
  const d = new Date("2026-03-02T00:00:00Z");
  const cases: [unknown, Parameters<typeof formatValue>[1], string][] = [
    [42.567, "pct", "42.6%"],
    [42.567, "pct:0", "43%"],
    [0.1234, "share", "12.3%"],
    [0.1234, "share:2", "12.34%"],
    [1234.5, "int", "1,235"],
    [1234.5, "fixed:1", "1,234.5"],
    ["1234.5", "fixed:0", "1,235"],
    ["abc", "int", "abc"],
    [null, "int", ""],
    [d, "date", "2026-03-02"],
    [new Date("2026-03-02T10:05:09Z"), "datetime", "2026-03-02 10:05:09"],
    [3, (v) => `#${v}`, "#3"],
  ];
  for (const [value, format, expected] of cases) {
    await t.step(`${String(value)} as ${String(format)}`, () => {
      assert.equal(formatValue(value, format), expected);
    });
  }
  assert.equal(formatPercent(0.4, 2), "0.40%");
  assert.equal(formatDate(new Date("2026-03-02T10:05:00Z")), "2026-03-02 10:05:00");
});

Deno.test("formatValue() rejects a malformed decimals spec", () => {
  assert.throws(() => formatValue(1, "fixed:x" as `fixed:${number}`), RangeError);
});
