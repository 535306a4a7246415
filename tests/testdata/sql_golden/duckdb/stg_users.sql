-- One row per registry user: ids standardised with trim(upper()), values trimmed,
-- signup time parsed to UTC. A user delivered twice keeps its latest load.

with source_users as (

    select * from raw.users

),

users_standardised as (

    select
        regexp_replace(upper(user_id), '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as user_id,
        regexp_replace(full_name, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as full_name,
        lower(regexp_replace(email, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g')) as email,
        regexp_replace(company, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as company,
        regexp_replace(tier, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as tier,
        upper(regexp_replace(region, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g')) as region,
        case when regexp_full_match(signup_at, '[0-9]{1,13}') and length(signup_at) >= 11 then timezone('UTC', epoch_ms(try_cast(signup_at as BIGINT))) else coalesce(timezone('UTC', try_strptime(signup_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), try_strptime(signup_at, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end as signup_at,
        _source_file,
        _line,
        _loaded_at,
    from source_users

),

users_deduplicated as (

    select * from users_standardised
    qualify row_number() over (
        partition by user_id order by _loaded_at desc, _source_file desc, _line desc
    ) = 1

),

final as (

    select * from users_deduplicated

)

select * from final
