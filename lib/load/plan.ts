/**
 * What a load of a dataset directory would do, found without writing: each file's SHA-256
 * against the load manifest, as the loader itself decides to skip a file. It needs only a
 * read-only warehouse, so a reader (a notebook, a report) can tell whether the raw tables are
 * current while other readers hold the same DuckDB file.
 *
 * @module
 */
import { basename } from "node:path";
import {
  LOAD_MANIFEST_RELATION,
  rawTableName,
  readRawBytes,
  sha256Hex,
  type Warehouse,
} from "../warehouse/mod.ts";
import { listDatasetFiles } from "./load_dataset.ts";

/** One file of a {@linkcode LoadPlan}. */
export interface LoadPlanFile {
  /** File name, as `_source_file` and the manifest record it. */
  sourceFile: string;
  /** Manifest table name, e.g. `raw.events`. */
  table: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the bytes (hex). */
  sha256: string;
  /**
   * `unchanged` when the manifest has these very bytes (a load skips the file), `changed`
   * when it has other bytes of this file (a load replaces its rows), `new` otherwise.
   */
  status: "unchanged" | "changed" | "new";
}

/** What a pruning load of a dataset directory would do. */
export interface LoadPlan {
  /** The dataset directory. */
  dir: string;
  /** One entry per file, in load order. */
  files: LoadPlanFile[];
  /** Files in the manifest that are no longer in the directory (a pruning load removes them). */
  gone: { sourceFile: string; table: string }[];
  /** True when a pruning load would change nothing. */
  current: boolean;
}

/**
 * Compares the files of a dataset directory with the warehouse's load manifest without
 * writing anything (a read-only warehouse is enough).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateDataset } from "../generate/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { loadDataset } from "./load_dataset.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await generateDataset(dir, { users: 20, days: 2 });
 * const wh = await openDuckDb(":memory:"); // a reader: openDuckDb(path, { readOnly: true })
 * assert.deepEqual(new Set((await planDatasetLoad(dir, wh)).files.map((f) => f.status)), new Set(["new"]));
 * await loadDataset(dir, wh);
 * const plan = await planDatasetLoad(dir, wh);
 * assert.equal(plan.current, true); // every file's SHA-256 is in the manifest
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function planDatasetLoad(dir: string, warehouse: Warehouse): Promise<LoadPlan> {
  const rawFiles = await listDatasetFiles(dir);
  const loaded = new Map<string, Set<string>>();
  if (await warehouse.exists(LOAD_MANIFEST_RELATION)) {
    const rows = await warehouse.query<{ table_name: string; source_file: string; sha256: string }>(
      `select table_name, source_file, sha256 from ${warehouse.relation(LOAD_MANIFEST_RELATION)}`,
    );
    for (const row of rows) {
      const key = `${row.table_name}\n${row.source_file}`;
      loaded.set(key, (loaded.get(key) ?? new Set()).add(row.sha256));
    }
  }
  const files: LoadPlanFile[] = [];
  for (const file of rawFiles) {
    const bytes = await readRawBytes(file.path);
    const sha256 = await sha256Hex(bytes);
    const table = rawTableName(file.kind);
    const sourceFile = basename(file.path);
    const hashes = loaded.get(`${table}\n${sourceFile}`);
    const status = !hashes ? "new" : hashes.has(sha256) ? "unchanged" : "changed";
    files.push({ sourceFile, table, bytes: bytes.length, sha256, status });
  }
  const present = new Set(files.map((f) => `${f.table}\n${f.sourceFile}`));
  const gone = [...loaded.keys()].filter((key) => !present.has(key)).map((key) => {
    const [table, sourceFile] = key.split("\n") as [string, string];
    return { sourceFile, table };
  });
  return {
    dir,
    files,
    gone,
    current: gone.length === 0 && files.every((f) => f.status === "unchanged"),
  };
}
