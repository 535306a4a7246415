import assert from "node:assert/strict";
import { join } from "node:path";
import { messKindsOf, sampleMessyLines } from "../../lib/generate/mod.ts";

Deno.test("messKindsOf() names the kinds of mess a raw event line shows", async (t) => {
  const clean = {
    event_id: "E000000001",
    user_id: "U000042",
    event: "session_start",
    ts: "2026-03-01T10:00:00.000Z",
    session_id: "S00000001",
    platform: "web",
    properties: {},
  };
  const line = (patch: Record<string, unknown>, drop: string[] = []) => {
    const event: Record<string, unknown> = { ...clean, ...patch };
    for (const key of drop) delete event[key];
    return JSON.stringify(event);
  };
  const cases: [string, string, string[]][] = [
    ["a clean line", line({}), []],
    ["id case and whitespace", line({ user_id: " u000042 " }), ["id_case_whitespace"]],
    ["an event-name variant", line({ event: "Session Start" }), ["event_name_variant"]],
    ["an offset timestamp", line({ ts: "2026-03-01T12:00:00.000+02:00" }), ["ts_offset"]],
    ["an epoch timestamp", line({ ts: 1772359200000 }), ["ts_epoch_ms"]],
    ["a naive timestamp", line({ ts: "2026-03-01 10:00:00" }), ["ts_naive"]],
    [
      "a number as a string",
      line({ properties: { weight_kg: "12.5", eco_score_kg_co2e: 3 } }),
      ["number_as_string"],
    ],
    ["an extra field", line({ client_version: "3.14.2" }), ["extra_field"]],
    ["a missing optional field", line({}, ["platform"]), ["missing_optional"]],
    ["an orphan user", line({ user_id: "U912345" }), ["orphan_user"]],
    ["an unknown event", line({ event: "debug_ping" }), ["unknown_event"]],
    ["truncated JSON", line({}).slice(0, 30), ["malformed"]],
    ["free text", "upstream proxy error 502", ["malformed"]],
    [
      "several at once, in truth.json order",
      line({ user_id: "u000042", ts: 1772359200000 }, ["session_id"]),
      ["id_case_whitespace", "ts_epoch_ms", "missing_optional"],
    ],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, () => assert.deepEqual(messKindsOf(text), expected));
  }

  await t.step("a line in a file after its day is a late arrival", () => {
    assert.deepEqual(messKindsOf(line({}), { fileDay: "2026-03-02" }), ["late_arrival"]);
    assert.deepEqual(messKindsOf(line({}), { fileDay: "2026-03-01" }), []);
    // 00:30 at +02:00 is still the previous UTC day.
    const offset = line({ ts: "2026-03-02T00:30:00.000+02:00" });
    assert.deepEqual(messKindsOf(offset, { fileDay: "2026-03-02" }), ["ts_offset", "late_arrival"]);
  });

  await t.step("an event id seen before is a duplicate delivery, not a late one", () => {
    const seenEventIds = new Set<string>();
    assert.deepEqual(messKindsOf(line({}), { seenEventIds }), []);
    assert.deepEqual(messKindsOf(line({}), { seenEventIds, fileDay: "2026-03-03" }), [
      "duplicate_delivery",
    ]);
  });
});

Deno.test("sampleMessyLines() lists raw lines per kind with their file and line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-nbmess-" });
  try {
    await Deno.writeTextFile(join(dir, "users.csv"), "user_id\n");
    await Deno.writeTextFile(join(dir, "listings.csv"), "listing_id\n");
    const event = (id: string, patch: Record<string, unknown> = {}) =>
      JSON.stringify({
        event_id: id,
        user_id: "U000001",
        event: "search",
        ts: "2026-03-01T10:00:00.000Z",
        session_id: "S1",
        platform: "web",
        properties: {},
        ...patch,
      });
    await Deno.writeTextFile(
      join(dir, "events-2026-03-01.ndjson"),
      [
        event("E1"),
        event("E2", { user_id: " u000001" }),
        event("E3", { user_id: "u000001" }),
        "not json at all",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      join(dir, "events-2026-03-02.ndjson"),
      [event("E1"), event("E4"), ""].join("\n"),
    );
    const lines = await sampleMessyLines(dir, { perKind: 2 });
    assert.deepEqual(
      lines.map((l) => [l.kind, l.file, l.line]),
      [
        ["id_case_whitespace", "events-2026-03-01.ndjson", 2],
        ["id_case_whitespace", "events-2026-03-01.ndjson", 3],
        ["duplicate_delivery", "events-2026-03-02.ndjson", 1],
        ["late_arrival", "events-2026-03-02.ndjson", 2],
        ["malformed", "events-2026-03-01.ndjson", 4],
      ],
    );
    assert.equal(lines[4]!.text, "not json at all");
    const one = await sampleMessyLines(dir);
    assert.deepEqual(one.map((l) => l.kind), [
      "id_case_whitespace",
      "duplicate_delivery",
      "late_arrival",
      "malformed",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
