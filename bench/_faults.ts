/**
 * Fault-injection helpers shared by `bench/faults_bench.ts` and `tests/load/faults_test.ts`:
 * a small dataset, an independent count of the lines of every file, the accounting
 * invariant (lines written = raw rows + rejected rows, exactly, per file), a snapshot of the
 * raw tables and marts to prove "after a failure the previous tables are intact", a seeded
 * random source, and Deno subprocesses that can be killed with SIGKILL at a chosen moment.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { generateDataset } from "../lib/generate/mod.ts";
import { type RawKind, rawKindOf, type Warehouse } from "../lib/warehouse/mod.ts";

/** A clean environment for a child: what Deno needs, none of the caller's TERRALOOP_*. */
function _childEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", TZ: "UTC" };
  for (const name of ["PATH", "HOME", "TMPDIR", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Seed for this run: `FAULT_SEED` to replay one, else a fresh one (print it on failure). */
export function faultSeed(): number {
  const given = Deno.env.get("FAULT_SEED");
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

/** A deterministic random source (LCG) for crash points and fault choices. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2 ** 31;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A small generated dataset with every mess kind present. */
export async function smallDataset(dir: string, seed = 7, days = 8): Promise<string> {
  await generateDataset(dir, {
    users: 250,
    days,
    seed,
    mess: { malformed: 0.005, unknown_event: 0.004, orphan_user: 0.004 },
  });
  return dir;
}

/**
 * Lines of a raw file counted independently of the loaders: the bytes (gunzipped for
 * `.gz`), split at `\n`; the empty string after a final newline is not a line, and an
 * empty file has none.
 */
export async function countLines(path: string): Promise<number> {
  let bytes = await Deno.readFile(path);
  if (path.endsWith(".gz")) bytes = new Uint8Array(gunzipSync(bytes));
  if (bytes.length === 0) return 0;
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return bytes[bytes.length - 1] === 0x0a ? n : n + 1;
}

/** `kind/file` → lines, for every raw file of a dataset directory. */
export async function datasetLines(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const entry of Deno.readDir(dir)) {
    const kind = rawKindOf(entry.name);
    if (!kind) continue;
    // CSV sources: the header is not a record.
    const lines = await countLines(join(dir, entry.name));
    out.set(`${kind}/${entry.name}`, kind === "events" ? lines : Math.max(0, lines - 1));
  }
  return out;
}

const KINDS: RawKind[] = ["events", "users", "listings"];

/** `kind/file` → raw rows + rejected rows in the warehouse, and what the manifest says. */
export async function warehouseLines(
  wh: Warehouse,
): Promise<{ tables: Map<string, number>; manifest: Map<string, number> }> {
  const tables = new Map<string, number>();
  for (const kind of KINDS) {
    const rows = await wh.query<{ f: string; n: number }>(
      `select f, count(*) as n from (
         select _source_file as f from raw.${kind}
         union all select _source_file from raw.${kind}_rejected
       ) group by f`,
    );
    for (const row of rows) tables.set(`${kind}/${row.f}`, Number(row.n));
  }
  const manifest = new Map<string, number>();
  for (
    const row of await wh.query<{ t: string; f: string; n: number }>(
      "select table_name as t, source_file as f, n_rows + n_rejected as n from raw._load_manifest",
    )
  ) {
    manifest.set(`${row.t.replace(/^raw\./, "")}/${row.f}`, Number(row.n));
  }
  return { tables, manifest };
}

/**
 * The invariant: every file of `dir` is in the warehouse with exactly as many raw plus
 * rejected rows as it has lines, the manifest agrees, and nothing else is there. `context`
 * (the seed, the fault) goes into the message.
 */
export async function assertAccounting(wh: Warehouse, dir: string, context: string) {
  const expected = await datasetLines(dir);
  assert.ok(expected.size > 0, `${context}: the dataset has files`);
  const { tables, manifest } = await warehouseLines(wh);
  // A file with no lines has no rows; it is in the manifest only.
  const withRows = new Map([...expected].filter(([, n]) => n > 0));
  assert.deepEqual(
    Object.fromEntries([...tables].sort()),
    Object.fromEntries([...withRows].sort()),
    `${context}: raw + rejected rows per file = lines per file`,
  );
  assert.deepEqual(
    Object.fromEntries([...manifest].sort()),
    Object.fromEntries([...expected].sort()),
    `${context}: the manifest counts every line of every file`,
  );
}

/**
 * Every raw table, the manifest and the given marts as an exact fingerprint (row counts and
 * an order-independent hash of every row), to compare before and after a failure.
 */
export async function snapshot(wh: Warehouse, marts: string[] = []): Promise<
  Record<string, string>
> {
  const tables = [
    ...KINDS.flatMap((k) => [`raw.${k}`, `raw.${k}_rejected`]),
    "raw._load_manifest",
    ...marts,
  ];
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [schema, name] = table.split(".");
    const columns = await wh.query<{ c: string; t: string }>(
      `select column_name as c, data_type as t from information_schema.columns
       where table_schema = '${schema}' and table_name = '${name}' order by ordinal_position`,
    );
    assert.ok(columns.length > 0, `${table} exists`);
    // Sums of doubles depend on the order threads add them in: compare them rounded.
    const values = columns.map(({ c, t }) =>
      /DOUBLE|FLOAT|REAL/.test(t) ? `round("${c}", 6)` : `"${c}"`
    );
    const [row] = await wh.query<{ n: number; h: unknown }>(
      `select count(*) as n, coalesce(sum(hash(${values.join(", ")})), 0)::varchar as h
       from ${table}`,
    );
    out[table] = `${row?.n}:${row?.h}`;
  }
  return out;
}

/** A Deno subprocess running `code` (an ES module) from a temp file, with a clean env. */
export interface Child {
  /** Resolves when the child printed `ready` (its work starts right after). */
  ready: Promise<void>;
  /** Exit status. */
  status: Promise<Deno.CommandStatus>;
  /** Everything the child printed on stdout and stderr (once it exited). */
  stdout: Promise<string>;
  stderr: Promise<string>;
  /** SIGKILL now (no-op if it already exited). */
  kill(): void;
}

/**
 * Start `deno run -A` on a module that imports from the project and prints `ready` on
 * stdout when the work to crash begins.
 */
export async function spawnModule(dir: string, name: string, code: string, args: string[]) {
  const script = join(dir, name);
  await Deno.writeTextFile(script, code);
  const config = new URL("../deno.json", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${config}`, script, ...args],
    clearEnv: true,
    env: _childEnv(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read stdout to the end (a closed pipe would kill the child when it prints again).
  let markReady!: () => void;
  let notReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    notReady = reject;
  });
  const stdout = (async () => {
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("ready\n")) markReady();
    }
    notReady(new Error(`the child exited before it was ready: ${text}`));
    return text;
  })();
  const stderr = new Response(child.stderr).text();
  // A child that fails before it is ready is reported by whoever awaits `ready`, if anyone.
  ready.catch(() => {});
  return {
    ready,
    stdout,
    status: child.status,
    stderr,
    kill: () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // it finished first
      }
    },
  } satisfies Child;
}

/** Module URL of a project file, for the children's imports. */
export function projectModule(path: string): string {
  return new URL(`../${path}`, import.meta.url).href;
}

/** The child that loads a dataset directory into a DuckDB file. */
export function loadChildCode(): string {
  return `import { loadDataset } from ${JSON.stringify(projectModule("lib/load/mod.ts"))};
import { openDuckDb } from ${JSON.stringify(projectModule("lib/warehouse/mod.ts"))};
const wh = await openDuckDb(Deno.args[1], { threads: 2 });
console.log("ready");
await loadDataset(Deno.args[0], wh, { prune: true });
await wh.close();
console.log("done");
`;
}

/** The child that builds every model of sql/ on a DuckDB file. */
export function modelsChildCode(): string {
  return `import { runProject } from ${JSON.stringify(projectModule("lib/models/mod.ts"))};
import { openDuckDb } from ${JSON.stringify(projectModule("lib/warehouse/mod.ts"))};
const wh = await openDuckDb(Deno.args[0], { threads: 2 });
console.log("ready");
const results = await runProject(wh, {
  modelsDir: ${JSON.stringify(new URL("../sql", import.meta.url).pathname)},
  targetDir: null,
});
await wh.close();
console.log(results.success ? "done" : "failed: " + results.errors.join("; "));
`;
}

/** Run a child to the end; returns how long its work took after `ready`. */
export async function timeChild(child: Child): Promise<number> {
  await child.ready;
  const started = performance.now();
  const status = await child.status;
  assert.equal(status.code, 0, await child.stderr);
  return performance.now() - started;
}

/** Kill a child `delayMs` after it is ready; resolves once it is gone. */
export async function killAfter(child: Child, delayMs: number): Promise<Deno.CommandStatus> {
  await child.ready;
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill();
  return await child.status;
}

/** Copy a directory's files (not recursive). */
export async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isFile) await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}
