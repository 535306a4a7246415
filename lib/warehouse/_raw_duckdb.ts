// Raw loading for DuckDB: one transaction per file, DuckDB's own readers, nothing parsed
// row by row in JavaScript.
import { basename } from "node:path";
import type { DuckDbWarehouse } from "./duckdb.ts";
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

/** Load one file into its raw table (see `Warehouse.loadFile`). */
export async function stageRawFile(wh: DuckDbWarehouse, file: RawFile): Promise<LoadFileResult> {
  const started = performance.now();
  const sourceFile = basename(file.path);
  const table = `raw.${file.kind}`;
  const bytes = await readSource(file.path);
  if (bytes.length === 0) {
    throw new Error(`Cannot load "${file.path}": the file is empty`);
  }
  const sha256 = await sha256Hex(bytes);
  const previous = await wh.query<{ sha256: string }>(
    `select sha256 from raw._load_manifest
     where source_file = ${quoteLiteral(sourceFile)} and table_name = ${quoteLiteral(table)}`,
  );
  if (previous.some((row) => row.sha256 === sha256)) {
    return {
      sourceFile,
      table,
      rows: 0,
      rejected: 0,
      bytes: bytes.length,
      sha256,
      status: "unchanged",
      seconds: (performance.now() - started) / 1000,
    };
  }

  let readablePath = file.path;
  let scratch: string | undefined;
  if (file.path.endsWith(".gz")) {
    scratch = wh.scratchPath("txt");
    await Deno.writeFile(scratch, await gunzip(bytes, file.path));
    readablePath = scratch;
  }
  if (file.kind !== "events") {
    const firstLine = new TextDecoder().decode(bytes.subarray(0, 64 * 1024)).split("\n")[0] ?? "";
    const problem = headerProblem(file.kind, firstLine);
    if (problem) throw new Error(`Cannot load "${file.path}": ${problem}`);
  }

  try {
    const counts = await wh.transaction(async () => {
      await wh.execute(`
        delete from ${table} where _source_file = ${quoteLiteral(sourceFile)};
        delete from ${table}_rejected where _source_file = ${quoteLiteral(sourceFile)};
        delete from raw._load_manifest
        where source_file = ${quoteLiteral(sourceFile)} and table_name = ${quoteLiteral(table)};
      `);
      const result = file.kind === "events"
        ? await insertEvents(wh, readablePath, sourceFile)
        : await insertCsv(wh, file.kind, readablePath, sourceFile);
      const seconds = (performance.now() - started) / 1000;
      await wh.execute(`
        insert into raw._load_manifest values (
            ${quoteLiteral(sourceFile)}, ${quoteLiteral(table)}, ${bytes.length},
            ${quoteLiteral(sha256)}, ${result.rows}, ${result.rejected}, now(), ${seconds}
        )`);
      return result;
    });
    return {
      sourceFile,
      table,
      ...counts,
      bytes: bytes.length,
      sha256,
      status: previous.length > 0 ? "reloaded" : "loaded",
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot load "${file.path}" into ${table}: ${message}`, { cause: error });
  } finally {
    if (scratch) await Deno.remove(scratch).catch(() => {});
  }
}

async function insertEvents(wh: DuckDbWarehouse, path: string, sourceFile: string) {
  const source = quoteLiteral(sourceFile);
  const missingChecks = REQUIRED_EVENT_FIELDS.map((field) =>
    `when json_extract(line, '$.${field}') is null
              or json_type(line, '$.${field}') = 'NULL'
             then 'missing required field "${field}"'`
  ).join("\n            ");
  await wh.execute(`
    create or replace temp table _lines as
    with file_text as (
        select string_split(replace(content, chr(13) || chr(10), chr(10)), chr(10)) as lines,
               ends_with(content, chr(10)) as ends_with_newline
        from read_text(${quoteLiteral(path)})
    ),
    numbered as (
        select generate_subscripts(lines, 1) as line_number,
               unnest(lines) as line,
               len(lines) as n_lines,
               ends_with_newline
        from file_text
    )
    select line_number, line,
        case
            when trim(line) = '' then 'empty line'
            when not json_valid(line) then 'invalid JSON'
            when json_type(line) <> 'OBJECT' then 'not a JSON object'
            ${missingChecks}
        end as reason
    from numbered
    -- the empty string after a final newline is not a line
    where not (ends_with_newline and line_number = n_lines);
  `);
  await wh.execute(`
    insert into raw.events
    select md5(${source} || ':' || line_number), ${source}, line_number, now(), line::json
    from _lines where reason is null order by line_number;
    insert into raw.events_rejected
    select md5(${source} || ':' || line_number), ${source}, line_number, now(), line, reason
    from _lines where reason is not null order by line_number;
  `);
  const counts = await wh.query<{ rows: number; rejected: number }>(
    `select count(*) filter (where reason is null) as rows,
            count(*) filter (where reason is not null) as rejected
     from _lines`,
  );
  await wh.execute("drop table _lines");
  return { rows: counts[0]?.rows ?? 0, rejected: counts[0]?.rejected ?? 0 };
}

async function insertCsv(
  wh: DuckDbWarehouse,
  kind: Exclude<RawKind, "events">,
  path: string,
  sourceFile: string,
) {
  const source = quoteLiteral(sourceFile);
  const columns = RAW_CSV_COLUMNS[kind];
  const columnSpec = columns.map((name) => `'${name}': 'VARCHAR'`).join(", ");
  await wh.execute(`
    create or replace temp table _rows as
    select row_number() over () as record_number, *
    from read_csv(${quoteLiteral(path)},
        header = true, auto_detect = false, columns = {${columnSpec}},
        delim = ',', quote = '"', escape = '"', parallel = false,
        store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scans');
  `);
  // Physical line of each good record: the lines that were neither the header nor rejected,
  // in order (records are one line each in our sources).
  await wh.execute(`
    create or replace temp table _rejected_lines as
    select line, any_value(csv_line) as raw_text, string_agg(error_message, '; ') as reason
    from _csv_rejects group by line;
    create or replace temp table _good_lines as
    with all_lines as (
        select range as line
        from range(2, 2 + (select count(*) from _rows) + (select count(*) from _rejected_lines))
    )
    select line, row_number() over (order by line) as record_number
    from all_lines where line not in (select line from _rejected_lines);
    insert into raw.${kind}
    select md5(${source} || ':' || good.line), ${source}, good.line, now(),
           ${columns.map((name) => `rows.${name}`).join(", ")}
    from _rows as rows
    inner join _good_lines as good on good.record_number = rows.record_number
    order by good.line;
    insert into raw.${kind}_rejected
    select md5(${source} || ':' || line), ${source}, line, now(), raw_text, reason
    from _rejected_lines order by line;
  `);
  const counts = await wh.query<{ rows: number; rejected: number }>(
    `select (select count(*) from _rows) as rows,
            (select count(*) from _rejected_lines) as rejected`,
  );
  await wh.execute(
    "drop table _rows; drop table _rejected_lines; drop table _good_lines; " +
      "drop table if exists _csv_rejects; drop table if exists _csv_scans;",
  );
  return { rows: counts[0]?.rows ?? 0, rejected: counts[0]?.rejected ?? 0 };
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
