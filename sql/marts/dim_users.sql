{{ config(materialized='table') }}

-- One row per registry user, with the signup cohort used by retention analyses.

with users as (

    select * from {{ ref('stg_users') }}

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
        {{ to_date('signup_at') }} as signup_date,
        {{ date_trunc_date('week', to_date('signup_at')) }} as signup_week,
    from users

)

select * from final
