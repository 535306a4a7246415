import assert from "node:assert/strict";
import {
  DEFAULT_MESS_RATES,
  generateDataset,
  MESS_KINDS,
  type MessRates,
  NO_MESS,
} from "../../lib/generate/mod.ts";
import {
  type CleanEvent,
  type Dataset,
  KNOWN_KEYS,
  readDataset,
  tempDir,
  trueEvents,
} from "./_dataset.ts";

/** |count − rate·n| within 4.5 binomial standard deviations (plus one for tiny expectations). */
function assertBinomial(kind: string, count: number, rate: number, n: number): void {
  const sd = Math.sqrt(n * rate * (1 - rate));
  assert.ok(
    Math.abs(count - rate * n) <= 4.5 * sd + 1,
    `${kind}: ${count} instances for rate ${rate} over ${n} eligible events`,
  );
}

/** Count each mess kind by inspecting the delivered lines, never trusting truth.json. */
function observeMess(ds: Dataset): Record<keyof MessRates, number> {
  const events = trueEvents(ds);
  const props = (e: CleanEvent) => e.raw.properties as Record<string, unknown> | undefined;
  const ts = (e: CleanEvent) => e.raw.ts;
  const isoOffset = /[+-]\d\d:\d\d$/;
  const naive = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
  const dayMs = 86_400_000;
  return {
    id_case_whitespace: events.filter((e) => !/^U\d{6}$/.test(String(e.raw.user_id))).length,
    event_name_variant: events.filter((e) => e.raw.event !== e.event).length,
    ts_offset: events.filter((e) => typeof ts(e) === "string" && isoOffset.test(ts(e) as string))
      .length,
    ts_epoch_ms: events.filter((e) => typeof ts(e) === "number").length,
    ts_naive: events.filter((e) => typeof ts(e) === "string" && naive.test(ts(e) as string))
      .length,
    number_as_string:
      events.filter((e) =>
        typeof props(e)?.weight_kg === "string" || typeof props(e)?.eco_score_kg_co2e === "string"
      ).length,
    duplicate_delivery: ds.duplicateLines.length,
    late_arrival:
      events.filter((e) => Date.parse(e.fileDate) - Math.floor(e.tsMs / dayMs) * dayMs >= dayMs)
        .length,
    extra_field: events.filter((e) => Object.keys(e.raw).some((k) => !KNOWN_KEYS.has(k))).length,
    missing_optional:
      events.filter((e) =>
        !("session_id" in e.raw) || !("platform" in e.raw) || !("properties" in e.raw)
      ).length,
    orphan_user: ds.firstDeliveries.filter((e) => e.isOrphan).length,
    unknown_event: ds.firstDeliveries.filter((e) => e.isUnknown).length,
    malformed: ds.lines.filter((l) => l.json === undefined).length,
  };
}

Deno.test("generateDataset() injects every mess kind at its rate, verifiable in the files", async (t) => {
  await using dir = await tempDir("gen_mess_");
  // Raised rates for the rare kinds so each shows up often enough to measure.
  const mess = {
    duplicate_delivery: 0.01,
    orphan_user: 0.005,
    unknown_event: 0.004,
    malformed: 0.002,
  };
  await generateDataset(dir.path, { users: 2000, days: 30, seed: 5, mess });
  const ds = await readDataset(dir.path);
  const observed = observeMess(ds);
  const rates = { ...DEFAULT_MESS_RATES, ...mess };

  await t.step("counts in truth.json match what the files show, for every kind", () => {
    for (const kind of MESS_KINDS) {
      assert.equal(observed[kind], ds.truth.mess[kind].count, kind);
      assert.equal(ds.truth.mess[kind].rate, rates[kind], `${kind} rate`);
      assert.ok(observed[kind] > 0, `${kind} present`);
    }
  });

  await t.step("each kind's count is within binomial tolerance of its rate", () => {
    for (const kind of MESS_KINDS) {
      const { count, eligible } = ds.truth.mess[kind];
      assertBinomial(kind, count, rates[kind], eligible);
    }
    assert.equal(ds.truth.mess.id_case_whitespace.eligible, ds.truth.counts.events);
  });

  await t.step("malformed lines are exactly the recorded file/line positions", () => {
    const bad = ds.lines.filter((l) => l.json === undefined).map((l) => `${l.file}:${l.line}`);
    const recorded = ds.truth.malformed_lines.map((m) => `${m.file}:${m.line}`);
    assert.deepEqual(bad, recorded);
    assert.ok(ds.truth.malformed_lines.some((m) => m.kind === "truncated"));
    assert.ok(ds.truth.malformed_lines.some((m) => m.kind === "not_json"));
    for (const l of ds.lines) assert.notEqual(l.text.trim(), "", `${l.file}:${l.line} empty`);
  });

  await t.step("lines = events + duplicates + orphans + unknown_events + malformed", () => {
    const c = ds.truth.counts;
    assert.equal(ds.lines.length, c.lines);
    assert.equal(c.lines, c.events + c.duplicates + c.orphans + c.unknown_events + c.malformed);
    assert.equal(trueEvents(ds).length, c.events);
    const fileLines = ds.truth.files
      .filter((f) => f.name.startsWith("events-"))
      .reduce((a, f) => a + f.lines, 0);
    assert.equal(fileLines, c.lines);
  });

  await t.step("mutations keep meaning: same instant, canonical ids and names recoverable", () => {
    const events = trueEvents(ds).sort((a, b) => a.eventId.localeCompare(b.eventId));
    // event ids are assigned in time order, so repaired timestamps must never go backwards.
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i]!.tsMs >= events[i - 1]!.tsMs, `ts order at ${events[i]!.eventId}`);
    }
    const start = Date.parse(ds.truth.parameters.start);
    const end = Date.parse(ds.truth.parameters.end);
    for (const e of events) {
      assert.ok(e.tsMs >= start && e.tsMs < end, `${e.eventId} ts in period`);
      assert.ok(/^U\d{6}$/.test(e.userId), `${e.eventId} user id repairable`);
      for (const key of ["weight_kg", "eco_score_kg_co2e"]) {
        const v = (e.raw.properties as Record<string, unknown> | undefined)?.[key];
        if (v !== undefined) assert.ok(Number.isFinite(Number(v)), `${e.eventId} ${key}`);
      }
    }
    const ids = new Set(events.map((e) => e.eventId));
    assert.equal(ids.size, events.length);
  });

  await t.step("late events land 1-3 days after their day; on-time events on their day", () => {
    const dayMs = 86_400_000;
    for (const e of trueEvents(ds)) {
      const lag = (Date.parse(e.fileDate) - Math.floor(e.tsMs / dayMs) * dayMs) / dayMs;
      assert.ok(lag >= 0 && lag <= 3, `${e.eventId} delivered ${lag} days after`);
    }
  });

  await t.step(
    "duplicates repeat an earlier line byte for byte, in the same or a later file",
    () => {
      const first = new Map<string, { text: string; file: string }>();
      for (const l of ds.lines) {
        if (!l.json) continue;
        const id = String(l.json.event_id);
        const seen = first.get(id);
        if (!seen) first.set(id, { text: l.text, file: l.file });
        else {
          assert.equal(l.text, seen.text);
          assert.ok(l.file >= seen.file);
        }
      }
    },
  );

  await t.step(
    "orphans use U9xxxxx ids outside the registry; unknown events use real users",
    () => {
      const orphans = ds.firstDeliveries.filter((x) => x.isOrphan);
      const unknown = ds.firstDeliveries.filter((x) => x.isUnknown);
      assert.ok(orphans.length > 0 && unknown.length > 0, "the dataset has both kinds");
      for (const e of orphans) {
        assert.match(e.userId, /^U9\d{5}$/);
      }
      for (const e of unknown) {
        assert.ok(ds.users.has(e.userId));
        assert.ok(["debug_ping", "legacy_sync", "app_heartbeat"].includes(e.event), e.event);
      }
    },
  );
});

Deno.test("generateDataset() with every mess rate at zero writes only clean canonical lines", async () => {
  await using dir = await tempDir("gen_clean_");
  await generateDataset(dir.path, { users: 300, days: 10, mess: NO_MESS });
  const ds = await readDataset(dir.path);
  const c = ds.truth.counts;
  assert.equal(c.lines, c.events);
  for (const kind of MESS_KINDS) assert.equal(ds.truth.mess[kind].count, 0, kind);
  for (const l of ds.lines) {
    assert.ok(l.json, `${l.file}:${l.line} parses`);
    assert.deepEqual(Object.keys(l.json), [...KNOWN_KEYS]);
    assert.match(String(l.json.ts), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    assert.equal(String(l.json.ts).slice(0, 10), l.fileDate);
  }
});
