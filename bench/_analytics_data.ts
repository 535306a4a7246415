/**
 * Benchmark data for bench/analytics_bench.ts: clean generated events in one cached DuckDB
 * table `events(user_id varchar, event varchar, ts timestamptz, tier varchar, region varchar)`.
 *
 * The dataset is written by the project's generator (lib/generate, every mess rate zero) into
 * `target/bench/events-<N>/`, read with DuckDB's own readers (`read_ndjson`, `read_csv`) and
 * kept in `target/bench/analytics-<N>-seed<S>.duckdb`. A later run with the same N and seed
 * reuses that file. Preparation runs in a child process so that the generator's memory does
 * not count in the benchmark's peak.
 *
 * ```sh
 * deno run -A bench/_analytics_data.ts --events 1000000 [--seed 42] [--keep-raw]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_SEED, generateDataset, NO_MESS } from "../lib/generate/mod.ts";

/**
 * True events per registry user over the default 90 days (seed 42: 36,497 users gave
 * 1,024,212 events). Used to size the user registry so that a run has about N events; the
 * real count is stored and printed.
 */
export const EVENTS_PER_USER = 28;

const BENCH_DIR = join("target", "bench");

/** A prepared benchmark table. */
export interface EventsDb {
  /** DuckDB file holding `events` and `bench_meta`. */
  path: string;
  /** Events asked for (`--events`). */
  requested: number;
  /** Rows in `events`. */
  events: number;
  /** Registry users generated. */
  users: number;
  /** Generator seed. */
  seed: number;
  /** True when an existing file was reused. */
  reused: boolean;
  /** Seconds spent generating and loading (0 when reused). */
  prepareSeconds: number;
}

/** Registry users to generate for about `events` events. */
export function usersFor(events: number): number {
  return Math.max(1, Math.ceil(events / EVENTS_PER_USER));
}

/** The cached DuckDB file for `events` requested events and `seed`. */
export function eventsDbPath(events: number, seed: number): string {
  return join(BENCH_DIR, `analytics-${events}-seed${seed}.duckdb`);
}

interface Meta {
  requested: number;
  seed: number;
  users: number;
  events: number;
}

async function readMeta(path: string): Promise<Meta | null> {
  try {
    await Deno.stat(path);
  } catch {
    return null;
  }
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const rows = (await connection.runAndReadAll(
      `select requested, seed, users, (select count(*) from events) as events from bench_meta`,
    )).getRowObjectsJS();
    const row = rows[0];
    if (!row) return null;
    return {
      requested: Number(row.requested),
      seed: Number(row.seed),
      users: Number(row.users),
      events: Number(row.events),
    };
  } catch {
    return null;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Returns the cached benchmark table for `events` and `seed`, preparing it in a child process
 * (`deno run -A bench/_analytics_data.ts`) when it is missing or does not match.
 *
 * @example
 * ```ts
 * const db = await ensureEventsDb(1_000_000, 42);
 * console.log(db.reused ? "reused" : "built", db.path, db.events);
 * ```
 */
export async function ensureEventsDb(events: number, seed: number): Promise<EventsDb> {
  const path = eventsDbPath(events, seed);
  const cached = await readMeta(path);
  if (cached && cached.requested === events && cached.seed === seed) {
    return { path, ...cached, reused: true, prepareSeconds: 0 };
  }
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--events",
      String(events),
      "--seed",
      String(seed),
    ],
    stdout: "inherit",
    stderr: "inherit",
  });
  const status = await child.output();
  if (!status.success) {
    throw new Error(`Cannot prepare benchmark table "${path}": preparation exited ${status.code}`);
  }
  const built = await readMeta(path);
  if (!built) {
    throw new Error(`Cannot prepare benchmark table "${path}": no bench_meta after build`);
  }
  return {
    path,
    ...built,
    reused: false,
    prepareSeconds: (performance.now() - started) / 1000,
  };
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Generates the dataset and builds the DuckDB file (run in the child process). */
async function prepare(events: number, seed: number, keepRaw: boolean): Promise<void> {
  const users = usersFor(events);
  const rawDir = join(BENCH_DIR, `events-${events}`);
  const path = eventsDbPath(events, seed);
  const building = `${path}.building`;
  console.log(
    `preparing ${path}: generating ${users.toLocaleString("en-US")} users into ${rawDir}`,
  );
  let t = performance.now();
  const summary = await generateDataset(rawDir, { users, seed, mess: NO_MESS });
  console.log(
    `  generated ${summary.counts.events.toLocaleString("en-US")} events in ${
      summary.seconds.toFixed(1)
    } s`,
  );
  await Deno.remove(building).catch(() => {});
  await Deno.remove(`${building}.wal`).catch(() => {});
  t = performance.now();
  const instance = await DuckDBInstance.create(building);
  const connection = await instance.connect();
  try {
    await connection.run("set TimeZone = 'UTC'");
    // Rows ordered by (ts, event_id), as an append-only event log roughly is; a fixed order
    // also makes the table and its Parquet export the same on every build.
    await connection.run(`
      create table events as
      with raw_events as (
          select event_id, user_id, event, ts
          from read_ndjson(${sqlString(join(rawDir, "events-*.ndjson"))}, columns = {
              event_id: 'VARCHAR', user_id: 'VARCHAR', event: 'VARCHAR', ts: 'TIMESTAMPTZ'
          })
      ),
      registry as (
          select user_id, tier, region
          from read_csv(${sqlString(join(rawDir, "users.csv"))}, header = true, types = {
              user_id: 'VARCHAR', tier: 'VARCHAR', region: 'VARCHAR'
          })
      )
      select raw_events.user_id, raw_events.event, raw_events.ts, registry.tier, registry.region
      from raw_events
      left join registry on raw_events.user_id = registry.user_id
      order by raw_events.ts, raw_events.event_id`);
    const check = (await connection.runAndReadAll(
      `select count(*) as n, count(tier) as with_tier from events`,
    )).getRowObjectsJS()[0]!;
    if (Number(check.n) !== summary.counts.events || Number(check.with_tier) !== Number(check.n)) {
      throw new Error(
        `Cannot build "${path}": ${check.n} rows (${check.with_tier} with a tier), expected ${summary.counts.events}`,
      );
    }
    await connection.run(
      `create table bench_meta as select ${events}::bigint as requested, ${seed}::bigint as seed, ${users}::bigint as users`,
    );
    await connection.run("checkpoint");
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await Deno.rename(building, path);
  console.log(
    `  built events table (${summary.counts.events.toLocaleString("en-US")} rows) in ${
      ((performance.now() - t) / 1000).toFixed(1)
    } s`,
  );
  if (!keepRaw) {
    await Deno.remove(rawDir, { recursive: true });
    console.log(`  removed ${rawDir} (pass --keep-raw to keep it)`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string" },
      seed: { type: "string", default: String(DEFAULT_SEED) },
      "keep-raw": { type: "boolean", default: false },
    },
    strict: true,
  });
  const events = Number(values.events);
  const seed = Number(values.seed);
  if (!Number.isInteger(events) || events < 1) {
    throw new RangeError(
      `Invalid flag "--events": expected a positive integer, got ${values.events}`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new RangeError(
      `Invalid flag "--seed": expected a non-negative integer, got ${values.seed}`,
    );
  }
  await prepare(events, seed, values["keep-raw"]);
}
