/**
 * Raw loading for BigQuery, ELT-style: JavaScript only splits files into lines (CSV: into
 * records) and uploads them with a load job into a scratch table; one SQL script per batch
 * (`_raw_bigquery_scripts.ts`) classifies the lines and, inside a transaction, replaces the
 * files' earlier rows and writes the manifest. A file is either wholly loaded or not at all.
 *
 * Files may also be Cloud Storage objects (`gs://bucket/…`): their manifest key is the
 * object's name and checksum from the objects API (`md5:<hex>`), so an unchanged object is
 * skipped without downloading it; a changed one is downloaded (that generation) and loaded
 * exactly as a local file is. BigQuery's own load jobs from `sourceUris` are not used for
 * them: a load job neither numbers nor orders the lines of a file, and every raw row and
 * rejected line carries its file and line number (docs/contracts.md).
 *
 * @module
 */
import { basename } from "node:path";
import type { BigQueryField, BigQueryResult } from "./_bigquery_rows.ts";
import { type GcsObject, isGcsUri } from "./_bigquery_gcs.ts";
import { type CsvRecord, parseCsvRecords } from "./_csv_records.ts";
import { NdjsonWriter } from "./_ndjson_writer.ts";
import {
  csvScratchFields,
  csvScript,
  EVENT_SCRATCH_FIELDS,
  eventsScript,
} from "./_raw_bigquery_scripts.ts";
import {
  contentLines,
  INVALID_UTF8_REASON,
  type RawContent,
  rawContent,
  readRawBytes,
} from "./_raw_files.ts";
import {
  allRowsMalformed,
  identifySource,
  type LoadCounts,
  loadResult,
  ManifestHashes,
  type SourceFile,
} from "./_raw_manifest.ts";
import { type RelationNaming, sqlLiteral } from "./dialect.ts";
import {
  headerProblem,
  LOAD_MANIFEST_RELATION,
  RAW_CSV_COLUMNS,
  RAW_SCHEMA,
  rawRelations,
  rawTableName,
} from "./raw_tables.ts";
import type { LoadFileResult, RawFile, RawKind, Relation } from "./types.ts";

type CsvKind = Exclude<RawKind, "events">;

const RAW_KINDS: readonly RawKind[] = ["events", "users", "listings"];

/** What the loader needs of a BigQuery warehouse (`BigQueryWarehouse` provides it). */
export interface BigQueryLoadTarget {
  /** How relations are named (project, dataset prefix). */
  readonly naming: RelationNaming;
  /** Create the raw tables when missing. */
  ensureRawTables(): Promise<void>;
  /** A relation as BigQuery SQL spells it. */
  relation(relation: Relation): string;
  /** Run a statement that returns nothing. */
  execute(sql: string): Promise<void>;
  /** Run a query; rows as plain objects. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Run SQL (a script too) and return its last result in REST form. */
  run(sql: string): Promise<BigQueryResult>;
  /** Upload an NDJSON file into a table with a load job; returns the rows written. */
  loadNdjson(path: string, relation: Relation, fields: BigQueryField[]): Promise<number>;
  /** Drop a table if it exists. */
  dropTable(relation: Relation): Promise<void>;
  /** A fresh path in the warehouse's scratch directory. */
  scratchPath(extension: string): string;
  /** A Cloud Storage object's size, generation and checksum. */
  describeRemoteFile(uri: string): Promise<GcsObject>;
  /** Download that generation of the object; the local path. */
  downloadRemoteFile(object: GcsObject): Promise<string>;
}

/**
 * Load raw files into BigQuery (see `Warehouse.loadFiles`). Changed event files go up in
 * one load job and one classification script; if that batch fails, each file is retried
 * on its own so the good ones land and the bad one is named.
 */
export async function loadRawFilesBigQuery(
  wh: BigQueryLoadTarget,
  files: RawFile[],
  onFile?: (result: LoadFileResult) => void,
): Promise<LoadFileResult[]> {
  const results: LoadFileResult[] = [];
  const emit = (result: LoadFileResult) => {
    results.push(result);
    onFile?.(result);
  };
  if (files.length === 0) return results;
  await wh.ensureRawTables();
  const sources: SourceFile[] = [];
  const remote = new Map<SourceFile, GcsObject>();
  for (const file of files) {
    if (!RAW_KINDS.includes(file.kind)) {
      throw new TypeError(`Cannot load "${file.path}": unknown raw kind "${file.kind}"`);
    }
    if (isGcsUri(file.path)) {
      const object = await wh.describeRemoteFile(file.path);
      const source = _remoteSource(file, object);
      remote.set(source, object);
      sources.push(source);
    } else {
      sources.push((await identifySource(file)).source);
    }
  }
  const previous = await _manifestHashes(wh, sources);
  for (const source of sources) previous.mark(source);
  // Changed objects are downloaded and then read like local files; messages name the URI.
  const uris = new Map<string, string>();
  for (const [source, object] of remote) {
    if (source.unchanged) continue;
    const local = await wh.downloadRemoteFile(object);
    uris.set(local, object.uri);
    source.file = { path: local, kind: source.file.kind };
  }
  const named = (error: unknown): never => {
    if (!(error instanceof Error) || uris.size === 0) throw error;
    let message = error.message;
    for (const [local, uri] of uris) message = message.replaceAll(local, uri);
    throw message === error.message ? error : new Error(message, { cause: error });
  };

  const eventFiles: SourceFile[] = [];
  for (const source of sources) {
    if (source.unchanged) {
      emit(loadResult(source, { rows: 0, rejected: 0 }, 0));
    } else if (source.file.kind === "events") {
      eventFiles.push(source);
    } else {
      emit(await _loadCsv(wh, source).catch(named));
    }
  }
  if (eventFiles.length > 0) {
    const started = performance.now();
    let batch: Map<string, LoadCounts> | undefined;
    try {
      batch = await _loadEventBatch(wh, eventFiles);
    } catch (error) {
      if (eventFiles.length === 1) named(error);
      // Fall through to one load per file to find and name the bad one.
    }
    if (batch) {
      const ms = performance.now() - started;
      const totalBytes = eventFiles.reduce((sum, f) => sum + f.bytes, 0);
      for (const source of eventFiles) {
        const counts = batch.get(source.sourceFile) ?? { rows: 0, rejected: 0 };
        emit(loadResult(source, counts, ms * source.bytes / Math.max(1, totalBytes)));
      }
    } else {
      for (const source of eventFiles) {
        const fileStarted = performance.now();
        const counts = await _loadEventBatch(wh, [source]).catch(named);
        const fileCounts = counts.get(source.sourceFile) ?? { rows: 0, rejected: 0 };
        emit(loadResult(source, fileCounts, performance.now() - fileStarted));
      }
    }
  }
  return results;
}

async function _manifestHashes(
  wh: BigQueryLoadTarget,
  sources: SourceFile[],
): Promise<ManifestHashes> {
  const tables = [...new Set(sources.map((s) => s.table))].map(_literal).join(", ");
  const names = [...new Set(sources.map((s) => s.sourceFile))].map(_literal).join(", ");
  const rows = await wh.query<{ source_file: string; table_name: string; sha256: string }>(
    `select source_file, table_name, sha256
from ${wh.relation(LOAD_MANIFEST_RELATION)}
where table_name in (${tables}) and source_file in (${names})`,
  );
  const out = new ManifestHashes();
  for (const row of rows) out.add(row.table_name, row.source_file, row.sha256);
  return out;
}

/** Upload the lines of `batch` and classify them in one script; counts per source file. */
async function _loadEventBatch(
  wh: BigQueryLoadTarget,
  batch: SourceFile[],
): Promise<Map<string, LoadCounts>> {
  const started = performance.now();
  const scratch: Relation = { schema: RAW_SCHEMA, name: _scratchName() };
  const path = wh.scratchPath("ndjson");
  const what = batch.length === 1 ? `"${batch[0]!.file.path}"` : `${batch.length} files`;
  let uploaded = false;
  try {
    const lineCounts: number[] = [];
    const writer = await NdjsonWriter.create(path);
    try {
      for (const [fileIndex, source] of batch.entries()) {
        const content = await _readContent(source);
        const invalid = new Set(content.invalidLines.map((l) => l.line));
        const lines = contentLines(content);
        lines.forEach((text, i) =>
          writer.push(
            invalid.has(i + 1)
              ? { file_index: fileIndex, _line: i + 1, text, reason: INVALID_UTF8_REASON }
              : { file_index: fileIndex, _line: i + 1, text },
          )
        );
        lineCounts.push(lines.length);
        await writer.flushIfFull();
      }
    } finally {
      await writer.close();
    }
    const totalLines = lineCounts.reduce((sum, n) => sum + n, 0);
    if (totalLines > 0) {
      uploaded = true;
      const written = await wh.loadNdjson(path, scratch, EVENT_SCRATCH_FIELDS);
      if (written !== totalLines) {
        throw new Error(`the load job wrote ${written} rows for ${totalLines} lines`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const totalBytes = batch.reduce((sum, f) => sum + f.bytes, 0);
    const result = await wh.run(
      eventsScript(
        wh.naming,
        uploaded ? scratch : undefined,
        batch.map((source) => ({
          sourceFile: source.sourceFile,
          bytes: source.bytes,
          sha256: source.sha256,
          seconds: seconds * source.bytes / totalBytes,
        })),
      ),
    );
    const counts = new Map<string, LoadCounts>();
    for (const row of result.rows) {
      const [name, rows, rejected] = row.f.map((cell) => cell.v);
      counts.set(String(name), { rows: Number(rows), rejected: Number(rejected) });
    }
    for (const [i, source] of batch.entries()) {
      const c = counts.get(source.sourceFile) ?? { rows: 0, rejected: 0 };
      if (c.rows + c.rejected !== lineCounts[i]) {
        throw new Error(
          `"${source.sourceFile}" has ${lineCounts[i]} lines but BigQuery classified ` +
            `${c.rows + c.rejected}`,
        );
      }
    }
    return counts;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("Cannot load ")) throw error;
    throw new Error(`Cannot load ${what} into raw.events: ${message}`, { cause: error });
  } finally {
    await Deno.remove(path).catch(() => {});
    if (uploaded) await wh.dropTable(scratch).catch(() => {});
  }
}

/** A source's content, read again (gunzipped, BOM removed, invalid UTF-8 lines set aside). */
async function _readContent(source: SourceFile): Promise<RawContent> {
  const path = source.file.path;
  return await rawContent(path, await readRawBytes(path, { allowEmpty: true }));
}

/**
 * One CSV record per line (docs/contracts.md), classified as the DuckDB loader does: every
 * line after the header is a row or a rejected line (`invalid UTF-8`, `empty line`, or
 * the parser's reason).
 */
function _csvRecords(lines: string[], invalid: Set<number>, expected: number): CsvRecord[] {
  const records: CsvRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const text = lines[i]!;
    if (invalid.has(line)) {
      records.push({ line, text, reason: INVALID_UTF8_REASON });
      continue;
    }
    // DuckDB's trim() strips spaces only: a line of spaces is empty, one with a tab is not.
    const parsed = /^ *\r?$/.test(text) ? undefined : parseCsvRecords(text, expected, line)[0];
    records.push(parsed ?? { line, text: text.replace(/\r$/, ""), reason: "empty line" });
  }
  return records;
}

async function _loadCsv(wh: BigQueryLoadTarget, source: SourceFile): Promise<LoadFileResult> {
  const kind = source.file.kind as CsvKind;
  const started = performance.now();
  const content = await _readContent(source);
  const lines = contentLines(content);
  const problem = headerProblem(kind, lines[0] ?? "");
  if (problem) throw new Error(`Cannot load "${source.file.path}": ${problem}`);
  const columns = RAW_CSV_COLUMNS[kind];
  const invalid = new Set(content.invalidLines.map((l) => l.line));
  const records = _csvRecords(lines, invalid, columns.length);
  const counts = {
    rows: records.filter((r) => !r.reason).length,
    rejected: records.filter((r) => r.reason).length,
  };
  const malformed = allRowsMalformed(source, counts, 0);
  if (malformed?.keep) {
    const rows = wh.relation(rawRelations(source.table).rows);
    const [previous] = await wh.query<{ n: number }>(
      `select count(*) as n from ${rows} where _source_file = ${_literal(source.sourceFile)}`,
    );
    const { warning } = allRowsMalformed(source, counts, Number(previous?.n ?? 0))!;
    return loadResult(source, { rows: 0, rejected: 0 }, performance.now() - started, {
      kept: true,
      warning,
    });
  }
  const scratch: Relation = { schema: RAW_SCHEMA, name: _scratchName() };
  const path = wh.scratchPath("ndjson");
  let uploaded = false;
  try {
    if (records.length > 0) {
      const writer = await NdjsonWriter.create(path);
      try {
        for (const record of records) {
          const row: Record<string, unknown> = {
            _line: record.line,
            text: record.text,
            reason: record.reason ?? null,
          };
          columns.forEach((name, i) => row[name] = record.fields?.[i] ?? null);
          writer.push(row);
          await writer.flushIfFull();
        }
      } finally {
        await writer.close();
      }
      uploaded = true;
      const written = await wh.loadNdjson(path, scratch, csvScratchFields(kind));
      if (written !== records.length) {
        throw new Error(`the load job wrote ${written} rows for ${records.length} records`);
      }
    }
    await wh.execute(
      csvScript(wh.naming, kind, records.length > 0 ? scratch : undefined, {
        sourceFile: source.sourceFile,
        bytes: source.bytes,
        sha256: source.sha256,
        seconds: (performance.now() - started) / 1000,
      }, counts),
    );
    return loadResult(source, counts, performance.now() - started, {
      warning: malformed?.warning,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot load "${source.file.path}" into ${source.table}: ${message}`, {
      cause: error,
    });
  } finally {
    await Deno.remove(path).catch(() => {});
    if (uploaded) await wh.dropTable(scratch).catch(() => {});
  }
}

function _remoteSource(file: RawFile, object: GcsObject): SourceFile {
  return {
    file,
    sourceFile: basename(object.name),
    table: rawTableName(file.kind),
    bytes: object.size,
    sha256: object.checksum,
    previouslyLoaded: false,
    unchanged: false,
  };
}

function _scratchName(): string {
  return `_load_${crypto.randomUUID().replaceAll("-", "")}`;
}

function _literal(value: string): string {
  return sqlLiteral(value, "bigquery");
}
