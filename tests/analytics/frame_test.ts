import assert from "node:assert/strict";
import pl, { type LazyDataFrame } from "nodejs-polars";
import {
  addMonthsMicros,
  collect,
  daysFromCivil,
  localWallClock,
} from "../../lib/analytics/_frame.ts";
import { col, us } from "./_events.ts";

Deno.test("daysFromCivil() agrees with Date.UTC across leap years and centuries", () => {
  const dates = [[1970, 1, 1], [2000, 2, 29], [2024, 12, 31], [2100, 3, 1], [1600, 1, 1]];
  const frame = pl.DataFrame({
    y: dates.map((d) => d[0]!),
    m: dates.map((d) => d[1]!),
    d: dates.map((d) => d[2]!),
  });
  const out = frame.select(
    daysFromCivil(
      pl.col("y").cast(pl.Int64),
      pl.col("m").cast(pl.Int64),
      pl.col("d").cast(pl.Int64),
    ).alias("days"),
  );
  assert.deepEqual(
    col(out, "days"),
    dates.map(([y, m, d]) => Date.UTC(y!, m! - 1, d!) / 86_400_000),
  );
});

Deno.test("addMonthsMicros() clamps to the end of shorter months and keeps the time", () => {
  const cases: [string, number, string][] = [
    ["2026-01-31T10:00:00.000Z", 1, "2026-02-28T10:00:00.000Z"],
    ["2024-01-31T10:00:00.000Z", 1, "2024-02-29T10:00:00.000Z"],
    ["2026-03-15T23:59:59.999Z", 1, "2026-04-15T23:59:59.999Z"],
    ["2026-12-31T00:00:00.000Z", 2, "2027-02-28T00:00:00.000Z"],
    ["2026-05-31T12:00:00.000Z", 12, "2027-05-31T12:00:00.000Z"],
  ];
  for (const months of [1, 2, 12]) {
    const subset = cases.filter((c) => c[1] === months);
    const frame = pl.DataFrame({ t: subset.map((c) => us(c[0])) }).select(
      pl.col("t").cast(pl.Int64),
    );
    const out = frame.select(addMonthsMicros(pl.col("t"), months).alias("end"));
    assert.deepEqual(
      col<number>(out, "end").map((v) => new Date(Number(v) / 1000).toISOString()),
      subset.map((c) => c[2]),
    );
  }
});

Deno.test("localWallClock() reads the local calendar date", () => {
  const frame = pl.DataFrame({ t: [us("2026-03-01T23:30:00Z")] }).select(
    pl.col("t").cast(pl.Int64),
  );
  const out = frame.select(
    localWallClock(pl.col("t"), "Europe/Berlin").cast(pl.Date).cast(pl.Utf8).alias("berlin"),
    localWallClock(pl.col("t"), "UTC").cast(pl.Date).cast(pl.Utf8).alias("utc"),
    localWallClock(pl.col("t"), "America/Los_Angeles").cast(pl.Date).cast(pl.Utf8).alias("la"),
  );
  assert.deepEqual(out.toRecords(), [{
    berlin: "2026-03-02",
    utc: "2026-03-01",
    la: "2026-03-01",
  }]);
});

Deno.test("collect() falls back to the in-memory engine when the streaming engine fails", () => {
  // nodejs-polars 0.25.2's streaming engine panics on a few plans (e.g. `hash().nUnique()`,
  // which also prints a Rust backtrace); a stand-in frame keeps this test quiet.
  const engines: string[] = [];
  const lazy = {
    collectSync(options: { engine: string }) {
      engines.push(options.engine);
      if (options.engine === "streaming") {
        throw new Error("internal error: entered unreachable code");
      }
      return pl.DataFrame({ x: [1] });
    },
  } as unknown as LazyDataFrame;
  assert.deepEqual(col(collect(lazy, "streaming"), "x"), [1]);
  assert.deepEqual(engines, ["streaming", "in-memory"]);
  assert.deepEqual(col(collect(pl.DataFrame({ x: [2] }).lazy(), "in-memory"), "x"), [2]);
});
