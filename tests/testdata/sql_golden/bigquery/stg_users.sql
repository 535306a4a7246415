-- One row per registry user: ids standardised with trim(upper()), values trimmed,
-- signup time parsed to UTC. A user delivered twice keeps its latest load.

with source_users as (

    select * from `terraloop_raw.users`

),

users_standardised as (

    select
        trim(upper(user_id)) as user_id,
        trim(full_name) as full_name,
        lower(trim(email)) as email,
        trim(company) as company,
        trim(tier) as tier,
        upper(trim(region)) as region,
        case when regexp_contains(signup_at, r'^[0-9]{1,13}$') and length(signup_at) >= 11 then timestamp_millis(safe_cast(signup_at as INT64)) else coalesce(safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', signup_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', signup_at), safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', signup_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', signup_at)) end as signup_at,
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
