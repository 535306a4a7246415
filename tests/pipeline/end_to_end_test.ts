// Generated data through load and every SQL model: the row accounting, the ID
// synchronisation and the repair or quarantine of every mess kind in truth.json.
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateDataset, type TruthFile } from "../../lib/generate/mod.ts";
import { loadDataset } from "../../lib/load/mod.ts";
import { runProject } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

const dir = await Deno.makeTempDir({ prefix: "terraloop-e2e-" });
const dataDir = join(dir, "raw");
await Deno.mkdir(dataDir);
await generateDataset(dataDir, { users: 1500, days: 28, seed: 7 });
const truth: TruthFile = JSON.parse(await Deno.readTextFile(join(dataDir, "truth.json")));
const wh = await openDuckDb(join(dir, "warehouse.duckdb"));
const loadSummary = await loadDataset(dataDir, wh);
const results = await runProject(wh, { modelsDir: "sql", targetDir: join(dir, "target") });

const one = async <T = Record<string, number>>(sql: string) => (await wh.query<T>(sql))[0]!;
const count = async (sql: string) =>
  (await one<{ n: number }>(`select count(*) as n from ${sql}`)).n;
const messCount = (kind: string) => (truth.mess as Record<string, { count: number }>)[kind]!.count;

Deno.test({
  name: "end to end: generated data, loaded and modelled, accounts for every line",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    try {
      await run(t);
    } finally {
      await wh.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function run(t: Deno.TestContext) {
  await t.step("every model builds and no error-severity test fails", () => {
    const failed = results.models.filter((m) => m.status !== "success");
    assert.deepEqual(failed.map((m) => `${m.name}: ${m.message}`), []);
    const errors = results.tests.filter((r) => r.status === "fail" || r.status === "error");
    assert.deepEqual(errors.map((r) => r.name), []);
  });

  await t.step(
    "raw + rejected = lines written, and rejected = injected malformed lines",
    async () => {
      assert.equal(loadSummary.eventLines, truth.counts.lines);
      assert.equal(
        await count("raw.events") + await count("raw.events_rejected"),
        truth.counts.lines,
      );
      assert.equal(await count("raw.events_rejected"), truth.counts.malformed);
    },
  );

  await t.step(
    "every injected malformed line is in raw.events_rejected at its file and line",
    async () => {
      assert.ok(truth.malformed_lines.length > 0, "the dataset should contain malformed lines");
      const rejected = new Set(
        (await wh.query<{ k: string }>(
          "select _source_file || ':' || _line as k from raw.events_rejected",
        )).map((r) => r.k),
      );
      for (const line of truth.malformed_lines) {
        assert.ok(
          rejected.has(`${line.file}:${line.line}`),
          `${line.file}:${line.line} not rejected`,
        );
      }
    },
  );

  await t.step(
    "fct_events = lines - rejected - duplicates - quarantined unknown events",
    async () => {
      const c = truth.counts;
      assert.equal(
        await count("marts.fct_events"),
        c.lines - c.malformed - c.duplicates - c.unknown_events,
      );
      assert.equal(await count("marts.fct_events"), c.events + c.orphans);
      const health = await wh.query<{ outcome: string; reason: string; n_rows: number }>(
        "select outcome, reason, n_rows from marts.mart_pipeline_health",
      );
      const total = health.reduce((sum, row) => sum + row.n_rows, 0);
      assert.equal(total, c.lines, "mart_pipeline_health accounts for every line");
    },
  );

  await t.step("duplicate deliveries are removed by event id, first load kept", async () => {
    assert.equal(await count("staging.base_events where is_duplicate"), truth.counts.duplicates);
    assert.equal(messCount("duplicate_delivery"), truth.counts.duplicates);
  });

  await t.step(
    "ID synchronisation: below 100% before trim(upper()), 100% of non-orphans after",
    async () => {
      const sync = await one(
        "select n_events, n_matched_before, n_matched_after, n_orphan_events, " +
          "match_before_pct, match_after_non_orphan_pct from marts.mart_id_sync",
      );
      assert.equal(sync.n_events, truth.counts.events + truth.counts.orphans);
      assert.equal(sync.n_matched_after, truth.counts.events);
      assert.equal(sync.n_orphan_events, truth.counts.orphans);
      assert.equal(sync.match_after_non_orphan_pct, 100);
      assert.ok(sync.match_before_pct! < 100);
      assert.equal(sync.n_matched_before, truth.counts.events - messCount("id_case_whitespace"));
    },
  );

  await t.step("every mess kind is repaired or quarantined", async (t) => {
    await t.step("event_name_variant: all names in the catalogue", async () => {
      const names = await wh.query<{ event_name: string }>(
        "select distinct event_name from staging.stg_events order by 1",
      );
      assert.deepEqual(names.map((r) => r.event_name), [
        "complete_recycling",
        "message_seller",
        "publish_listing",
        "search",
        "session_start",
        "start_listing",
        "view_listing",
      ]);
      assert.ok(messCount("event_name_variant") > 0);
    });
    await t.step(
      "ts_offset / ts_epoch_ms / ts_naive: every timestamp parsed inside the period",
      async () => {
        assert.equal(
          await count(
            "staging.stg_events_quarantined where quarantine_reason = 'unparseable timestamp'",
          ),
          0,
        );
        const start = truth.parameters.start;
        const outside = await count(
          `staging.stg_events where event_at is null or event_at < timestamptz '${start} 00:00:00+00'
         or event_at >= timestamptz '${start} 00:00:00+00' + interval ${
            truth.parameters.days + 1
          } day`,
        );
        assert.equal(outside, 0);
        for (const kind of ["ts_offset", "ts_epoch_ms", "ts_naive"]) {
          assert.ok(messCount(kind) > 0, kind);
        }
      },
    );
    await t.step("number_as_string: numbers cast, none lost", async () => {
      assert.ok(messCount("number_as_string") > 0);
      assert.equal(await count("staging.stg_events where has_bad_weight or has_bad_eco_score"), 0);
    });
    await t.step("late_arrival: flagged, counted exactly", async () => {
      assert.equal(
        await count("staging.stg_events where is_late_arrival"),
        messCount("late_arrival"),
      );
    });
    await t.step("orphan_user: kept in fct_events and flagged", async () => {
      assert.equal(await count("marts.fct_events where is_orphan"), truth.counts.orphans);
      assert.equal(messCount("orphan_user"), truth.counts.orphans);
    });
    await t.step("unknown_event: quarantined with the reason", async () => {
      assert.equal(
        await count(
          "staging.stg_events_quarantined where quarantine_reason = 'unknown event name'",
        ),
        truth.counts.unknown_events,
      );
    });
    await t.step("missing_optional and extra_field: rows kept with NULLs", async () => {
      assert.ok(messCount("missing_optional") > 0 && messCount("extra_field") > 0);
      assert.equal(
        await count("staging.stg_events_quarantined where quarantine_reason like 'missing%'"),
        0,
      );
    });
  });

  await t.step("mart_user_funnel recovers the planted activation rates exactly", async () => {
    const rows = await wh.query<{ tier: string; started: number; listed: number }>(
      `select tier,
              count(*) filter (where first_session_start_at is not null) as started,
              count(*) filter (where first_start_listing_at >= first_session_start_at) as listed
       from marts.mart_user_funnel group by tier`,
    );
    const realised = truth.effects.realised.activation_session_start_to_start_listing_by_tier;
    assert.equal(rows.length, Object.keys(realised).length, "one row per tier");
    for (const row of rows) {
      const expected = realised[row.tier as keyof typeof realised];
      assert.equal(row.started, expected.users_with_session_start, row.tier);
      assert.equal(row.listed, expected.users_with_start_listing, row.tier);
    }
  });
}
