-- One row per raw event row that parsed as JSON but cannot be used (unknown event name,
-- missing id, unparseable timestamp), first delivery only, with the reason. Kept, not dropped.

with base_events as (

    select * from `terraloop_staging.base_events`

),

final as (

    select
        _raw_id,
        event_id,
        user_id,
        event_name_raw,
        ts_raw,
        quarantine_reason,
        _source_file,
        _line,
        _loaded_at,
    from base_events
    where not is_duplicate and quarantine_reason is not null

)

select * from final
