with source as (
    select * from {{ source('raw', 'events') }}
),

parsed as (
    select
        {{ normalise_id(json_str('payload', 'event_id')) }} as event_id,
        {{ normalise_id(json_str('payload', 'user_id')) }} as user_id,
        {{ regexp_replace_all("lower(trim(" ~ json_str('payload', 'event') ~ "))", '[ -]+', '_') }} as event_name,
        {{ parse_timestamp_any(json_str('payload', 'ts'), json_kind('payload', 'ts')) }} as event_at,
        {{ safe_cast(json_str('payload', 'properties.weight_kg'), 'double') }} as weight_kg,
        {{ json_has('payload', 'properties') }} as has_properties,
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
