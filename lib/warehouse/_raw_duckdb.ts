// Raw loading for DuckDB: DuckDB's own readers, nothing parsed row by row in JavaScript;
// a file is either wholly loaded or not at all.
import { basename } from "node:path";
import type { DuckDbSession, DuckDbWarehouse } from "./duckdb.ts";
import { quoteLiteral } from "./duckdb.ts";
import { headerProblem, RAW_CSV_COLUMNS, REQUIRED_EVENT_FIELDS } from "./raw_tables.ts";
import type { LoadFileResult, RawFile, RawKind } from "./types.ts";

const csvColumnsDdl = (kind: Exclude<RawKind, "events">) =>
  RAW_CSV_COLUMNS[kind].map((name) => `${name} varchar`).join(",\n    ");

/** DDL for the raw schema; safe to run on every open. */
export const RAW_SCHEMA_SQL = `
create schema if not exists raw;
create table if not exists raw.events (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    payload json not null
);
create table if not exists raw.events_rejected (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    raw_text varchar,
    reason varchar not null
);
create table if not exists raw.users (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    ${csvColumnsDdl("users")}
);
create table if not exists raw.listings (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    ${csvColumnsDdl("listings")}
);
create table if not exists raw.users_rejected (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    raw_text varchar,
    reason varchar not null
);
create table if not exists raw.listings_rejected (
    _raw_id varchar not null,
    _source_file varchar not null,
    _line bigint not null,
    _loaded_at timestamptz not null,
    raw_text varchar,
    reason varchar not null
);
create table if not exists raw._load_manifest (
    source_file varchar not null,
    table_name varchar not null,
    bytes bigint not null,
    sha256 varchar not null,
    n_rows bigint not null,
    n_rejected bigint not null,
    loaded_at timestamptz not null,
    seconds double not null
);
`;

interface PreparedFile {
  file: RawFile;
  sourceFile: string;
  table: string;
  /** What DuckDB reads: the file itself, or a decompressed scratch copy. */
  readablePath: string;
  scratch?: string;
  bytes: number;
  sha256: string;
  previouslyLoaded: boolean;
  unchanged: boolean;
  /** SQL literal of this load call's `_loaded_at`, shared by every file it loads. */
  loadedAt: string;
}

/**
 * Load raw files (see `Warehouse.loadFiles`). Event files that changed are loaded together
 * in one transaction, which lets DuckDB read them in parallel; if that batch fails, each
 * file is retried in its own transaction, so the good ones land and the bad one is named
 * and leaves nothing of itself behind.
 */
export async function stageRawFiles(
  wh: DuckDbWarehouse,
  files: RawFile[],
  onFile?: (result: LoadFileResult) => void,
): Promise<LoadFileResult[]> {
  const results: LoadFileResult[] = [];
  const emit = (result: LoadFileResult) => {
    results.push(result);
    onFile?.(result);
  };
  const eventFiles: PreparedFile[] = [];
  // One manifest read for the whole call: `<table>:<file>` → checksums loaded before.
  const manifest = new Map<string, string[]>();
  for (
    const row of await wh.query<{ key: string; sha256: string }>(
      "select table_name || ':' || source_file as key, sha256 from raw._load_manifest",
    )
  ) {
    manifest.set(row.key, [...(manifest.get(row.key) ?? []), row.sha256]);
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
      if (file.unchanged) emit(resultOf(file, { rows: 0, rejected: 0 }, prepareMs));
      else if (file.file.kind === "events") eventFiles.push(file);
      else csvFiles.push(file);
    }
    // Registry CSVs load on their own connections while the event files load: each file is
    // still its own transaction, and the cores stay busy.
    const csvLoads = Promise.allSettled(csvFiles.map(async (file) => {
      const started = performance.now();
      const counts = await wh.withSession((session) => loadInTransaction(session, [file]));
      return resultOf(file, counts.get(file.sourceFile)!, prepareMs + performance.now() - started);
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
 * Event files go in two groups balanced by size, each in one transaction on its own
 * connection, so both cores work (one statement's line splitting runs on one thread). A
 * group that fails is retried file by file, so the good files land and the bad one is named.
 */
async function loadEventFiles(
  wh: DuckDbWarehouse,
  files: PreparedFile[],
  emit: (result: LoadFileResult) => void,
) {
  const groups: PreparedFile[][] = [[], []];
  const groupBytes = [0, 0];
  for (const file of [...files].sort((a, b) => b.bytes - a.bytes)) {
    const g = groupBytes[0]! <= groupBytes[1]! ? 0 : 1;
    groups[g]!.push(file);
    groupBytes[g]! += file.bytes;
  }
  // Raw payloads are written uncompressed: DuckDB's compression analysis of ~200 MB of JSON
  // text cost ~40% of the insert; raw is a landing zone, later layers are compressed.
  await wh.execute("set force_compression = 'uncompressed'");
  try {
    const outcomes = await Promise.allSettled(
      groups.filter((group) => group.length > 0).map(async (group) => {
        const started = performance.now();
        const counts = await wh.withSession((session) => loadInTransaction(session, group));
        return { group, counts, ms: performance.now() - started };
      }),
    );
    const failed: PreparedFile[] = [];
    const loaded = new Map<string, LoadFileResult>();
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === "rejected") {
        failed.push(...groups[i]!);
        continue;
      }
      const { group, counts, ms } = outcome.value;
      const bytes = group.reduce((sum, f) => sum + f.bytes, 0);
      for (const file of group) {
        const share = file.bytes / Math.max(1, bytes);
        loaded.set(file.sourceFile, resultOf(file, counts.get(file.sourceFile)!, ms * share));
      }
    }
    // Report in name order; retry a failed group's files one transaction each.
    for (const file of files) {
      const result = loaded.get(file.sourceFile);
      if (result) {
        emit(result);
        continue;
      }
      if (!failed.includes(file)) continue;
      const started = performance.now();
      const counts = await loadInTransaction(wh, [file]);
      emit(resultOf(file, counts.get(file.sourceFile)!, performance.now() - started));
    }
  } finally {
    await wh.execute("reset force_compression");
  }
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
  wh: DuckDbWarehouse,
  file: RawFile,
  manifest: Map<string, string[]>,
  loadedAt: string,
): Promise<PreparedFile> {
  const sourceFile = basename(file.path);
  const table = `raw.${file.kind}`;
  const bytes = await readSource(file.path);
  if (bytes.length === 0) {
    throw new Error(`Cannot load "${file.path}": the file is empty`);
  }
  const sha256 = await sha256Hex(bytes);
  const previous = manifest.get(`${table}:${sourceFile}`) ?? [];
  const prepared: PreparedFile = {
    file,
    sourceFile,
    table,
    readablePath: file.path,
    bytes: bytes.length,
    sha256,
    previouslyLoaded: previous.length > 0,
    unchanged: previous.includes(sha256),
    loadedAt,
  };
  if (prepared.unchanged) return prepared;
  if (file.path.endsWith(".gz")) {
    prepared.scratch = wh.scratchPath("txt");
    await Deno.writeFile(prepared.scratch, await gunzip(bytes, file.path));
    prepared.readablePath = prepared.scratch;
  }
  if (file.kind !== "events") {
    const firstLine = new TextDecoder().decode(bytes.subarray(0, 64 * 1024)).split("\n")[0] ?? "";
    const problem = headerProblem(file.kind, firstLine);
    if (problem) throw new Error(`Cannot load "${file.path}": ${problem}`);
  }
  return prepared;
}

function resultOf(
  prepared: PreparedFile,
  counts: { rows: number; rejected: number },
  ms: number,
): LoadFileResult {
  return {
    sourceFile: prepared.sourceFile,
    table: prepared.table,
    ...counts,
    bytes: prepared.bytes,
    sha256: prepared.sha256,
    status: prepared.unchanged ? "unchanged" : prepared.previouslyLoaded ? "reloaded" : "loaded",
    seconds: ms / 1000,
  };
}

/** Load files of one kind in one transaction; returns counts per source file. */
async function loadInTransaction(wh: DuckDbWarehouse | DuckDbSession, files: PreparedFile[]) {
  const first = files[0]!;
  const table = first.table;
  const started = performance.now();
  try {
    return await wh.transaction(async () => {
      const names = files.map((f) => quoteLiteral(f.sourceFile)).join(", ");
      await wh.execute(`
        delete from ${table} where _source_file in (${names});
        delete from ${table}_rejected where _source_file in (${names});
        delete from raw._load_manifest
        where source_file in (${names}) and table_name = ${quoteLiteral(table)};
      `);
      const counts = first.file.kind === "events" ? await insertEvents(wh, files) : await insertCsv(
        wh,
        first.file.kind,
        first.readablePath,
        first.sourceFile,
        first.loadedAt,
      );
      const seconds = (performance.now() - started) / 1000;
      const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
      const manifestRows = files.map((f) => {
        const c = counts.get(f.sourceFile) ?? { rows: 0, rejected: 0 };
        return `(${quoteLiteral(f.sourceFile)}, ${quoteLiteral(table)}, ${f.bytes},
          ${quoteLiteral(f.sha256)}, ${c.rows}, ${c.rejected}, ${f.loadedAt},
          ${seconds * f.bytes / Math.max(1, totalBytes)})`;
      });
      await wh.execute(`insert into raw._load_manifest values ${manifestRows.join(",\n")}`);
      return counts;
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const what = files.length === 1 ? `"${first.file.path}"` : `${files.length} files`;
    throw new Error(`Cannot load ${what} into ${table}: ${message}`, { cause: error });
  }
}

/** A line without the JSON whitespace (space, tab, LF, CR) and BOM before its first value. */
const OPENING = "ltrim(line, ' ' || chr(9) || chr(10) || chr(13) || chr(65279))";

async function insertEvents(wh: DuckDbWarehouse | DuckDbSession, files: PreparedFile[]) {
  const loadedAt = files[0]!.loadedAt;
  const paths = REQUIRED_EVENT_FIELDS.map((field) => `'$.${field}'`).join(", ");
  const missingChecks = REQUIRED_EVENT_FIELDS.map((field, i) =>
    `when not present[${i + 1}] then 'missing required field "${field}"'`
  ).join("\n            ");
  const fileMap = files.map((f) =>
    `(${quoteLiteral(f.readablePath)}, ${quoteLiteral(f.sourceFile)})`
  ).join(", ");
  const readList = files.map((f) => quoteLiteral(f.readablePath)).join(", ");
  // One JSON function per step and column: a single CASE calling several JSON functions per
  // branch ran ~20x slower in DuckDB than these layered projections.
  await wh.execute(`
    create or replace temp table _lines as
    with file_names (readable_path, source_file) as (
        values ${fileMap}
    ),
    file_text as (
        select file_names.source_file,
               -- a CR before the LF is JSON whitespace: no need to copy the text to strip it
               string_split(content, chr(10)) as lines,
               ends_with(content, chr(10)) as ends_with_newline
        from read_text([${readList}]) as texts
        inner join file_names on texts.filename = file_names.readable_path
    ),
    numbered as (
        select source_file,
               generate_subscripts(lines, 1) as line_number,
               unnest(lines) as line,
               len(lines) as n_lines,
               ends_with_newline
        from file_text
    ),
    lines_parsed as (
        -- one parse both validates the line and yields the payload stored in raw.events;
        -- a leading byte-order mark is skipped, as BigQuery's PARSE_JSON skips it
        select source_file, line_number, line,
            try_cast(case when starts_with(line, chr(65279)) then line[2:] else line end as json)
                as payload
        from numbered
        -- the empty string after a final newline is not a line
        where not (ends_with_newline and line_number = n_lines)
    ),
    lines_with_fields as (
        select *,
            payload is not null as is_json,
            -- valid JSON that opens with a brace (after JSON whitespace or a BOM) is an
            -- object: no second parse needed
            payload is not null and (starts_with(line, '{') or starts_with(${OPENING}, '{'))
                as is_object,
            -- json_exists is ~3x cheaper than extracting; null values are staging's concern
            case
                when payload is not null
                    and (starts_with(line, '{') or starts_with(${OPENING}, '{'))
                then json_exists(payload, [${paths}])
            end as present
        from lines_parsed
    ),
    lines_classified as (
        select source_file, line_number, line, payload,
        case
            when not is_json and trim(line, ' ' || chr(9) || chr(13)) = '' then 'empty line'
            when not is_json then 'invalid JSON'
            when not is_object then 'not a JSON object'
            ${missingChecks}
        end as reason
        from lines_with_fields
    )
    -- the text is kept only where it is needed: for rejected lines
    select source_file, line_number, reason,
        case when reason is null then payload end as payload,
        case when reason is not null then line end as line
    from lines_classified;
  `);
  await wh.execute(`
    insert into raw.events
    select source_file || ':' || line_number, source_file, line_number, ${loadedAt}, payload
    from _lines where reason is null;
    insert into raw.events_rejected
    select source_file || ':' || line_number, source_file, line_number, ${loadedAt}, line, reason
    from _lines where reason is not null;
  `);
  const counts = await wh.query<{ source_file: string; rows: number; rejected: number }>(
    `select source_file,
            count(*) filter (where reason is null) as rows,
            count(*) filter (where reason is not null) as rejected
     from _lines group by source_file`,
  );
  await wh.execute("drop table _lines");
  return new Map(counts.map((c) => [c.source_file, { rows: c.rows, rejected: c.rejected }]));
}

// CSV sources are read line by line (one record per line, as docs/contracts.md states) so
// every physical line lands in exactly one of raw.<kind> and raw.<kind>_rejected with its
// true line number. DuckDB's read_csv silently dropped everything after an unterminated
// quote, which is why it is not used here.
async function insertCsv(
  wh: DuckDbWarehouse | DuckDbSession,
  kind: Exclude<RawKind, "events">,
  path: string,
  sourceFile: string,
  loadedAt: string,
) {
  const source = quoteLiteral(sourceFile);
  const columns = RAW_CSV_COLUMNS[kind];
  const unquote = (i: number) =>
    `case
        when fields[${i + 1}] = '' then null
        when starts_with(fields[${i + 1}], '"')
            then replace(fields[${i + 1}][2:-2], '""', '"')
        else fields[${i + 1}]
    end as ${columns[i]}`;
  await wh.execute(`
    create or replace temp table _csv_lines as
    with file_text as (
        select string_split(content, chr(10)) as lines,
               ends_with(content, chr(10)) as ends_with_newline
        from read_text(${quoteLiteral(path)})
    ),
    numbered as (
        select generate_subscripts(lines, 1) as line_number,
               rtrim(unnest(lines), chr(13)) as line,
               len(lines) as n_lines,
               ends_with_newline
        from file_text
    ),
    data_lines as (
        select line_number, line
        from numbered
        where line_number > 1 and not (ends_with_newline and line_number = n_lines)
    ),
    lines_split as (
        -- RFC 4180 fields: "quoted, with "" for a quote" or unquoted without , or "
        -- (lines without a quote, nearly all of them, take the cheap split)
        select line_number, line,
            case
                when contains(line, '"')
                    then regexp_extract_all(line, '(?:^|,)("(?:[^"]|"")*"|[^,"]*)', 1)
                else string_split(line, ',')
            end as fields
        from data_lines
    )
    select line_number, line, fields,
        case
            when trim(line) = '' then 'empty line'
            when array_to_string(fields, ',') <> line
                then 'malformed quoting (an unterminated or stray quote)'
            when len(fields) <> ${columns.length}
                then 'Expected Number of Columns: ${columns.length} Found: ' || len(fields)
        end as reason
    from lines_split;
  `);
  await wh.execute(`
    insert into raw.${kind}
    select ${source} || ':' || line_number, ${source}, line_number, ${loadedAt},
        ${columns.map((_, i) => unquote(i)).join(",\n        ")}
    from _csv_lines where reason is null;
    insert into raw.${kind}_rejected
    select ${source} || ':' || line_number, ${source}, line_number, ${loadedAt}, line, reason
    from _csv_lines where reason is not null;
  `);
  const counts = await wh.query<{ rows: number; rejected: number }>(
    `select count(*) filter (where reason is null) as rows,
            count(*) filter (where reason is not null) as rejected
     from _csv_lines`,
  );
  await wh.execute("drop table _csv_lines");
  return new Map([[sourceFile, {
    rows: counts[0]?.rows ?? 0,
    rejected: counts[0]?.rejected ?? 0,
  }]]);
}

async function readSource(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot load "${path}": file not found`, { cause: error });
    }
    throw error;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function gunzip(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`Cannot load "${path}": not a valid gzip file`, { cause: error });
  }
}
