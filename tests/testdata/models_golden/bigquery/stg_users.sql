with source as (
    select * from `terraloop_raw.users`
),

final as (
    select
        upper(trim(user_id)) as user_id,
        tier,
        region,
        case when regexp_contains(signup_at, r'^[0-9]{1,13}$') and length(signup_at) >= 11 then timestamp_millis(safe_cast(signup_at as INT64)) else coalesce(safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', signup_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', signup_at), safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', signup_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', signup_at)) end as signup_at
    from source
)

select * from final
