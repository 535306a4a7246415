import assert from "node:assert/strict";
import {
  formatCount,
  formatDate,
  formatInterval,
  formatNumber,
  formatPercent,
  formatPValue,
  formatRate,
  formatSeconds,
  formatShare,
  formatValue,
} from "../../lib/format/mod.ts";

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

Deno.test("formatCount() and formatShare() round counts and scale fractions", () => {
  assert.equal(formatCount(5120), "5,120");
  assert.equal(formatCount(1234.5), "1,235");
  assert.equal(formatCount(-0.2), "0");
  assert.equal(formatCount(12345678901234567890n), "12,345,678,901,234,567,890");
  assert.equal(formatShare(0.2814), "28.1%");
  assert.equal(formatShare(0.5, 0), "50%");
});

Deno.test("formatInterval() joins bounds with an en dash, or 'to' when one is negative", async (t) => {
  const cases: [number | null, number | null, Parameters<typeof formatInterval>[2], string][] = [
    [27.04, 29.38, { unit: "%" }, "27.0–29.4%"],
    [0.917, 1.093, { decimals: 2 }, "0.92–1.09"],
    [-1.66, 23.7, {}, "-1.7 to 23.7"],
    [-3, -1, { unit: " kg" }, "-3.0 to -1.0 kg"],
    [-0.01, 2, {}, "0.0–2.0"],
    [null, 3, {}, "interval n/a"],
    [1, Number.NaN, { missing: "n/a" }, "n/a"],
  ];
  for (const [low, high, options, expected] of cases) {
    await t.step(expected, () => assert.equal(formatInterval(low, high, options), expected));
  }
});

Deno.test("formatPValue() shows tiny p-values as a bound and others with three decimals", () => {
  assert.equal(formatPValue(1e-9), "< 0.001");
  assert.equal(formatPValue(0.04213), "0.042");
  assert.equal(formatPValue(0.001), "0.001");
  assert.equal(formatPValue(null), "");
  assert.equal(formatPValue("x"), "");
});

Deno.test("formatSeconds() and formatRate() read like progress lines", () => {
  assert.equal(formatSeconds(0.6412), "0.64 s");
  assert.equal(formatSeconds(9.999), "10.00 s");
  assert.equal(formatSeconds(95.25), "95.3 s");
  assert.equal(formatSeconds(4321), "4,321.0 s");
  assert.equal(formatRate(1_024_000, 2), "512k rows/s");
  assert.equal(formatRate(2_500_000, 2), "1.25M rows/s");
  assert.equal(formatRate(87, 1), "87 rows/s");
  assert.equal(formatRate(10, 0), "-");
});
