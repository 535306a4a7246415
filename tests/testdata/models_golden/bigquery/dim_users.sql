with users as (
    select * from `terraloop_staging.stg_users`
),

final as (
    select
        user_id,
        tier,
        region,
        signup_at,
        date(signup_at) as signup_date,
        date_trunc(signup_at, week(monday)) as signup_week
    from users
)

select * from final
