import { basename, join } from "node:path";
import {
  INCOMPLETE_DATASET_MARKER,
  LOAD_MANIFEST_RELATION,
  type LoadFileResult,
  type RawFile,
  rawKindOf,
  rawRelations,
  rawTableName,
  type Warehouse,
} from "../warehouse/mod.ts";

/** Options for {@linkcode loadDataset}. */
export interface LoadDatasetOptions {
  /**
   * Remove from the raw tables the rows of files that were loaded before but are no longer
   * in the directory (use when the directory holds one whole dataset, as the pipeline's does).
   * Done after the files are loaded, in one transaction, so a failed load removes nothing.
   * @default {false}
   */
  prune?: boolean;
  /**
   * Called after each file is loaded, with its result and the position in the run.
   * @default {no callback}
   */
  onFile?: (result: LoadFileResult, index: number, total: number) => void;
}

/** What a dataset load did, file by file and in total. */
export interface LoadDatasetSummary {
  /** Dataset directory that was loaded. */
  dir: string;
  /** One entry per file, in load order. */
  files: LoadFileResult[];
  /** Rows added to raw tables (all kinds). */
  rows: number;
  /** Rows added to rejected tables (all kinds). */
  rejected: number;
  /** Event lines added to `raw.events` plus `raw.events_rejected`. */
  eventLines: number;
  /** Files skipped because the same bytes were loaded before. */
  unchanged: number;
  /** Files whose rows were removed because they left the directory (with `prune`). */
  pruned: string[];
  /** Warnings of the files that have one (`LoadFileResult.warning`), in load order. */
  warnings: string[];
  /** Wall-clock seconds. */
  seconds: number;
}

/**
 * The raw files of a dataset directory in load order: registry CSVs first, then event
 * files by name (which is by delivery day). Names are taken literally (whatever characters
 * they hold); symbolic links are followed, and one whose target is missing or not a file
 * is an error naming it. The same day as both `.ndjson` and `.ndjson.gz` is refused, as it
 * would load the day twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateDataset } from "../generate/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await generateDataset(dir, { users: 20, days: 2 });
 * const files = await listDatasetFiles(dir);
 * assert.deepEqual(files.slice(0, 3), [
 *   { path: `${dir}/users.csv`, kind: "users" },
 *   { path: `${dir}/listings.csv`, kind: "listings" },
 *   { path: `${dir}/events-2026-01-01.ndjson`, kind: "events" },
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listDatasetFiles(dir: string): Promise<RawFile[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name === INCOMPLETE_DATASET_MARKER) {
        throw new Error(
          `Cannot load dataset "${dir}": it is incomplete (a generate run was interrupted ` +
            `while replacing its files); run generate again`,
        );
      }
      if (!rawKindOf(entry.name)) continue;
      if (entry.isSymlink) await _checkLinkTarget(join(dir, entry.name));
      else if (!entry.isFile) {
        throw new Error(`Cannot load dataset "${dir}": "${entry.name}" is not a file`);
      }
      names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot load dataset "${dir}": directory not found (run \`deno task generate\` first)`,
        { cause: error },
      );
    }
    throw error;
  }
  const rank = { users: 0, listings: 1, events: 2 } as const;
  const files = names.map((name) => ({ path: join(dir, name), kind: rawKindOf(name)! }));
  files.sort((a, b) => rank[a.kind] - rank[b.kind] || a.path.localeCompare(b.path));
  for (const required of ["users.csv", "listings.csv"]) {
    if (!names.includes(required)) {
      throw new Error(`Cannot load dataset "${dir}": file "${join(dir, required)}" not found`);
    }
  }
  if (!files.some((file) => file.kind === "events")) {
    throw new Error(`Cannot load dataset "${dir}": no events-*.ndjson files found`);
  }
  _refuseTwinDays(dir, names);
  return files;
}

/** The same day as both `.ndjson` and `.ndjson.gz` would load twice: refuse, naming both. */
function _refuseTwinDays(location: string, names: readonly string[]): void {
  const all = new Set(names);
  for (const name of names) {
    if (name.endsWith(".ndjson") && all.has(`${name}.gz`)) {
      throw new Error(
        `Cannot load dataset "${location}": "${name}" and "${name}.gz" hold the same day; ` +
          `keep one of them`,
      );
    }
  }
}

/** A dataset entry that is a symbolic link must lead to a file. */
async function _checkLinkTarget(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot load "${path}": it is a symbolic link to a missing file`, {
        cause: error,
      });
    }
    throw error;
  }
  if (!info.isFile) {
    throw new Error(`Cannot load "${path}": it is a symbolic link to something not a file`);
  }
}

/** `events-X.ndjson` for `events-X.ndjson.gz` and the other way round. */
function _otherCompression(name: string): string {
  return name.endsWith(".gz") ? name.slice(0, -3) : `${name}.gz`;
}

/**
 * The raw files under a remote prefix (`gs://bucket/prefix/`), listed by the warehouse, in
 * the same order and with the same checks as {@linkcode listDatasetFiles}. Only warehouses
 * that read object storage can list one (BigQuery).
 *
 * @example
 * ```ts ignore
 * const files = await listRemoteDatasetFiles("gs://acme-raw/terraloop/", wh);
 * // [{ path: "gs://acme-raw/terraloop/users.csv", kind: "users" }, …]
 * ```
 */
export async function listRemoteDatasetFiles(
  uri: string,
  warehouse: Warehouse,
): Promise<RawFile[]> {
  if (!warehouse.listRemoteFiles) {
    throw new Error(
      `Cannot load dataset "${uri}": the ${warehouse.dialect} warehouse cannot read remote ` +
        `files (load from gs:// needs TERRALOOP_WAREHOUSE=bigquery; or copy the files locally)`,
    );
  }
  const uris = await warehouse.listRemoteFiles(uri);
  const files = uris.flatMap((path) => {
    const kind = rawKindOf(basename(path));
    return kind ? [{ path, kind }] : [];
  });
  const rank = { users: 0, listings: 1, events: 2 } as const;
  files.sort((a, b) => rank[a.kind] - rank[b.kind] || a.path.localeCompare(b.path));
  const names = new Set(files.map((file) => basename(file.path)));
  for (const required of ["users.csv", "listings.csv"]) {
    if (!names.has(required)) {
      throw new Error(`Cannot load dataset "${uri}": object "${required}" not found under it`);
    }
  }
  if (!files.some((file) => file.kind === "events")) {
    throw new Error(`Cannot load dataset "${uri}": no events-*.ndjson objects found under it`);
  }
  _refuseTwinDays(uri, [...names]);
  return files;
}

/** Whether a dataset location is a remote URI (`gs://…`) rather than a directory. */
export function isRemoteDataset(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/**
 * Load every raw file of a dataset directory (or of a `gs://bucket/prefix/` on BigQuery)
 * into the warehouse, one transaction per file. Re-running adds nothing for files whose
 * bytes were loaded before.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateDataset } from "../generate/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const generated = await generateDataset(dir, { users: 20, days: 2 });
 * const wh = await openDuckDb(":memory:"); // or openDuckDb("data/warehouse.duckdb")
 * const summary = await loadDataset(dir, wh);
 * assert.equal(summary.eventLines, generated.counts.lines); // every line: loaded or rejected
 * assert.equal((await loadDataset(dir, wh)).unchanged, summary.files.length); // same bytes
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadDataset(
  dir: string,
  warehouse: Warehouse,
  options: LoadDatasetOptions = {},
): Promise<LoadDatasetSummary> {
  const started = performance.now();
  const files = isRemoteDataset(dir)
    ? await listRemoteDatasetFiles(dir, warehouse)
    : await listDatasetFiles(dir);
  const manifest = warehouse.relation(LOAD_MANIFEST_RELATION);
  const loaded = await warehouse.query<{ source_file: string; table_name: string }>(
    `select distinct source_file, table_name from ${manifest}`,
  );
  const present = new Set(files.map((file) => `${rawTableName(file.kind)}:${basename(file.path)}`));
  const gone = loaded.filter((row) => !present.has(`${row.table_name}:${row.source_file}`));
  if (!options.prune) {
    // A day loaded before as .ndjson and now delivered as .ndjson.gz (or the other way)
    // would be in raw twice: replacing it is what prune is for.
    for (const file of files) {
      const name = basename(file.path);
      const twin = gone.find((row) =>
        row.table_name === rawTableName(file.kind) && row.source_file === _otherCompression(name)
      );
      if (file.kind === "events" && twin) {
        throw new Error(
          `Cannot load dataset "${dir}": "${name}" holds the same day as ` +
            `"${twin.source_file}", loaded before and no longer in the directory; load with ` +
            `prune (--prune) to replace it`,
        );
      }
    }
  }
  let done = 0;
  const results = await warehouse.loadFiles(
    files,
    (result) => options.onFile?.(result, done++, files.length),
  );
  // Pruning comes last, so a load that fails removes nothing; a crash in between leaves
  // rows of files no longer in the directory, which the next run with prune removes.
  const pruned = options.prune ? await pruneFiles(warehouse, gone) : [];
  const sum = (pick: (r: LoadFileResult) => number, filter = (_: LoadFileResult) => true) =>
    results.filter(filter).reduce((total, r) => total + pick(r), 0);
  return {
    dir,
    files: results,
    rows: sum((r) => r.rows),
    rejected: sum((r) => r.rejected),
    eventLines: sum((r) => r.rows + r.rejected, (r) => r.table === rawTableName("events")),
    unchanged: results.filter((r) => r.status === "unchanged").length,
    pruned,
    warnings: results.flatMap((r) => r.warning ? [r.warning] : []),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Remove the rows and manifest entries of files that left the directory, in one
 * transaction: a crash or error leaves every file's rows and manifest entry as they were.
 */
async function pruneFiles(
  warehouse: Warehouse,
  gone: { source_file: string; table_name: string }[],
): Promise<string[]> {
  if (gone.length === 0) return [];
  const manifest = warehouse.relation(LOAD_MANIFEST_RELATION);
  const deletes = gone.map((row) => {
    const { rows, rejected } = rawRelations(row.table_name);
    const file = warehouse.literal(row.source_file);
    return `
      delete from ${warehouse.relation(rows)} where _source_file = ${file};
      delete from ${warehouse.relation(rejected)} where _source_file = ${file};
      delete from ${manifest}
      where source_file = ${file} and table_name = ${warehouse.literal(row.table_name)};`;
  });
  try {
    await warehouse.execute(`begin transaction;${deletes.join("")}\ncommit transaction;`);
  } catch (error) {
    // DuckDB keeps a failed transaction open until told; BigQuery has rolled it back already.
    await warehouse.execute("rollback").catch(() => {});
    throw error;
  }
  return gone.map((row) => row.source_file);
}
