with source as (
    select * from raw.users
),

final as (
    select
        upper(trim(user_id)) as user_id,
        tier,
        region,
        case when regexp_full_match(signup_at, '[0-9]{1,13}') and length(signup_at) >= 11 then timezone('UTC', epoch_ms(try_cast(signup_at as BIGINT))) else coalesce(timezone('UTC', try_strptime(signup_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), try_strptime(signup_at, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end as signup_at
    from source
)

select * from final
