// Shared helpers for the model tests: a temp DuckDB warehouse with tiny raw tables, and
// throwaway projects written from a map of files.
import { dirname, join } from "node:path";
import { openDuckDb, type Warehouse } from "../../lib/warehouse/mod.ts";

/** The fixture project under tests/testdata/models. */
export const FIXTURE_DIR = new URL("../testdata/models", import.meta.url).pathname;

/** Good raw events: every mess kind the fixture models repair, all tests pass on them. */
export const GOOD_EVENTS: Record<string, unknown>[] = [
  { event_id: "E1", user_id: "U000001", event: "session_start", ts: "2026-03-01T10:00:00.000Z" },
  { event_id: "e2", user_id: " u000001 ", event: "Search", ts: "2026-03-01T12:05:00+02:00" },
  {
    event_id: "E3",
    user_id: "U000002",
    event: "Publish-Listing",
    ts: 1772359200000,
    properties: { weight_kg: "12.5" },
  },
  { event_id: "E1", user_id: "U000001", event: "session_start", ts: "2026-03-01T10:00:00.000Z" },
  { event_id: "E5", user_id: "U000002", event: "search", ts: "2026-03-02 08:30:00" },
];

/** Good raw users. */
export const GOOD_USERS: string[][] = [
  ["U000001", "Ada", "ada@example.com", "", "Basic", "EMEA", "2026-01-03T10:22:11Z"],
  ["U000002", "Bo", "bo@example.com", "Acme", "Pro", "NA", "2026-02-01T00:00:00Z"],
];

/** Open a fresh warehouse file in a temp dir; `close()` also removes the dir. */
export async function tempWarehouse(): Promise<
  { warehouse: Warehouse; dir: string; close(): Promise<void> }
> {
  const dir = await Deno.makeTempDir({ prefix: "models-test-" });
  const warehouse = await openDuckDb(join(dir, "wh.duckdb"), { threads: 1 });
  return {
    warehouse,
    dir,
    async close() {
      await warehouse.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Replace raw.events and raw.users with the given rows. */
export async function seedRaw(
  warehouse: Warehouse,
  events: Record<string, unknown>[] = GOOD_EVENTS,
  users: string[][] = GOOD_USERS,
): Promise<void> {
  await warehouse.execute("delete from raw.events; delete from raw.users;");
  if (events.length > 0) {
    const rows = events.map((event, i) =>
      `('r${i + 1}', 'events-2026-03-01.ndjson', ${i + 1}, current_timestamp, ${
        lit(JSON.stringify(event))
      })`
    );
    await warehouse.execute(
      `insert into raw.events (_raw_id, _source_file, _line, _loaded_at, payload) values ${
        rows.join(", ")
      }`,
    );
  }
  if (users.length > 0) {
    const rows = users.map((user, i) =>
      `('u${i + 1}', 'users.csv', ${i + 2}, current_timestamp, ${user.map(lit).join(", ")})`
    );
    await warehouse.execute(
      `insert into raw.users (_raw_id, _source_file, _line, _loaded_at, user_id, full_name, email, company, tier, region, signup_at) values ${
        rows.join(", ")
      }`,
    );
  }
}

/** Write a throwaway project (relative path → content) into a fresh temp dir. */
export async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "models-project-" });
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), content);
  }
  return dir;
}
