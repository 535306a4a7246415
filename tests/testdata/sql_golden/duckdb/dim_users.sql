-- One row per registry user, with the signup cohort used by retention analyses.

with users as (

    select * from staging.stg_users

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
        cast(signup_at as DATE) as signup_date,
        cast(date_trunc('week', cast(signup_at as DATE)) as DATE) as signup_week,
    from users

)

select * from final
