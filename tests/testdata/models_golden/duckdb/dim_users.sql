with users as (
    select * from staging.stg_users
),

final as (
    select
        user_id,
        tier,
        region,
        signup_at,
        cast(signup_at as DATE) as signup_date,
        cast(date_trunc('week', signup_at) as DATE) as signup_week
    from users
)

select * from final
