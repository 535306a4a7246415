// Raw loading for BigQuery, ELT-style: JavaScript only splits files into lines (CSV: into
// records) and uploads them with a load job into a scratch table; one SQL script per batch
// classifies the lines and, inside a transaction, replaces the files' earlier rows and
// writes the manifest. A file is either wholly loaded or not at all.
import { basename } from "node:path";
import type { BigQueryField, BigQueryWarehouse } from "./bigquery.ts";
import { headerProblem, RAW_CSV_COLUMNS, REQUIRED_EVENT_FIELDS } from "./raw_tables.ts";
import type { LoadFileResult, RawFile, RawKind, Relation } from "./types.ts";

type CsvKind = Exclude<RawKind, "events">;

const RAW_KINDS: readonly RawKind[] = ["events", "users", "listings"];

/** Schema of the scratch table event lines are uploaded into. */
const EVENT_SCRATCH_FIELDS: BigQueryField[] = [
  { name: "file_index", type: "INT64", mode: "REQUIRED" },
  { name: "_line", type: "INT64", mode: "REQUIRED" },
  { name: "text", type: "STRING", mode: "REQUIRED" },
];

/** Schema of the scratch table CSV records are uploaded into. */
function csvScratchFields(kind: CsvKind): BigQueryField[] {
  return [
    { name: "_line", type: "INT64", mode: "REQUIRED" },
    { name: "text", type: "STRING", mode: "REQUIRED" },
    { name: "reason", type: "STRING", mode: "NULLABLE" },
    ...RAW_CSV_COLUMNS[kind].map((name) => ({ name, type: "STRING", mode: "NULLABLE" })),
  ];
}

const METADATA_DDL = `_raw_id STRING not null,
    _source_file STRING not null,
    _line INT64 not null,
    _loaded_at TIMESTAMP not null`;

/** DDL script creating the raw tables (same columns as the DuckDB raw schema). */
export function rawTablesDdl(wh: BigQueryWarehouse): string {
  const raw = (name: string) => wh.relation({ schema: "raw", name });
  const rejected = (kind: RawKind) => `
create table if not exists ${raw(`${kind}_rejected`)} (
    ${METADATA_DDL},
    raw_text STRING,
    reason STRING not null
)
cluster by _source_file;`;
  const csv = (kind: CsvKind) => `
create table if not exists ${raw(kind)} (
    ${METADATA_DDL},
    ${RAW_CSV_COLUMNS[kind].map((name) => `${name} STRING`).join(",\n    ")}
)
cluster by _source_file;`;
  return `-- TerraLoop Analytics: raw tables
create table if not exists ${raw("events")} (
    ${METADATA_DDL},
    payload JSON
)
cluster by _source_file;
${rejected("events")}
${csv("users")}
${rejected("users")}
${csv("listings")}
${rejected("listings")}
create table if not exists ${raw("_load_manifest")} (
    source_file STRING not null,
    table_name STRING not null,
    bytes INT64 not null,
    sha256 STRING not null,
    n_rows INT64 not null,
    n_rejected INT64 not null,
    loaded_at TIMESTAMP not null,
    seconds FLOAT64 not null
);
`;
}

interface SourceFile {
  file: RawFile;
  sourceFile: string;
  /** Logical table name, `raw.events`. */
  table: string;
  bytes: number;
  sha256: string;
  previouslyLoaded: boolean;
  unchanged: boolean;
}

type Counts = { rows: number; rejected: number };

/**
 * Load raw files into BigQuery (see `Warehouse.loadFiles`). Changed event files go up in
 * one load job and one classification script; if that batch fails, each file is retried
 * on its own so the good ones land and the bad one is named.
 */
export async function loadRawFilesBigQuery(
  wh: BigQueryWarehouse,
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
  for (const file of files) {
    if (!RAW_KINDS.includes(file.kind)) {
      throw new TypeError(`Cannot load "${file.path}": unknown raw kind "${file.kind}"`);
    }
    const bytes = await _readSource(file.path);
    sources.push({
      file,
      sourceFile: basename(file.path),
      table: `raw.${file.kind}`,
      bytes: bytes.length,
      sha256: await _sha256Hex(bytes),
      previouslyLoaded: false,
      unchanged: false,
    });
  }
  const previous = await _manifestHashes(wh, sources);
  for (const source of sources) {
    const hashes = previous.get(`${source.table}|${source.sourceFile}`) ?? [];
    source.previouslyLoaded = hashes.length > 0;
    source.unchanged = hashes.includes(source.sha256);
  }

  const eventFiles: SourceFile[] = [];
  for (const source of sources) {
    if (source.unchanged) {
      emit(_resultOf(source, { rows: 0, rejected: 0 }, 0));
    } else if (source.file.kind === "events") {
      eventFiles.push(source);
    } else {
      const started = performance.now();
      const counts = await _loadCsv(wh, source);
      emit(_resultOf(source, counts, performance.now() - started));
    }
  }
  if (eventFiles.length > 0) {
    const started = performance.now();
    let batch: Map<string, Counts> | undefined;
    try {
      batch = await _loadEventBatch(wh, eventFiles);
    } catch (error) {
      if (eventFiles.length === 1) throw error;
      // Fall through to one load per file to find and name the bad one.
    }
    if (batch) {
      const ms = performance.now() - started;
      const totalBytes = eventFiles.reduce((sum, f) => sum + f.bytes, 0);
      for (const source of eventFiles) {
        emit(_resultOf(source, batch.get(source.sourceFile)!, ms * source.bytes / totalBytes));
      }
    } else {
      for (const source of eventFiles) {
        const fileStarted = performance.now();
        const counts = await _loadEventBatch(wh, [source]);
        emit(_resultOf(source, counts.get(source.sourceFile)!, performance.now() - fileStarted));
      }
    }
  }
  return results;
}

function _resultOf(source: SourceFile, counts: Counts, ms: number): LoadFileResult {
  return {
    sourceFile: source.sourceFile,
    table: source.table,
    ...counts,
    bytes: source.bytes,
    sha256: source.sha256,
    status: source.unchanged ? "unchanged" : source.previouslyLoaded ? "reloaded" : "loaded",
    seconds: ms / 1000,
  };
}

async function _manifestHashes(
  wh: BigQueryWarehouse,
  sources: SourceFile[],
): Promise<Map<string, string[]>> {
  const tables = [...new Set(sources.map((s) => s.table))].map(_str).join(", ");
  const names = [...new Set(sources.map((s) => s.sourceFile))].map(_str).join(", ");
  const rows = await wh.query<{ source_file: string; table_name: string; sha256: string }>(
    `select source_file, table_name, sha256
from ${wh.relation({ schema: "raw", name: "_load_manifest" })}
where table_name in (${tables}) and source_file in (${names})`,
  );
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const key = `${row.table_name}|${row.source_file}`;
    out.set(key, [...(out.get(key) ?? []), row.sha256]);
  }
  return out;
}

/** Upload the lines of `batch` and classify them in one script; counts per source file. */
async function _loadEventBatch(
  wh: BigQueryWarehouse,
  batch: SourceFile[],
): Promise<Map<string, Counts>> {
  const started = performance.now();
  const scratch: Relation = { schema: "raw", name: _scratchName() };
  const path = wh.scratchPath("ndjson");
  const what = batch.length === 1 ? `"${batch[0]!.file.path}"` : `${batch.length} files`;
  let uploaded = false;
  try {
    const lineCounts: number[] = [];
    const writer = await _NdjsonWriter.create(path);
    try {
      for (const [fileIndex, source] of batch.entries()) {
        const lines = _splitLines(await _readText(source.file.path));
        lines.forEach((text, i) => writer.push({ file_index: fileIndex, _line: i + 1, text }));
        lineCounts.push(lines.length);
        await writer.flushIfFull();
      }
    } finally {
      await writer.close();
    }
    uploaded = true;
    const totalLines = lineCounts.reduce((sum, n) => sum + n, 0);
    const written = await wh.loadNdjson(path, scratch, EVENT_SCRATCH_FIELDS);
    if (written !== totalLines) {
      throw new Error(`the load job wrote ${written} rows for ${totalLines} lines`);
    }
    const seconds = (performance.now() - started) / 1000;
    const totalBytes = batch.reduce((sum, f) => sum + f.bytes, 0);
    const result = await wh.run(
      eventsScript(
        wh,
        scratch,
        batch.map((source) => ({
          sourceFile: source.sourceFile,
          bytes: source.bytes,
          sha256: source.sha256,
          seconds: seconds * source.bytes / totalBytes,
        })),
      ),
    );
    const counts = new Map<string, Counts>();
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

/** The file-level facts the load script writes to the manifest. */
interface ManifestEntry {
  /** File name. */
  sourceFile: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 (hex). */
  sha256: string;
  /** Seconds spent before the script ran (read, split, upload). */
  seconds: number;
}

/**
 * The script that classifies uploaded event lines (reasons as in the DuckDB adapter:
 * `empty line`, `invalid JSON`, `not a JSON object`, `missing required field "x"`) and,
 * in one transaction, replaces the files' rows in raw.events / raw.events_rejected and
 * their manifest rows. Its last statement returns the counts per file.
 */
function eventsScript(
  wh: BigQueryWarehouse,
  scratch: Relation,
  files: ManifestEntry[],
): string {
  const events = wh.relation({ schema: "raw", name: "events" });
  const rejected = wh.relation({ schema: "raw", name: "events_rejected" });
  const manifest = wh.relation({ schema: "raw", name: "_load_manifest" });
  const fileRows = files.map((f, i) =>
    `struct(${i} as file_index, ${_str(f.sourceFile)} as source_file, ${f.bytes} as bytes, ` +
    `${_str(f.sha256)} as sha256, cast(${_float(f.seconds)} as FLOAT64) as seconds)`
  ).join(",\n    ");
  const fieldTypes = REQUIRED_EVENT_FIELDS.map((field) =>
    `json_type(json_query(parsed, '$.${field}')) as type_${field}`
  ).join(",\n        ");
  const missing = REQUIRED_EVENT_FIELDS.map((field) =>
    // Only an absent key is rejected: a JSON null is quarantined in staging, as on DuckDB.
    `when lines_typed.type_${field} is null
            then 'missing required field "${field}"'`
  ).join("\n        ");
  const rawId = "concat(source_file, ':', cast(line_number as STRING))";
  return `-- TerraLoop Analytics: load ${files.length} event file(s) into raw.events
declare loaded_at TIMESTAMP default current_timestamp();
create temp table _files as
select * from unnest([
    ${fileRows}
]);
create temp table _lines as
with scratch_lines as (
    select
        file_index,
        _line as line_number,
        text as line,
        -- 'round': a number JSON cannot hold exactly is still valid JSON (as in DuckDB)
        safe.parse_json(text, wide_number_mode => 'round') as parsed
    from ${wh.relation(scratch)}
),
lines_typed as (
    select
        *,
        json_type(parsed) as json_kind,
        ${fieldTypes}
    from scratch_lines
)
select
    files.source_file,
    lines_typed.line_number,
    lines_typed.line,
    lines_typed.parsed,
    case
        when lines_typed.parsed is null and trim(lines_typed.line, ' \\t\\r') = '' then 'empty line'
        when lines_typed.parsed is null then 'invalid JSON'
        when lines_typed.json_kind != 'object' then 'not a JSON object'
        ${missing}
    end as reason
from lines_typed
inner join _files as files on files.file_index = lines_typed.file_index;
begin
    begin transaction;
    delete from ${events} where _source_file in (select source_file from _files);
    delete from ${rejected} where _source_file in (select source_file from _files);
    delete from ${manifest}
    where table_name = 'raw.events' and source_file in (select source_file from _files);
    insert into ${events} (_raw_id, _source_file, _line, _loaded_at, payload)
    select ${rawId}, source_file, line_number, loaded_at, parsed
    from _lines where reason is null;
    insert into ${rejected} (_raw_id, _source_file, _line, _loaded_at, raw_text, reason)
    select ${rawId}, source_file, line_number, loaded_at, line, reason
    from _lines where reason is not null;
    insert into ${manifest}
        (source_file, table_name, bytes, sha256, n_rows, n_rejected, loaded_at, seconds)
    select
        files.source_file, 'raw.events', files.bytes, files.sha256,
        countif(lines.line_number is not null and lines.reason is null),
        countif(lines.reason is not null),
        loaded_at, files.seconds
    from _files as files
    left join _lines as lines on lines.source_file = files.source_file
    group by files.source_file, files.bytes, files.sha256, files.seconds;
    commit transaction;
exception when error then
    rollback transaction;
    raise;
end;
select
    source_file,
    countif(reason is null) as n_rows,
    countif(reason is not null) as n_rejected
from _lines
group by source_file
order by source_file;
`;
}

async function _loadCsv(wh: BigQueryWarehouse, source: SourceFile): Promise<Counts> {
  const kind = source.file.kind as CsvKind;
  const started = performance.now();
  const text = await _readText(source.file.path);
  const newline = text.indexOf("\n");
  const header = newline < 0 ? text : text.slice(0, newline);
  const problem = headerProblem(kind, header);
  if (problem) throw new Error(`Cannot load "${source.file.path}": ${problem}`);
  const columns = RAW_CSV_COLUMNS[kind];
  const records = parseCsvRecords(newline < 0 ? "" : text.slice(newline + 1), columns.length, 2);
  const counts = {
    rows: records.filter((r) => !r.reason).length,
    rejected: records.filter((r) => r.reason).length,
  };
  const scratch: Relation = { schema: "raw", name: _scratchName() };
  const path = wh.scratchPath("ndjson");
  let uploaded = false;
  try {
    if (records.length > 0) {
      const writer = await _NdjsonWriter.create(path);
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
      csvScript(wh, kind, records.length > 0 ? scratch : undefined, {
        sourceFile: source.sourceFile,
        bytes: source.bytes,
        sha256: source.sha256,
        seconds: (performance.now() - started) / 1000,
      }, counts),
    );
    return counts;
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

/**
 * The script that replaces a CSV file's rows in `raw.<kind>` / `raw.<kind>_rejected` and
 * its manifest row, in one transaction. Without a scratch table (no records) it only
 * clears the earlier rows and writes the manifest.
 */
function csvScript(
  wh: BigQueryWarehouse,
  kind: CsvKind,
  scratch: Relation | undefined,
  file: ManifestEntry,
  counts: Counts,
): string {
  const target = wh.relation({ schema: "raw", name: kind });
  const rejected = wh.relation({ schema: "raw", name: `${kind}_rejected` });
  const manifest = wh.relation({ schema: "raw", name: "_load_manifest" });
  const name = _str(file.sourceFile);
  const table = _str(`raw.${kind}`);
  const columns = RAW_CSV_COLUMNS[kind].join(", ");
  const rawId = `concat(${name}, ':', cast(_line as STRING))`;
  const inserts = scratch
    ? `
    insert into ${target} (_raw_id, _source_file, _line, _loaded_at, ${columns})
    select ${rawId}, ${name}, _line, loaded_at, ${columns}
    from ${wh.relation(scratch)} where reason is null;
    insert into ${rejected} (_raw_id, _source_file, _line, _loaded_at, raw_text, reason)
    select ${rawId}, ${name}, _line, loaded_at, text, reason
    from ${wh.relation(scratch)} where reason is not null;`
    : "";
  return `-- TerraLoop Analytics: load ${file.sourceFile} into raw.${kind}
declare loaded_at TIMESTAMP default current_timestamp();
begin
    begin transaction;
    delete from ${target} where _source_file = ${name};
    delete from ${rejected} where _source_file = ${name};
    delete from ${manifest} where table_name = ${table} and source_file = ${name};${inserts}
    insert into ${manifest}
        (source_file, table_name, bytes, sha256, n_rows, n_rejected, loaded_at, seconds)
    values (${name}, ${table}, ${file.bytes}, ${_str(file.sha256)}, ${counts.rows},
        ${counts.rejected}, loaded_at, ${_float(file.seconds)});
    commit transaction;
exception when error then
    rollback transaction;
    raise;
end;
`;
}

/** A CSV record: its first physical line, its text, and its fields or why it was refused. */
interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  /** The record as written (several lines for quoted line breaks), without the newline. */
  text: string;
  /** Field values (empty → null), when the record is well-formed. */
  fields?: (string | null)[];
  /** Why the record is rejected. */
  reason?: string;
}

/**
 * Split CSV text into records (RFC 4180: `"` quotes, `""` escapes a quote, quoted fields may
 * span lines). Empty fields, quoted or not, become null, as DuckDB's reader makes them.
 * Blank lines are skipped. A record with the wrong number of fields is refused with
 * DuckDB's wording (`Expected Number of Columns: 7 Found: 8`); an unterminated quote
 * refuses only its own line, and parsing resumes on the next one.
 *
 * @example
 * ```ts
 * parseCsvRecords('a,"b ""c"""\n', 2, 2); // [{ line: 2, text: 'a,"b ""c"""', fields: ["a", 'b "c"'] }]
 * ```
 */
function parseCsvRecords(text: string, expected: number, firstLine = 1): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = firstLine;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: (string | null)[] = [];
    let field = "";
    let quoted = false;
    let inQuotes = false;
    let afterQuote = false;
    let problem: string | undefined;
    let end = n;
    let unterminated = false;
    for (;;) {
      if (i >= n) {
        unterminated = inQuotes;
        break;
      }
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            inQuotes = false;
            afterQuote = true;
            i += 1;
          }
          continue;
        }
        if (c === "\n") line += 1;
        field += c;
        i += 1;
        continue;
      }
      if (c === ",") {
        fields.push(field === "" ? null : field);
        field = "";
        quoted = false;
        afterQuote = false;
        i += 1;
        continue;
      }
      if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
        end = i;
        i += c === "\r" ? 2 : 1;
        line += 1;
        break;
      }
      if (c === '"' && field === "" && !quoted) {
        inQuotes = true;
        quoted = true;
        i += 1;
        continue;
      }
      if (afterQuote) problem ??= "Unexpected character after a closing quote";
      field += c;
      i += 1;
    }
    if (unterminated) {
      // Our sources hold one record per line: refuse the line the quote opened on only.
      const lineEnd = text.indexOf("\n", start);
      const stop = lineEnd < 0 ? n : lineEnd;
      records.push({
        line: startLine,
        text: text.slice(start, stop).replace(/\r$/, ""),
        reason: "Value with unterminated quote",
      });
      i = lineEnd < 0 ? n : lineEnd + 1;
      line = startLine + 1;
      continue;
    }
    const recordText = text.slice(start, end);
    if (recordText === "" || recordText === "\r") continue;
    fields.push(field === "" ? null : field);
    if (!problem && fields.length !== expected) {
      problem = `Expected Number of Columns: ${expected} Found: ${fields.length}`;
    }
    records.push(
      problem
        ? { line: startLine, text: recordText, reason: problem }
        : { line: startLine, text: recordText, fields },
    );
  }
  return records;
}

/**
 * Lines of a text file as DuckDB's loader sees them: `\r\n` becomes `\n`, and the empty
 * string after a final newline is not a line.
 */
function _splitLines(text: string): string[] {
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

// Buffers NDJSON rows and writes them in chunks of about a megabyte.
class _NdjsonWriter {
  #file: Deno.FsFile;
  #parts: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  static async create(path: string): Promise<_NdjsonWriter> {
    return new _NdjsonWriter(await Deno.open(path, { write: true, create: true, truncate: true }));
  }

  push(row: Record<string, unknown>): void {
    const line = JSON.stringify(row) + "\n";
    this.#parts.push(line);
    this.#size += line.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.#size >= 1 << 20) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    let bytes = this.#encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    while (bytes.length > 0) {
      const n = await this.#file.write(bytes);
      bytes = bytes.subarray(n);
    }
  }

  async close(): Promise<void> {
    try {
      await this.#flush();
    } finally {
      this.#file.close();
    }
  }
}

function _scratchName(): string {
  return `_load_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** A BigQuery string literal. */
function _str(value: string): string {
  const escaped = value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")
    .replaceAll("\n", "\\n").replaceAll("\r", "\\r");
  return `'${escaped}'`;
}

function _float(value: number): string {
  return Number.isFinite(value) ? String(value) : "0";
}

async function _readSource(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot load "${path}": file not found`, { cause: error });
    }
    throw error;
  }
  if (bytes.length === 0) throw new Error(`Cannot load "${path}": the file is empty`);
  return bytes;
}

/** The file's text: gunzipped when it ends in `.gz`, strict UTF-8, a BOM kept as text. */
async function _readText(path: string): Promise<string> {
  let bytes = await _readSource(path);
  if (path.endsWith(".gz")) {
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (error) {
      throw new Error(`Cannot load "${path}": not a valid gzip file`, { cause: error });
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new Error(`Cannot load "${path}": the file is not valid UTF-8`, { cause: error });
  }
}

async function _sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
