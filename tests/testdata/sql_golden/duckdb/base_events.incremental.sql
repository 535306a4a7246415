-- full_refresh_if: when this query returns true, the model is built in full instead
-- select
--     (select count(*) from staging.base_events)
--     <> (
--         select count(*) from raw.events
--         where _loaded_at <= (select max(_loaded_at) from staging.base_events)
--     ) as raw_rows_changed

begin transaction;

create or replace temp table "base_events__incremental" as
-- One row per raw event line (every row of raw.events): fields extracted from the JSON
-- payload, standardised, and classified. stg_events keeps the clean first deliveries;
-- stg_events_quarantined keeps what cannot be used, with the reason.
-- Incremental: only lines loaded since the last build are parsed; earlier deliveries of the
-- same event ids are read back from this table so duplicates rank exactly as in a full build.

with source_events as (

    select * from raw.events
    where _loaded_at > (select coalesce(max(built._loaded_at), timestamptz '0001-01-01 00:00:00+00') from staging.base_events as built)

),

events_parsed as (

    -- one parse of each payload for every field (see the json_str_list macro)
    select
        *,
        case when contains(array_to_string(json_extract_string(payload, ['$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform', '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg', '$.properties.eco_score_kg_co2e', '$.properties.query']), ''), '{') or contains(array_to_string(json_extract_string(payload, ['$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform', '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg', '$.properties.eco_score_kg_co2e', '$.properties.query']), ''), '[') then list_transform(list_zip(json_extract_string(payload, ['$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform', '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg', '$.properties.eco_score_kg_co2e', '$.properties.query']), json_type(payload, ['$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform', '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg', '$.properties.eco_score_kg_co2e', '$.properties.query'])), f -> case when f[2] in ('OBJECT', 'ARRAY') then null else f[1] end) else json_extract_string(payload, ['$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform', '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg', '$.properties.eco_score_kg_co2e', '$.properties.query']) end as payload_fields,
        case json_type(payload, '$.ts') when 'VARCHAR' then 'string' when 'BIGINT' then 'number' when 'UBIGINT' then 'number' when 'DOUBLE' then 'number' when 'HUGEINT' then 'number' else lower(json_type(payload, '$.ts')) end as ts_kind,
    from source_events

),

events_extracted as (

    select
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
        payload_fields[1] as event_id_raw,
        payload_fields[2] as user_id_raw,
        payload_fields[3] as event_name_raw,
        payload_fields[4] as ts_raw,
        ts_kind,
        payload_fields[5] as session_id,
        payload_fields[6] as platform,
        payload_fields[7] as listing_id_raw,
        payload_fields[8] as category_raw,
        payload_fields[9] as weight_kg_raw,
        payload_fields[10] as eco_score_raw,
        payload_fields[11] as search_query,
    from events_parsed

),

events_standardised as (

    select
        regexp_replace(event_id_raw, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as event_id,
        user_id_raw,
        regexp_replace(upper(user_id_raw), '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as user_id,
        event_name_raw,
        replace(replace(lower(regexp_replace(event_name_raw, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g')), ' ', '_'), '-', '_') as event_name,
        ts_raw,
        case when regexp_full_match(ts_raw, '[0-9]{1,13}') and (ts_kind = 'number' or length(ts_raw) >= 11) then timezone('UTC', epoch_ms(try_cast(ts_raw as BIGINT))) else coalesce(timezone('UTC', try_strptime(ts_raw, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), try_strptime(ts_raw, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end as event_at,
        nullif(regexp_replace(session_id, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g'), '') as session_id,
        lower(regexp_replace(platform, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g')) as platform,
        regexp_replace(upper(listing_id_raw), '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as listing_id,
        regexp_replace(category_raw, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as category,
        weight_kg_raw,
        case when regexp_full_match(cast(weight_kg_raw as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(weight_kg_raw as DOUBLE) end as weight_kg,
        eco_score_raw,
        case when regexp_full_match(cast(eco_score_raw as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(eco_score_raw as DOUBLE) end as eco_score_kg_co2e,
        search_query,
        case when regexp_full_match(cast(substr(_source_file, 8, 10) as VARCHAR), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') then try_cast(substr(_source_file, 8, 10) as DATE) end as delivered_date,
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
    from events_extracted

),

events_to_rank as (

    -- the new lines, plus the deliveries already built of the event ids they carry (NULL
    -- ids rank together, as in a full build), re-ranked with them and merged back; two
    -- branches rather than one OR, so each is a hash join and not a nested loop
    select * from events_standardised

    union all

    select * exclude (quarantine_reason, is_duplicate)
    from staging.base_events as built
    where built.event_id in (select event_id from events_standardised)
        and not exists (select 1 from events_standardised as arrived where arrived._raw_id = built._raw_id)

    union all

    select * exclude (quarantine_reason, is_duplicate)
    from staging.base_events as built
    where built.event_id is null
        and exists (select 1 from events_standardised as arrived where arrived.event_id is null)
        and not exists (select 1 from events_standardised as arrived where arrived._raw_id = built._raw_id)

),

events_classified as (

    select
        *,
        case
            when event_id is null or event_id = '' then 'missing event_id'
            when user_id is null or user_id = '' then 'missing user_id'
            when event_name not in (
                'session_start', 'search', 'view_listing', 'start_listing',
                'publish_listing', 'message_seller', 'complete_recycling'
            ) then 'unknown event name'
            when event_at is null then 'unparseable timestamp'
        end as quarantine_reason,
        row_number() over (
            partition by event_id order by _loaded_at, _source_file, _line
        ) > 1 as is_duplicate,
    from events_to_rank

),

final as (

    select * from events_classified

)

select * from final;

delete from staging.base_events as target
using "base_events__incremental" as batch
where target._raw_id = batch._raw_id;

insert into staging.base_events (event_id, user_id_raw, user_id, event_name_raw, event_name, ts_raw, event_at, session_id, platform, listing_id, category, weight_kg_raw, weight_kg, eco_score_raw, eco_score_kg_co2e, search_query, delivered_date, _raw_id, _source_file, _line, _loaded_at, quarantine_reason, is_duplicate)
select event_id, user_id_raw, user_id, event_name_raw, event_name, ts_raw, event_at, session_id, platform, listing_id, category, weight_kg_raw, weight_kg, eco_score_raw, eco_score_kg_co2e, search_query, delivered_date, _raw_id, _source_file, _line, _loaded_at, quarantine_reason, is_duplicate from "base_events__incremental";

drop table "base_events__incremental";

commit;
