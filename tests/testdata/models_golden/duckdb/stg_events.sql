with source as (
    select * from raw.events
),

parsed as (
    select
        upper(trim(case when json_type(payload, '$.event_id') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.event_id') end)) as event_id,
        upper(trim(case when json_type(payload, '$.user_id') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.user_id') end)) as user_id,
        regexp_replace(lower(trim(case when json_type(payload, '$.event') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.event') end)), '[ -]+', '_', 'g') as event_name,
        case when regexp_full_match(case when json_type(payload, '$.ts') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.ts') end, '[0-9]{1,13}') and (case json_type(payload, '$.ts') when 'VARCHAR' then 'string' when 'BIGINT' then 'number' when 'UBIGINT' then 'number' when 'DOUBLE' then 'number' when 'HUGEINT' then 'number' else lower(json_type(payload, '$.ts')) end = 'number' or length(case when json_type(payload, '$.ts') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.ts') end) >= 11) then timezone('UTC', epoch_ms(try_cast(case when json_type(payload, '$.ts') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.ts') end as BIGINT))) else coalesce(timezone('UTC', try_strptime(case when json_type(payload, '$.ts') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.ts') end, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), try_strptime(case when json_type(payload, '$.ts') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.ts') end, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end as event_at,
        case when regexp_full_match(cast(case when json_type(payload, '$.properties.weight_kg') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.properties.weight_kg') end as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(case when json_type(payload, '$.properties.weight_kg') in ('OBJECT', 'ARRAY') then null else json_extract_string(payload, '$.properties.weight_kg') end as DOUBLE) end as weight_kg,
        json_exists(payload, '$.properties') as has_properties,
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
