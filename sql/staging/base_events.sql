{{ config(materialized='incremental', unique_key='_raw_id', partition_by={'field': 'delivered_date', 'data_type': 'date'}) }}

-- One row per raw event line (every row of raw.events): fields extracted from the JSON
-- payload, standardised, and classified. stg_events keeps the clean first deliveries;
-- stg_events_quarantined keeps what cannot be used, with the reason.
-- Incremental: only lines loaded since the last build are parsed; earlier deliveries of the
-- same event ids are read back from this table so duplicates rank exactly as in a full build.

with source_events as (

    select * from {{ source('raw', 'events') }}
    {% if is_incremental() %}
    where _loaded_at > {{ incremental_watermark('_loaded_at') }}
    {% endif %}

),

events_parsed as (

    -- one parse of each payload for every field (see the json_str_list macro)
    select
        *,
        {{ json_str_list(
            'payload',
            '$.event_id', '$.user_id', '$.event', '$.ts', '$.session_id', '$.platform',
            '$.properties.listing_id', '$.properties.category', '$.properties.weight_kg',
            '$.properties.eco_score_kg_co2e', '$.properties.query'
        ) }} as payload_fields,
        {{ json_kind('payload', '$.ts') }} as ts_kind,
    from source_events

),

events_extracted as (

    select
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
        {{ list_item('payload_fields', 1) }} as event_id_raw,
        {{ list_item('payload_fields', 2) }} as user_id_raw,
        {{ list_item('payload_fields', 3) }} as event_name_raw,
        {{ list_item('payload_fields', 4) }} as ts_raw,
        ts_kind,
        {{ list_item('payload_fields', 5) }} as session_id,
        {{ list_item('payload_fields', 6) }} as platform,
        {{ list_item('payload_fields', 7) }} as listing_id_raw,
        {{ list_item('payload_fields', 8) }} as category_raw,
        {{ list_item('payload_fields', 9) }} as weight_kg_raw,
        {{ list_item('payload_fields', 10) }} as eco_score_raw,
        {{ list_item('payload_fields', 11) }} as search_query,
    from events_parsed

),

events_standardised as (

    select
        {{ trim_ws('event_id_raw') }} as event_id,
        user_id_raw,
        {{ trim_ws('upper(user_id_raw)') }} as user_id,
        event_name_raw,
        replace(replace(lower({{ trim_ws('event_name_raw') }}), ' ', '_'), '-', '_') as event_name,
        ts_raw,
        {{ parse_timestamp_any('ts_raw', 'ts_kind') }} as event_at,
        nullif({{ trim_ws('session_id') }}, '') as session_id,
        lower({{ trim_ws('platform') }}) as platform,
        {{ trim_ws('upper(listing_id_raw)') }} as listing_id,
        {{ trim_ws('category_raw') }} as category,
        weight_kg_raw,
        {{ safe_cast('weight_kg_raw', 'double') }} as weight_kg,
        eco_score_raw,
        {{ safe_cast('eco_score_raw', 'double') }} as eco_score_kg_co2e,
        search_query,
        {{ safe_cast("substr(_source_file, 8, 10)", 'date') }} as delivered_date,
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
    from events_extracted

),

{% if is_incremental() %}
events_to_rank as (

    -- the new lines, plus the deliveries already built of the event ids they carry (NULL
    -- ids rank together, as in a full build), re-ranked with them and merged back; two
    -- branches rather than one OR, so each is a hash join and not a nested loop
    select * from events_standardised

    union all

    select {{ star_except('quarantine_reason', 'is_duplicate') }}
    from {{ this }} as built
    where built.event_id in (select event_id from events_standardised)
        and not exists (select 1 from events_standardised as arrived where arrived._raw_id = built._raw_id)

    union all

    select {{ star_except('quarantine_reason', 'is_duplicate') }}
    from {{ this }} as built
    where built.event_id is null
        and exists (select 1 from events_standardised as arrived where arrived.event_id is null)
        and not exists (select 1 from events_standardised as arrived where arrived._raw_id = built._raw_id)

),
{% else %}
events_to_rank as (

    select * from events_standardised

),
{% endif %}

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

select * from final
