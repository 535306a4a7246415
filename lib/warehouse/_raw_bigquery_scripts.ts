/**
 * The SQL scripts of BigQuery raw loading: the scratch tables' schemas, and per batch one
 * script that classifies the uploaded lines (or CSV records) and, in one transaction,
 * replaces the files' rows in the raw and rejected tables and their manifest rows.
 *
 * @module
 */
import type { BigQueryField } from "./_bigquery_rows.ts";
import type { LoadCounts } from "./_raw_manifest.ts";
import { type RelationNaming, renderRelation, sqlLiteral } from "./dialect.ts";
import {
  LOAD_MANIFEST_RELATION,
  RAW_CSV_COLUMNS,
  rawRelations,
  rawTableName,
  REQUIRED_EVENT_FIELDS,
} from "./raw_tables.ts";
import type { RawKind, Relation } from "./types.ts";

type CsvKind = Exclude<RawKind, "events">;

/** Schema of the scratch table event lines are uploaded into. */
export const EVENT_SCRATCH_FIELDS: BigQueryField[] = [
  { name: "file_index", type: "INT64", mode: "REQUIRED" },
  { name: "_line", type: "INT64", mode: "REQUIRED" },
  { name: "text", type: "STRING", mode: "REQUIRED" },
  // Set by the loader for a line it rejects itself (not valid UTF-8); null otherwise.
  { name: "reason", type: "STRING", mode: "NULLABLE" },
];

/** Schema of the scratch table CSV records are uploaded into. */
export function csvScratchFields(kind: CsvKind): BigQueryField[] {
  return [
    { name: "_line", type: "INT64", mode: "REQUIRED" },
    { name: "text", type: "STRING", mode: "REQUIRED" },
    { name: "reason", type: "STRING", mode: "NULLABLE" },
    ...RAW_CSV_COLUMNS[kind].map((name) => ({ name, type: "STRING", mode: "NULLABLE" })),
  ];
}

/** The file-level facts the load script writes to the manifest. */
export interface ManifestEntry {
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
 * the loader's own `invalid UTF-8`, then `empty line`, `invalid JSON`, `not a JSON object`,
 * `missing required field "x"`) and, in one transaction, replaces the files' rows in
 * raw.events / raw.events_rejected and their manifest rows. Its last statement returns the
 * counts per file. Without a scratch table (the files have no lines) nothing is classified.
 */
export function eventsScript(
  naming: RelationNaming,
  scratch: Relation | undefined,
  files: ManifestEntry[],
): string {
  const relation = (r: Relation) => renderRelation(r, "bigquery", naming);
  const tableName = rawTableName("events");
  const { rows, rejected: rejectedRelation } = rawRelations(tableName);
  const events = relation(rows);
  const rejected = relation(rejectedRelation);
  const manifest = relation(LOAD_MANIFEST_RELATION);
  const fileRows = files.map((f, i) =>
    `struct(${i} as file_index, ${_literal(f.sourceFile)} as source_file, ${f.bytes} as bytes, ` +
    `${_literal(f.sha256)} as sha256, cast(${_float(f.seconds)} as FLOAT64) as seconds)`
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
  const scratchSource = scratch
    ? relation(scratch)
    : "unnest(array<struct<file_index INT64, _line INT64, text STRING, reason STRING>>[])";
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
        reason as preset_reason,
        -- 'round': a number JSON cannot hold exactly is still valid JSON (as in DuckDB)
        safe.parse_json(text, wide_number_mode => 'round') as parsed
    from ${scratchSource}
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
        when lines_typed.preset_reason is not null then lines_typed.preset_reason
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
    where table_name = ${_literal(tableName)} and source_file in (select source_file from _files);
    insert into ${events} (_raw_id, _source_file, _line, _loaded_at, payload)
    select ${rawId}, source_file, line_number, loaded_at, parsed
    from _lines where reason is null;
    insert into ${rejected} (_raw_id, _source_file, _line, _loaded_at, raw_text, reason)
    select ${rawId}, source_file, line_number, loaded_at, line, reason
    from _lines where reason is not null;
    insert into ${manifest}
        (source_file, table_name, bytes, sha256, n_rows, n_rejected, loaded_at, seconds)
    select
        files.source_file, ${_literal(tableName)}, files.bytes, files.sha256,
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

/**
 * The script that replaces a CSV file's rows in `raw.<kind>` / `raw.<kind>_rejected` and
 * its manifest row, in one transaction. Without a scratch table (no records) it only
 * clears the earlier rows and writes the manifest.
 */
export function csvScript(
  naming: RelationNaming,
  kind: CsvKind,
  scratch: Relation | undefined,
  file: ManifestEntry,
  counts: LoadCounts,
): string {
  const relation = (r: Relation) => renderRelation(r, "bigquery", naming);
  const tableName = rawTableName(kind);
  const relations = rawRelations(tableName);
  const target = relation(relations.rows);
  const rejected = relation(relations.rejected);
  const manifest = relation(LOAD_MANIFEST_RELATION);
  const name = _literal(file.sourceFile);
  const table = _literal(tableName);
  const columns = RAW_CSV_COLUMNS[kind].join(", ");
  const rawId = `concat(${name}, ':', cast(_line as STRING))`;
  const inserts = scratch
    ? `
    insert into ${target} (_raw_id, _source_file, _line, _loaded_at, ${columns})
    select ${rawId}, ${name}, _line, loaded_at, ${columns}
    from ${relation(scratch)} where reason is null;
    insert into ${rejected} (_raw_id, _source_file, _line, _loaded_at, raw_text, reason)
    select ${rawId}, ${name}, _line, loaded_at, text, reason
    from ${relation(scratch)} where reason is not null;`
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
    values (${name}, ${table}, ${file.bytes}, ${_literal(file.sha256)}, ${counts.rows},
        ${counts.rejected}, loaded_at, ${_float(file.seconds)});
    commit transaction;
exception when error then
    rollback transaction;
    raise;
end;
`;
}

function _literal(value: string): string {
  return sqlLiteral(value, "bigquery");
}

function _float(value: number): string {
  return Number.isFinite(value) ? String(value) : "0";
}
