/**
 * The DuckDB raw schema: raw tables, rejected tables and the load manifest (the columns
 * docs/contracts.md lists). Created when a warehouse is opened.
 *
 * @module
 */
import { RAW_CSV_COLUMNS } from "./raw_tables.ts";
import type { RawKind } from "./types.ts";

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
