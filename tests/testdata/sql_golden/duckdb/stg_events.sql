-- One row per event: the first delivery of each event id whose fields are usable.
-- Duplicate deliveries are dropped here; unusable rows live in stg_events_quarantined.
-- Incremental: base_events rows loaded since the last build; a later delivery of an event
-- already here is a duplicate in base_events, so it never replaces the first one.

with base_events as (

    select * from staging.base_events

),

events_kept as (

    select * from base_events
    where not is_duplicate and quarantine_reason is null

),

final as (

    select
        event_id,
        user_id,
        user_id_raw,
        event_name,
        event_at,
        session_id,
        platform,
        listing_id,
        category,
        weight_kg,
        eco_score_kg_co2e,
        weight_kg_raw is not null and weight_kg is null as has_bad_weight,
        eco_score_raw is not null and eco_score_kg_co2e is null as has_bad_eco_score,
        search_query,
        delivered_date,
        delivered_date > cast(event_at as DATE) as is_late_arrival,
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
    from events_kept

)

select * from final
