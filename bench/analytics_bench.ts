/**
 * Analytics benchmark: the lib/analytics Polars functions against DuckDB SQL of the same
 * definitions, on the same generated events, timed in the same run.
 *
 * ```sh
 * deno run -A bench/analytics_bench.ts [--events 10000000] [--small 1000000] [--repeats 3]
 *   [--seed 42] [--only funnel,funnel_exclusion,…] [--max-load L]
 * ```
 *
 * For each size (`--events`, then `--small`; 0 skips one; each in its own process so that its
 * peak memory is its own): a clean dataset from lib/generate becomes one DuckDB table
 * `events(user_id, event, ts timestamptz, tier, region)`, cached in `target/bench/`
 * (bench/_analytics_data.ts); it is exported to Parquet, read with `pl.readParquet` and
 * rechunked (the pull, timed on its own). Then, per analysis, one warm-up run on each side
 * whose results must agree (exit code 1 if not), and `--repeats` timed runs of each,
 * alternating so that machine load hits both sides alike. Both engines run in this process with their default threads.
 * The medians and their ratio (Polars / DuckDB) are printed with CPU seconds, peak RSS per
 * side and the load average: the machine is shared, so a missed speed target is reported
 * (MISSED), never turned into a failure.
 *
 * Definitions (the same on both sides; the SQL is in bench/sql_reference.ts):
 * - funnel: session_start → view_listing → start_listing → publish_listing, ordered, 14-day
 *   window, breakdown by tier; DuckDB: orderedFunnelSql() (ASOF joins on user and a HUGEINT
 *   (µs, step, rowid) key, no global row_number()).
 * - funnel options, each timed against `funnel`: exclusion (message_seller between steps 2
 *   and 3), a window in seconds, ClickHouse windowFunnel (default mode), funnel trends by entry
 *   day, the time-to-convert histogram. The windowFunnel modes (strict_increase,
 *   strict_deduplication, strict_order, strict_once) are timed against windowFunnel's default
 *   mode: the same analysis without the mode. PostHog's strict order (`funnel_strict`) is timed
 *   too, for comparison with `strict_order`.
 * - retention: weekly (Monday, UTC) first-time cohorts of session_start, return event
 *   session_start, 12 periods; DuckDB: retentionSql(). Options, each against `retention`:
 *   every event listed as a return (`retention_names`, itself the baseline of `"*"`), a
 *   property-filtered target, minimumOccurrences 2, unbounded, brackets.
 * - paths: 3 events after the first session_start per user, by tier; with 30-minute
 *   inactivity sessions and repeats merged (against `paths`); DuckDB: pathsSql().
 * - rolling: daily active users (distinct non-null user_id) per region and UTC day,
 *   gap-filled calendar, trailing 7-day mean with minPeriods 1. Polars computes the daily
 *   distinct users in the same lazy query that it hands to rollingAverage() (with
 *   `engine: "in-memory"`); DuckDB does it in the subquery it hands to rollingAverageSql().
 *
 * Targets (issue): every new option's Polars median ≤ 1.25 × its baseline's (the same
 * analysis without the option), compared on CPU seconds (user + system, all threads) because
 * the machine is shared and wall time moves with other work (both are printed); the
 * baseline is timed again in alternation with the option's runs, so that both medians come
 * from the same minutes of the run. For funnel, retention and rolling, at `--events` (10M) the
 * Polars median ≤ 1.25 × the DuckDB median and at `--small` (1M) every timed Polars run
 * < 0.5 s. An analysis without SQL here is printed "no SQL".
 *
 * @module
 */
import { parseArgs } from "node:util";
import pl, { type DataFrame } from "nodejs-polars";
import {
  funnel,
  type FunnelOptions,
  funnelTrends,
  paths,
  retention,
  type RetentionOptions,
  rollingAverage,
  timeToConvert,
} from "../lib/analytics/mod.ts";
import { DEFAULT_SEED } from "../lib/generate/mod.ts";
import { type DuckDbWarehouse, openDuckDb } from "../lib/warehouse/mod.ts";
import { type BenchResult, peakRssMiB, report } from "./_bench.ts";
import { ensureEventsDb } from "./_analytics_data.ts";
import {
  funnelTrendsSql,
  orderedFunnelSql,
  pathsSql,
  retentionSql,
  type RetentionSqlOptions,
  rollingAverageSql,
  timeToConvertSql,
  windowFunnelSql,
} from "./sql_reference.ts";

const RATIO_TARGET = 1.25;
const SMALL_SECONDS = 0.5;
const FLOAT_TOLERANCE = 1e-9;

/** One analysis: a Polars run, a DuckDB query, and the columns to compare. */
interface Analysis {
  name: string;
  definition: string;
  polars: (events: DataFrame) => DataFrame;
  /** The fastest DuckDB SQL of the same definition written here, or null when there is none. */
  sql: string | null;
  /** Columns compared; the leading `keys` identify a row. */
  columns: string[];
  keys: number;
  /**
   * The analysis this one adds an option to: its Polars median must stay within
   * {@linkcode RATIO_TARGET} × the baseline's (the issue's target for every new option),
   * compared on CPU seconds (the machine is shared: wall time moves with other work).
   */
  baseline?: string;
  /** One of the three analyses the earlier targets were set for (DuckDB ratio, 0.5 s at 1M). */
  original?: boolean;
}

const FUNNEL_STEPS = ["session_start", "view_listing", "start_listing", "publish_listing"];
const WINDOW = { value: 14, unit: "day" as const };
const FUNNEL: FunnelOptions = {
  steps: FUNNEL_STEPS,
  window: WINDOW,
  order: "ordered",
  breakdown: "tier",
};
const FUNNEL_COLUMNS = [
  "tier",
  "step",
  "users",
  "median_time_to_convert_s",
  "p90_time_to_convert_s",
];
const EXCLUSION = { event: "message_seller", fromStep: 2, toStep: 3 };
const TTC_EDGES = [0, 60, 600, 3_600, 86_400, 604_800, 1_209_600];
const RETENTION = {
  targetEvent: "session_start",
  returnEvent: "session_start",
  period: "week" as const,
  intervals: 12,
  type: "first_time" as const,
};
const RETENTION_COLUMNS = [
  "cohort",
  "period",
  "cohort_size",
  "users",
  "retention_pct",
  "is_complete",
];
const ALL_EVENTS = [
  "session_start",
  "search",
  "view_listing",
  "start_listing",
  "publish_listing",
  "message_seller",
  "complete_recycling",
];
const PATHS_COLUMNS = ["tier", "step", "source", "target", "users", "node_users"];

function retentionAnalysis(
  name: string,
  definition: string,
  options: Partial<RetentionOptions & RetentionSqlOptions>,
  baseline: string | null = "retention",
  original = false,
): Analysis {
  const merged = { ...RETENTION, ...options };
  return {
    name,
    definition,
    polars: (events) => retention(events, merged as RetentionOptions),
    sql: retentionSql(merged as RetentionSqlOptions),
    columns: merged.brackets ? [...RETENTION_COLUMNS, "period_end"] : RETENTION_COLUMNS,
    keys: 2,
    baseline: baseline ?? undefined,
    original,
  };
}

const ANALYSES: Analysis[] = [
  {
    name: "funnel",
    definition: `${FUNNEL_STEPS.join(" → ")}, ordered, 14-day window, by tier`,
    polars: (events) => funnel(events, FUNNEL),
    sql: orderedFunnelSql({ steps: FUNNEL_STEPS, window: WINDOW, breakdown: "tier" }),
    columns: FUNNEL_COLUMNS,
    keys: 2,
    original: true,
  },
  {
    name: "funnel_exclusion",
    definition: "the funnel, excluding attempts with message_seller between steps 2 and 3",
    polars: (events) => funnel(events, { ...FUNNEL, exclusions: [EXCLUSION] }),
    sql: orderedFunnelSql({
      steps: FUNNEL_STEPS,
      window: WINDOW,
      breakdown: "tier",
      exclusions: [EXCLUSION],
    }),
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel",
  },
  {
    name: "funnel_seconds",
    definition: "the funnel with its window in seconds (1,209,600 s)",
    polars: (events) => funnel(events, { ...FUNNEL, window: { value: 1_209_600, unit: "second" } }),
    sql: orderedFunnelSql({
      steps: FUNNEL_STEPS,
      window: { value: 1_209_600, unit: "second" },
      breakdown: "tier",
    }),
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel",
  },
  {
    name: "funnel_ch",
    definition: "the funnel as ClickHouse windowFunnel (default mode)",
    polars: (events) => funnel(events, { ...FUNNEL, windowFunnel: [] }),
    sql: windowFunnelSql({ steps: FUNNEL_STEPS, window: WINDOW, breakdown: "tier" }),
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel",
  },
  {
    name: "funnel_ch_increase",
    definition: "windowFunnel, strict_increase",
    polars: (events) => funnel(events, { ...FUNNEL, windowFunnel: ["strict_increase"] }),
    sql: windowFunnelSql({
      steps: FUNNEL_STEPS,
      window: WINDOW,
      breakdown: "tier",
      strictIncrease: true,
    }),
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel_ch",
  },
  {
    name: "funnel_ch_dedup",
    definition: "windowFunnel, strict_deduplication (no SQL written)",
    polars: (events) => funnel(events, { ...FUNNEL, windowFunnel: ["strict_deduplication"] }),
    sql: null,
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel_ch",
  },
  {
    name: "funnel_strict",
    definition: "the funnel, PostHog strict order (reads every event; no SQL written)",
    polars: (events) => funnel(events, { ...FUNNEL, order: "strict" }),
    sql: null,
    columns: FUNNEL_COLUMNS,
    keys: 2,
  },
  {
    name: "funnel_ch_order",
    definition: "windowFunnel, strict_order (no SQL written)",
    polars: (events) => funnel(events, { ...FUNNEL, windowFunnel: ["strict_order"] }),
    sql: null,
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel_ch",
  },
  {
    name: "funnel_ch_once",
    definition: "windowFunnel, strict_once (no SQL written)",
    polars: (events) => funnel(events, { ...FUNNEL, windowFunnel: ["strict_once"] }),
    sql: null,
    columns: FUNNEL_COLUMNS,
    keys: 2,
    baseline: "funnel_ch",
  },
  {
    name: "funnel_trends",
    definition: "conversion 1 → 4 by UTC entry day",
    polars: (events) =>
      funnelTrends(events, { steps: FUNNEL_STEPS, window: WINDOW, interval: "day" }),
    sql: funnelTrendsSql({ steps: FUNNEL_STEPS, window: WINDOW, interval: "day" }),
    columns: ["period_start", "users_entered", "users_converted"],
    keys: 1,
    baseline: "funnel",
  },
  {
    name: "time_to_convert",
    definition: `histogram of step 1 → 4 times, edges ${TTC_EDGES.join(", ")} s`,
    polars: (events) =>
      timeToConvert(events, { steps: FUNNEL_STEPS, window: WINDOW, bins: TTC_EDGES }),
    sql: timeToConvertSql({ steps: FUNNEL_STEPS, window: WINDOW, edges: TTC_EDGES }),
    columns: ["bin", "users"],
    keys: 1,
    baseline: "funnel",
  },
  retentionAnalysis(
    "retention",
    "weekly first-time cohorts, session_start → session_start, 12 periods",
    {},
    null,
    true,
  ),
  retentionAnalysis(
    "retention_names",
    'returns: every event, listed by name (the baseline of "*": 5x the rows of session_start)',
    { returnEvent: ALL_EVENTS },
    null,
  ),
  retentionAnalysis(
    "retention_any",
    'returns: "*" (any event)',
    { returnEvent: "*" },
    "retention_names",
  ),
  retentionAnalysis(
    "retention_filter",
    "cohorts: first session_start of Basic-tier rows ({ event, properties })",
    { targetEvent: { event: "session_start", properties: { tier: "Basic" } } },
  ),
  retentionAnalysis("retention_min2", "minimumOccurrences 2", { minimumOccurrences: 2 }),
  retentionAnalysis("retention_unbounded", "unbounded (on or after)", { unbounded: true }),
  retentionAnalysis("retention_brackets", "brackets 0, 1, 2–4, 5–11", {
    brackets: [0, 1, [2, 4], [5, 11]],
  }),
  {
    name: "paths",
    definition: "3 events after session_start (first per user), by tier",
    polars: (events) => paths(events, { start: "session_start", steps: 3, breakdown: "tier" }),
    sql: pathsSql({ start: "session_start", steps: 3, breakdown: "tier" }),
    columns: PATHS_COLUMNS,
    keys: 5,
  },
  {
    name: "paths_sessions",
    definition: "paths per 30-minute-inactivity session, repeats merged",
    polars: (events) =>
      paths(events, {
        start: "session_start",
        steps: 3,
        breakdown: "tier",
        session: { inactivity: { value: 30, unit: "minute" } },
        collapseRepeats: true,
      }),
    sql: pathsSql({
      start: "session_start",
      steps: 3,
      breakdown: "tier",
      sessionGapMicros: 30 * 60_000_000,
      collapseRepeats: true,
    }),
    columns: PATHS_COLUMNS,
    keys: 5,
    baseline: "paths",
  },
  {
    name: "rolling",
    definition:
      "daily distinct users per region, 7-day trailing mean (minPeriods 1); Polars engine in-memory",
    polars: (events) =>
      rollingAverage(
        // Daily active users: distinct non-null user ids per region and UTC day. No row filter
        // first: on an in-memory frame it copies the columns (~0.17 s at 10M rows); nulls are
        // dropped inside the count, and rollingAverage() drops rows without a day.
        events.lazy()
          .groupBy(
            ["region", pl.col("ts").cast(pl.Date).alias("day")] as unknown as string[],
            false,
          )
          .agg(pl.col("user_id").dropNulls().nUnique().alias("dau")),
        // The in-memory engine: on this shape it took ~40% less CPU than streaming at 10M
        // events (POLARS-NOTES.md also found in-memory faster for it).
        { value: "dau", by: "region", ts: "day", window: 7, minPeriods: 1, engine: "in-memory" },
      ),
    sql: rollingAverageSql({
      // count(distinct) skips null user ids; rollingAverageSql() drops rows without a day.
      table: `(
        select region, make_timestamp(epoch_us(ts))::date as day, count(distinct user_id) as dau
        from events
        group by all
    )`,
      value: "dau",
      by: "region",
      ts: "day",
      window: 7,
      minPeriods: 1,
    }),
    columns: ["region", "date", "value", "rolling_mean"],
    keys: 2,
    original: true,
  },
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "10000000" },
    small: { type: "string", default: "1000000" },
    repeats: { type: "string", default: "3" },
    seed: { type: "string", default: String(DEFAULT_SEED) },
    only: { type: "string", default: ANALYSES.map((a) => a.name).join(",") },
    "max-load": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(
    `usage: deno run -A bench/analytics_bench.ts [--events N] [--small N] [--repeats R] [--seed S]
       [--only NAMES] [--max-load L]

  --events N    large size (default 10,000,000; 0 skips)
  --small N     small size: every Polars run must take < 0.5 s (default 1,000,000; 0 skips)
  --repeats R   timed runs per side after one warm-up (default 3)
  --seed S      generator seed (default 42)
  --only LIST   analyses to run (default all: ${ANALYSES.map((a) => a.name).join(",")})
  --max-load L  before each analysis, wait (up to 10 min) for the 1-minute load average < L

Data is cached in target/bench/analytics-<N>-seed<S>.duckdb. Exit code 1 if the two sides
give different numbers; a missed speed target is printed as MISSED and does not fail.`,
  );
  Deno.exit(0);
}

function positiveInt(flag: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new RangeError(`Invalid flag "--${flag}": expected an integer, got "${text}"`);
  }
  return n;
}

const large = positiveInt("events", values.events, true);
const small = positiveInt("small", values.small, true);
const repeats = positiveInt("repeats", values.repeats);
const seed = positiveInt("seed", values.seed, true);
const only = values.only.split(",").map((s) => s.trim());
for (const name of only) {
  if (!ANALYSES.some((a) => a.name === name)) {
    throw new RangeError(`Invalid flag "--only": unknown analysis "${name}"`);
  }
}
const analyses = ANALYSES.filter((a) => only.includes(a.name));
const maxLoad = values["max-load"] === undefined ? null : Number(values["max-load"]);
if (maxLoad !== null && !(maxLoad > 0)) {
  throw new RangeError(
    `Invalid flag "--max-load": expected a positive number, got "${values["max-load"]}"`,
  );
}

function loadAverage(): string {
  return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** Resets the peak RSS (VmHWM) to the current RSS, so a phase can report its own peak; Linux only. */
function resetPeakRss(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux: the peak then covers the whole process
  }
}

/** Peak RSS of the current size so far (phases reset VmHWM, so it is kept here). */
let sizePeakMiB = 0;

/** Runs `fn` and returns its result with the peak RSS while it ran, in MiB. */
async function withPeak<T>(fn: () => Promise<T>): Promise<[T, number]> {
  sizePeakMiB = Math.max(sizePeakMiB, peakRssMiB());
  resetPeakRss();
  const out = await fn();
  const peak = peakRssMiB();
  sizePeakMiB = Math.max(sizePeakMiB, peak);
  return [out, peak];
}

/** CPU seconds (user + system, all threads, DuckDB's included) of this process; Linux only. */
function cpuSeconds(): number {
  try {
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Waits up to 10 minutes for the 1-minute load average to fall below `--max-load`. */
async function waitForLoad(): Promise<void> {
  if (maxLoad === null) return;
  const started = performance.now();
  while (Deno.loadavg()[0]! >= maxLoad && seconds(started) < 600) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const waited = seconds(started);
  if (waited >= 1) {
    console.log(
      `    waited ${waited.toFixed(0)} s for load average < ${maxLoad} (now ${loadAverage()}${
        Deno.loadavg()[0]! >= maxLoad ? ", gave up" : ""
      })`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function label(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Comparing results

type Cell = string | number | boolean | null;

function normalise(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") {
    return value;
  }
  return String(value);
}

function rowsOf(records: Record<string, unknown>[], analysis: Analysis): Cell[][] {
  const rows = records.map((r) => analysis.columns.map((c) => normalise(r[c])));
  const key = (row: Cell[]) => JSON.stringify(row.slice(0, analysis.keys));
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sameCell(a: Cell, b: Cell): boolean {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return Math.abs(a - b) <= FLOAT_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** Differences between the two result tables (empty when they agree), at most `limit`. */
function differences(polars: Cell[][], duck: Cell[][], analysis: Analysis, limit = 5): string[] {
  const out: string[] = [];
  if (polars.length !== duck.length) {
    out.push(`row count: Polars ${polars.length}, DuckDB ${duck.length}`);
  }
  const n = Math.min(polars.length, duck.length);
  for (let i = 0; i < n && out.length < limit; i++) {
    const p = polars[i]!;
    const d = duck[i]!;
    analysis.columns.forEach((c, j) => {
      if (!sameCell(p[j]!, d[j]!) && out.length < limit) {
        out.push(
          `row ${i} (${JSON.stringify(p.slice(0, analysis.keys))}) ${c}: Polars ${
            JSON.stringify(p[j])
          }, DuckDB ${JSON.stringify(d[j])}`,
        );
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One size

interface Row {
  analysis: string;
  polars: number;
  /** NaN when there is no SQL. */
  duck: number;
  ratio: number;
  /** Median CPU seconds of the Polars runs. */
  cpu: number;
  baseline: string | null;
  /** CPU ratio to the baseline (the target), and the wall-clock ratio. */
  baselineRatio: number | null;
  baselineWall: number | null;
  original: boolean;
  pass: boolean;
  same: boolean;
  compared: boolean;
  rows: number;
}

function polarsMax(times: number[]): number {
  return Math.max(...times);
}

async function pull(wh: DuckDbWarehouse, path: string): Promise<DataFrame> {
  const parquet = `${path.replace(/\.duckdb$/, "")}.parquet`;
  let t = performance.now();
  await wh.execute(
    `copy (select user_id, event, ts, tier, region from events) to '${parquet}' (format parquet, compression uncompressed)`,
  );
  const exportSeconds = seconds(t);
  t = performance.now();
  const read = pl.readParquet(parquet);
  const readSeconds = seconds(t);
  // readParquet leaves one chunk per row group (83 at 10M rows); one contiguous chunk made
  // the funnel and retention ~10% faster on the streaming engine.
  t = performance.now();
  const frame = read.rechunk();
  const rechunkSeconds = seconds(t);
  const bytes = (await Deno.stat(parquet)).size;
  await Deno.remove(parquet);
  console.log(
    `  pulled into Polars: DuckDB → Parquet ${exportSeconds.toFixed(2)} s (${
      (bytes / 2 ** 20).toFixed(0)
    } MiB, uncompressed), pl.readParquet ${readSeconds.toFixed(2)} s, rechunk ${
      rechunkSeconds.toFixed(2)
    } s; ${frame.height.toLocaleString("en-US")} rows, schema ${
      Object.entries(frame.schema).map(([k, v]) => `${k}:${v}`).join(", ")
    }; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
  return frame;
}

async function runSize(requested: number, isLarge: boolean): Promise<{ rows: Row[]; ok: boolean }> {
  const tag = `analytics-${label(requested)}`;
  console.log(`\n== ${tag}: ${requested.toLocaleString("en-US")} events requested, seed ${seed}`);
  const db = await ensureEventsDb(requested, seed);
  console.log(
    db.reused
      ? `  reused ${db.path} (${db.events.toLocaleString("en-US")} events, ${
        db.users.toLocaleString("en-US")
      } users)`
      : `  built ${db.path} (${db.events.toLocaleString("en-US")} events, ${
        db.users.toLocaleString("en-US")
      } users) in ${db.prepareSeconds.toFixed(1)} s`,
  );
  sizePeakMiB = 0;
  resetPeakRss();
  const wh = await openDuckDb(db.path);
  const rows: Row[] = [];
  let ok = true;
  try {
    const threads = await wh.query<{ value: string }>(
      "select current_setting('threads') as value",
    );
    console.log(
      `  DuckDB threads ${threads[0]?.value}, Polars threads ${
        Deno.env.get("POLARS_MAX_THREADS") ?? "default (one per core)"
      }, ${navigator.hardwareConcurrency} cores`,
    );
    const events = await pull(wh, db.path);
    for (const analysis of analyses) {
      console.log(`  ${analysis.name}: ${analysis.definition}`);
      await waitForLoad();
      console.log(`    load average ${loadAverage()}`);
      // Warm-up runs on both sides; their results are the ones compared.
      let t = performance.now();
      const polarsOut = analysis.polars(events);
      const polarsWarm = seconds(t);
      t = performance.now();
      const sql = analysis.sql;
      const duckOut = sql === null ? null : await wh.query(sql);
      const duckWarm = seconds(t);
      const diff = duckOut === null ? [] : differences(
        rowsOf(polarsOut.toRecords() as Record<string, unknown>[], analysis),
        rowsOf(duckOut, analysis),
        analysis,
      );
      const same = diff.length === 0 && polarsOut.height > 0;
      if (duckOut === null) {
        console.log(
          `    no DuckDB SQL for this definition (${polarsOut.height} Polars rows; warm-up ${
            polarsWarm.toFixed(2)
          } s)`,
        );
      } else if (!same) {
        ok = false;
        console.log(`    RESULTS DIFFER (${polarsOut.height} Polars rows):`);
        for (const line of diff) console.log(`      ${line}`);
      } else {
        console.log(
          `    same numbers on both sides (${polarsOut.height} rows; warm-up Polars ${
            polarsWarm.toFixed(2)
          } s, DuckDB ${duckWarm.toFixed(2)} s)`,
        );
      }
      const polarsTimes: number[] = [];
      const duckTimes: number[] = [];
      const polarsCpu: number[] = [];
      const duckCpu: number[] = [];
      // An option's runs alternate with runs of its baseline, so that both see the same
      // machine and memory state (a baseline timed minutes earlier moved ratios by 15–25%).
      const baseline = analysis.baseline
        ? analyses.find((a) => a.name === analysis.baseline) ?? null
        : null;
      const baseTimes: number[] = [];
      const baseCpu: number[] = [];
      if (baseline && !rows.some((r) => r.analysis === baseline.name)) baseline.polars(events);
      let polarsPeak = 0;
      let duckPeak = 0;
      for (let r = 0; r < repeats; r++) {
        let peak: number;
        [, peak] = await withPeak(() => {
          const c = cpuSeconds();
          t = performance.now();
          analysis.polars(events);
          polarsTimes.push(seconds(t));
          polarsCpu.push(cpuSeconds() - c);
          return Promise.resolve();
        });
        polarsPeak = Math.max(polarsPeak, peak);
        if (baseline) {
          const c = cpuSeconds();
          t = performance.now();
          baseline.polars(events);
          baseTimes.push(seconds(t));
          baseCpu.push(cpuSeconds() - c);
        }
        if (sql === null) continue;
        [, peak] = await withPeak(async () => {
          const c = cpuSeconds();
          t = performance.now();
          await wh.query(sql);
          duckTimes.push(seconds(t));
          duckCpu.push(cpuSeconds() - c);
        });
        duckPeak = Math.max(duckPeak, peak);
      }
      const polars = median(polarsTimes);
      const duck = sql === null ? NaN : median(duckTimes);
      const ratio = polars / duck;
      const cpu = median(polarsCpu);
      const base = baseline ? { cpu: median(baseCpu), polars: median(baseTimes) } : null;
      const baselineRatio = base ? cpu / base.cpu : null;
      const baselineWall = base ? polars / base.polars : null;
      // New options: within RATIO_TARGET × the Polars CPU time without them. The original
      // three: the DuckDB ratio at the large size, every run under SMALL_SECONDS at the small
      // one. A new analysis without a baseline (paths): the DuckDB ratio.
      const pass = baselineRatio !== null
        ? same && baselineRatio <= RATIO_TARGET
        : analysis.baseline
        ? same
        : analysis.original && !isLarge
        ? same && polarsMax(polarsTimes) < SMALL_SECONDS
        : same && (Number.isNaN(ratio) || ratio <= RATIO_TARGET);
      const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
      if (baseline) {
        console.log(
          `    baseline ${baseline.name}, timed alternately: wall ${runs(baseTimes)} s, CPU ${
            runs(baseCpu)
          } s`,
        );
      }
      console.log(
        `    wall: Polars ${runs(polarsTimes)} s, DuckDB ${runs(duckTimes)} s; CPU: Polars ${
          runs(polarsCpu)
        } s, DuckDB ${runs(duckCpu)} s; peak RSS while running: Polars ${
          polarsPeak.toFixed(0)
        } MiB, DuckDB ${duckPeak.toFixed(0)} MiB (load average ${loadAverage()})`,
      );
      const result: BenchResult = {
        stage: `${tag} ${analysis.name}`,
        rows: events.height,
        seconds: polars,
        rowsPerSecond: events.height / polars,
        peakRssMiB: sizePeakMiB,
        target: baselineRatio !== null
          ? `≤${RATIO_TARGET}x ${analysis.baseline}'s CPU (${
            base!.cpu.toFixed(2)
          } s, timed alternately)`
          : !analysis.original || isLarge
          ? `≤${RATIO_TARGET}x DuckDB (${duck.toFixed(2)} s)`
          : `every run < ${SMALL_SECONDS} s (DuckDB ${duck.toFixed(2)} s)`,
        pass,
        details: {
          polars_s: polars,
          duckdb_s: duck,
          ratio,
          baseline: analysis.baseline ?? null,
          baseline_cpu_ratio: baselineRatio,
          baseline_wall_ratio: baselineWall,
          polars_runs_s: polarsTimes,
          duckdb_runs_s: duckTimes,
          polars_cpu_s: polarsCpu,
          duckdb_cpu_s: duckCpu,
          polars_peak_rss_mib: polarsPeak,
          duckdb_peak_rss_mib: duckPeak,
          same_numbers: same,
          events: events.height,
          loadavg: Deno.loadavg(),
        },
      };
      report(result);
      rows.push({
        analysis: analysis.name,
        polars,
        duck,
        ratio,
        cpu,
        baseline: analysis.baseline ?? null,
        baselineRatio,
        baselineWall,
        original: analysis.original ?? false,
        pass,
        same,
        compared: sql !== null,
        rows: events.height,
      });
    }
  } finally {
    await wh.close();
  }
  printTable(tag, rows, isLarge);
  return { rows, ok };
}

function printTable(tag: string, rows: Row[], isLarge: boolean): void {
  console.log(
    `\n  ${tag} (${
      rows[0]?.rows.toLocaleString("en-US") ?? 0
    } events), medians of ${repeats}, load average ${loadAverage()}, peak RSS ${
      Math.max(sizePeakMiB, peakRssMiB()).toFixed(0)
    } MiB`,
  );
  console.log(
    `  ${"analysis".padEnd(22)} ${"Polars s".padStart(9)} ${"CPU s".padStart(6)} ${
      "DuckDB s".padStart(9)
    } ${"P/D".padStart(5)} ${"vs baseline: CPU (wall)".padStart(36)}  target  same numbers`,
  );
  for (const r of rows) {
    const vs = r.baseline === null
      ? (r.original && !isLarge ? `(every run <${SMALL_SECONDS} s)` : `(≤${RATIO_TARGET}x DuckDB)`)
      : r.baselineRatio === null
      ? `${r.baseline} not found`
      : `${r.baselineRatio.toFixed(2)}x (${r.baselineWall!.toFixed(2)}x) ${r.baseline}`;
    console.log(
      `  ${r.analysis.padEnd(22)} ${r.polars.toFixed(3).padStart(9)} ${
        r.cpu.toFixed(2).padStart(6)
      } ${Number.isNaN(r.duck) ? "n/a".padStart(9) : r.duck.toFixed(3).padStart(9)} ${
        Number.isNaN(r.ratio) ? "  n/a" : r.ratio.toFixed(2).padStart(5)
      } ${vs.padStart(36)}  ${(r.pass ? "met" : "MISSED").padEnd(6)}  ${
        r.compared ? (r.same ? "yes" : "NO") : "no SQL"
      }`,
    );
  }
}

/** Runs one size in a child process, so that its peak memory is its own; returns the exit code. */
async function runChild(events: number, smallEvents: number): Promise<number> {
  const args = [
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "--events",
    String(events),
    "--small",
    String(smallEvents),
    "--repeats",
    String(repeats),
    "--seed",
    String(seed),
    "--only",
    only.join(","),
    ...(maxLoad === null ? [] : ["--max-load", String(maxLoad)]),
  ];
  const status = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return status.code;
}

if (large > 0 && small > 0) {
  console.log(
    `analytics bench: ${label(large)} and ${label(small)} events, each size in its own process`,
  );
  const codes = [await runChild(large, 0), await runChild(0, small)];
  Deno.exit(codes.some((c) => c !== 0) ? 1 : 0);
}
console.log(
  `analytics bench: Polars (nodejs-polars ${pl.version}) vs DuckDB, ${repeats} timed runs after a warm-up; load average ${loadAverage()} on ${navigator.hardwareConcurrency} cores`,
);
let allSame = true;
if (large > 0) allSame = (await runSize(large, true)).ok && allSame;
if (small > 0) allSame = (await runSize(small, false)).ok && allSame;
if (!allSame) {
  console.log("\nPolars and DuckDB gave different numbers: see RESULTS DIFFER above");
  Deno.exit(1);
}
