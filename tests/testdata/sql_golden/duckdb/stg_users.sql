-- One row per registry user: ids standardised with trim(upper()), values trimmed,
-- signup time parsed to UTC. A user delivered twice keeps its latest load.

with source_users as (

    select * from raw.users

),

users_standardised as (

    select
        trim(upper(user_id)) as user_id,
        trim(full_name) as full_name,
        lower(trim(email)) as email,
        trim(company) as company,
        trim(tier) as tier,
        upper(trim(region)) as region,
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
