-- full_refresh_if: when this query returns true, the model is built in full instead
-- select
--     (select count(*) from `terraloop_staging.base_events`)
--     <> (
--         select count(*) from `terraloop_raw.events`
--         where _loaded_at <= (select max(_loaded_at) from `terraloop_staging.base_events`)
--     ) as raw_rows_changed

declare incremental_partitions array<date>;

create temp table `base_events__incremental` as
-- One row per raw event line (every row of raw.events): fields extracted from the JSON
-- payload, standardised, and classified. stg_events keeps the clean first deliveries;
-- stg_events_quarantined keeps what cannot be used, with the reason.
-- Incremental: only lines loaded since the last build are parsed; earlier deliveries of the
-- same event ids are read back from this table so duplicates rank exactly as in a full build.

with source_events as (

    select * from `terraloop_raw.events`
    where _loaded_at > (select coalesce(max(built._loaded_at), timestamp '0001-01-01 00:00:00+00') from `terraloop_staging.base_events` as built)

),

events_parsed as (

    -- one parse of each payload for every field (see the json_str_list macro)
    select
        *,
        [json_value(payload, '$.event_id'), json_value(payload, '$.user_id'), json_value(payload, '$.event'), json_value(payload, '$.ts'), json_value(payload, '$.session_id'), json_value(payload, '$.platform'), json_value(payload, '$.properties.listing_id'), json_value(payload, '$.properties.category'), json_value(payload, '$.properties.weight_kg'), json_value(payload, '$.properties.eco_score_kg_co2e'), json_value(payload, '$.properties.query')] as payload_fields,
        json_type(json_query(payload, '$.ts')) as ts_kind,
    from source_events

),

events_extracted as (

    select
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
        payload_fields[safe_ordinal(1)] as event_id_raw,
        payload_fields[safe_ordinal(2)] as user_id_raw,
        payload_fields[safe_ordinal(3)] as event_name_raw,
        payload_fields[safe_ordinal(4)] as ts_raw,
        ts_kind,
        payload_fields[safe_ordinal(5)] as session_id,
        payload_fields[safe_ordinal(6)] as platform,
        payload_fields[safe_ordinal(7)] as listing_id_raw,
        payload_fields[safe_ordinal(8)] as category_raw,
        payload_fields[safe_ordinal(9)] as weight_kg_raw,
        payload_fields[safe_ordinal(10)] as eco_score_raw,
        payload_fields[safe_ordinal(11)] as search_query,
    from events_parsed

),

events_standardised as (

    select
        trim(event_id_raw) as event_id,
        user_id_raw,
        trim(upper(user_id_raw)) as user_id,
        event_name_raw,
        replace(replace(lower(trim(event_name_raw)), ' ', '_'), '-', '_') as event_name,
        ts_raw,
        case when regexp_contains(ts_raw, r'^[0-9]{1,13}$') and (ts_kind = 'number' or length(ts_raw) >= 11) then timestamp_millis(safe_cast(ts_raw as INT64)) else coalesce(safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', ts_raw), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', ts_raw), safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', ts_raw), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', ts_raw)) end as event_at,
        nullif(trim(session_id), '') as session_id,
        lower(trim(platform)) as platform,
        trim(upper(listing_id_raw)) as listing_id,
        trim(category_raw) as category,
        weight_kg_raw,
        case when regexp_contains(cast(weight_kg_raw as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(weight_kg_raw as FLOAT64) end as weight_kg,
        eco_score_raw,
        case when regexp_contains(cast(eco_score_raw as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(eco_score_raw as FLOAT64) end as eco_score_kg_co2e,
        search_query,
        case when regexp_contains(cast(substr(_source_file, 8, 10) as STRING), r'^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})$') then safe_cast(substr(_source_file, 8, 10) as DATE) end as delivered_date,
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

    select * except (quarantine_reason, is_duplicate)
    from `terraloop_staging.base_events` as built
    where built.event_id in (select event_id from events_standardised)
        and not exists (select 1 from events_standardised as arrived where arrived._raw_id = built._raw_id)

    union all

    select * except (quarantine_reason, is_duplicate)
    from `terraloop_staging.base_events` as built
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

set incremental_partitions = (
    select array_agg(distinct `delivered_date` ignore nulls) from `base_events__incremental`
);

merge into `terraloop_staging.base_events` as target
using `base_events__incremental` as batch
on target.`delivered_date` in unnest(incremental_partitions)
    and target.`_raw_id` = batch.`_raw_id`
when matched then update set
    `event_id` = batch.`event_id`,
    `user_id_raw` = batch.`user_id_raw`,
    `user_id` = batch.`user_id`,
    `event_name_raw` = batch.`event_name_raw`,
    `event_name` = batch.`event_name`,
    `ts_raw` = batch.`ts_raw`,
    `event_at` = batch.`event_at`,
    `session_id` = batch.`session_id`,
    `platform` = batch.`platform`,
    `listing_id` = batch.`listing_id`,
    `category` = batch.`category`,
    `weight_kg_raw` = batch.`weight_kg_raw`,
    `weight_kg` = batch.`weight_kg`,
    `eco_score_raw` = batch.`eco_score_raw`,
    `eco_score_kg_co2e` = batch.`eco_score_kg_co2e`,
    `search_query` = batch.`search_query`,
    `delivered_date` = batch.`delivered_date`,
    `_source_file` = batch.`_source_file`,
    `_line` = batch.`_line`,
    `_loaded_at` = batch.`_loaded_at`,
    `quarantine_reason` = batch.`quarantine_reason`,
    `is_duplicate` = batch.`is_duplicate`
when not matched then insert (`event_id`, `user_id_raw`, `user_id`, `event_name_raw`, `event_name`, `ts_raw`, `event_at`, `session_id`, `platform`, `listing_id`, `category`, `weight_kg_raw`, `weight_kg`, `eco_score_raw`, `eco_score_kg_co2e`, `search_query`, `delivered_date`, `_raw_id`, `_source_file`, `_line`, `_loaded_at`, `quarantine_reason`, `is_duplicate`)
    values (batch.`event_id`, batch.`user_id_raw`, batch.`user_id`, batch.`event_name_raw`, batch.`event_name`, batch.`ts_raw`, batch.`event_at`, batch.`session_id`, batch.`platform`, batch.`listing_id`, batch.`category`, batch.`weight_kg_raw`, batch.`weight_kg`, batch.`eco_score_raw`, batch.`eco_score_kg_co2e`, batch.`search_query`, batch.`delivered_date`, batch.`_raw_id`, batch.`_source_file`, batch.`_line`, batch.`_loaded_at`, batch.`quarantine_reason`, batch.`is_duplicate`);

select
    (select count(*) from `base_events__incremental`) as batch_rows,
    (select count(*) from `terraloop_staging.base_events`) as n;
