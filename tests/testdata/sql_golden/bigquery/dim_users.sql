-- One row per registry user, with the signup cohort used by retention analyses.

with users as (

    select * from `terraloop_staging.stg_users`

),

final as (

    select
        user_id,
        full_name,
        email,
        company,
        tier,
        region,
        signup_at,
        date(signup_at) as signup_date,
        date_trunc(date(signup_at), week(monday)) as signup_week,
    from users

)

select * from final
