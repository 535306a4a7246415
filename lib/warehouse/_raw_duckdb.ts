/**
 * Raw loading for DuckDB: which files to load (the manifest's checksums), in which
 * groups and transactions, on which connections; the SQL that reads and classifies the
 * lines is in `_raw_duckdb_insert.ts`. A file is either wholly loaded or not at all.
 *
 * @module
 */
import type { DuckDbSession, DuckDbStatements } from "./_duckdb_session.ts";
import { duckDbMemorySetting, loadMemoryLimit } from "./_memory.ts";
import { insertCsv, insertEvents } from "./_raw_duckdb_insert.ts";
import { firstLine, type InvalidLine, rawContent } from "./_raw_files.ts";
import {
  allRowsMalformed,
  identifySource,
  type LoadCounts,
  loadResult,
  ManifestHashes,
  type SourceFile,
} from "./_raw_manifest.ts";
import { renderRelation, sqlLiteral } from "./dialect.ts";
import { headerProblem, LOAD_MANIFEST_RELATION, rawRelations } from "./raw_tables.ts";
import type { LoadFileResult, RawFile } from "./types.ts";

/** What the loader needs of a DuckDB warehouse (`DuckDbWarehouse` provides it). */
export interface DuckDbLoadTarget extends DuckDbStatements {
  /** Run `fn` on a second connection of the same database, closed afterwards. */
  withSession<T>(fn: (session: DuckDbSession) => Promise<T>): Promise<T>;
  /** A fresh path in the warehouse's scratch directory. */
  scratchPath(extension: string): string;
  /** The warehouse's memory settings: they size the load's batches. */
  readonly limits: { readonly loadBatchBytes: number; readonly memoryLimit: number };
}

const MANIFEST = renderRelation(LOAD_MANIFEST_RELATION, "duckdb");

interface PreparedFile extends SourceFile {
  /** What DuckDB reads: a scratch copy of the cleaned content (see `_raw_files.ts`). */
  readablePath: string;
  scratch?: string;
  /** Lines that were not valid UTF-8, rejected on their own. */
  invalidLines: InvalidLine[];
  /** The content is empty (zero lines). */
  empty?: boolean;
  /** SQL literal of this load call's `_loaded_at`, shared by every file it loads. */
  loadedAt: string;
}

const NO_LINES = { rows: 0, rejected: 0 };

/**
 * Load raw files (see `Warehouse.loadFiles`). Event files that changed are loaded together
 * in one transaction, which lets DuckDB read them in parallel; if that batch fails, each
 * file is retried in its own transaction, so the good ones land and the bad one is named
 * and leaves nothing of itself behind.
 */
export async function stageRawFiles(
  wh: DuckDbLoadTarget,
  files: RawFile[],
  onFile?: (result: LoadFileResult) => void,
): Promise<LoadFileResult[]> {
  const results: LoadFileResult[] = [];
  const emit = (result: LoadFileResult) => {
    results.push(result);
    onFile?.(result);
  };
  const eventFiles: PreparedFile[] = [];
  // One manifest read for the whole call: the checksums loaded before, by table and file.
  const manifest = new ManifestHashes();
  for (
    const row of await wh.query<{ table_name: string; source_file: string; sha256: string }>(
      `select table_name, source_file, sha256 from ${MANIFEST}`,
    )
  ) {
    manifest.add(row.table_name, row.source_file, row.sha256);
  }
  // Read and checksum every file first, a few at a time (hashing runs off the main thread),
  // so a missing or empty file stops the call before anything is written.
  const preparing = performance.now();
  // One `_loaded_at` per call: files loaded in parallel still order by (time, file, line),
  // which is what "first delivery" means to staging.
  const loadedAt = `timestamptz '${new Date().toISOString()}'`;
  const settled = await mapLimit(files, 4, (file) => prepare(wh, file, manifest, loadedAt));
  const prepareMs = (performance.now() - preparing) / Math.max(1, files.length);
  const prepared = settled.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  try {
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) throw failure.reason;
    const csvFiles: PreparedFile[] = [];
    for (const file of prepared) {
      if (file.unchanged) emit(loadResult(file, { rows: 0, rejected: 0 }, prepareMs));
      else if (file.file.kind === "events") eventFiles.push(file);
      else csvFiles.push(file);
    }
    // Registry CSVs load on their own connections while the event files load: each file is
    // still its own transaction, and the cores stay busy.
    const csvLoads = Promise.allSettled(csvFiles.map(async (file) => {
      const started = performance.now();
      return await wh.withSession((session) =>
        loadCsvFile(session, file, prepareMs + performance.now() - started)
      );
    }));
    const eventResults: LoadFileResult[] = [];
    const eventLoad = eventFiles.length > 0
      ? loadEventFiles(wh, eventFiles, (result) => eventResults.push(result))
      : Promise.resolve();
    const [csvOutcomes, eventOutcome] = await Promise.allSettled([csvLoads, eventLoad]);
    for (const outcome of csvOutcomes.status === "fulfilled" ? csvOutcomes.value : []) {
      if (outcome.status === "rejected") throw outcome.reason;
      emit(outcome.value);
    }
    if (eventOutcome.status === "rejected") throw eventOutcome.reason;
    for (const result of eventResults) emit(result);
  } finally {
    for (const file of prepared) {
      if (file.scratch) await Deno.remove(file.scratch).catch(() => {});
    }
  }
  return results;
}

/**
 * Event files go in batches of at most `limits.loadBatchBytes` (a file larger than that
 * is a batch of its own), each batch one transaction. Two connections take batches in turn,
 * so both cores work (one statement's line splitting runs on one thread), and what a
 * transaction holds in memory is bounded by the batch, not by the number of files. A batch
 * that fails is retried file by file, so the good files land and the bad one is named.
 */
async function loadEventFiles(
  wh: DuckDbLoadTarget,
  files: PreparedFile[],
  emit: (result: LoadFileResult) => void,
) {
  const batches = eventBatches(files, wh.limits.loadBatchBytes);
  // Raw payloads are written uncompressed: DuckDB's compression analysis of ~200 MB of JSON
  // text cost ~40% of the insert; raw is a landing zone, later layers are compressed.
  await wh.execute("set force_compression = 'uncompressed'");
  // The pages a load writes are not read again by it: caching them up to the whole memory
  // limit only adds to the process's peak (measured at 10M events: 3.6 GiB under a 3 GiB
  // limit, 2.0 GiB under 1 GiB, in the same time). So the load runs under half the limit.
  const { memoryLimit } = wh.limits;
  await wh.execute(`set memory_limit = '${duckDbMemorySetting(loadMemoryLimit(memoryLimit))}'`);
  try {
    const outcomes = await mapLimit(batches, 2, async (batch) => {
      const started = performance.now();
      const counts = await wh.withSession((session) => loadInTransaction(session, batch));
      return { counts, ms: performance.now() - started };
    });
    const failed = new Set<PreparedFile>();
    const loaded = new Map<string, LoadFileResult>();
    for (const [i, outcome] of outcomes.entries()) {
      const batch = batches[i]!;
      if (outcome.status === "rejected") {
        for (const file of batch) failed.add(file);
        continue;
      }
      const { counts, ms } = outcome.value;
      const bytes = batch.reduce((sum, f) => sum + f.bytes, 0);
      for (const file of batch) {
        const share = file.bytes / Math.max(1, bytes);
        loaded.set(
          file.sourceFile,
          loadResult(file, counts.get(file.sourceFile) ?? NO_LINES, ms * share),
        );
      }
    }
    // Report in name order; retry a failed batch's files one transaction each.
    for (const file of files) {
      const result = loaded.get(file.sourceFile);
      if (result) {
        emit(result);
        continue;
      }
      if (!failed.has(file)) continue;
      const started = performance.now();
      const counts = await loadInTransaction(wh, [file]);
      emit(loadResult(file, counts.get(file.sourceFile) ?? NO_LINES, performance.now() - started));
    }
  } finally {
    await wh.execute("reset force_compression");
    await wh.execute(`set memory_limit = '${duckDbMemorySetting(memoryLimit)}'`);
  }
}

/**
 * Files in the given (name) order, cut into consecutive batches of at most `budget` bytes;
 * a file larger than the budget is a batch of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const files = [40, 30, 50, 100, 10, 10].map((bytes, i) => ({ name: `f${i}`, bytes }));
 * const names = eventBatches(files, 80).map((batch) => batch.map((f) => f.name));
 * assert.deepEqual(names, [["f0", "f1"], ["f2"], ["f3"], ["f4", "f5"]]);
 * assert.equal(eventBatches(files, 1).length, 6);
 * assert.deepEqual(eventBatches([], 80), []);
 * ```
 */
export function eventBatches<T extends { bytes: number }>(
  files: readonly T[],
  budget: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && bytes + file.bytes > budget) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** `Promise.allSettled` over `items` with at most `limit` calls in flight, results in order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await fn(items[index]!) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function prepare(
  wh: DuckDbLoadTarget,
  file: RawFile,
  manifest: ManifestHashes,
  loadedAt: string,
): Promise<PreparedFile> {
  // A hard link in the scratch directory pins the file's bytes: what is checksummed is what
  // DuckDB reads, even if the file is replaced meanwhile, and DuckDB sees a name the loader
  // chose (the source's own name could be read as a glob pattern). Without a link (another
  // file system), DuckDB reads a copy.
  const link = wh.scratchPath("txt");
  const linked = await Deno.realPath(file.path)
    .then((real) => Deno.link(real, link))
    .then(() => true, () => false);
  const { source, bytes } = await identifySource(file, linked ? { readFrom: link } : {})
    .catch(async (error) => {
      if (linked) await Deno.remove(link).catch(() => {});
      throw error;
    });
  manifest.mark(source);
  const prepared: PreparedFile = {
    ...source,
    readablePath: linked ? link : file.path,
    invalidLines: [],
    loadedAt,
    ...(linked ? { scratch: link } : {}),
  };
  if (prepared.unchanged) return prepared;
  const content = await rawContent(file.path, bytes);
  if (file.kind !== "events") {
    const header = firstLine(new TextDecoder().decode(content.bytes.subarray(0, 64 * 1024)));
    const problem = headerProblem(file.kind, header);
    if (problem) throw new Error(`Cannot load "${file.path}": ${problem}`);
  }
  prepared.invalidLines = content.invalidLines;
  prepared.empty = content.bytes.length === 0;
  // Gunzipped, without a BOM, or with invalid lines set aside: DuckDB reads the cleaned copy.
  if (!linked || content.bytes !== bytes) {
    if (linked) await Deno.remove(link).catch(() => {});
    prepared.scratch = wh.scratchPath("txt");
    await Deno.writeFile(prepared.scratch, content.bytes);
    prepared.readablePath = prepared.scratch;
  }
  return prepared;
}

/**
 * Load one CSV source in its own transaction, unless every record is malformed and the
 * file was loaded before: then the transaction is rolled back and the previous rows kept
 * (`allRowsMalformed`), with a warning in the result.
 */
async function loadCsvFile(
  session: DuckDbStatements,
  file: PreparedFile,
  ms: number,
): Promise<LoadFileResult> {
  const started = performance.now();
  let refused: LoadCounts | undefined;
  let counts: LoadCounts;
  try {
    counts = (await loadInTransaction(session, [file], (c) => {
      if (allRowsMalformed(file, c, 0)?.keep) {
        refused = c;
        return false;
      }
      return true;
    })).get(file.sourceFile) ?? NO_LINES;
  } catch (error) {
    if (!refused) throw error;
    counts = NO_LINES;
  }
  const elapsed = ms + performance.now() - started;
  if (refused) {
    const rows = renderRelation(rawRelations(file.table).rows, "duckdb");
    const [previous] = await session.query<{ n: number }>(
      `select count(*) as n from ${rows} where _source_file = ${_literal(file.sourceFile)}`,
    );
    const { warning } = allRowsMalformed(file, refused, previous?.n ?? 0)!;
    return loadResult(file, NO_LINES, elapsed, { kept: true, warning });
  }
  return loadResult(file, counts, elapsed, { warning: allRowsMalformed(file, counts, 0)?.warning });
}

/**
 * Load files of one kind in one transaction; returns counts per source file. `accept` may
 * look at a single file's counts before the commit and return false to roll it back (the
 * call then throws).
 */
async function loadInTransaction(
  wh: DuckDbStatements,
  files: PreparedFile[],
  accept?: (counts: LoadCounts) => boolean,
): Promise<Map<string, LoadCounts>> {
  const first = files[0]!;
  const table = first.table;
  const relations = rawRelations(table);
  const rows = renderRelation(relations.rows, "duckdb");
  const rejected = renderRelation(relations.rejected, "duckdb");
  const started = performance.now();
  try {
    return await wh.transaction(async () => {
      const names = files.map((f) => _literal(f.sourceFile)).join(", ");
      await wh.execute(`
        delete from ${rows} where _source_file in (${names});
        delete from ${rejected} where _source_file in (${names});
        delete from ${MANIFEST}
        where source_file in (${names}) and table_name = ${_literal(table)};
      `);
      const counts = first.file.kind === "events"
        ? await insertEvents(wh, files, first.loadedAt)
        : await insertCsv(wh, first.file.kind, first, first.loadedAt);
      if (accept && !accept(counts.get(first.sourceFile) ?? NO_LINES)) {
        throw new Error("the new rows were refused; the previous rows are kept");
      }
      const seconds = (performance.now() - started) / 1000;
      const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
      const manifestRows = files.map((f) => {
        const c = counts.get(f.sourceFile) ?? { rows: 0, rejected: 0 };
        return `(${_literal(f.sourceFile)}, ${_literal(table)}, ${f.bytes},
          ${_literal(f.sha256)}, ${c.rows}, ${c.rejected}, ${f.loadedAt},
          ${seconds * f.bytes / Math.max(1, totalBytes)})`;
      });
      await wh.execute(`insert into ${MANIFEST} values ${manifestRows.join(",\n")}`);
      return counts;
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const what = files.length === 1 ? `"${first.file.path}"` : `${files.length} files`;
    throw new Error(`Cannot load ${what} into ${table}: ${message}`, { cause: error });
  }
}

function _literal(value: string): string {
  return sqlLiteral(value, "duckdb");
}
