with source as (
    select * from `terraloop_raw.events`
),

parsed as (
    select
        upper(trim(json_value(payload, '$.event_id'))) as event_id,
        upper(trim(json_value(payload, '$.user_id'))) as user_id,
        regexp_replace(lower(trim(json_value(payload, '$.event'))), r'[ -]+', r'_') as event_name,
        case when regexp_contains(json_value(payload, '$.ts'), r'^[0-9]{1,13}$') and (json_type(json_query(payload, '$.ts')) = 'number' or length(json_value(payload, '$.ts')) >= 11) then timestamp_millis(safe_cast(json_value(payload, '$.ts') as INT64)) else coalesce(safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', json_value(payload, '$.ts')), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', json_value(payload, '$.ts')), safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', json_value(payload, '$.ts')), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', json_value(payload, '$.ts'))) end as event_at,
        case when regexp_contains(cast(json_value(payload, '$.properties.weight_kg') as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(json_value(payload, '$.properties.weight_kg') as FLOAT64) end as weight_kg,
        (json_query(payload, '$.properties') is not null) as has_properties,
        _source_file,
        _line
    from source
),

ranked as (
    select
        *,
        row_number() over (partition by event_id order by _source_file, _line) as delivery_rank
    from parsed
),

final as (
    select
        event_id,
        user_id,
        event_name,
        event_at,
        weight_kg,
        has_properties
    from ranked
    where delivery_rank = 1
)

select * from final
