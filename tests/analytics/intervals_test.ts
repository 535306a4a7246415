import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  erfc,
  poissonRateHigh,
  poissonRateInterval,
  poissonRateLow,
  tCritical95,
  tCritical95Expr,
  twoSidedPValue,
  twoSidedPValueExpr,
  wilsonHigh,
  wilsonInterval,
  wilsonLow,
} from "../../lib/analytics/intervals.ts";
import { col } from "./_events.ts";

function close(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

Deno.test("wilsonInterval() matches known values", async (t) => {
  await t.step("8 of 10 → 0.4902–0.9433", () => {
    const { low, high } = wilsonInterval(8, 10);
    close(low, 0.4902, 5e-5, "low");
    close(high, 0.9433, 5e-5, "high");
  });
  await t.step("0 of 10 starts at 0, 10 of 10 ends at 1", () => {
    assert.equal(wilsonInterval(0, 10).low, 0);
    close(wilsonInterval(0, 10).high, 0.2775, 5e-5, "0/10 high");
    close(wilsonInterval(10, 10).high, 1, 1e-12, "10/10 high");
    close(wilsonInterval(10, 10).low, 0.7225, 5e-5, "10/10 low");
  });
  await t.step("no trials gives NaN", () => {
    assert.ok(Number.isNaN(wilsonInterval(0, 0).low));
  });
});

Deno.test("wilsonLow()/wilsonHigh() expressions agree with the JS version", () => {
  const k = [8, 0, 10, 1, 512, 0];
  const n = [10, 10, 10, 3, 5120, 0];
  const out = pl.DataFrame({ k, n }).select(
    wilsonLow("k", "n").alias("low"),
    wilsonHigh(pl.col("k"), pl.col("n")).alias("high"),
  );
  const lows = col<number | null>(out, "low");
  const highs = col<number | null>(out, "high");
  k.forEach((ki, i) => {
    const js = wilsonInterval(ki, n[i]!);
    if (n[i] === 0) {
      assert.equal(lows[i], null);
      assert.equal(highs[i], null);
    } else {
      close(lows[i]!, js.low, 1e-12, `low ${ki}/${n[i]}`);
      close(highs[i]!, js.high, 1e-12, `high ${ki}/${n[i]}`);
    }
  });
});

Deno.test("poissonRateInterval() is the score interval and the expressions agree", () => {
  // 40 events over 100 units: (40 + 1.92 ± 1.96·√40.96) / 100
  const { low, high } = poissonRateInterval(40, 100);
  close(low, 0.293769, 1e-6, "low");
  close(high, 0.544646, 1e-6, "high");
  const zero = poissonRateInterval(0, 50);
  assert.equal(zero.low, 0);
  close(zero.high, 3.8415 / 50, 1e-5, "zero high");
  const out = pl.DataFrame({ c: [40, 0, 3], e: [100, 50, 0] }).select(
    poissonRateLow("c", "e").alias("low"),
    poissonRateHigh("c", "e").alias("high"),
  );
  close(col<number>(out, "low")[0]!, low, 1e-12, "expr low");
  close(col<number>(out, "high")[1]!, zero.high, 1e-12, "expr zero high");
  assert.equal(col(out, "low")[2], null);
});

Deno.test("tCritical95() uses the table up to 30 df and the series beyond", async (t) => {
  await t.step("table values", () => {
    assert.equal(tCritical95(1), 12.706204736);
    assert.equal(tCritical95(9), 2.262157163);
    assert.equal(tCritical95(30), 2.042272456);
  });
  await t.step("series against published quantiles", () => {
    close(tCritical95(40), 2.021075, 2e-6, "df 40");
    close(tCritical95(60), 2.000298, 2e-6, "df 60");
    close(tCritical95(120), 1.979930, 2e-6, "df 120");
    close(tCritical95(1e9), 1.959964, 1e-6, "df → ∞");
  });
  await t.step("expression agrees", () => {
    const out = pl.DataFrame({ df: [0, 1, 9, 30, 40, 120] }).select(
      tCritical95Expr("df").alias("t"),
    );
    const ts = col<number | null>(out, "t");
    assert.equal(ts[0], null);
    [1, 9, 30, 40, 120].forEach((d, i) => close(ts[i + 1]!, tCritical95(d), 1e-12, `df ${d}`));
  });
});

Deno.test("twoSidedPValue() of standard normal statistics", () => {
  close(twoSidedPValue(1.959963984540054), 0.05, 1e-7, "z 1.96");
  close(twoSidedPValue(-3), 0.0026998, 1e-7, "z −3");
  close(twoSidedPValue(0), 1, 1e-7, "z 0");
  close(erfc(-1), 2 - erfc(1), 1e-12, "erfc symmetry");
  const out = pl.DataFrame({ z: [1.959963984540054, -3, 0, 6] }).select(
    twoSidedPValueExpr("z").alias("p"),
  );
  const ps = col<number>(out, "p");
  [1.959963984540054, -3, 0, 6].forEach((z, i) =>
    close(ps[i]!, twoSidedPValue(z), 1e-12, `expr z ${z}`)
  );
});
