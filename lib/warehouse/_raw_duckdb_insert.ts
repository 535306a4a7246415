/**
 * The SQL half of DuckDB raw loading: DuckDB reads the files itself (`read_text`), splits
 * them into lines, classifies each line (a row, or a rejected line with its reason) and
 * inserts both, with nothing parsed row by row in JavaScript. Runs inside the caller's
 * transaction; returns counts per source file.
 *
 * DuckDB only ever reads scratch copies the loader wrote (valid UTF-8, named by the
 * loader), through {@linkcode literalReadPath}: its file readers treat `*`, `?` and `[` as
 * glob patterns, so a source path is never handed to them.
 *
 * @module
 */
import { resolve } from "node:path";
import type { DuckDbStatements } from "./_duckdb_session.ts";
import { INVALID_UTF8_REASON, type InvalidLine } from "./_raw_files.ts";
import type { LoadCounts } from "./_raw_manifest.ts";
import { sqlLiteral } from "./dialect.ts";
import { RAW_CSV_COLUMNS, REQUIRED_EVENT_FIELDS } from "./raw_tables.ts";
import type { RawKind } from "./types.ts";

/** A scratch copy DuckDB reads, standing for one source file. */
export interface ReadableFile {
  /** What DuckDB reads: a scratch copy of the source's cleaned content. */
  readablePath: string;
  /** File name recorded in `_source_file`. */
  sourceFile: string;
  /** Lines that were not valid UTF-8 (a space in the copy): rejected with their text. */
  invalidLines?: readonly InvalidLine[];
  /** The content is empty: no lines, nothing for DuckDB to read. */
  empty?: boolean;
}

function _literal(value: string): string {
  return sqlLiteral(value, "duckdb");
}

function _base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

/**
 * A path as a DuckDB file reader takes it literally: absolute (no `~` expansion, no URL
 * scheme), with each glob character bracketed (`[*]`, `[?]`, `[[]`).
 *
 * @example
 * ```ts
 * literalReadPath("/tmp/data[1]/events-0?.ndjson"); // "/tmp/data[[]1]/events-0[?].ndjson"
 * ```
 */
export function literalReadPath(path: string): string {
  return resolve(path).replace(/[*?[]/g, (c) => `[${c}]`);
}

/**
 * Mark the lines set aside as invalid UTF-8 in a classified-lines temp table: reason
 * {@linkcode INVALID_UTF8_REASON}, their lossy text, nothing parsed. `columns` names the
 * table's file column (`null` when it holds one file), its text column, and the assignment
 * that clears what was parsed from the placeholder.
 */
async function _markInvalidLines(
  wh: DuckDbStatements,
  table: string,
  files: readonly ReadableFile[],
  columns: { file: string | null; text: string; clear: string },
): Promise<void> {
  // The text travels as base64: it may hold a NUL (a UTF-16 file, say), which would end
  // a SQL string literal early.
  const rows = files.flatMap((f) =>
    (f.invalidLines ?? []).map((l) =>
      `(${_literal(f.sourceFile)}, ${l.line}, decode(from_base64('${_base64(l.text)}')))`
    )
  );
  // A few hundred rows per statement keeps each statement small, however many lines.
  for (let at = 0; at < rows.length; at += 500) {
    const fileMatch = columns.file ? `and ${table}.${columns.file} = fix.source_file` : "";
    await wh.execute(`
      update ${table}
      set reason = ${_literal(INVALID_UTF8_REASON)}, ${columns.text} = fix.text, ${columns.clear}
      from (values ${rows.slice(at, at + 500).join(", ")}) as fix(source_file, line_number, text)
      where ${table}.line_number = fix.line_number ${fileMatch}
    `);
  }
}

/**
 * Lines DuckDB parsed that may still not be strict JSON (RFC 8259), as BigQuery's PARSE_JSON
 * wants it: DuckDB accepts `NaN`, `Infinity`, trailing commas and numbers beyond double
 * range. Cheap substring tests first; the regular expression runs only on lines with a comma
 * before a closing bracket or a number with a 3-digit exponent or 309+ digits, which is rare.
 * A match is only a candidate: {@linkcode _rejectLaxJson} checks it strictly.
 */
const LAX_JSON_CANDIDATE = `(
    contains(line, 'NaN') or contains(line, 'Infinity')
    or regexp_matches(line, ',[ \t\r\n]*[]}]|[0-9][eE][+-]?[0-9]{3}|[0-9]{309}')
)`;

/** True when `text` (a line DuckDB parsed as JSON) is strict JSON with finite numbers. */
function _isStrictJson(text: string): boolean {
  try {
    JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text, (_key, value) => {
      if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError("range");
      return value;
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reject, as `invalid JSON` (before any other reason, as BigQuery does), the candidate lines
 * of `table` (flag column `lax`) that are not strict JSON.
 */
async function _rejectLaxJson(wh: DuckDbStatements, table: string): Promise<void> {
  const candidates = await wh.query<{ source_file: string; line_number: number; line: string }>(
    `select source_file, line_number, line from ${table} where lax`,
  );
  const bad = candidates.filter((c) => !_isStrictJson(c.line));
  for (let at = 0; at < bad.length; at += 500) {
    const rows = bad.slice(at, at + 500).map((c) =>
      `(${_literal(c.source_file)}, ${Number(c.line_number)})`
    );
    await wh.execute(`
      update ${table} set reason = 'invalid JSON', payload = null
      from (values ${rows.join(", ")}) as fix(source_file, line_number)
      where ${table}.source_file = fix.source_file and ${table}.line_number = fix.line_number
    `);
  }
}

/** A line without the JSON whitespace (space, tab, LF, CR) and BOM before its first value. */
const OPENING = "ltrim(line, ' ' || chr(9) || chr(10) || chr(13) || chr(65279))";

/**
 * Classify the lines of event files and insert them into `raw.events` or
 * `raw.events_rejected` (reasons: `invalid UTF-8`, `empty line`, `invalid JSON`,
 * `not a JSON object`, `missing required field "x"`); `loadedAt` is a SQL timestamp
 * expression. Several files go in one statement, so DuckDB reads them in parallel. An
 * empty file has no lines.
 */
export async function insertEvents(
  wh: DuckDbStatements,
  files: readonly ReadableFile[],
  loadedAt: string,
): Promise<Map<string, LoadCounts>> {
  // An empty file has no lines (splitting '' would give one empty line).
  files = files.filter((f) => !f.empty);
  if (files.length === 0) return new Map();
  const paths = REQUIRED_EVENT_FIELDS.map((field) => `'$.${field}'`).join(", ");
  const missingChecks = REQUIRED_EVENT_FIELDS.map((field, i) =>
    `when not present[${i + 1}] then 'missing required field "${field}"'`
  ).join("\n            ");
  // read_text reports the resolved path it read as `filename`.
  const fileMap = files
    .map((f) => `(${_literal(resolve(f.readablePath))}, ${_literal(f.sourceFile)})`)
    .join(", ");
  const readList = files.map((f) => _literal(literalReadPath(f.readablePath))).join(", ");
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
        select source_file, line_number, line, payload, is_json,
        case
            when not is_json and trim(line, ' ' || chr(9) || chr(13)) = '' then 'empty line'
            when not is_json then 'invalid JSON'
            when not is_object then 'not a JSON object'
            ${missingChecks}
        end as reason
        from lines_with_fields
    ),
    lines_flagged as (
        -- a line BigQuery finds invalid is "invalid JSON" before any other reason
        select *, is_json and ${LAX_JSON_CANDIDATE} as lax
        from lines_classified
    )
    -- the text is kept only where it is needed: for rejected lines and strict-JSON candidates
    select source_file, line_number, reason, lax,
        case when reason is null then payload end as payload,
        case when reason is not null or lax then line end as line
    from lines_flagged;
  `);
  await _rejectLaxJson(wh, "_lines");
  await _markInvalidLines(wh, "_lines", files, {
    file: "source_file",
    text: "line",
    clear: "payload = null",
  });
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

/**
 * Classify the records of a CSV source (a header line, then one record per line) and
 * insert them into `raw.<kind>` or `raw.<kind>_rejected` (a line that is not valid UTF-8
 * with reason `invalid UTF-8`); `loadedAt` is a SQL timestamp expression.
 *
 * CSV sources are read line by line (one record per line, as docs/contracts.md states) so
 * every physical line lands in exactly one of raw.<kind> and raw.<kind>_rejected with its
 * true line number. DuckDB's read_csv silently dropped everything after an unterminated
 * quote, which is why it is not used here.
 */
export async function insertCsv(
  wh: DuckDbStatements,
  kind: Exclude<RawKind, "events">,
  file: ReadableFile,
  loadedAt: string,
): Promise<Map<string, LoadCounts>> {
  const { readablePath: path, sourceFile } = file;
  const source = _literal(sourceFile);
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
        from read_text(${_literal(literalReadPath(path))})
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
  await _markInvalidLines(wh, "_csv_lines", [file], {
    file: null,
    text: "line",
    clear: "fields = null",
  });
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
