import assert from "node:assert/strict";
import { join } from "node:path";
import {
  generateDataset,
  parseGenerateArgs,
  parsePlantAnomaly,
  resolveOptions,
} from "../../lib/generate/mod.ts";
import { type CleanEvent, readDataset, tempDir, trueEvents } from "./_dataset.ts";

const SMALL = { users: 3000, days: 30, seed: 3 } as const;

/** True events per `event@YYYY-MM-DD`. */
function countsByDay(events: CleanEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const key = `${e.event}@${new Date(e.tsMs).toISOString().slice(0, 10)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

Deno.test("--plant-anomaly drop thins exactly one event on one day and truth.json records it", async (t) => {
  await using quiet = await tempDir("gen_anomaly_quiet_");
  await using planted = await tempDir("gen_anomaly_drop_");
  await generateDataset(quiet.path, SMALL);
  const summary = await generateDataset(planted.path, {
    ...SMALL,
    plantAnomalies: [{ kind: "drop", event: "start_listing", date: "2026-01-20", factor: 0.5 }],
  });
  const before = await readDataset(quiet.path);
  const after = await readDataset(planted.path);
  const countsBefore = countsByDay(trueEvents(before));
  const countsAfter = countsByDay(trueEvents(after));
  const key = "start_listing@2026-01-20";

  await t.step("truth.json records the simulated and planted counts", () => {
    const record = after.truth.planted_anomalies;
    assert.deepEqual(record, [{
      kind: "drop",
      event: "start_listing",
      date: "2026-01-20",
      factor: 0.5,
      simulated_count: countsBefore.get(key),
      planted_count: Math.round(0.5 * countsBefore.get(key)!),
    }]);
    assert.deepEqual(summary.plantedAnomalies, record);
    assert.ok(
      countsBefore.get(key)! >= 20,
      `enough events to see a drop: ${countsBefore.get(key)}`,
    );
  });

  await t.step("the files hold the planted count on that day", () => {
    assert.equal(countsAfter.get(key), after.truth.planted_anomalies![0]!.planted_count);
  });

  await t.step("every other event and day is unchanged", () => {
    const keys = new Set([...countsBefore.keys(), ...countsAfter.keys()]);
    keys.delete(key);
    assert.ok(keys.size > 150);
    for (const k of keys) assert.equal(countsAfter.get(k), countsBefore.get(k), k);
  });

  await t.step("the accounting identity still holds and truth counts match the files", () => {
    const c = after.truth.counts;
    assert.equal(c.lines, c.events + c.duplicates + c.orphans + c.unknown_events + c.malformed);
    assert.equal(c.lines, after.lines.length);
    assert.equal(c.events, trueEvents(after).length);
    assert.equal(
      c.events,
      before.truth.counts.events - (countsBefore.get(key)! - countsAfter.get(key)!),
    );
  });

  await t.step("a quiet dataset's truth.json has no planted_anomalies key", () => {
    assert.equal("planted_anomalies" in before.truth, false);
  });
});

Deno.test("--plant-anomaly spike fires that day's events again with their own ids", async () => {
  await using quiet = await tempDir("gen_anomaly_quiet_");
  await using planted = await tempDir("gen_anomaly_spike_");
  await generateDataset(quiet.path, SMALL);
  await generateDataset(planted.path, {
    ...SMALL,
    plantAnomalies: [{ kind: "spike", event: "search", date: "2026-01-25", factor: 3 }],
  });
  const before = trueEvents(await readDataset(quiet.path));
  const afterDs = await readDataset(planted.path);
  const after = trueEvents(afterDs);
  const key = "search@2026-01-25";
  const n = countsByDay(before).get(key)!;
  assert.equal(countsByDay(after).get(key), 3 * n);
  assert.equal(afterDs.truth.planted_anomalies![0]!.planted_count, 3 * n);
  // Copies are separate events (unique ids, kept by de-duplication) of users who searched
  // that day; each user has exactly three times their searches.
  const onDay = (events: CleanEvent[]) =>
    events.filter((e) => `${e.event}@${new Date(e.tsMs).toISOString().slice(0, 10)}` === key);
  assert.equal(new Set(onDay(after).map((e) => e.eventId)).size, 3 * n);
  const perUser = (events: CleanEvent[]) => {
    const m = new Map<string, number>();
    for (const e of onDay(events)) m.set(e.userId, (m.get(e.userId) ?? 0) + 1);
    return m;
  };
  const usersBefore = perUser(before);
  const usersAfter = perUser(after);
  assert.deepEqual([...usersAfter.keys()].sort(), [...usersBefore.keys()].sort());
  for (const [user, k] of usersBefore) assert.equal(usersAfter.get(user), 3 * k, user);
});

Deno.test("generateDataset() with no anomaly is byte-identical to the same seed without the option", async () => {
  await using a = await tempDir("gen_anomaly_none_a_");
  await using b = await tempDir("gen_anomaly_none_b_");
  await generateDataset(a.path, { users: 400, days: 10, seed: 5 });
  await generateDataset(b.path, { users: 400, days: 10, seed: 5, plantAnomalies: [] });
  const names = [...Deno.readDirSync(a.path)].map((e) => e.name).sort();
  assert.deepEqual(names, [...Deno.readDirSync(b.path)].map((e) => e.name).sort());
  for (const name of names) {
    assert.deepEqual(
      Deno.readFileSync(join(a.path, name)),
      Deno.readFileSync(join(b.path, name)),
      name,
    );
  }
});

Deno.test("--plant-anomaly flags parse, repeat and are checked against the period", async (t) => {
  await t.step("one flag", () => {
    const { options } = parseGenerateArgs(["--plant-anomaly", "drop:start_listing:2026-03-10:0.5"]);
    assert.deepEqual(options.plantAnomalies, [
      { kind: "drop", event: "start_listing", date: "2026-03-10", factor: 0.5 },
    ]);
  });
  await t.step("repeated, with a moved period", () => {
    const { options } = parseGenerateArgs([
      "--start",
      "2026-05-01",
      "--days",
      "10",
      "--plant-anomaly",
      "spike:search:2026-05-02:2.5",
      "--plant-anomaly=drop:session_start:2026-05-10:0",
    ]);
    assert.deepEqual(options.plantAnomalies?.map((a) => `${a.kind} ${a.date} ${a.factor}`), [
      "spike 2026-05-02 2.5",
      "drop 2026-05-10 0",
    ]);
  });
  const bad: [string[], RegExp][] = [
    [
      ["--plant-anomaly", "drop:start_listing:2026-03-10"],
      /--plant-anomaly must be KIND:EVENT:YYYY-MM-DD:FACTOR/,
    ],
    [
      ["--plant-anomaly", "dip:start_listing:2026-03-10:0.5"],
      /kind must be one of drop, spike, got "dip"/,
    ],
    [
      ["--plant-anomaly", "drop:start-listing:2026-03-10:0.5"],
      /event must be one of session_start, .*got "start-listing"/,
    ],
    [
      ["--plant-anomaly", "drop:search:2026-04-01:0.5"],
      /date must be a day of the period 2026-01-01 to 2026-03-31, got "2026-04-01"/,
    ],
    [["--plant-anomaly", "drop:search:2026-02-30:0.5"], /date must be a real calendar date/],
    [
      ["--plant-anomaly", "drop:search:2026-02-03:1.5"],
      /a drop factor must be from 0 to below 1, got 1.5/,
    ],
    [
      ["--plant-anomaly", "spike:search:2026-02-03:1"],
      /a spike factor must be above 1 and at most 100, got 1/,
    ],
    [["--plant-anomaly", "spike:search:2026-02-03:-2"], /--plant-anomaly must be KIND/],
  ];
  for (const [args, message] of bad) {
    await t.step(args.join(" "), () => assert.throws(() => parseGenerateArgs(args), message));
  }
  await t.step("parsePlantAnomaly() alone", () => {
    assert.deepEqual(parsePlantAnomaly("spike:view_listing:2026-01-02:10"), {
      kind: "spike",
      event: "view_listing",
      date: "2026-01-02",
      factor: 10,
    });
  });
  await t.step("two anomalies for the same event and day are refused", () => {
    const spec = { kind: "drop", event: "search", date: "2026-01-05", factor: 0.5 } as const;
    assert.throws(
      () => resolveOptions({ plantAnomalies: [spec, { ...spec, factor: 0.2 }] }),
      /plantAnomalies\[1\]: a second anomaly for search on 2026-01-05/,
    );
  });
});
