/**
 * Readers of the marts: the SQL the report runs, as functions notebooks call too. Each asks
 * the warehouse for its relation names (`warehouse.relation({ schema: "marts", name })`) and
 * literals (`warehouse.literal`), so the same function reads DuckDB or BigQuery. Heavy
 * aggregation (distinct users over every event) happens here, in SQL; metrics over the
 * results come from `lib/analytics`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { retention } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { readActiveDays, readFunnelEvents } from "./mod.ts";
 *
 * const wh = await openDuckDb(":memory:"); // the pipeline's: data/warehouse.duckdb
 * await wh.execute(`create schema marts;
 *   create table marts.fct_events as
 *   select *, event_at::date as event_date from (values
 *     ('U1', 'session_start', timestamptz '2026-03-02 10:00:00+00', 'Pro', false),
 *     ('U1', 'start_listing', timestamptz '2026-03-02 10:05:00+00', 'Pro', false),
 *     ('U1', 'session_start', timestamptz '2026-03-10 09:00:00+00', 'Pro', false),
 *     ('X9', 'session_start', timestamptz '2026-03-02 11:00:00+00', null, true)
 *   ) as t(user_id, event_name, event_at, tier, is_orphan)`);
 * const events = await readFunnelEvents(wh, ["session_start", "start_listing"]);
 * assert.deepEqual(events.columns, ["user_id", "event", "ts", "tier"]);
 * assert.equal(events.height, 3); // the orphan's event is left out
 * const weekly = retention(await readActiveDays(wh), { period: "week", intervals: 2 });
 * assert.deepEqual(weekly.getColumn("users").toArray(), [1, 1]);
 * await wh.close();
 * ```
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { IdSyncRow, OutcomeRow } from "../insights/mod.ts";
import { hashGroupSql } from "../warehouse/dialect.ts";
import type { Warehouse } from "../warehouse/types.ts";

/** A published listing shown by name (titles come from users: always escaped). */
export type ListingRow = {
  /** Listing id. */
  listing_id: string;
  /** Title as the seller typed it. */
  title: string;
  /** Category. */
  category: string;
  /** Seller's region. */
  region: string;
  /** Seller's tier. */
  tier: string;
  /** Weight in kg. */
  weight_kg: number | null;
  /** Eco-score, kg CO2e avoided. */
  eco_score_kg_co2e: number | null;
};

/** Registry users of one region. */
export type RegionUsersRow = {
  /** Region name. */
  region: string;
  /** Users in the registry (`dim_users`) from the region. */
  n_users: number;
};

/** Row count of one warehouse table. */
export type TableCountRow = {
  /** `raw`, `staging` or `marts`. */
  layer: string;
  /** Table name. */
  table: string;
  /** Rows. */
  rows: number;
};

/** One data test outcome from the audit table. */
export type AuditTestRow = {
  /** Run id. */
  run_id: string;
  /** When the run started (ISO-8601 UTC), or null. */
  run_at: string | null;
  /** Test name. */
  name: string;
  /** Model it is attached to, if any. */
  model: string | null;
  /** `error` or `warn`. */
  severity: string;
  /** `pass`, `warn`, `fail`, `error` or `skipped`. */
  status: string;
  /** Failing rows (null when the test did not run). */
  failures: number | null;
};

/** The first and last clean event of registry users (ISO-8601 UTC), null without events. */
export interface EventRange {
  /** First clean event time. */
  first: string | null;
  /** Last clean event time. */
  last: string | null;
}

function _marts(warehouse: Warehouse, name: string): string {
  return warehouse.relation({ schema: "marts", name });
}

/**
 * Funnel events of registry users (orphans left out) as an event frame for `funnel()`:
 * `user_id`, `event`, `ts` and `tier`, only the events named in `steps`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { funnel } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.fct_events as select * from (values
 *     ('U1', 'session_start', timestamptz '2026-03-02 10:00:00+00', 'Pro', false),
 *     ('U1', 'view_listing', timestamptz '2026-03-02 10:01:00+00', 'Pro', false),
 *     ('U1', 'search', timestamptz '2026-03-02 10:02:00+00', 'Pro', false),
 *     ('U2', 'session_start', timestamptz '2026-03-02 11:00:00+00', 'Basic', false)
 *   ) as t(user_id, event_name, event_at, tier, is_orphan)`);
 * const steps = ["session_start", "view_listing", "start_listing"];
 * const events = await readFunnelEvents(wh, steps);
 * assert.equal(events.height, 3); // only the steps' events
 * const byTier = funnel(events, { steps, breakdown: "tier" });
 * assert.deepEqual(byTier.getColumn("users").toArray(), [1, 0, 0, 1, 1, 0]); // Basic, then Pro
 * await wh.close();
 * ```
 */
export function readFunnelEvents(
  warehouse: Warehouse,
  steps: readonly string[],
  group?: UserGroup,
): Promise<pl.DataFrame> {
  if (steps.length === 0) {
    throw new RangeError("Cannot read funnel events: no steps given");
  }
  const names = steps.map((s) => warehouse.literal(s)).join(", ");
  return warehouse.queryFrame(
    `select user_id, event_name as event, event_at as ts, tier
     from ${_marts(warehouse, "fct_events")}
     where not is_orphan and event_name in (${names})${_inGroup(warehouse, group)}`,
  );
}

/** One of `of` groups of users (by a hash of `user_id`), numbered from 0. */
export interface UserGroup {
  /** Which group, from 0 to `of − 1`. */
  index: number;
  /** How many groups the users are split into. */
  of: number;
}

function _inGroup(warehouse: Warehouse, group: UserGroup | undefined): string {
  if (!group || group.of === 1) return "";
  return ` and ${hashGroupSql("user_id", group.of, warehouse.dialect)} = ${group.index}`;
}

/**
 * Clean events of registry users with their session (`user_id`, `event`, `ts`, `tier`,
 * `session_id`), for `paths()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paths } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.fct_events as select * from (values
 *     ('U1', 'session_start', timestamptz '2026-03-02 10:00:00+00', 'Basic', 'S1', false),
 *     ('U1', 'search', timestamptz '2026-03-02 10:01:00+00', 'Basic', 'S1', false),
 *     ('U9', 'search', timestamptz '2026-03-02 10:02:00+00', null, 'S9', true)
 *   ) as t(user_id, event_name, event_at, tier, session_id, is_orphan)`);
 * const events = await readPathEvents(wh);
 * assert.equal(events.height, 2); // the orphan event is left out
 * const edges = paths(events, { start: "session_start", session: { column: "session_id" } });
 * assert.ok(edges.height > 0);
 * await wh.close();
 * ```
 */
export function readPathEvents(warehouse: Warehouse, group?: UserGroup): Promise<pl.DataFrame> {
  return warehouse.queryFrame(
    `select user_id, event_name as event, event_at as ts, tier, session_id
     from ${_marts(warehouse, "fct_events")}
     where not is_orphan${_inGroup(warehouse, group)}`,
  );
}

/**
 * Clean events of registry users (`fct_events`, orphans left out): how many there are, to
 * decide how many user groups the report reads them in.
 */
export async function countRegistryEvents(warehouse: Warehouse): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(
    `select count(*) as n from ${_marts(warehouse, "fct_events")} where not is_orphan`,
  );
  return Number(row?.n ?? 0);
}

/**
 * One row per registry user and active day (`user_id`, `event` = `"active"`, `ts` = the
 * day's first event): enough to place users in retention periods, with far fewer rows than
 * events.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retention } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.fct_events as
 *   select *, event_at::date as event_date from (values
 *     ('U1', timestamptz '2026-03-02 10:00:00+00', false),
 *     ('U1', timestamptz '2026-03-02 18:00:00+00', false),
 *     ('U1', timestamptz '2026-03-09 09:00:00+00', false),
 *     ('U2', timestamptz '2026-03-03 09:00:00+00', false)
 *   ) as t(user_id, event_at, is_orphan)`);
 * const days = await readActiveDays(wh);
 * assert.equal(days.height, 3); // U1 on 2 and 9 March, U2 on 3 March
 * const weekly = retention(days, { period: "week", intervals: 2, to: new Date("2026-03-16") });
 * assert.deepEqual(weekly.getColumn("retention_pct").toArray(), [100, 50]);
 * await wh.close();
 * ```
 */
export function readActiveDays(warehouse: Warehouse): Promise<pl.DataFrame> {
  return warehouse.queryFrame(
    `select user_id, 'active' as event, min(event_at) as ts
     from ${_marts(warehouse, "fct_events")} where not is_orphan
     group by user_id, event_date`,
  );
}

/**
 * Daily active users per region (`activity_date`, `region`, `n_active_users`) from the daily
 * activity mart, summed over its other breakdowns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rollingAverage } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.mart_daily_activity as select * from (values
 *     (date '2026-03-02', 'EMEA', 'Pro', 10),
 *     (date '2026-03-02', 'EMEA', 'Basic', 30),
 *     (date '2026-03-03', 'EMEA', 'Pro', 20)
 *   ) as t(activity_date, region, tier, n_active_users)`);
 * const daily = await readDailyActivity(wh); // summed over tiers
 * const options = { value: "n_active_users", by: "region", ts: "activity_date" };
 * const dau = rollingAverage(daily, options);
 * assert.deepEqual(dau.getColumn("value").toArray(), [40, 20]);
 * assert.deepEqual(dau.getColumn("rolling_mean").toArray(), [40, 30]);
 * await wh.close();
 * ```
 */
export function readDailyActivity(warehouse: Warehouse): Promise<pl.DataFrame> {
  return warehouse.queryFrame(
    `select activity_date, region, sum(n_active_users) as n_active_users
     from ${_marts(warehouse, "mart_daily_activity")}
     group by activity_date, region`,
  );
}

/**
 * Every listing (`listing_id`, `region`, `tier`, `category`, `is_published`,
 * `eco_score_kg_co2e`), published or not: the input of `regionalDensity()`,
 * `ecoImpactByRegion()` and `categoryAffinity()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { categoryAffinity } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.dim_listings as select * from (values
 *     ('L1', 'EMEA', 'Pro', 'Metals', true, 12.5),
 *     ('L2', 'EMEA', 'Basic', 'Textiles', false, null)
 *   ) as t(listing_id, region, tier, category, is_published, eco_score_kg_co2e)`);
 * const listings = await readListings(wh); // published or not
 * assert.equal(listings.height, 2);
 * const affinity = categoryAffinity(listings, { by: "tier", category: "category" });
 * assert.deepEqual(affinity.getColumn("n").toArray(), [0, 1, 1, 0]);
 * await wh.close();
 * ```
 */
export function readListings(warehouse: Warehouse): Promise<pl.DataFrame> {
  return warehouse.queryFrame(
    `select listing_id, region, tier, category, is_published, eco_score_kg_co2e
     from ${_marts(warehouse, "dim_listings")}`,
  );
}

/**
 * Distinct registry users with at least one clean event, per region (`region`,
 * `n_active_users`): the denominator of `regionalDensity()`. A distinct count over every
 * event is SQL's job.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regionalDensity } from "../analytics/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.dim_listings as select * from (values
 *     ('L1', 'EMEA', 'Pro', 'Metals', true, 12.5)
 *   ) as t(listing_id, region, tier, category, is_published, eco_score_kg_co2e);
 *   create table marts.fct_events as select * from (values
 *     ('U1', 'EMEA', false), ('U1', 'EMEA', false), ('U2', 'EMEA', false), ('X9', 'EMEA', true)
 *   ) as t(user_id, region, is_orphan)`);
 * const active = await readActiveUsersByRegion(wh);
 * assert.deepEqual(active.toRecords(), [{ region: "EMEA", n_active_users: 2 }]);
 * const density = regionalDensity(await readListings(wh), active);
 * assert.deepEqual(density.getColumn("listings_per_user").toArray(), [0.5]);
 * await wh.close();
 * ```
 */
export function readActiveUsersByRegion(warehouse: Warehouse): Promise<pl.DataFrame> {
  return warehouse.queryFrame(
    `select region, count(distinct user_id) as n_active_users
     from ${_marts(warehouse, "fct_events")} where not is_orphan group by region`,
  );
}

/**
 * Registry users per region.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.dim_users as select * from (values
 *     ('U1', 'EMEA'), ('U2', 'EMEA'), ('U3', 'NA')
 *   ) as t(user_id, region)`);
 * const byRegion = await readRegistryUsersByRegion(wh);
 * assert.equal(byRegion.find((r) => r.region === "EMEA")?.n_users, 2);
 * await wh.close();
 * ```
 */
export async function readRegistryUsersByRegion(warehouse: Warehouse): Promise<RegionUsersRow[]> {
  const rows = await warehouse.query<{ region: unknown; n_users: unknown }>(
    `select region, count(*) as n_users from ${_marts(warehouse, "dim_users")}
     group by region order by region`,
  );
  return rows.map((r) => ({ region: String(r.region), n_users: _num(r.n_users) }));
}

/**
 * The first and last clean event of registry users.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.fct_events as select * from (values
 *     (timestamptz '2026-01-01 00:03:00+00', false),
 *     (timestamptz '2026-03-31 23:58:12+00', false),
 *     (timestamptz '2026-04-02 08:00:00+00', true)
 *   ) as t(event_at, is_orphan)`);
 * assert.deepEqual(await readEventRange(wh), {
 *   first: "2026-01-01T00:03:00.000Z",
 *   last: "2026-03-31T23:58:12.000Z", // orphans left out
 * });
 * await wh.close();
 * ```
 */
export async function readEventRange(warehouse: Warehouse): Promise<EventRange> {
  const [range] = await warehouse.query<{ first_at: unknown; last_at: unknown }>(
    `select min(event_at) as first_at, max(event_at) as last_at
     from ${_marts(warehouse, "fct_events")} where not is_orphan`,
  );
  return { first: _iso(range?.first_at), last: _iso(range?.last_at) };
}

/**
 * The `limit` published listings with the largest eco-score (ties by listing id).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema marts;
 *   create table marts.dim_listings as select * from (values
 *     ('L1', 'Copper pipes', 'Metals', 'EMEA', 'Pro', 40.0, 80.5, true),
 *     ('L2', 'Old jeans', 'Textiles', 'NA', 'Basic', 2.0, 9.0, true),
 *     ('L3', 'Draft', 'Metals', 'NA', 'Basic', 1.0, 99.0, false)
 *   ) as t(listing_id, title, category, region, tier, weight_kg, eco_score_kg_co2e,
 *     is_published)`);
 * const top = await readTopListings(wh, 1); // published only, largest eco-score first
 * assert.deepEqual(top.map((l) => [l.listing_id, l.title, l.eco_score_kg_co2e]), [
 *   ["L1", "Copper pipes", 80.5],
 * ]);
 * await wh.close();
 * ```
 */
export async function readTopListings(warehouse: Warehouse, limit: number): Promise<ListingRow[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`Cannot read top listings: limit ${limit} is not an integer ≥ 0`);
  }
  if (limit === 0) return [];
  const rows = await warehouse.query(
    `select listing_id, title, category, region, tier, weight_kg, eco_score_kg_co2e
     from ${_marts(warehouse, "dim_listings")}
     where is_published
     order by eco_score_kg_co2e desc nulls last, listing_id
     limit ${limit}`,
  );
  return rows.map((r) => ({
    listing_id: String(r.listing_id),
    title: String(r.title ?? ""),
    category: String(r.category ?? ""),
    region: String(r.region ?? ""),
    tier: String(r.tier ?? ""),
    weight_kg: _numOrNull(r.weight_kg),
    eco_score_kg_co2e: _numOrNull(r.eco_score_kg_co2e),
  }));
}

/**
 * The rows of the pipeline-health mart (where every event line went), load first, then
 * staging, then marts; empty when the mart is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flowSentence } from "../insights/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * assert.deepEqual(await readPipelineOutcomes(wh), []); // no mart yet
 * await wh.execute(`create schema marts;
 *   create table marts.mart_pipeline_health as select * from (values
 *     ('marts', 'kept', 'registry user', 990),
 *     ('load', 'rejected', 'invalid JSON', 10)
 *   ) as t(stage, outcome, reason, n_rows)`);
 * const outcomes = await readPipelineOutcomes(wh);
 * assert.deepEqual(outcomes.map((o) => o.stage), ["load", "marts"]); // load first
 * assert.match(flowSentence(outcomes), /^Of 1,000 event lines delivered, 10 \(1\.00%\) were/);
 * await wh.close();
 * ```
 */
export async function readPipelineOutcomes(warehouse: Warehouse): Promise<OutcomeRow[]> {
  const relation = { schema: "marts", name: "mart_pipeline_health" };
  if (!(await warehouse.exists(relation))) return [];
  const rows = await warehouse.query(
    `select stage, outcome, reason, n_rows from ${warehouse.relation(relation)}
     order by case stage when 'load' then 1 when 'staging' then 2 else 3 end, outcome, reason`,
  );
  return rows.map((r) => ({
    stage: String(r.stage),
    outcome: String(r.outcome),
    reason: String(r.reason ?? ""),
    n_rows: _num(r.n_rows),
  }));
}

/**
 * The id-sync mart's one row (user-id match before and after standardisation), or null when
 * the mart is missing or empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idSyncSentence } from "../insights/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * assert.equal(await readIdSync(wh), null); // no mart yet
 * await wh.execute(`create schema marts;
 *   create table marts.mart_id_sync as select 100 as n_events, 90 as n_matched_before,
 *     98 as n_matched_after, 2 as n_orphan_events, 90.0 as match_before_pct,
 *     98.0 as match_after_pct, 100.0 as match_after_non_orphan_pct`);
 * const sentence = idSyncSentence(await readIdSync(wh));
 * assert.match(sentence, /^Before standardisation, 90\.0% of 100 clean event rows/);
 * await wh.close();
 * ```
 */
export async function readIdSync(warehouse: Warehouse): Promise<IdSyncRow | null> {
  const relation = { schema: "marts", name: "mart_id_sync" };
  if (!(await warehouse.exists(relation))) return null;
  const [r] = await warehouse.query(
    `select n_events, n_matched_before, n_matched_after, n_orphan_events,
       match_before_pct, match_after_pct, match_after_non_orphan_pct
     from ${warehouse.relation(relation)}`,
  );
  if (!r) return null;
  return {
    n_events: _num(r.n_events),
    n_matched_before: _num(r.n_matched_before),
    n_matched_after: _num(r.n_matched_after),
    n_orphan_events: _num(r.n_orphan_events),
    match_before_pct: _numOrNull(r.match_before_pct),
    match_after_pct: _numOrNull(r.match_after_pct),
    match_after_non_orphan_pct: _numOrNull(r.match_after_non_orphan_pct),
  };
}

/**
 * The data test outcomes of the latest run recorded in the audit table, by test name;
 * empty when the table is missing or holds no run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:");
 * await wh.execute(`create schema audit;
 *   create table audit.data_test_results as select * from (values
 *     ('run-1', timestamptz '2026-03-01 10:00:00+00', 'unique_dim_users_user_id', 'dim_users',
 *       'error', 'fail', 2),
 *     ('run-2', timestamptz '2026-03-02 10:00:00+00', 'unique_dim_users_user_id', 'dim_users',
 *       'error', 'pass', 0)
 *   ) as t(run_id, run_at, test, model, severity, status, failures)`);
 * const latest = await readLatestDataTests(wh);
 * assert.deepEqual(latest.map((t) => [t.run_id, t.name, t.status]), [
 *   ["run-2", "unique_dim_users_user_id", "pass"],
 * ]);
 * assert.equal(latest.filter((t) => t.status === "fail").length, 0);
 * await wh.close();
 * ```
 */
export async function readLatestDataTests(warehouse: Warehouse): Promise<AuditTestRow[]> {
  const relation = { schema: "audit", name: "data_test_results" };
  if (!(await warehouse.exists(relation))) return [];
  const table = warehouse.relation(relation);
  const rows = await warehouse.query(
    `with latest as (
       select run_id from ${table} order by run_at desc limit 1
     )
     select run_id, run_at, test, model, severity, status, failures
     from ${table}
     where run_id in (select run_id from latest)
     order by test`,
  );
  return rows.map((r) => ({
    run_id: String(r.run_id),
    run_at: _iso(r.run_at),
    name: String(r.test),
    model: r.model === null || r.model === undefined ? null : String(r.model),
    severity: String(r.severity),
    status: String(r.status),
    failures: _numOrNull(r.failures),
  }));
}

/**
 * Row counts of every table and view in the raw, staging and marts layers, in layer order.
 * The names come from the warehouse's catalogue (`listRelations`: DuckDB's
 * information_schema, BigQuery's tables.list).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb(":memory:"); // creates the raw tables, empty
 * await wh.execute(`create schema marts;
 *   create view marts.dim_users as select 'U1' as user_id`);
 * const counts = await readTableCounts(wh);
 * assert.deepEqual(counts.find((t) => t.layer === "raw" && t.table === "events")?.rows, 0);
 * assert.deepEqual(counts.at(-1), { layer: "marts", table: "dim_users", rows: 1 });
 * await wh.close();
 * ```
 */
export async function readTableCounts(warehouse: Warehouse): Promise<TableCountRow[]> {
  const names: { table_schema: string; table_name: string }[] = [];
  for (const layer of ["raw", "staging", "marts"]) {
    for (const name of await warehouse.listRelations(layer)) {
      names.push({ table_schema: layer, table_name: name });
    }
  }
  if (names.length === 0) return [];
  const counts = await warehouse.query<{ layer: string; table_name: string; n: number }>(
    names.map((t) =>
      `select ${warehouse.literal(t.table_schema)} as layer, ` +
      `${warehouse.literal(t.table_name)} as table_name, count(*) as n from ` +
      warehouse.relation({ schema: t.table_schema, name: t.table_name })
    ).join("\nunion all\n"),
  );
  const byKey = new Map(counts.map((c) => [`${c.layer}.${c.table_name}`, _num(c.n)]));
  return names.map((t) => ({
    layer: t.table_schema,
    table: t.table_name,
    rows: byKey.get(`${t.table_schema}.${t.table_name}`) ?? 0,
  }));
}

function _num(value: unknown): number {
  const n = _numOrNull(value);
  return n === null ? 0 : n;
}

function _numOrNull(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function _iso(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" && value !== "") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toISOString();
  }
  return null;
}
