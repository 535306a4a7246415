// Every mart's values against an independent computation: plain TypeScript over the raw
// files of a small generated dataset (and truth.json for mart_pipeline_health), sharing no
// SQL with the models. A wrong aggregate (count(user_id) for count(distinct user_id), two
// outcomes swapped, a join on the raw id) changes a number here.
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateDataset, type TruthFile } from "../../lib/generate/mod.ts";
import { loadDataset } from "../../lib/load/mod.ts";
import { runProject } from "../../lib/models/mod.ts";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";
import { readCsvObjects, readEventFiles } from "../generate/_dataset.ts";

// ---------------------------------------------------------------------------------------
// The reference: docs/contracts.md §1-3 written as TypeScript.

const CATALOGUE = new Set([
  "session_start",
  "search",
  "view_listing",
  "start_listing",
  "publish_listing",
  "message_seller",
  "complete_recycling",
]);
const REQUIRED = ["event_id", "user_id", "event", "ts"];
const DAY_MS = 86_400_000;

/** A JSON value as text, the way the staging layer reads a scalar field (objects: none). */
function scalarText(value: unknown): string | null {
  if (value === null || value === undefined || typeof value === "object") return null;
  return String(value);
}

/** SQL's trim(): spaces only. */
const trimSpaces = (s: string) => s.replace(/^ +| +$/g, "");
/** trim() of a nullable CSV value. */
const trimOrNull = (s: string | null | undefined) => s == null ? null : trimSpaces(s);

function toNumber(text: string | null | undefined): number | null {
  if (text == null || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return null;
  return Number(text);
}

/** Epoch ms of a timestamp as delivered: epoch ms, ISO with zone, or naive (UTC). */
function parseTimestamp(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return null;
  const naive = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value);
  const ms = Date.parse(naive ? `${value.replace(" ", "T")}Z` : value);
  return Number.isNaN(ms) ? null : ms;
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Monday of the ISO week of a date. */
function weekOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return dateOf(day - weekday * DAY_MS);
}

interface RefEvent {
  eventId: string;
  userIdRaw: string | null;
  userId: string;
  eventName: string;
  eventMs: number;
  sessionId: string | null;
  platform: string | null;
  listingId: string | null;
  category: string | null;
  weightKg: number | null;
  ecoKg: number | null;
}

interface Reference {
  truth: TruthFile;
  rejectedByReason: Map<string, number>;
  duplicates: number;
  quarantinedByReason: Map<string, number>;
  /** stg_events: first deliveries with usable fields. */
  events: RefEvent[];
  users: Map<string, Record<string, string | null>>;
  listings: Record<string, string | null>[];
}

const increment = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

async function buildReference(dir: string): Promise<Reference> {
  const truth = JSON.parse(await Deno.readTextFile(join(dir, "truth.json"))) as TruthFile;
  const rejectedByReason = new Map<string, number>();
  const quarantinedByReason = new Map<string, number>();
  const seen = new Set<string | null>();
  const events: RefEvent[] = [];
  let duplicates = 0;
  // Files load in name order with one load time, so "first delivery" is (file, line).
  for (const { text } of await readEventFiles(dir)) {
    const lines = text.split("\n");
    if (text.endsWith("\n")) lines.pop();
    for (const line of lines) {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        increment(rejectedByReason, trimSpaces(line) === "" ? "empty line" : "invalid JSON");
        continue;
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        increment(rejectedByReason, "not a JSON object");
        continue;
      }
      const record = json as Record<string, unknown>;
      const missing = REQUIRED.find((key) => !(key in record));
      if (missing) {
        increment(rejectedByReason, `missing required field "${missing}"`);
        continue;
      }
      const properties = (record.properties ?? {}) as Record<string, unknown>;
      const rawId = scalarText(record.event_id);
      const eventId = rawId === null ? null : trimSpaces(rawId);
      const userIdRaw = scalarText(record.user_id);
      const userId = userIdRaw === null ? null : trimSpaces(userIdRaw.toUpperCase());
      const nameRaw = scalarText(record.event);
      const eventName = nameRaw === null
        ? null
        : trimSpaces(nameRaw.toLowerCase()).replaceAll(" ", "_").replaceAll("-", "_");
      const eventMs = parseTimestamp(record.ts);
      const duplicate = seen.has(eventId);
      seen.add(eventId);
      if (duplicate) {
        duplicates += 1;
        continue;
      }
      const reason = !eventId
        ? "missing event_id"
        : !userId
        ? "missing user_id"
        : eventName !== null && !CATALOGUE.has(eventName)
        ? "unknown event name"
        : eventMs === null
        ? "unparseable timestamp"
        : undefined;
      if (reason) {
        increment(quarantinedByReason, reason);
        continue;
      }
      const session = scalarText(record.session_id);
      const platform = scalarText(record.platform);
      const listing = scalarText(properties.listing_id);
      const category = scalarText(properties.category);
      events.push({
        eventId: eventId!,
        userIdRaw,
        userId: userId!,
        eventName: eventName!,
        eventMs: eventMs!,
        sessionId: session === null || trimSpaces(session) === "" ? null : trimSpaces(session),
        platform: platform === null ? null : trimSpaces(platform.toLowerCase()),
        listingId: listing === null ? null : trimSpaces(listing.toUpperCase()),
        category: category === null ? null : trimSpaces(category),
        weightKg: toNumber(scalarText(properties.weight_kg)),
        ecoKg: toNumber(scalarText(properties.eco_score_kg_co2e)),
      });
    }
  }
  const empty = (v: string | undefined) => v === undefined || v === "" ? null : v;
  const users = new Map<string, Record<string, string | null>>();
  for (const row of readCsvObjects(await Deno.readTextFile(join(dir, "users.csv")))) {
    const id = trimSpaces(row.user_id!.toUpperCase());
    users.set(id, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, empty(v)])));
  }
  const listings = readCsvObjects(await Deno.readTextFile(join(dir, "listings.csv")))
    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, empty(v)])));
  return {
    truth,
    rejectedByReason,
    duplicates,
    quarantinedByReason,
    events,
    users,
    listings,
  };
}

// ---------------------------------------------------------------------------------------
// The warehouse built from the same files by the real loader and models.

const SETUP = (async () => {
  const dir = await Deno.makeTempDir({ prefix: "marts-values-" });
  const raw = join(dir, "raw");
  // Mess rates raised so a dataset this small holds every kind the marts count.
  await generateDataset(raw, {
    users: 300,
    days: 30,
    seed: 20261129,
    mess: { malformed: 0.004, unknown_event: 0.004, orphan_user: 0.004 },
  });
  const warehouse = await openDuckDb(join(dir, "wh.duckdb"), { threads: 2 });
  await loadDataset(raw, warehouse);
  const results = await runProject(warehouse, { modelsDir: "sql", targetDir: null });
  return { dir, raw, warehouse, results, reference: await buildReference(raw) };
})();

async function withSetup(
  fn: (wh: Warehouse, ref: Reference) => Promise<void>,
): Promise<void> {
  const { warehouse, results, reference } = await SETUP;
  assert.equal(results.success, true, results.errors.join("\n"));
  await fn(warehouse, reference);
}

/** Rows as sorted JSON lines, for a readable diff on failure. */
function lines(rows: Record<string, unknown>[]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

const round6 = (n: number | null) => n === null ? null : Math.round(n * 1e6) / 1e6;

Deno.test("dim_users: one row per registry user, values standardised, signup date and week", async () => {
  await withSetup(async (wh, ref) => {
    const actual = await wh.query(
      `select user_id, full_name, email, company, tier, region,
              epoch_ms(signup_at) as signup_ms, cast(signup_date as varchar) as signup_date,
              cast(signup_week as varchar) as signup_week
       from marts.dim_users`,
    );
    const expected = [...ref.users.entries()].map(([id, u]) => {
      const signup = Date.parse(u.signup_at!);
      return {
        user_id: id,
        full_name: trimOrNull(u.full_name),
        email: trimOrNull(u.email)?.toLowerCase() ?? null,
        company: trimOrNull(u.company),
        tier: u.tier,
        region: u.region,
        signup_ms: signup,
        signup_date: dateOf(signup),
        signup_week: weekOf(signup),
      };
    });
    assert.equal(expected.length, ref.truth.counts.users);
    assert.deepEqual(lines(actual), lines(expected));
  });
});

Deno.test("dim_listings: every listing with its seller's tier and first publish and recycling times", async () => {
  await withSetup(async (wh, ref) => {
    const firstOf = (name: string) => {
      const first = new Map<string, number>();
      for (const e of ref.events) {
        if (e.eventName !== name || e.listingId === null) continue;
        first.set(e.listingId, Math.min(first.get(e.listingId) ?? Infinity, e.eventMs));
      }
      return first;
    };
    const published = firstOf("publish_listing");
    const recycled = firstOf("complete_recycling");
    const actual = await wh.query(
      `select listing_id, user_id, category, weight_kg, eco_score_kg_co2e, region, tier,
              epoch_ms(created_at) as created_ms, is_published,
              epoch_ms(published_at) as published_ms, is_recycled,
              epoch_ms(recycled_at) as recycled_ms
       from marts.dim_listings`,
    );
    const expected = ref.listings.map((l) => {
      const id = trimSpaces(l.listing_id!.toUpperCase());
      const seller = trimSpaces(l.user_id!.toUpperCase());
      return {
        listing_id: id,
        user_id: seller,
        category: l.category,
        weight_kg: toNumber(l.weight_kg),
        eco_score_kg_co2e: toNumber(l.eco_score_kg_co2e),
        region: l.region,
        tier: ref.users.get(seller)?.tier ?? null,
        created_ms: Date.parse(l.created_at!),
        is_published: published.has(id),
        published_ms: published.get(id) ?? null,
        is_recycled: recycled.has(id),
        recycled_ms: recycled.get(id) ?? null,
      };
    });
    assert.equal(expected.length, ref.truth.counts.listings);
    assert.ok(expected.some((l) => l.is_recycled), "some listings are recycled");
    assert.deepEqual(lines(actual), lines(expected));
  });
});

Deno.test("fct_events: one row per clean first delivery, joined to the registry, orphans flagged", async () => {
  await withSetup(async (wh, ref) => {
    const actual = await wh.query<Record<string, unknown>>(
      `select event_id, user_id, event_name, epoch_ms(event_at) as event_ms,
              cast(event_date as varchar) as event_date, session_id, platform, listing_id,
              category, weight_kg, eco_score_kg_co2e, tier, region,
              cast(signup_week as varchar) as signup_week, is_orphan
       from marts.fct_events`,
    );
    const expected = ref.events.map((e) => {
      const user = ref.users.get(e.userId);
      return {
        event_id: e.eventId,
        user_id: e.userId,
        event_name: e.eventName,
        event_ms: e.eventMs,
        event_date: dateOf(e.eventMs),
        session_id: e.sessionId,
        platform: e.platform,
        listing_id: e.listingId,
        category: e.category,
        weight_kg: e.weightKg,
        eco_score_kg_co2e: e.ecoKg,
        tier: user?.tier ?? null,
        region: user?.region ?? null,
        signup_week: user ? weekOf(Date.parse(user.signup_at!)) : null,
        is_orphan: user === undefined,
      };
    });
    assert.equal(
      expected.length,
      ref.truth.counts.events + ref.truth.counts.orphans,
      "the reference keeps exactly the true and orphan events",
    );
    assert.deepEqual(lines(actual), lines(expected));
  });
});

Deno.test("mart_daily_activity: distinct users and sessions, listings and eco-score per day, region and tier", async () => {
  await withSetup(async (wh, ref) => {
    const groups = new Map<string, {
      users: Set<string>;
      sessions: Set<string>;
      started: number;
      published: number;
      eco: number;
    }>();
    for (const e of ref.events) {
      const user = ref.users.get(e.userId);
      if (!user) continue;
      const key = JSON.stringify([dateOf(e.eventMs), user.region, user.tier]);
      const g = groups.get(key) ??
        { users: new Set(), sessions: new Set(), started: 0, published: 0, eco: 0 };
      groups.set(key, g);
      g.users.add(e.userId);
      if (e.eventName === "session_start" && e.sessionId !== null) g.sessions.add(e.sessionId);
      if (e.eventName === "start_listing") g.started += 1;
      if (e.eventName === "publish_listing") {
        g.published += 1;
        g.eco += e.ecoKg ?? 0;
      }
    }
    const expected = [...groups].map(([key, g]) => {
      const [date, region, tier] = JSON.parse(key);
      return {
        activity_date: date,
        region,
        tier,
        n_active_users: g.users.size,
        n_sessions: g.sessions.size,
        n_listings_started: g.started,
        n_listings_published: g.published,
        eco_score_kg_co2e: round6(g.eco),
      };
    });
    const actual = (await wh.query<Record<string, unknown>>(
      `select cast(activity_date as varchar) as activity_date, region, tier, n_active_users,
              n_sessions, n_listings_started, n_listings_published, eco_score_kg_co2e
       from marts.mart_daily_activity`,
    )).map((row) => ({ ...row, eco_score_kg_co2e: round6(Number(row.eco_score_kg_co2e)) }));
    // A user active in a group usually has several events there: count(user_id) would differ.
    assert.ok(
      [...groups.values()].some((g) => g.users.size > 1),
      "groups hold several users",
    );
    assert.deepEqual(lines(actual), lines(expected));
  });
});

Deno.test("mart_user_funnel: every registry user with the first time of each step", async () => {
  await withSetup(async (wh, ref) => {
    const steps = [
      "session_start",
      "view_listing",
      "start_listing",
      "publish_listing",
      "complete_recycling",
    ];
    const first = new Map<string, Map<string, number>>();
    for (const e of ref.events) {
      if (!ref.users.has(e.userId) || !steps.includes(e.eventName)) continue;
      const byStep = first.get(e.userId) ?? new Map<string, number>();
      first.set(e.userId, byStep);
      byStep.set(e.eventName, Math.min(byStep.get(e.eventName) ?? Infinity, e.eventMs));
    }
    const expected = [...ref.users.entries()].map(([id, u]) => ({
      user_id: id,
      tier: u.tier,
      region: u.region,
      ...Object.fromEntries(steps.map((s) => [s, first.get(id)?.get(s) ?? null])),
    }));
    const actual = await wh.query(
      `select user_id, tier, region,
              epoch_ms(first_session_start_at) as session_start,
              epoch_ms(first_view_listing_at) as view_listing,
              epoch_ms(first_start_listing_at) as start_listing,
              epoch_ms(first_publish_listing_at) as publish_listing,
              epoch_ms(first_complete_recycling_at) as complete_recycling
       from marts.mart_user_funnel`,
    );
    assert.deepEqual(lines(actual), lines(expected));
  });
});

Deno.test("mart_id_sync: clean events matching the registry before and after standardising ids", async () => {
  await withSetup(async (wh, ref) => {
    const n = ref.events.length;
    const before = ref.events.filter((e) => e.userIdRaw !== null && ref.users.has(e.userIdRaw))
      .length;
    const after = ref.events.filter((e) => ref.users.has(e.userId)).length;
    const pct = (a: number, b: number) => Math.round(10_000 * a / b) / 100;
    const [row] = await wh.query<Record<string, number>>("select * from marts.mart_id_sync");
    assert.ok(row);
    assert.deepEqual(
      {
        n_events: row.n_events,
        n_matched_before: row.n_matched_before,
        n_matched_after: row.n_matched_after,
        n_orphan_events: row.n_orphan_events,
      },
      { n_events: n, n_matched_before: before, n_matched_after: after, n_orphan_events: n - after },
    );
    assert.ok(before < after, "standardising ids recovers matches");
    assert.equal(after, ref.truth.counts.events);
    assert.equal(Number(row.match_before_pct), pct(before, n));
    assert.equal(Number(row.match_after_pct), pct(after, n));
    assert.equal(Number(row.match_after_non_orphan_pct), 100);
  });
});

Deno.test("mart_pipeline_health: every row is the count truth.json expects", async () => {
  await withSetup(async (wh, ref) => {
    const { counts } = ref.truth;
    const rejectedKinds = new Set(ref.truth.malformed_lines.map((l) => l.kind));
    assert.ok(rejectedKinds.size > 0 && counts.malformed === ref.truth.malformed_lines.length);
    const expected = [
      ...[...ref.rejectedByReason].map(([reason, n]) => ["load", "rejected", reason, n]),
      ["staging", "duplicate", "duplicate delivery", counts.duplicates],
      ["staging", "quarantined", "unknown event name", counts.unknown_events],
      ["marts", "kept", "orphan user id", counts.orphans],
      ["marts", "kept", "registry user", counts.events],
    ];
    // The reference classifies the same lines truth.json lists as malformed and nothing else.
    const rejectedTotal = [...ref.rejectedByReason.values()].reduce((a, b) => a + b, 0);
    assert.equal(rejectedTotal, counts.malformed);
    assert.equal(ref.duplicates, counts.duplicates);
    assert.deepEqual([...ref.quarantinedByReason], [["unknown event name", counts.unknown_events]]);
    const actual = await wh.query<{ stage: string; outcome: string; reason: string; n: number }>(
      "select stage, outcome, reason, n_rows as n from marts.mart_pipeline_health",
    );
    assert.deepEqual(
      lines(actual.map((r) => ({ row: [r.stage, r.outcome, r.reason, r.n] }))),
      lines(expected.map((row) => ({ row }))),
    );
    assert.equal(
      actual.reduce((sum, r) => sum + r.n, 0),
      counts.lines,
      "the rows add up to the lines delivered",
    );
  });
});

Deno.test({
  name: "marts values: clean up the shared warehouse",
  fn: async () => {
    const { dir, warehouse } = await SETUP;
    await warehouse.close();
    await Deno.remove(dir, { recursive: true });
  },
});
