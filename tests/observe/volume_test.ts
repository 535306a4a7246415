import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { dailyCounts, volumeAnomalies, type VolumeAnomalyOptions } from "../../lib/observe/mod.ts";

const DAY = 86_400_000;

/** A row of volumeAnomalies() output. */
interface Scored {
  event?: string;
  platform?: string;
  day: Date;
  value: number;
  training_days: number;
  expected: number;
  lower: number;
  upper: number;
  z: number;
  status: string;
  is_anomalous: boolean;
}

function rows(frame: pl.DataFrame): Scored[] {
  return frame.toRecords() as unknown as Scored[];
}
const START = Date.UTC(2026, 0, 5); // a Monday

/** A daily series frame: `day`, `value`, and `event` = name. */
function series(values: number[], event = "search", start = START) {
  return pl.DataFrame({
    event: values.map(() => event),
    day: values.map((_, i) => new Date(start + i * DAY)),
    value: values,
  });
}

/** Deterministic noise in [-1, 1) (an LCG), so crafted series look measured, not drawn. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** `n` days around `level` growing by `growth` per day, ±`jitter` relative noise. */
function quiet(n: number, level = 1000, jitter = 0.03, growth = 0, seed = 1): number[] {
  const r = noise(seed);
  return Array.from({ length: n }, (_, i) => Math.round((level + growth * i) * (1 + jitter * r())));
}

function flagged(frame: pl.DataFrame): string[] {
  return rows(frame.filter(pl.col("is_anomalous"))).map((r) =>
    `${r.event ?? ""}@${r.day.toISOString().slice(0, 10)}`
  );
}

function dayOf(i: number): string {
  return new Date(START + i * DAY).toISOString().slice(0, 10);
}

const METHODS: VolumeAnomalyOptions[] = [{ method: "trend" }, { method: "mean" }];

Deno.test("volumeAnomalies() flags a spike and a drop, each in its direction only", async (t) => {
  const values = quiet(60);
  values[30] = 2400;
  values[45] = 350;
  const frame = series(values);
  for (const method of METHODS) {
    await t.step(`${method.method}: both directions flag both days, and nothing else`, () => {
      const out = volumeAnomalies(frame, { ...method, dimensions: ["event"] });
      assert.deepEqual(flagged(out), [`search@${dayOf(30)}`, `search@${dayOf(45)}`]);
      const hits = rows(out.filter(pl.col("is_anomalous")));
      assert.ok(hits[0]!.z > 3 && hits[0]!.value > hits[0]!.upper, "spike above the band");
      assert.ok(hits[1]!.z < -3 && hits[1]!.value < hits[1]!.lower, "drop below the band");
    });
    await t.step(
      `${method.method}: direction spike ignores the drop, drop ignores the spike`,
      () => {
        const spikes = volumeAnomalies(frame, {
          ...method,
          dimensions: ["event"],
          direction: "spike",
        });
        assert.deepEqual(flagged(spikes), [`search@${dayOf(30)}`]);
        const drops = volumeAnomalies(frame, {
          ...method,
          dimensions: ["event"],
          direction: "drop",
        });
        assert.deepEqual(flagged(drops), [`search@${dayOf(45)}`]);
      },
    );
  }
});

Deno.test("volumeAnomalies() does not flag weekday seasonality (weekends 30% lower) at sensitivity 3", async (t) => {
  const r = noise(7);
  // 12 weeks from a Monday: weekdays ~1000, Saturday and Sunday ~700, ±3 % noise.
  const values = Array.from(
    { length: 84 },
    (_, i) => Math.round((i % 7 >= 5 ? 700 : 1000) * (1 + 0.03 * r())),
  );
  const frame = series(values);
  for (const method of METHODS) {
    for (const ignore of [undefined, { spikePct: 0, dropPct: 0 }]) {
      await t.step(
        `${method.method}, ignoreSmallChanges ${JSON.stringify(ignore ?? "default")}`,
        () => {
          const out = volumeAnomalies(frame, {
            ...method,
            ignoreSmallChanges: ignore,
            dimensions: ["event"],
          });
          assert.deepEqual(flagged(out), []);
          assert.ok(out.filter(pl.col("status").eq(pl.lit("ok"))).height >= 77, "days were scored");
        },
      );
    }
  }
  await t.step("day_of_week seasonality flags a Wednesday at weekend level; plain does not", () => {
    const dipped = [...values];
    dipped[58] = 660; // week 9, Wednesday
    const plain = volumeAnomalies(series(dipped), { dimensions: ["event"] });
    assert.deepEqual(
      flagged(plain),
      [],
      "35 % below a mean that includes weekends is within the band",
    );
    const seasonal = volumeAnomalies(series(dipped), {
      dimensions: ["event"],
      seasonality: "day_of_week",
    });
    assert.deepEqual(flagged(seasonal), [`search@${dayOf(58)}`]);
  });
});

Deno.test("volumeAnomalies() reports not_enough_data until minTrainingDays of history exist", async (t) => {
  await t.step("five days: nothing scored, nothing flagged", () => {
    const out = volumeAnomalies(series([10, 12, 500, 11, 0]), {});
    assert.deepEqual(out.getColumn("status").toArray(), Array(5).fill("not_enough_data"));
    assert.deepEqual(out.getColumn("expected").toArray(), Array(5).fill(null));
    assert.deepEqual(out.getColumn("is_anomalous").toArray(), Array(5).fill(false));
  });
  await t.step("ten days: the first seven unscored, then 7, 8, 9 training days", () => {
    const out = volumeAnomalies(series(quiet(10)), {});
    assert.deepEqual(out.getColumn("training_days").toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(
      out.getColumn("status").toArray(),
      [...Array(7).fill("not_enough_data"), "ok", "ok", "ok"],
    );
  });
  await t.step("minTrainingDays 3 scores from the fourth day", () => {
    const out = volumeAnomalies(series(quiet(10)), { minTrainingDays: 3 });
    assert.equal(out.filter(pl.col("status").eq(pl.lit("not_enough_data"))).height, 3);
  });
});

Deno.test("volumeAnomalies() never flags a quiet series, growing or flat", async (t) => {
  const cases: [string, number[]][] = [
    ["flat, 3 % noise, 200 days", quiet(200, 1000, 0.03, 0, 11)],
    ["growing 1 %/day from 200, 10 % noise", quiet(150, 200, 0.1, 2, 12)],
    ["small counts (~20/day), Poisson-like noise", quiet(120, 20, 0.2, 0, 13)],
    ["shrinking, 5 % noise", quiet(120, 3000, 0.05, -10, 14)],
  ];
  for (const [name, values] of cases) {
    await t.step(name, () => {
      assert.deepEqual(flagged(volumeAnomalies(series(values), { dimensions: ["event"] })), []);
    });
  }
});

Deno.test("volumeAnomalies() expectations match hand computations", async (t) => {
  const values = quiet(30, 500, 0.05, 4, 21);
  const d = 20;
  const training = values.slice(d - 14, d);
  // Formulas only: no second pass that could leave a day out of the training window.
  const raw = { excludeAnomaliesFromTraining: false };
  const row = (options: VolumeAnomalyOptions) => rows(volumeAnomalies(series(values), options))[d]!;
  await t.step("mean: Elementary's training_avg ± sensitivity × sample stddev", () => {
    const mean = training.reduce((a, b) => a + b, 0) / 14;
    const sd = Math.sqrt(training.reduce((a, b) => a + (b - mean) ** 2, 0) / 13);
    const r = row({ method: "mean", ignoreSmallChanges: { spikePct: 0, dropPct: 0 }, ...raw });
    assert.ok(Math.abs(r.expected - mean) < 1e-9);
    assert.ok(Math.abs(r.upper - (mean + 3 * sd)) < 1e-9);
    assert.ok(Math.abs(r.lower - (mean - 3 * sd)) < 1e-9);
    assert.ok(Math.abs(r.z - (values[d]! - mean) / sd) < 1e-9);
  });
  await t.step("trend: least squares on log(1 + value), prediction interval", () => {
    const y = training.map((v) => Math.log1p(v));
    const n = 14, tbar = (n - 1) / 2, ybar = y.reduce((a, b) => a + b, 0) / n;
    const stt = y.reduce((a, _, i) => a + (i - tbar) ** 2, 0);
    const b = y.reduce((a, yi, i) => a + (i - tbar) * (yi - ybar), 0) / stt;
    const pred = ybar + b * (n - tbar);
    const s = Math.sqrt(y.reduce((a, yi, i) => a + (yi - ybar - b * (i - tbar)) ** 2, 0) / (n - 2));
    const sd = Math.max(s, 1 / Math.sqrt(Math.exp(pred))) *
      Math.sqrt(1 + 1 / n + (n - tbar) ** 2 / stt);
    const r = row({ ignoreSmallChanges: { spikePct: 0, dropPct: 0 }, ...raw });
    assert.ok(
      Math.abs(r.expected - Math.expm1(pred)) < 1e-6,
      `${r.expected} vs ${Math.expm1(pred)}`,
    );
    assert.ok(Math.abs(r.upper - Math.expm1(pred + 3 * sd)) < 1e-6);
    assert.ok(Math.abs(r.lower - Math.expm1(pred - 3 * sd)) < 1e-6);
    assert.ok(Math.abs(r.z - (Math.log1p(values[d]!) - pred) / sd) < 1e-6);
  });
  await t.step("ignoreSmallChanges widens the band to ±pct of the expected value", () => {
    const r = row({ ignoreSmallChanges: { spikePct: 40, dropPct: 25 } });
    assert.ok(Math.abs(r.upper - r.expected * 1.4) < 1e-6);
    assert.ok(Math.abs(r.lower - r.expected * 0.75) < 1e-6);
  });
  await t.step("every scored row: anomalous exactly when outside [lower, upper]", () => {
    const spiky = [...values];
    spiky[25] = 2000;
    const out = rows(volumeAnomalies(series(spiky), {}));
    const scored = out.filter((r) => r.status !== "not_enough_data");
    assert.ok(scored.length > 10);
    for (const r of scored) assert.equal(r.is_anomalous, r.value > r.upper || r.value < r.lower);
    assert.equal(out.filter((r) => r.is_anomalous).length, 1);
  });
  await t.step("a constant history flags any change with method mean (z = ±Infinity)", () => {
    const out = volumeAnomalies(series([...Array(10).fill(100), 140]), {
      method: "mean",
      ignoreSmallChanges: { spikePct: 10, dropPct: 10 },
    });
    const last = rows(out).at(-1)!;
    assert.equal(last.z, Infinity);
    assert.equal(last.is_anomalous, true);
  });
});

Deno.test("volumeAnomalies() keeps an incident out of later training days", async (t) => {
  const values = quiet(60, 1000, 0.03, 5, 31);
  values[30] = 300; // an outage
  values[35] = 2600; // a double-firing client five days later
  const frame = series(values);
  await t.step("both incidents are flagged", () => {
    assert.deepEqual(flagged(volumeAnomalies(frame, { dimensions: ["event"] })), [
      `search@${dayOf(30)}`,
      `search@${dayOf(35)}`,
    ]);
  });
  await t.step("without exclusion the outage widens the band and hides the spike", () => {
    const out = volumeAnomalies(frame, {
      dimensions: ["event"],
      excludeAnomaliesFromTraining: false,
    });
    assert.deepEqual(flagged(out), [`search@${dayOf(30)}`]);
  });
  await t.step("the day after an outage trains on 13 days (the outage left out)", () => {
    const out = rows(volumeAnomalies(frame, {}));
    assert.equal(out[31]!.training_days, 13);
    assert.equal(out[29]!.training_days, 14);
  });
  await t.step("a lasting level shift is learnt after a few flagged days", () => {
    const shifted = quiet(70, 1000, 0.03, 0, 32).map((v, i) => i >= 40 ? v * 2 : v);
    const days = flagged(volumeAnomalies(series(shifted), { dimensions: ["event"] }));
    assert.ok(days.length >= 1 && days.length <= 3, days.join(" "));
    assert.equal(days[0], `search@${dayOf(40)}`);
  });
});

Deno.test("volumeAnomalies() calendar: zero-filled days, incomplete days, dimensions, detection period", async (t) => {
  await t.step("an event that stops is a drop to zero on each missing day", () => {
    const a = series(quiet(30, 500), "a");
    const b = series(quiet(24, 500, 0.03, 0, 5), "b"); // b stops after 24 days
    const out = volumeAnomalies(pl.concat([a, b]), { dimensions: ["event"] });
    assert.equal(out.height, 60);
    // The first missing day and, once it is left out of training, the next one or two.
    const days = flagged(out);
    assert.equal(days[0], `b@${dayOf(24)}`);
    assert.ok(days.length <= 3 && days.every((d) => d.startsWith("b@")), days.join(" "));
    const bRows = rows(out.filter(pl.col("event").eq(pl.lit("b"))));
    assert.equal(bRows[24]!.value, 0);
  });
  await t.step(
    "completeBefore drops the incomplete day and extends the calendar to the day before it",
    () => {
      const values = [...quiet(20, 500), 40]; // the 21st day is today, only partly loaded
      const cut = new Date(START + 20 * DAY);
      const out = volumeAnomalies(series(values), { completeBefore: cut });
      assert.equal(out.height, 20);
      assert.deepEqual(flagged(out), []);
      const later = volumeAnomalies(series(values.slice(0, 18)), {
        completeBefore: new Date(START + 20 * DAY),
        dimensions: ["event"],
      });
      assert.equal(later.height, 20, "two zero days appended");
      assert.deepEqual(flagged(later), [`search@${dayOf(18)}`, `search@${dayOf(19)}`]);
    },
  );
  await t.step("several dimensions: one series each, sorted, flags only where they happen", () => {
    const frames = [];
    for (const platform of ["web", "ios"]) {
      for (const event of ["search", "view"]) {
        const values = quiet(30, 800, 0.03, 0, platform.length + event.length);
        if (platform === "ios" && event === "view") values[25] = 100;
        frames.push(series(values, event).withColumns(pl.lit(platform).alias("platform")));
      }
    }
    const out = volumeAnomalies(pl.concat(frames), { dimensions: ["platform", "event"] });
    assert.equal(out.height, 120);
    assert.deepEqual(out.columns.slice(0, 3), ["platform", "event", "day"]);
    const hit = rows(out.filter(pl.col("is_anomalous")));
    assert.deepEqual(hit.map((r) => `${r.platform}/${r.event}`), ["ios/view"]);
    assert.equal(out.getColumn("platform").toArray()[0], "ios", "sorted by dimensions");
  });
  await t.step("detectionDays: earlier anomalies are scored but not_checked", () => {
    const values = quiet(40);
    values[20] = 3000;
    values[38] = 3000;
    const out = volumeAnomalies(series(values), { detectionDays: 3, dimensions: ["event"] });
    assert.deepEqual(flagged(out), [`search@${dayOf(38)}`]);
    const old = rows(out)[20]!;
    assert.equal(old.status, "not_checked");
    assert.ok(old.value > old.upper, "still outside its band");
  });
  await t.step("dailyCounts() buckets Datetimes by UTC day and counts rows", () => {
    const events = pl.DataFrame({
      event: ["a", "a", "b", "a"],
      ts: [
        new Date("2026-01-01T23:59:59Z"),
        new Date("2026-01-02T00:00:00Z"),
        new Date("2026-01-02T10:00:00Z"),
        new Date("2026-01-02T23:00:00Z"),
      ],
    });
    const counts = dailyCounts(events, { dimensions: ["event"] }).toRecords() as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      counts.map((r) => `${r.event} ${(r.day as Date).toISOString().slice(0, 10)} ${r.value}`),
      ["a 2026-01-01 1", "a 2026-01-02 2", "b 2026-01-02 1"],
    );
  });
});

Deno.test("volumeAnomalies() rejects bad options and missing columns, naming them", () => {
  const frame = series(quiet(10));
  const cases: [VolumeAnomalyOptions, RegExp][] = [
    [{ trainingDays: 2 }, /option "trainingDays": expected an integer of at least 3, got 2/],
    [
      { trainingDays: 10, minTrainingDays: 12 },
      /option "minTrainingDays": expected an integer from 3 to 10, got 12/,
    ],
    [{ sensitivity: 0 }, /option "sensitivity": expected a positive number, got 0/],
    [{ direction: "up" as "spike" }, /option "direction"/],
    [{ method: "median" as "mean" }, /option "method"/],
    [{ ignoreSmallChanges: { dropPct: 120 } }, /ignoreSmallChanges.dropPct": expected at most 100/],
    [{ detectionDays: 0 }, /option "detectionDays"/],
    [{ completeBefore: "2026/01/20" }, /option "completeBefore": expected a Date or YYYY-MM-DD/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => volumeAnomalies(frame, options), message);
  }
  assert.throws(
    () => volumeAnomalies(frame, { dimensions: ["platform"] }),
    /Cannot run volumeAnomalies\(\): missing column "platform" \(frame has "event", "day", "value"\)/,
  );
});
